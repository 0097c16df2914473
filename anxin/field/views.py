"""Field-service pages: the dispatch board (desk), the order's field panel (desk), the technician's phone
pages, the warehouse, the printed work order and the customer's tracking page. Thin: forms shape the
input, services decide."""

import logging
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts import selectors as account_selectors
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError
from anxin.core.http import client_ip
from anxin.core.steps import Step, step_response
from anxin.customers.selectors import contacts_for_display
from anxin.field import forms, planning, selectors, steps, tracking
from anxin.field.forms import INSPECTION_POINTS
from anxin.field.models import Delay, FieldJob, PriceItem
from anxin.field.services import assignments, stock
from anxin.workorders import selectors as wo_selectors
from anxin.workorders.states import OPEN_STATUSES, Family

logger = logging.getLogger("anxin.security")


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


# the waiting orders the board lists, most urgent first: a day's plan for a site's technicians takes a few dozen, and
# 300 rows (listed twice, in the table and the hand-assign choice) were most of the page's 100–200 ms
BOARD_WAITING = 100


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
                    assignments.assignment_create(order=order, technician=tech, start=planned, actor=request.user, source="plan")
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
                assignments.assignment_create(order=order, technician=tech, start=_at(day, request.POST.get("start", "")),
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
    unassigned = selectors.waiting_rows(user=request.user, site=site, limit=BOARD_WAITING + 1)
    return render(request, "field/board.html", {
        "day": day, "site": site, "sites": sites, "rows": rows, "proposal": proposal,
        "unassigned": unassigned[:BOARD_WAITING], "more_waiting": len(unassigned) > BOARD_WAITING,
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


@require_GET
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def panel(request, public_id):
    """The desk's field panel of one order: job details, appointment, delays, approvals, materials, print."""
    return _panel_page(request, _field_order(request, public_id))


@require_POST
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def panel_step(request, public_id, step):
    """One desk step (see `steps.DESK`): saved → back to the panel; refused → the panel with the reason."""
    order = _field_order(request, public_id)
    return step_response(request, steps.DESK[step], record=order,
                         page=lambda bound: _panel_page(request, order, bound),
                         done=lambda: redirect("field:panel", public_id=order.public_id))


def _panel_page(request, order, bound=None):
    bound = bound or {}
    view = selectors.field_order_view(order=order)
    details = bound.get("details") or forms.JobDetailsForm(initial={
        "job_type": view.job.job_type, "is_recall": view.job.is_recall, "pre_authorised": view.job.pre_authorised,
        "rework_of": view.job.rework_of.number if view.job.rework_of else ""} if view.job else None)
    return render(request, "field/panel.html#panel" if request.htmx else "field/panel.html", {
        "order": order, "v": view, "details_form": details,
        "appt_form": bound.get("appointment") or forms.AppointmentForm(),
        "delay_form": bound.get("delay") or forms.DelayForm(), "payment_choices": FieldJob.Payment.choices[1:],
    })


# --- the technician's phone ------------------------------------------------------------------------

@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def my_day(request):
    day = _day(request)
    return render(request, "field/my_day.html", {
        "day": day, "jobs": selectors.my_assignments(user=request.user, day=day),
        "open_orders": selectors.my_open_orders(user=request.user),
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
    })


def _back_to(order, step: Step):
    url = reverse("field:my-order", kwargs={"public_id": order.public_id})
    return redirect(f"{url}?open={step.section}" if step.section else url)


PHONE_STEPS = [("visit", pgettext_lazy("phone step", "Arrive")), ("inspection", pgettext_lazy("phone step", "Inspect")),
               ("quote", pgettext_lazy("phone step", "Quote")), ("accept", pgettext_lazy("phone step", "Accept")),
               ("payment", pgettext_lazy("phone step", "Pay"))]


def _own_field_order(request, public_id):
    order = _field_order(request, public_id)
    if order.owner_id != request.user.id and not request.user.has_perm("workorders.view_team_orders"):
        raise Http404()
    return order


@require_GET
@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def my_order(request, public_id):
    """C4–C9 on a phone, one section per step; each step posts to its own URL (`my_order_step`)."""
    return _my_order_page(request, _own_field_order(request, public_id))


@require_POST
@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def my_order_step(request, public_id, step):
    """One phone step (see `steps.PHONE`). Its one-time token makes a re-send after a lost connection harmless."""
    order, step = _own_field_order(request, public_id), steps.PHONE[step]
    if selectors.step_token_used(order=order, token=request.POST.get("token", "")):
        # a re-send of a step the server already has: show what it has, do nothing again
        messages.info(request, _("This step was already saved. This is what is recorded now."))
        return _back_to(order, step)

    def page(_bound):  # the phone keeps what was typed itself (field.js drafts)
        order.refresh_from_db()
        return _my_order_page(request, order)

    return step_response(request, step, record=order, page=page,
                         done=lambda: redirect("field:my") if step.key == "nobody_home" else _back_to(order, step))


def _my_order_page(request, order):
    u = request.user
    view = selectors.field_order_view(order=order)
    warehouse = selectors.warehouse_for_order(order=order)
    active_own = order.owner_id == u.id and order.status in OPEN_STATUSES
    contacts = contacts_for_display(u, list(order.customer.contacts.all()), active_own_order=active_own) \
        if order.customer else []
    at_step = selectors.phone_step(view)
    keys = [key for key, _label in PHONE_STEPS]
    done = keys[:keys.index(at_step)] if at_step in keys else (keys if at_step == "done" else [])
    return render(request, "field/my_order.html#phone" if request.htmx else "field/my_order.html", {
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
            req = selectors.material_requisition_get_for(user=request.user, public_id=request.POST.get("requisition"))
            stock.material_requisition_issue(requisition=req, actor=request.user)
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
    quote = next((q for q in selectors.field_order_view(order=order).quotes if q.revision == revision), None)
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
