import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts import selectors as account_selectors
from anxin.audit.exports import xlsx_export
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, NotFound
from anxin.customers import selectors as customer_selectors
from anxin.search.selectors import QUEUE_MATCHES, order_ids_matching
from anxin.workorders import attachments, selectors, services
from anxin.workorders.forms import (
    AssignForm,
    AttachmentForm,
    BulkAssignForm,
    NoteForm,
    QueueFilterForm,
    TransitionForm,
    WorkOrderForm,
)
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import OPEN_STATUSES

PAGE_SIZE = 50
# Counting 100k matching rows costs more than the page itself; past this the queue shows "1000+".
COUNT_CAP = 1_000
# Paging stops where the count does: a deeper page would make the database step over tens of thousands of rows
# (issue 14); past it the page says to narrow the filters instead.
MAX_PAGE = COUNT_CAP // PAGE_SIZE + 1


@functools.cache
def _label_maps_in(language: str) -> dict[str, dict]:
    return {name: {key: str(label) for key, label in WorkOrder._meta.get_field(name).flatchoices}
            for name in ("type", "status", "priority")}


def _label_maps() -> dict[str, dict]:
    """The choice labels in the active language, built once per language."""
    return _label_maps_in(get_language())


def _label(rows: list) -> list:
    """Set type/status/priority labels once per page: get_FOO_display rebuilds its choices dict per call."""
    maps = _label_maps()
    for row in rows:
        row.type_label = maps["type"].get(row.type, row.type)
        row.status_label = maps["status"].get(row.status, row.status)
        row.priority_label = maps["priority"].get(row.priority, row.priority)
    return rows


def _filters_from(form: QueueFilterForm, *, sites, staff, user) -> selectors.QueueFilters:
    data = {}
    if form.is_bound:
        form.is_valid()  # a bad value (an unknown status or sort, a site outside the scope) is that field's error and
        data = form.cleaned_data  # is left out; the valid filters still apply
    status = data.get("status") or ""
    owner = data.get("owner") or ""
    sites = {s.code: s.id for s in sites}
    staff = {u.username: u.id for u in staff}
    return selectors.QueueFilters(
        view=data.get("view") or "all", statuses=[] if status in ("", "open") else [status],
        open_only=status == "open", type=data.get("type") or "", channel=data.get("channel") or "",
        site_id=sites.get(data.get("site") or ""), priority=data.get("priority"), unassigned=owner == "-",
        owner_id=staff.get(owner), taken_by_id=staff.get(data.get("taken_by") or ""), urged=bool(data.get("urged")),
        languages=_languages(data.get("language") or "", user),
        received_from=data.get("received_from"), received_to=data.get("received_to"),
        q=data.get("q") or "", sort=data.get("sort") or "newest", match_ids=order_ids_matching(user=user, query=data.get("q")),
    )


def _languages(choice: str, user) -> tuple[str, ...]:
    if choice != "mine":
        return (choice,) if choice else ()
    return tuple(code for code in account_selectors.languages_of(user=user) if code != "zh") or ("-",)


@require_GET
@login_required
@permission_required("workorders.view_workorder", raise_exception=True)
def queue(request):
    form, qs, staff = _queue(request)
    data = form.cleaned_data if form.is_bound else {}  # the valid filters (see _filters_from)
    page = data.get("page") or 1
    too_deep = page > MAX_PAGE
    rows = [] if too_deep else _label(selectors.queue_page_rows(qs, (page - 1) * PAGE_SIZE, page * PAGE_SIZE))
    # A short first page is the whole result: no count query (a rare filter would scan the table twice).
    total = len(rows) if page == 1 and len(rows) < PAGE_SIZE else qs.order_by()[: COUNT_CAP + 1].count()
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "orders": rows, "total": min(total, COUNT_CAP), "capped": total > COUNT_CAP,
               "text_capped": bool(data.get("q")) and total >= QUEUE_MATCHES,
               "page": page, "staff": staff, "max_rows": MAX_PAGE * PAGE_SIZE,
               "too_deep": too_deep and total > COUNT_CAP, "past_end": page > 1 and not rows and total <= COUNT_CAP,
               "can_assign": request.user.has_perm("workorders.assign_workorder"),
               "has_next": not too_deep and page * PAGE_SIZE < total, "query": query.urlencode(),
               "pages": (total + PAGE_SIZE - 1) // PAGE_SIZE}
    template = "workorders/workorder_queue.html#results" if request.htmx else "workorders/workorder_queue.html"
    return render(request, template, context)


