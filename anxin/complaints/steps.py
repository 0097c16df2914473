"""The complaint's steps (D1–D6) as a table: each button on the complaint page posts to its own URL and runs
one row — its form, then one service."""

from django.utils.translation import gettext_lazy as _

from anxin.accounts import selectors as account_selectors
from anxin.complaints import forms, selectors, services
from anxin.core.errors import DomainError, ErrorCode
from anxin.core.steps import Step


def _complaint(order):
    complaint = selectors.complaint_for(order=order)
    if complaint is None:
        raise DomainError(ErrorCode.INVALID, _("Record what happened first."), {"field": "complaint"})
    return complaint


def _proposal(order, d):
    return selectors.proposal_for(complaint=_complaint(order), pk=d["proposal"])


def _staff(actor, username):
    return account_selectors.staff_get_for(user=actor, username=username)


def _route(order, actor, d):
    return services.complaint_route(complaint=_complaint(order), actor=actor, owner=_staff(actor, d["owner"]),
                                    expected_resolution_on=d["expected_resolution_on"])


def _action(order, actor, d):
    return services.action_add(complaint=_complaint(order), actor=actor, owner=_staff(actor, d["owner"]),
                               kind=d["kind"], description=d["description"], due_on=d["due_on"])


COMPLAINT = {s.key: s for s in (
    Step("details", forms.ComplaintForm, lambda o, u, d: services.complaint_register(order=o, actor=u, data=d),
         form_kwargs=lambda o, u: {"instance": selectors.complaint_for(order=o)}),
    Step("route", forms.RouteForm, _route,
         form_kwargs=lambda o, u: {"staff": account_selectors.staff_list_for(user=u)}),
    Step("propose", forms.ProposalForm, lambda o, u, d: services.proposal_make(complaint=_complaint(o), actor=u, **d)),
    Step("proposal_approve", forms.ProposalPickForm, lambda o, u, d: services.proposal_decide(
        proposal=_proposal(o, d), actor=u, approve=True)),
    Step("proposal_reject", forms.ProposalPickForm, lambda o, u, d: services.proposal_decide(
        proposal=_proposal(o, d), actor=u, approve=False)),
    Step("proposal_answer", forms.AnswerForm, lambda o, u, d: services.proposal_answer(
        proposal=_proposal(o, d), actor=u, accepted=d["accepted"], method=d["method"],
        confirmed_by=d["confirmed_by"])),
    Step("action", forms.ActionForm, _action),
    Step("case", forms.CaseForm, lambda o, u, d: services.case_publish(complaint=_complaint(o), actor=u, **d),
         perm="workorders.close_workorder", done=_("Published to the case library.")),
    Step("handling_form", forms.HandlingFormForm, lambda o, u, d: services.handling_form_return(
        complaint=_complaint(o), actor=u, cause=d["cause"], note=d["note"])),
)}
