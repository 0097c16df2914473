from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from anxin.accounts import selectors as account_selectors
from anxin.audit.services import audit_record
from anxin.complaints import selectors, services
from anxin.complaints.models import Complaint, Proposal
from anxin.core.errors import DomainError
from anxin.workorders import selectors as wo_selectors


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["what_happened", "customer_wants", "category", "severity", "is_group", "media_threat"]


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(label=_("remedy"), choices=Proposal.Kind.choices)
    amount = forms.DecimalField(label=_("amount (yuan)"), min_value=0, max_digits=10, decimal_places=2, initial=0)
    measures = forms.CharField(label=_("measures"), max_length=500)


class AnswerForm(forms.Form):
    accepted = forms.TypedChoiceField(coerce=lambda v: v == "yes", choices=[("yes", "yes"), ("no", "no")])
    method = forms.ChoiceField(label=_("how"), choices=Proposal.Method.choices)
    confirmed_by = forms.CharField(label=_("confirmed by (name)"), max_length=50)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=[("corrective", _("Corrective")), ("preventive", _("Preventive"))])
    description = forms.CharField(label=_("what will change"), max_length=300)
    owner = forms.CharField(label=_("owner"), max_length=150)
    due_on = forms.DateField(label=_("due"), widget=forms.DateInput(attrs={"type": "date"}))


class CaseForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    lesson = forms.CharField(label=_("lesson"), max_length=2000, widget=forms.Textarea)


class RouteForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"))
    expected_resolution_on = forms.DateField(label=_("expected resolution date"),
                                             widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.username, f"{u} · {u.org_unit}") for u in staff]


@login_required
@permission_required("workorders.change_workorder", raise_exception=True)
def complaint_edit(request, public_id):
    """D1/D2 on one page: what the complaint is about, then who owns it and when it will be resolved."""
    order = wo_selectors.workorder_get_for(user=request.user, public_id=public_id)
    complaint = selectors.complaint_for(order=order)
    form = ComplaintForm(request.POST if request.POST.get("step") == "details" else None, instance=complaint)
    staff = account_selectors.staff_list_for(user=request.user)
    route = RouteForm(request.POST if request.POST.get("step") == "route" else None, staff=staff)
    try:
        if request.method == "POST" and request.POST.get("step") == "details" and form.is_valid():
            services.complaint_register(order=order, actor=request.user,
                                        data={k: form.cleaned_data[k] for k in form.Meta.fields})
            messages.success(request, _("Saved."))
            return redirect("complaints:edit", public_id=order.public_id)
        step = request.POST.get("step", "")
        if request.method == "POST" and complaint and step == "propose":
            pform = ProposalForm(request.POST)
            if pform.is_valid():
                services.proposal_make(complaint=complaint, actor=request.user, **pform.cleaned_data)
                messages.success(request, _("Saved."))
            else:
                messages.error(request, _("Check the fields."))
            return redirect("complaints:edit", public_id=order.public_id)
        if request.method == "POST" and complaint and step.startswith(("approve:", "reject:", "answer:")):
            action, _sep, pk = step.partition(":")
            proposal = selectors.proposal_for(complaint=complaint, pk=pk)
            if action == "answer":
                aform = AnswerForm(request.POST)
                if not aform.is_valid():
                    messages.error(request, _("Record how the customer answered and who gave the answer."))
                    return redirect("complaints:edit", public_id=order.public_id)
                services.proposal_answer(proposal=proposal, actor=request.user, **aform.cleaned_data)
            else:
                services.proposal_decide(proposal=proposal, actor=request.user, approve=action == "approve")
            messages.success(request, _("Saved."))
            return redirect("complaints:edit", public_id=order.public_id)
        if request.method == "POST" and complaint and step == "action":
            aform = ActionForm(request.POST)
            if aform.is_valid():
                data = aform.cleaned_data
                owner = account_selectors.staff_get_for(user=request.user, username=data.pop("owner"))
                services.action_add(complaint=complaint, actor=request.user, owner=owner, **data)
                messages.success(request, _("Saved."))
            else:
                messages.error(request, _("Check the fields."))
            return redirect("complaints:edit", public_id=order.public_id)
        if request.method == "POST" and complaint and step == "case":
            if not request.user.has_perm("workorders.close_workorder"):
                raise PermissionDenied
            cform = CaseForm(request.POST)
            if cform.is_valid():
                services.case_publish(complaint=complaint, actor=request.user, **cform.cleaned_data)
                messages.success(request, _("Published to the case library."))
            else:
                messages.error(request, _("Check the fields."))
            return redirect("complaints:edit", public_id=order.public_id)
        if request.method == "POST" and complaint and step == "handling_form":
            services.handling_form_return(complaint=complaint, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Saved."))
            return redirect("complaints:edit", public_id=order.public_id)
        if request.method == "POST" and step == "route" and route.is_valid() and complaint:
            owner = account_selectors.staff_get_for(user=request.user, username=route.cleaned_data["owner"])
            services.complaint_route(complaint=complaint, actor=request.user, owner=owner,
                                     expected_resolution_on=route.cleaned_data["expected_resolution_on"])
            messages.success(request, _("Saved."))
            return redirect("workorders:detail", public_id=order.public_id)
    except DomainError as exc:
        messages.error(request, str(exc))
    return render(request, "complaints/complaint_edit.html", {
        "order": order, "complaint": complaint, "form": form, "route": route, "proposal_form": ProposalForm(),
        "answer_form": AnswerForm(), "proposals": list(complaint.proposals.all()) if complaint else [],
        "actions": list(complaint.actions.select_related("owner")) if complaint else [], "action_form": ActionForm(),
        "case_form": CaseForm(), "has_case": bool(complaint and selectors.case_for(complaint=complaint)),
        "staff": staff})


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