def _queue(request):
    """The filter form and the filtered queryset, shared by the queue page and its export."""
    user = request.user
    sites, staff = account_selectors.site_list_for(user=user), account_selectors.staff_shown_to(user=user)
    form = QueueFilterForm(request.GET or None, sites=sites, staff=staff)
    qs = selectors.workorder_list_for_queue(user=user, filters=_filters_from(form, sites=sites, staff=staff, user=user))
    return form, qs, staff


@require_GET
@login_required
@permission_required("workorders.export_workorders", raise_exception=True)
def export(request):
    """H4: the queue with its filters applied, within scope, phones masked per role, watermarked, audited."""
    user = request.user
    form, qs, _staff = _queue(request)
    maps = _label_maps()

    def rows():
        for o in qs.iterator(chunk_size=2000):
            yield (o.number, maps["type"][o.type], maps["status"][o.status], maps["priority"][o.priority],
                   o.get_channel_display(), o.title, o.customer.name if o.customer_id else "",
                   customer_selectors.phone_for_display(user, o.caller_number), o.site.name,
                   str(o.owner) if o.owner_id else "", o.received_at, o.closed_at)

    filters = {k: v for k, v in (form.cleaned_data if form.is_bound else {}).items() if v not in (None, "", False)}
    return xlsx_export(request=request, filename="workorders", title=_("Work orders"), rows=rows(),
                       headers=[_("Number"), _("Type"), _("Status"), _("Priority"), _("Channel"), _("Summary"),
                                _("Customer"), _("Caller number"), _("Site"), _("Owner"), _("Received"), _("closed at")],
                       object_type="workorders.workorder", filters={k: str(v) for k, v in filters.items()})


@require_POST
@login_required
def bulk_assign(request):
    form = BulkAssignForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["orders"]:
        messages.error(request, _("Select at least one order."))
        return redirect("workorders:queue")
    try:
        owner = (account_selectors.staff_get_for(user=request.user, username=form.cleaned_data["owner"])
                 if form.cleaned_data["owner"] else None)
        orders = [selectors.workorder_get_for(user=request.user, public_id=pid) for pid in form.cleaned_data["orders"]]
        count = services.workorder_bulk_assign(orders=orders, owner=owner, actor=request.user)
        messages.success(request, _("%(count)d orders assigned.") % {"count": count})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("workorders:queue")


def _detail_context(request, order, **extra):
    user = request.user
    active_own = order.owner_id == user.id and order.status in OPEN_STATUSES
    contacts = customer_selectors.contacts_of(order.customer) if order.customer_id else []
    return {
        "order": order,
        "timeline": selectors.timeline_for(order=order, user=user),
        "attachments": selectors.attachments_for(order=order),
        "contacts": customer_selectors.contacts_for_display(user, contacts, active_own_order=active_own),
        "caller": customer_selectors.phone_for_display(user, order.caller_number, active_own_order=active_own),
        "transitions": services.allowed_transitions(order=order, user=user),
        "can_assign": user.has_perm("workorders.assign_workorder"),
        "staff": account_selectors.staff_list_for(user=user) if user.has_perm("workorders.assign_workorder") else [],
        "note_form": extra.pop("note_form", NoteForm()),
        "attachment_form": extra.pop("attachment_form", AttachmentForm()),
        **extra,
    }


@require_GET
@login_required
def detail(request, public_id):
    order = selectors.workorder_get_for(user=request.user, public_id=public_id)
    return render(request, "workorders/workorder_detail.html", _detail_context(request, order))


