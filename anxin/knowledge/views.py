"""Knowledge pages: the staff's knowledge base (/kb/), the public FAQ (/faq/), scripts and suggestions (htmx)."""

import hashlib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, NotFound
from anxin.knowledge import scripts, selectors, services
from anxin.knowledge.forms import ArticleForm, StepForm
from anxin.knowledge.models import Audience
from anxin.search.models import Kind
from anxin.search.selectors import PUBLIC, search
from anxin.workorders import selectors as wo_selectors
from anxin.workorders.attachments import download_response

SUGGESTIONS = 3


def _reader(request):
    if not selectors.can_read_knowledge(request.user):
        raise PermissionDenied()


@require_GET
@login_required
def article_list(request):
    _reader(request)
    query = (request.GET.get("q") or "")[:200]
    audience = request.GET.get("audience", "")
    audience = audience if audience in Audience.values else ""
    hits = search(user=request.user, query=query, kinds=(Kind.ARTICLE, Kind.CASE), limit=30) if query.strip() else []
    articles = [] if query.strip() else list(selectors.article_list_for(user=request.user, audience=audience)[:100])
    return render(request, "knowledge/article_list.html", {
        "q": query, "hits": hits, "articles": articles, "audience": audience, "audiences": Audience.choices})


@require_GET
@login_required
def article_detail(request, public_id):
    _reader(request)
    article = selectors.article_get_for(user=request.user, public_id=public_id)
    editor = request.user.has_perm("knowledge.edit_article")
    if not editor and article.live_id is None:
        raise NotFound()
    return render(request, "knowledge/article_detail.html", {
        "article": article, "editor": editor, "reviewer": request.user.has_perm("knowledge.publish_article"),
        "versions": selectors.versions_of(article=article) if editor else [],
        "attachments": selectors.attachments_of(article=article)})


@login_required
@permission_required("knowledge.edit_article", raise_exception=True)
def article_edit(request, public_id=None):
    article = selectors.article_get_for(user=request.user, public_id=public_id) if public_id else None
    initial = {"audience": request.GET.get("audience") if request.GET.get("audience") in Audience.values
               else Audience.INTERNAL, "title": (request.GET.get("title") or "")[:120],
               "category": request.GET.get("category") or None}
    if article is not None:
        initial = {"title": article.title, "audience": article.audience, "situation": article.situation,
                   "category": article.category, "body": article.body, "edit_seq": article.edit_seq}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("title", "audience", "situation", "category", "body")}
        try:
            if article is None:
                article = services.article_create(actor=request.user, data=data, request=request)
            else:
                services.article_update(article=article, actor=request.user, data=data,
                                        edit_seq=form.cleaned_data["edit_seq"] or 0, request=request)
            messages.success(request, _("Saved as a draft. A reviewer publishes it."))
            return redirect("knowledge:detail", public_id=article.public_id)
        except DomainError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields and field != "edit_seq" else None, str(exc))
    return render(request, "knowledge/article_form.html", {"form": form, "article": article})


