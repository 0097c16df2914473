"""G1–G3 writers: articles through draft → reviewed → published → retired, with versions, votes and use.

Four eyes: a version is reviewed by someone other than its author. Readers see only the published version
(`Article.live`), so editing a published article never changes what customers read until it is published again.
Every change is in the audit log; the search index follows through `core.signals.changed`.
"""

import nh3
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.core.signals import changed
from anxin.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleVersion,
    ArticleVote,
    Audience,
    KnowledgeCategory,
    Situation,
)
from anxin.workorders import attachments as checked_files
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder

# what an article may contain: text structure, links and tables; no scripts, styles, images from elsewhere
ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a",
                "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
EDITABLE = {"title", "body", "audience", "situation", "category"}


def sanitise(html: str) -> str:
    """Article text as stored: allowed tags only, links limited to http(s)/mailto/tel, nothing executable."""
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer nofollow")


def _invalid(message, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, {"field": field})


def _require(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise PermissionDeniedError()


def _clean(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if key not in EDITABLE:
            raise _invalid(_("This field cannot be changed."), key)
        out[key] = value
    if "title" in out:
        out["title"] = " ".join(str(out["title"] or "").split())[:120]
        if not out["title"]:
            raise _invalid(_("Give the article a title."), "title")
    if "body" in out:
        out["body"] = sanitise(str(out["body"] or ""))
        if not nh3.clean(out["body"], tags=set()).strip():
            raise _invalid(_("Write the article's text."), "body")
        if len(out["body"]) > 20000:
            raise _invalid(_("The text is too long (at most 20,000 characters)."), "body")
    if "audience" in out and out["audience"] not in Audience.values:
        raise _invalid(_("Choose who the article is for."), "audience")
    if "situation" in out and out["situation"] and out["situation"] not in Situation.values:
        raise _invalid(_("Choose a situation from the list."), "situation")
    if "category" in out and out["category"] is not None and not isinstance(out["category"], KnowledgeCategory):
        raise _invalid(_("Choose a category from the list."), "category")
    return out


def _version_for(article: Article, actor: User) -> ArticleVersion:
    """The working version: a new one once the current one has been reviewed or published."""
    current = article.versions.filter(version=article.version).first()
    if current is not None and current.reviewed_at is None and current.published_at is None:
        return current
    if current is not None:
        article.version += 1
    return ArticleVersion(article=article, version=article.version, author=actor)


def article_create(*, actor: User, data: dict, request=None) -> Article:
    _require(actor, "knowledge.edit_article")
    fields = _clean({"audience": Audience.INTERNAL, "situation": "", **data})
    for required in ("title", "body"):
        if required not in fields:
            raise _invalid(_("Give the article a title.") if required == "title" else _("Write the article's text."),
                           required)
    with transaction.atomic():
        article = Article.objects.create(author=actor, **fields)
        ArticleVersion.objects.create(article=article, version=1, title=article.title, body=article.body, author=actor)
        audit_record(actor=actor, action="create", object_type="knowledge.article", object_id=article.public_id,
                     summary=article.title, request=request)
        changed("article", article.pk)
    return article


def article_update(*, article: Article, actor: User, data: dict, edit_seq: int, request=None) -> Article:
    """Save the working text. A form opened before someone else's save is refused: nothing is overwritten."""
    _require(actor, "knowledge.edit_article")
    fields = _clean(data)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.edit_seq != edit_seq:
            raise DomainError(ErrorCode.CONFLICT, _("Someone else saved this article after you opened it. "
                                                    "Your text was not saved: copy it, reload and edit again."),
                              {"field": "edit_seq"}, status=409)
        if locked.status == Article.Status.RETIRED:
            raise DomainError(ErrorCode.CONFLICT, _("A retired article cannot be edited."), status=409)
        changes = {k: {"old": str(getattr(locked, k)), "new": str(v)} for k, v in fields.items()
                   if getattr(locked, k) != v}
        if not changes:
            return locked
        for key, value in fields.items():
            setattr(locked, key, value)
        version = _version_for(locked, actor)
        version.title, version.body, version.author = locked.title, locked.body, actor
        version.save()
        locked.status, locked.edit_seq = Article.Status.DRAFT, locked.edit_seq + 1
        locked.save()
        audit_record(actor=actor, action="update", object_type="knowledge.article", object_id=locked.public_id,
                     summary=f"{locked.title} v{locked.version}", request=request,
                     data={k: {"old": v["old"][:200], "new": v["new"][:200]} for k, v in changes.items()})
    return locked


def _step(article: Article, actor: User, *, frm: set, to: str, request=None) -> Article:
    _require(actor, "knowledge.publish_article")
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.status not in frm:
            raise DomainError(ErrorCode.CONFLICT, _("The article is %(status)s; this step is not possible now.")
                              % {"status": locked.get_status_display()}, status=409)
        version = locked.versions.get(version=locked.version)
        now = timezone.now()
        if to == Article.Status.REVIEWED:
            if version.author_id == actor.id:
                raise DomainError(ErrorCode.PERMISSION_DENIED,
                                  _("Another person must review what you wrote."), status=403)
            version.reviewer, version.reviewed_at = actor, now
        elif to == Article.Status.PUBLISHED:
            if version.reviewer_id is None:
                raise DomainError(ErrorCode.CONFLICT, _("Review the version before publishing it."), status=409)
            if locked.live_id and locked.live_id != version.pk:
                ArticleVersion.objects.filter(pk=locked.live_id).update(retired_at=now)
            version.published_at = now
            locked.live = version
        elif to == Article.Status.RETIRED:
            version.retired_at = now
            if locked.live_id:
                ArticleVersion.objects.filter(pk=locked.live_id).update(retired_at=now)
            locked.live = None
        version.save()
        locked.status, locked.edit_seq = to, locked.edit_seq + 1
        locked.save()
        audit_record(actor=actor, action="update", object_type="knowledge.article", object_id=locked.public_id,
                     summary=f"{locked.title} v{locked.version} → {to}", request=request)
        changed("article", locked.pk)
    return locked


def article_review(*, article: Article, actor: User, request=None) -> Article:
    return _step(article, actor, frm={Article.Status.DRAFT}, to=Article.Status.REVIEWED, request=request)


def article_publish(*, article: Article, actor: User, request=None) -> Article:
    return _step(article, actor, frm={Article.Status.REVIEWED}, to=Article.Status.PUBLISHED, request=request)


def article_retire(*, article: Article, actor: User, request=None) -> Article:
    return _step(article, actor, frm={Article.Status.PUBLISHED, Article.Status.DRAFT, Article.Status.REVIEWED},
                 to=Article.Status.RETIRED, request=request)


def article_vote(*, article: Article, voter: str, helpful: bool) -> bool:
    """'Was this helpful?' once per reader; False when this reader had already answered."""
    if article.live_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    with transaction.atomic():
        _vote, created = ArticleVote.objects.get_or_create(article=article, voter=voter[:64],
                                                           defaults={"helpful": helpful})
        if created:
            Article.objects.filter(pk=article.pk).update(**{
                "helpful_yes" if helpful else "helpful_no": F("helpful_yes" if helpful else "helpful_no") + 1})
    return created


def article_use(*, article: Article, actor: User, order: WorkOrder | None = None) -> None:
    """An agent used an article or script (suggested or looked up); on an order it goes on the timeline."""
    if article.live_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(used_count=F("used_count") + 1)
        if order is not None:
            wo.workorder_record_knowledge_used(order=order, actor=actor, title=article.live.title,
                                               article_id=str(article.public_id), audience=article.audience)


def articles_used_on_order(*, ids: list[str], actor: User, order: WorkOrder) -> int:
    """The articles and scripts the agent used on the call screen go on the order created from the call."""
    from uuid import UUID

    wanted = []
    for raw in ids[:20]:
        try:
            wanted.append(UUID(raw.strip()))
        except ValueError:
            continue  # a tampered or empty entry: nothing to record
    found = list(Article.objects.filter(public_id__in=wanted, live__isnull=False).select_related("live"))
    with transaction.atomic():
        for article in found:
            wo.workorder_record_knowledge_used(order=order, actor=actor, title=article.live.title,
                                               article_id=str(article.public_id), audience=article.audience)
    return len(found)


def attachment_add(*, article: Article, actor: User, file) -> ArticleAttachment:
    """A photo or PDF on an article: the same content checks and clean-up as an order's attachments."""
    _require(actor, "knowledge.edit_article")
    data, content_type, name = checked_files.checked_upload(file)
    with checked_files.stored_file(data, content_type, "knowledge") as stored_name, transaction.atomic():
        attachment = ArticleAttachment.objects.create(article=article, original_name=name, stored_name=stored_name,
                                                      content_type=content_type, size=len(data), uploaded_by=actor)
        audit_record(actor=actor, action="update", object_type="knowledge.article", object_id=article.public_id,
                     summary=f"{article.title} +attachment", data={"attachment": str(attachment.public_id)})
    return attachment


def attachment_path(attachment: ArticleAttachment):
    return settings.MEDIA_ROOT / "knowledge" / attachment.stored_name


def category_create(*, actor: User | None, name: str, parent: KnowledgeCategory | None = None,
                    position: int = 0) -> KnowledgeCategory:
    if actor is not None:
        _require(actor, "knowledge.edit_article")
    name = " ".join((name or "").split())[:50]
    if not name:
        raise _invalid(_("Give the category a name."), "name")
    category, _created = KnowledgeCategory.objects.get_or_create(parent=parent, name=name,
                                                                 defaults={"position": position})
    return category


def category_save(*, obj: KnowledgeCategory, actor: User, request=None) -> KnowledgeCategory:
    """A category edited in the admin: validated and audited."""
    from django.core.exceptions import ValidationError

    from anxin.core.errors import domain_error_from

    try:
        obj.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    obj.save()
    audit_record(actor=actor, action="update", object_type="knowledge.category", object_id=obj.pk, summary=str(obj),
                 request=request)
    return obj
