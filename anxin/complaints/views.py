from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts import selectors as account_selectors
from anxin.audit.services import audit_record
from anxin.complaints import forms, selectors, steps
from anxin.core.steps import step_response
from anxin.workorders import selectors as wo_selectors


@require_GET
@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def complaint_edit(request, public_id):
    """D1/D2 on one page: what the complaint is about, who owns it and when it will be resolved, the remedies."""
    return _complaint_page(request, wo_selectors.workorder_get_for(user=request.user, public_id=public_id))


@require_POST
@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def complaint_step(request, public_id, step):
    """One step of the complaint (see `steps.COMPLAINT`): saved → back to the page; refused → the page says why."""
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    step = steps.COMPLAINT[step]
    # routed: the complaint is on its way, back to the order; any other step: the complaint page again
    back = ("workorders:detail" if step.key == "route" else "complaints:edit", order.public_id)
    return step_response(request, step, record=order, page=lambda bound: _complaint_page(request, order, bound),
                         done=lambda: redirect(back[0], public_id=back[1]))


def _complaint_page(request, order, bound=None):
    bound, complaint = bound or {}, selectors.complaint_for(order=order)
    staff = account_selectors.staff_list_for(user=request.user)
    return render(request, "complaints/complaint_edit.html", {
        "order": order, "complaint": complaint, "staff": staff,
        "form": bound.get("details") or forms.ComplaintForm(instance=complaint),
        "route": bound.get("route") or forms.RouteForm(staff=staff),
        "proposal_form": bound.get("propose") or forms.ProposalForm(), "answer_form": forms.AnswerForm(),
        "action_form": bound.get("action") or forms.ActionForm(), "case_form": bound.get("case") or forms.CaseForm(),
        "handling_form": bound.get("handling_form") or forms.HandlingFormForm(),
        "proposals": list(complaint.proposals.all()) if complaint else [],
        "actions": list(complaint.actions.select_related("owner")) if complaint else [],
        "has_case": bool(complaint and selectors.case_for(complaint=complaint))})


@require_GET
@login_required
@permission_required("workorders.view_workorder", raise_exception=True)
def case_library(request):
    """D6/G3: the case library — anonymised lessons from closed complaints, searchable."""
    query = (request.GET.get("q") or "")[:200]
    if query.strip():  # G3/G4: the same Chinese search as everywhere, ranked
        from anxin.search.selectors import search

        hits = search(user=request.user, query=query, kinds=("case",), limit=100)
        cases = selectors.cases_in_order(ids=[h.object_id for h in hits])
    else:
        cases = selectors.case_search(query="")
    return render(request, "complaints/case_library.html", {"q": query, "cases": cases})


@require_GET
@login_required
@permission_required("workorders.view_team_orders", raise_exception=True)
def print_record(request, public_id):
    """The complaint's tracking record (投诉处理跟踪记录单) as a PDF; printing is audited."""
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    complaint = selectors.complaint_for(order=order)
    if complaint is None:
        raise Http404()
    from anxin.complaints.pdf import tracking_record_pdf  # reportlab loads on the first PDF

    pdf = tracking_record_pdf(complaint=complaint, viewer=request.user,
                              proposals=list(complaint.proposals.select_related("decided_by")),
                              actions=list(complaint.actions.select_related("owner")),
                              events=wo_selectors.timeline_for(order=order, user=request.user))
    audit_record(actor=request.user, action="export", object_type="complaints.complaint", object_id=order.public_id,
                 summary=f"{order.number} 投诉处理跟踪记录单 PDF", request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}-tracking.pdf"'
    return response