def _after_action(request, order, error: str | None = None, **extra):
    """HTMX: re-render the actions + timeline region; plain POST: redirect back (PRG)."""
    if error:
        extra["action_error"] = error
    if request.htmx:
        fresh = selectors.workorder_get_for(user=request.user, public_id=order.public_id)
        return render(request, "workorders/workorder_detail.html#main", _detail_context(request, fresh, **extra))
    if error:
        messages.error(request, error)
    return redirect("workorders:detail", public_id=order.public_id)


@require_POST
@login_required
def transition(request, public_id):
    order = selectors.workorder_get_for(user=request.user, public_id=public_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _after_action(request, order, _("Choose a valid action."))
    try:
        services.workorder_transition(order=order, to=form.cleaned_data["to"], actor=request.user,
                                      reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"])
    except DomainError as exc:
        return _after_action(request, order, str(exc))
    return _after_action(request, order)


@require_POST
@login_required
def assign(request, public_id):
    order = selectors.workorder_get_for(user=request.user, public_id=public_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _after_action(request, order, _("Choose a valid owner."))
    try:
        owner = (account_selectors.staff_get_for(user=request.user, username=form.cleaned_data["owner"])
                 if form.cleaned_data["owner"] else None)
        services.workorder_assign(order=order, owner=owner, actor=request.user,
                                  expected_version=form.cleaned_data["version"])
    except DomainError as exc:
        return _after_action(request, order, str(exc))
    return _after_action(request, order)


@require_POST
@login_required
def add_note(request, public_id):
    order = selectors.workorder_get_for(user=request.user, public_id=public_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _after_action(request, order, _("The note is empty or too long."), note_form=form)
    try:
        services.workorder_add_note(order=order, actor=request.user, body=form.cleaned_data["body"],
                                    is_public=form.cleaned_data["is_public"])
    except DomainError as exc:
        return _after_action(request, order, str(exc), note_form=form)
    return _after_action(request, order)


@require_POST
@login_required
def add_attachment(request, public_id):
    order = selectors.workorder_get_for(user=request.user, public_id=public_id)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _after_action(request, order, _("Choose a file to upload."))
    try:
        attachments.attachment_add(order=order, actor=request.user, file=form.cleaned_data["file"])
    except DomainError as exc:
        return _after_action(request, order, str(exc))
    return _after_action(request, order)


@require_GET
@login_required
def download_attachment(request, public_id, attachment_id):
    att = selectors.attachment_get_for(user=request.user, order_public_id=public_id, attachment_public_id=attachment_id)
    path = attachments.attachment_path(att)
    if not path.exists():
        raise NotFound()
    # J3: a download of a customer's photo or document is a view of personal data.
    audit_record(actor=request.user, action="view", object_type="workorders.attachment", object_id=att.public_id,
                 summary=att.original_name, request=request)
    return attachments.download_response(path, content_type=att.content_type, name=att.original_name)


@login_required
@permission_required("workorders.add_workorder", raise_exception=True)
def create_for_customer(request, customer_id):
    customer = customer_selectors.customer_get_for(user=request.user, public_id=customer_id)
    assets = list(customer.assets.all())
    form = WorkOrderForm(request.POST or None, assets=assets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asset = next((a for a in assets if str(a.public_id) == data["asset"]), None)
        try:
            order = services.workorder_create(
                actor=request.user, type=data["type"], channel=data["channel"], site=customer.site, customer=customer,
                title=data["title"], description=data["description"], category=data["category"],
                priority=data["priority"], is_emergency=data["is_emergency"], asset=asset,
                visit_from=data["visit_from"], visit_to=data["visit_to"], idempotency_key=f"form:{data['token']}",
            )
        except DomainError as exc:
            form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, str(exc))
        else:
            from anxin.knowledge.services import articles_used_on_order

            if not order.events.filter(type=WorkOrderEvent.Type.KNOWLEDGE_USED).exists():  # not on a double submit
                articles_used_on_order(ids=(request.POST.get("used_articles") or "").split(","), actor=request.user,
                                       order=order)
            messages.success(request, _("Work order %(number)s created.") % {"number": order.number})
            return redirect("workorders:detail", public_id=order.public_id)
    return render(request, "workorders/workorder_create.html", {"form": form, "customer": customer})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
