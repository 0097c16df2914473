"""Readers of the knowledge base. Staff read published articles; editors also see drafts; the public the FAQ."""

from uuid import UUID

from django.db.models import QuerySet

from anxin.accounts.models import User
from anxin.core.choices import remembered
from anxin.core.errors import NotFound
from anxin.knowledge.models import Article, ArticleAttachment, ArticleVersion, Audience, KnowledgeCategory


def can_read_knowledge(user: User) -> bool:
    return user.is_authenticated and user.has_perm("workorders.view_workorder")


def article_qs_for(user: User) -> QuerySet[Article]:
    """Published articles for staff; every article (drafts, retired) for editors; nothing for anyone else."""
    if not can_read_knowledge(user) and not user.has_perm("knowledge.edit_article"):
        return Article.objects.none()
    qs = Article.objects.select_related("category", "live", "author")
    if user.has_perm("knowledge.edit_article") or user.has_perm("knowledge.publish_article"):
        return qs
    return qs.filter(live__isnull=False)


def _uuid(public_id) -> UUID:
    try:
        return UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc


def article_get_for(*, user: User, public_id) -> Article:
    article = article_qs_for(user).filter(public_id=_uuid(public_id)).first()
    if article is None:
        raise NotFound()
    return article


def article_list_for(*, user: User, audience: str = "", status: str = "", category_id: int | None = None
                     ) -> QuerySet[Article]:
    qs = article_qs_for(user)
    if audience:
        qs = qs.filter(audience=audience)
    if status:
        qs = qs.filter(status=status)
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("-updated_at", "-id")


def versions_of(*, article: Article) -> list[ArticleVersion]:
    return list(article.versions.select_related("author", "reviewer"))


def attachments_of(*, article: Article) -> list[ArticleAttachment]:
    return list(article.attachments.all())


def attachment_get_for(*, article: Article, public_id) -> ArticleAttachment:
    found = article.attachments.filter(public_id=_uuid(public_id)).first()
    if found is None:
        raise NotFound()
    return found


def faq_qs() -> QuerySet[Article]:
    """What customers may read without signing in: the published public FAQ."""
    return Article.objects.filter(audience=Audience.FAQ, live__isnull=False).select_related("live", "category")


def faq_get(*, public_id) -> Article:
    article = faq_qs().filter(public_id=_uuid(public_id)).first()
    if article is None:
        raise NotFound()
    return article


def scripts_for(*, user: User, situations: list[str], limit: int = 6) -> list[Article]:
    """Published scripts for these situations, in the order the situations were given."""
    if not can_read_knowledge(user) or not situations:
        return []
    rank = {s: i for i, s in enumerate(situations)}
    # the published scripts are a few dozen, read on every keystroke of the call screen (suggestions): kept in the
    # process for a minute like the portal's choices; publishing clears this process's copy at once
    published = remembered("knowledge.scripts", lambda: Article.objects.filter(
        audience=Audience.SCRIPT, live__isnull=False).select_related("live"), models=(Article, ArticleVersion))
    found = sorted((a for a in published if a.situation in rank), key=lambda a: (rank[a.situation], a.live.title))
    return found[:limit]


def categories() -> list[KnowledgeCategory]:
    return list(KnowledgeCategory.objects.select_related("parent"))


def articles_by_id(*, ids: list[int]) -> dict[int, Article]:
    return Article.objects.filter(live__isnull=False).select_related("live").in_bulk(ids) if ids else {}