@require_POST
@login_required
@permission_required("knowledge.publish_article", raise_exception=True)
def article_step(request, public_id):
    article = selectors.article_get_for(user=request.user, public_id=public_id)
    form = StepForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    step = {"review": services.article_review, "publish": services.article_publish,
            "retire": services.article_retire}[form.cleaned_data["step"]]
    try:
        step(article=article, actor=request.user, request=request)
        messages.success(request, _("Saved."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("knowledge:detail", public_id=article.public_id)


@require_POST
@login_required
@permission_required("knowledge.edit_article", raise_exception=True)
def attachment_add(request, public_id):
    article = selectors.article_get_for(user=request.user, public_id=public_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError("invalid", _("Choose a file."), {"field": "file"})
        services.attachment_add(article=article, actor=request.user, file=upload)
        messages.success(request, _("Saved."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("knowledge:detail", public_id=article.public_id)


@require_GET
@login_required
def attachment_get(request, public_id, attachment_id):
    _reader(request)
    article = selectors.article_get_for(user=request.user, public_id=public_id)
    attachment = selectors.attachment_get_for(article=article, public_id=attachment_id)
    path = services.attachment_path(attachment)
    if not path.exists():
        raise NotFound()
    return download_response(path, content_type=attachment.content_type, name=attachment.original_name)


def _order_from(request):
    order_id = request.POST.get("order") or request.GET.get("order")
    return wo_selectors.workorder_get_for(user=request.user, public_id=order_id) if order_id else None


@require_POST
@login_required
def article_use(request, public_id):
    """The agent used a suggested article or script: counted, and on the order's timeline when there is one."""
    _reader(request)
    article = selectors.article_get_for(user=request.user, public_id=public_id)
    order = _order_from(request)
    services.article_use(article=article, actor=request.user, order=order)
    return render(request, "knowledge/_article_side.html", {"article": article, "used": True, "order": order,
                                                             "body": _filled(request, article, order)})


def _filled(request, article, order) -> str:
    return article.live.body if article.audience != Audience.SCRIPT else \
        scripts.fill_for_order(article.live.body, order=order, agent=request.user)


@require_GET
@login_required
def article_side(request, public_id):
    """An article shown beside the form the agent is filling in (htmx)."""
    _reader(request)
    article = selectors.article_get_for(user=request.user, public_id=public_id)
    if article.live_id is None:
        raise NotFound()
    order = _order_from(request)
    return render(request, "knowledge/_article_side.html", {"article": article, "order": order,
                                                             "body": _filled(request, article, order)})


@require_GET
@login_required
def suggest(request):
    """G4 while typing: the scripts that fit the order (or the call) and the three best articles and cases."""
    _reader(request)
    order = _order_from(request)
    text = " ".join(request.GET.get(k, "") for k in ("content", "fault_symptom", "order_title", "title", "description",
                                                     "q"))[:200]
    situations = scripts.situations_for_order(order, on_revisit=request.GET.get("on") == "revisit")
    hits = search(user=request.user, query=text, kinds=(Kind.ARTICLE, Kind.CASE), limit=SUGGESTIONS) \
        if text.strip() else []
    hits = [h for h in hits if h.audience != Audience.SCRIPT][:SUGGESTIONS]
    articles = selectors.articles_by_id(ids=[h.object_id for h in hits if h.kind == Kind.ARTICLE])
    return render(request, "knowledge/_suggest.html", {
        "hits": [(h, articles.get(h.object_id)) for h in hits],
        "scripts": selectors.scripts_for(user=request.user, situations=situations), "order": order,
        "text": text.strip()})


@require_GET
@login_required
@permission_required("intake.add_contactlog", raise_exception=True)
def classify_suggest(request):
    """A8 while typing on the call screen: type, category, priority and emergency with the model's confidence."""
    from anxin.search.classify_services import suggestions_for_form

    text = " ".join(request.GET.get(k, "") for k in ("content", "fault_symptom", "order_title"))[:500]
    rows, payload = suggestions_for_form(text)
    return render(request, "knowledge/_classify.html", {"rows": rows, "payload": payload, "text": text.strip()})


@require_GET
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def faults(request):
    """G5: the most common faults per category and asset model, each a link to write its FAQ entry."""
    from datetime import datetime, timedelta

    from anxin.knowledge.faults import fault_statistics
    from anxin.sla.calendar import SHANGHAI

    today = timezone.localdate()
    try:
        since = datetime.fromisoformat(request.GET.get("since") or (today - timedelta(days=90)).isoformat()).date()
        until = datetime.fromisoformat(request.GET.get("until") or today.isoformat()).date()
    except ValueError:
        messages.error(request, _("Enter dates as YYYY-MM-DD."))
        since, until = today - timedelta(days=90), today
    if until < since:
        messages.error(request, _("The end of the period is before its start."))
        since, until = until, since
    start = datetime.combine(since, datetime.min.time(), SHANGHAI)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return render(request, "knowledge/faults.html", {
        "since": since, "until": until, **fault_statistics(user=request.user, since=start, until=end)})


# --- the public FAQ (no login) --------------------------------------------------------------------------

@require_GET
def faq_list(request):
    query = (request.GET.get("q") or "")[:200]
    hits = search(user=None, query=query, kinds=(Kind.ARTICLE,), scope=PUBLIC, limit=20) if query.strip() else []
    found = selectors.articles_by_id(ids=[h.object_id for h in hits])
    hits = [(h, found[h.object_id]) for h in hits if h.object_id in found]
    articles = [] if query.strip() else list(selectors.faq_qs().order_by("-helpful_yes", "live__title")[:50])
    return render(request, "knowledge/faq_list.html", {"q": query, "hits": hits, "articles": articles})


def _voter(request) -> str:
    if request.user.is_authenticated:
        key = f"user:{request.user.pk}"
    else:
        if not request.session.session_key:
            request.session.save()  # lint: allow-write (the session, not a model)
        key = f"session:{request.session.session_key}"
    return hashlib.sha256(key.encode()).hexdigest()


@require_GET
def faq_detail(request, public_id):
    article = selectors.faq_get(public_id=public_id)
    return render(request, "knowledge/faq_detail.html", {"article": article,
                                                         "voted": request.GET.get("voted") == "1"})


@require_POST
def faq_vote(request, public_id):
    article = selectors.faq_get(public_id=public_id)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        return HttpResponseBadRequest()
    services.article_vote(article=article, voter=_voter(request), helpful=helpful == "yes")
    return redirect(f"{request.path.rsplit('/vote/', 1)[0]}/?voted=1")


SEARCH_PAGE, SEARCH_MORE = 20, 100


@require_GET
@login_required
def unified_search(request):
    """G4: one search box over orders, customers, articles and cases."""
    query = (request.GET.get("q") or "")[:200]
    kind = request.GET.get("kind", "")
    kinds = (kind,) if kind in Kind.values else ()
    # 20 answers: the agent needs the first three; each more is a snippet to highlight (about 0.1 ms)
    more = request.GET.get("more") == "1"
    limit = SEARCH_MORE if more else SEARCH_PAGE
    hits = search(user=request.user, query=query, kinds=kinds, limit=limit) if query.strip() else []
    if query.strip():
        audit_record(actor=request.user, action="view", object_type="search.query", summary=query[:100],
                     request=request, data={"results": len(hits), "kind": kind})
    return render(request, "search/results.html", {
        "q": query, "hits": hits, "kind": kind, "kinds": Kind.choices,
        "more_url": f"?{urlencode({'q': query, 'kind': kind, 'more': 1})}" if len(hits) == limit and not more else ""})
