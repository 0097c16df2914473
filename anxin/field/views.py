"""Field-service pages: the dispatch board (desk), the order's field panel (desk), the technician's phone
pages, the warehouse, the printed work order and the customer's tracking page. Thin: forms shape the
input, services decide."""

import logging
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET

from anxin.accounts import selectors as account_selectors
from anxin.audit.services import audit_record, client_ip
from anxin.core.errors import DomainError
from anxin.customers.selectors import contacts_for_display
from anxin.field import planning, selectors, tracking
from anxin.field.models import Delay, FieldJob, PriceItem
from anxin.field.services import appointments, assignments, jobs, quotes, stock, visits
from anxin.workorders import selectors as wo_selectors
from anxin.workorders.states import OPEN_STATUSES, Family

logger = logging.getLogger("anxin.security")
INSPECTION_POINTS = ["外观", "安装位置", "管路/线路", "功能测试", "配件齐全"]


class AppointmentForm(forms.Form):
    window_from = forms.DateTimeField(label=gettext_lazy("from"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    window_to = forms.DateTimeField(label=gettext_lazy("to"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    agreed_with = forms.CharField(label=gettext_lazy("agreed with"), max_length=50)
    reason = forms.CharField(label=gettext_lazy("reason for the change"), max_length=200, required=False)


class JobDetailsForm(forms.Form):
    job_type = forms.ModelChoiceField(label=gettext_lazy("job type"), queryset=selectors.job_types(), required=False)
    is_recall = forms.BooleanField(label=gettext_lazy("recall / service campaign"), required=False)
    rework_of = forms.CharField(label=gettext_lazy("rework of order no."), max_length=20, required=False)
    pre_authorised = forms.CharField(label=gettext_lazy("may do without asking again"), max_length=500,
                                     required=False)


class DelayForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("reason"), choices=Delay.Reason.choices)
    note = forms.CharField(label=gettext_lazy("note"), max_length=300, required=False)
    new_promise = forms.DateTimeField(label=gettext_lazy("new promised time"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    consent_by = forms.CharField(label=gettext_lazy("customer consent given by"), max_length=50, required=False)


def _day(request) -> datetime.date:
    return parse_date(request.GET.get("day") or request.POST.get("day") or "") or timezone.localdate()


def _site(request):
    sites = selectors.sites_with_technicians(user=request.user) or account_selectors.site_list_for(user=request.user)
    code = request.GET.get("site") or request.POST.get("site")
    site = next((s for s in sites if s.code == code), sites[0] if sites else None)
    if site is None:
        raise Http404()
    return site, sites


def _at(day, hhmm: str) -> datetime:
    try:
        hour, minute = (int(x) for x in hhmm.split(":"))
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))
    except (ValueError, TypeError) as exc:
        raise DomainError("invalid", _("Enter a time as HH:MM."), {"field": "start"}) from exc


@login_required
@permission_required("workorders.assign_workorder", raise_exception=True)
def board(request):
    """C2/C3: the day per technician, the unassigned list, "propose plan", accept or assign by hand."""
    day = _day(request)
    site, sites = _site(request)
    proposal = None
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "propose":
            proposal = planning.propose(user=request.user, site=site, day=day)
        elif step == "accept":
            done, failed = 0, []
            for value in request.POST.getlist("row"):
                try:
                    order_id, username, start = value.split("|")
                    order = wo_selectors.workorder_get_for(user=request.user, public_id=order_id)
                    tech = selectors.technician_get_for(user=request.user, username=username)
                    planned = datetime.fromisoformat(start)
                    if timezone.is_naive(planned):
                        planned = timezone.make_aware(planned)
                    assignments.dispatch(order=order, technician=tech, start=planned, actor=request.user, source="plan")
                    done += 1
                except (DomainError, Http404, ValueError) as exc:
                    failed.append(f"{value.split('|')[0][:8]}: {exc}")
            messages.success(request, _("%(n)d orders dispatched.") % {"n": done})
            for problem in failed:
                messages.error(request, problem)
            return redirect(f"{request.path}?site={site.code}&day={day.isoformat()}")
        elif step == "assign":
            try:
                order = wo_selectors.workorder_get_for(user=request.user, public_id=request.POST.get("order"))
                tech = selectors.technician_get_for(user=request.user, username=request.POST.get("technician", ""))
                assignments.dispatch(order=order, technician=tech, start=_at(day, request.POST.get("start", "")),
                                     actor=request.user, override_reason=request.POST.get("override_reason", ""))
                messages.success(request, _("Dispatched %(number)s to %(name)s.") % {"number": order.number,
                                                                                  "name": tech})
                return redirect(f"{request.path}?site={site.code}&day={day.isoformat()}")
            except DomainError as exc:
                messages.error(request, str(exc))
                if exc.extra.get("problems"):
                    messages.warning(request, _("To dispatch anyway, give a reason for the override."))
            except Http404:
                messages.error(request, _("No such order."))
    rows = selectors.board_for(user=request.user, site=site, day=day)
    return render(request, "field/board.html", {
        "day": day, "site": site, "sites": sites, "rows": rows, "proposal": proposal,
        "unassigned": selectors.unassigned_for(user=request.user, site=site),
        "register": selectors.register_for(user=request.user, day=day, site=site),
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
        "approvals": selectors.approvals_for(user=request.user),
        "form_start": request.POST.get("start", ""), "form_reason": request.POST.get("override_reason", ""),
        "form_order": request.POST.get("order", ""), "form_technician": request.POST.get("technician", ""),
    })


def _field_order(request, public_id):
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    if order.family != Family.FIELD:
        raise Http404()
    return order


@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def job(request, public_id):
    """The desk's field panel of one order: job details, appointment, delays, approvals, materials, print."""
    order = _field_order(request, public_id)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    appt_form = AppointmentForm(request.POST if step == "appointment" else None)
    details_form = JobDetailsForm(request.POST if step == "details" else None)
    delay_form = DelayForm(request.POST if step == "delay" else None)
    try:
        if step == "appointment" and appt_form.is_valid():
            appointments.appointment_set(order=order, actor=request.user, **appt_form.cleaned_data)
            return _saved(request, order)
        if step == "details" and details_form.is_valid():
            data = details_form.cleaned_data
            rework = selectors.order_for_rework(user=request.user, number=data["rework_of"].strip()) \
                if data["rework_of"].strip() else None
            jobs.job_details_set(order=order, actor=request.user, job_type=data["job_type"],
                                 is_recall=data["is_recall"], rework_of=rework,
                                 pre_authorised=data["pre_authorised"])
            return _saved(request, order)
        if step == "delay" and delay_form.is_valid():
            appointments.delay_record(order=order, actor=request.user, **delay_form.cleaned_data)
            return _saved(request, order)
        if step == "approve_quote":
            quotes.quote_approve_items(order=order, actor=request.user)
            return _saved(request, order)
        if step in ("warranty_covered", "warranty_not_covered"):
            jobs.warranty_settle(order=order, actor=request.user, covered=step == "warranty_covered",
                                 note=request.POST.get("note", ""))
            return _saved(request, order)
        if step == "payment":
            jobs.payment_record(order=order, actor=request.user, method=request.POST.get("method", ""),
                                amount=request.POST.get("amount"))
            return _saved(request, order)
        if step:
            messages.error(request, _("Check the fields."))
    except DomainError as exc:
        messages.error(request, str(exc))
    except Http404:
        messages.error(request, _("No such order."))
    view = selectors.job_view(order=order)
    if view.job and not details_form.is_bound:
        details_form = JobDetailsForm(initial={"job_type": view.job.job_type, "is_recall": view.job.is_recall,
                                               "rework_of": view.job.rework_of.number if view.job.rework_of else "",
                                               "pre_authorised": view.job.pre_authorised})
    return render(request, "field/job.html", {
        "order": order, "v": view, "appt_form": appt_form, "details_form": details_form, "delay_form": delay_form,
        "payment_choices": FieldJob.Payment.choices[1:],
    })


def _saved(request, order):
    messages.success(request, _("Saved."))
    return redirect("field:job", public_id=order.public_id)


# --- the technician's phone ------------------------------------------------------------------------

@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def my_day(request):
    day = _day(request)
    return render(request, "field/my_day.html", {
        "day": day, "jobs": selectors.my_jobs(user=request.user, day=day),
        "open_orders": selectors.my_open_orders(user=request.user),
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
    })


def _lines(request) -> list[tuple]:
    parts = []
    for number, qty in zip(request.POST.getlist("part"), request.POST.getlist("part_qty"), strict=False):
        if number.strip():
            parts.append((selectors.part_get(number.strip()), _int(qty)))
    return parts


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# the folded section a step belongs to stays open after it, so the technician sees what he just saved
SECTION_OF_STEP = {"quote_item": "quote", "quote_submit": "quote", "quote_approve": "quote", "quote_decline": "quote",
                   "quote_revise": "quote", "pre_authorised": "quote", "warranty": "warranty", "materials": "materials",
                   "delay": "materials"}


def _back_to(order, step: str):
    section = SECTION_OF_STEP.get("quote_item" if step.startswith("quote_remove:") else step)
    url = reverse("field:my-job", kwargs={"public_id": order.public_id})
    return redirect(f"{url}?open={section}" if section else url)


PHONE_STEPS = [("visit", pgettext_lazy("phone step", "Arrive")), ("inspection", pgettext_lazy("phone step", "Inspect")),
               ("quote", pgettext_lazy("phone step", "Quote")), ("accept", pgettext_lazy("phone step", "Accept")),
               ("payment", pgettext_lazy("phone step", "Pay"))]


@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def my_job(request, public_id):
    """C4–C9 on a phone, one section per step; each POST carries a one-time token so a retry is harmless."""
    order = _field_order(request, public_id)
    if order.owner_id != request.user.id and not request.user.has_perm("workorders.view_team_orders"):
        raise Http404()
    step = request.POST.get("step", "") if request.method == "POST" else ""
    token = request.POST.get("token", "")
    u = request.user
    if step and selectors.step_token_used(order=order, token=token):
        # a re-send of a step the server already has: show what it has, do nothing again
        messages.info(request, _("This step was already saved. This is what is recorded now."))
        return _back_to(order, step)
    try:
        if step == "travel":
            visits.travel_start(order=order, actor=u, token=token)
        elif step == "arrive":
            visits.arrive(order=order, actor=u, token=token)
        elif step == "nobody_home":
            visits.nobody_home(order=order, actor=u, waited_minutes=_int(request.POST.get("waited_minutes") or -1),
                               note_left=request.POST.get("note_left", ""), token=token)
            messages.success(request, _("Saved. The desk will agree a new appointment."))
            return redirect("field:my")
        elif step == "inspection":
            items = [{"point": p, "ok": request.POST.get(f"ok_{i}") == "ok", "note": request.POST.get(f"note_{i}", "")}
                     for i, p in enumerate(request.POST.getlist("point"))]
            visits.inspection_record(order=order, actor=u, items=items, diagnosis=request.POST.get("diagnosis", ""),
                                     photo=request.FILES.get("photo"), signer_name=request.POST.get("signer_name", ""),
                                     signature=request.POST.get("signature", ""), token=token)
        elif step == "warranty":
            jobs.warranty_decide(order=order, actor=u, decision=request.POST.get("decision", ""),
                                 note=request.POST.get("note", ""))
        elif step == "quote_item":
            price_id = request.POST.get("price_item")
            quotes.quote_add_item(
                order=order, actor=u, quantity=request.POST.get("quantity", ""),
                price_item=selectors.price_item_get(price_id) if price_id else None,
                kind=request.POST.get("kind", ""), description=request.POST.get("description", ""),
                unit_price=request.POST.get("unit_price", ""), token=token)
        elif step.startswith("quote_remove:"):
            quotes.quote_remove_item(order=order, actor=u, item_id=_int(step.split(":")[1]), token=token)
        elif step == "quote_submit":
            quotes.quote_submit(order=order, actor=u, token=token)
        elif step in ("quote_approve", "quote_decline"):
            quotes.quote_decide(order=order, actor=u, approve=step == "quote_approve",
                                signer_name=request.POST.get("signer_name", ""),
                                signature=request.POST.get("signature", ""), token=token)
        elif step == "pre_authorised":
            jobs.pre_authorised_set(order=order, actor=u, text=request.POST.get("pre_authorised", ""))
        elif step == "quote_revise":
            quotes.quote_revise(order=order, actor=u, token=token)
        elif step == "materials":
            warehouse = selectors.warehouse_for_order(order=order)
            if warehouse is None:
                raise DomainError("invalid", _("This site has no warehouse."), {"field": "warehouse"})
            supplied = [(d, _int(q), n) for d, q, n in zip(request.POST.getlist("supplied"),
                                                           request.POST.getlist("supplied_qty"),
                                                           request.POST.getlist("supplied_note"), strict=False)
                        if d.strip()]
            stock.requisition_create(order=order, actor=u, warehouse=warehouse, lines=_lines(request),
                                     customer_supplied=supplied, token=token)
        elif step == "delay":
            appointments.delay_record(order=order, actor=u, reason=request.POST.get("reason", ""),
                                      note=request.POST.get("note", ""), token=token)
        elif step == "accept":
            visits.completion_accept(order=order, actor=u, signer_name=request.POST.get("signer_name", ""),
                                     signature=request.POST.get("signature", ""), token=token)
        elif step == "payment":
            jobs.payment_record(order=order, actor=u, method=request.POST.get("method", ""),
                                amount=request.POST.get("amount"))
        if step:
            messages.success(request, _("Saved."))
            return _back_to(order, step)
    except DomainError as exc:
        messages.error(request, str(exc))
    except Http404:
        messages.error(request, _("Not found."))
    order.refresh_from_db()
    view = selectors.job_view(order=order)
    warehouse = selectors.warehouse_for_order(order=order)
    active_own = order.owner_id == u.id and order.status in OPEN_STATUSES
    contacts = contacts_for_display(u, list(order.customer.contacts.all()), active_own_order=active_own) \
        if order.customer else []
    at_step = selectors.phone_step(view)
    keys = [key for key, _label in PHONE_STEPS]
    done = keys[:keys.index(at_step)] if at_step in keys else (keys if at_step == "done" else [])
    return render(request, "field/my_job.html", {
        "order": order, "v": view, "points": INSPECTION_POINTS,
        "step": at_step, "step_labels": PHONE_STEPS, "steps_done": done,
        "open": request.GET.get("open", ""),
        "prices": selectors.price_list(), "kinds": PriceItem.Kind.choices,
        "parts": selectors.parts_with_stock(warehouse=warehouse) if warehouse else [],
        "delay_reasons": Delay.Reason.choices, "payment_choices": FieldJob.Payment.choices[1:],
        "warranty_choices": FieldJob.Warranty.choices[1:], "contacts": contacts,
    })


# --- warehouse ------------------------------------------------------------------------------------

@login_required
@permission_required("field.issue_materials", raise_exception=True)
def warehouse(request):
    if request.method == "POST":
        try:
            req = selectors.requisition_get_for(user=request.user, public_id=request.POST.get("requisition"))
            stock.requisition_issue(requisition=req, actor=request.user)
            messages.success(request, _("Issued."))
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("field:warehouse")
    return render(request, "field/warehouse.html", {
        "requisitions": selectors.requisitions_to_issue(user=request.user),
        "stock": selectors.stock_for(user=request.user),
    })


# --- documents ----------------------------------------------------------------------------------

@login_required
@require_GET
def signature_image(request, public_id, signature_id):
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    sig = selectors.signature_get_for(user=request.user, order=order, public_id=signature_id)
    response = HttpResponse(bytes(sig.image), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def print_order(request, public_id):
    """C10: the 派工单 as a PDF, three labelled copies, with the tracking QR code."""
    order = _field_order(request, public_id)
    if not request.user.has_perm("workorders.view_team_orders") and order.owner_id != request.user.id:
        raise PermissionDenied()
    from anxin.field.pdf import workorder_pdf  # reportlab loads on the first PDF, not in every worker

    pdf = workorder_pdf(order=order, viewer=request.user)
    audit_record(actor=request.user, action="export", object_type="workorders.workorder", object_id=order.public_id,
                 summary=f"{order.number} 派工单 PDF", request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    return response


@login_required
@require_GET
def print_quote(request, public_id, revision: int):
    """The quote (委托安装估价单) as a PDF for the customer's copy, with the signature if decided."""
    order = _field_order(request, public_id)
    if not request.user.has_perm("workorders.view_team_orders") and order.owner_id != request.user.id:
        raise PermissionDenied()
    quote = next((q for q in selectors.job_view(order=order).quotes if q.revision == revision), None)
    if quote is None:
        raise Http404()
    from anxin.field.pdf import quote_pdf  # reportlab loads on the first PDF

    pdf = quote_pdf(order=order, quote=quote, viewer=request.user)
    audit_record(actor=request.user, action="export", object_type="field.quote", object_id=order.public_id,
                 summary=f"{order.number} 估价单 r{revision} PDF", request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}-quote-{revision}.pdf"'
    return response


@require_GET
def track(request, token):
    """The customer's tracking page (QR code on the printed order): public facts only, no login."""
    order = tracking.order_for_token(token)
    if order is None:
        # SECURITY-CASES 1: failed attempts are logged (a signed link cannot be guessed, so many mean probing)
        logger.warning("bad tracking link from %s", client_ip(request))
        return render(request, "field/track.html", {"bad_link": True}, status=404)
    return render(request, "field/track.html", tracking.public_view(order))
