"""The field steps as tables: what each button on the technician's phone page and on the desk's field panel
does. The pages post each step to its own URL (`urls.py` builds them from these tables) and the field API runs
the same rows, so a step is validated and performed in one place."""

from django.utils.translation import gettext_lazy as _

from anxin.core.errors import DomainError, ErrorCode
from anxin.core.steps import Step, TokenForm
from anxin.field import forms, selectors
from anxin.field.services import appointments, jobs, quotes, stock, visits


def _materials(order, actor, d):
    warehouse = selectors.warehouse_for_order(order=order)
    if warehouse is None:
        raise DomainError(ErrorCode.INVALID, _("This site has no warehouse."), {"field": "warehouse"})
    return stock.material_requisition_create(order=order, actor=actor, warehouse=warehouse, lines=d["lines"],
                                             customer_supplied=d["customer_supplied"], token=d["token"])


def _quote_decide(approve: bool):
    return lambda o, u, d: quotes.quote_decide(order=o, actor=u, approve=approve, signer_name=d["signer_name"],
                                               signature=d["signature"], token=d["token"])


def _table(*steps: Step) -> dict[str, Step]:
    return {s.key: s for s in steps}


# The technician's phone (C4–C9). Every step but warranty, pre-authorisation and payment carries a one-time token.
PHONE = _table(
    Step("travel", TokenForm, lambda o, u, d: visits.visit_travel_start(order=o, actor=u, token=d["token"])),
    Step("arrive", TokenForm, lambda o, u, d: visits.visit_arrive(order=o, actor=u, token=d["token"])),
    Step("nobody_home", forms.NobodyHomeForm, lambda o, u, d: visits.visit_nobody_home(
        order=o, actor=u, waited_minutes=d["waited_minutes"], note_left=d["note_left"], token=d["token"]),
         done=_("Saved. The desk will agree a new appointment.")),
    Step("inspection", forms.InspectionForm, lambda o, u, d: visits.inspection_record(
        order=o, actor=u, items=d["items"], diagnosis=d["diagnosis"], photo=d["photo"],
        signer_name=d["signer_name"], signature=d["signature"], token=d["token"])),
    Step("warranty", forms.WarrantyForm, lambda o, u, d: jobs.warranty_decide(
        order=o, actor=u, decision=d["decision"], note=d["note"]), section="warranty"),
    Step("quote_item", forms.QuoteItemForm, lambda o, u, d: quotes.quote_add_item(
        order=o, actor=u, quantity=d["quantity"], price_item=d["price_item"], kind=d["kind"],
        description=d["description"], unit_price=d["unit_price"], token=d["token"]), section="quote"),
    Step("quote_remove", forms.QuoteRemoveForm, lambda o, u, d: quotes.quote_remove_item(
        order=o, actor=u, item_id=d["item"], token=d["token"]), section="quote"),
    Step("quote_submit", TokenForm, lambda o, u, d: quotes.quote_submit(order=o, actor=u, token=d["token"]),
         section="quote"),
    Step("quote_approve", forms.SignedForm, _quote_decide(True), section="quote"),
    Step("quote_decline", forms.SignedForm, _quote_decide(False), section="quote"),
    Step("pre_authorised", forms.PreAuthorisedForm, lambda o, u, d: quotes.pre_authorised_set(
        order=o, actor=u, text=d["pre_authorised"]), section="quote"),
    Step("quote_revise", TokenForm, lambda o, u, d: quotes.quote_revise(order=o, actor=u, token=d["token"]),
         section="quote"),
    Step("materials", forms.MaterialsForm, _materials, section="materials"),
    Step("delay", forms.PhoneDelayForm, lambda o, u, d: appointments.delay_record(
        order=o, actor=u, reason=d["reason"], note=d["note"], token=d["token"]), section="materials"),
    Step("accept", forms.SignedForm, lambda o, u, d: visits.acceptance_record(
        order=o, actor=u, signer_name=d["signer_name"], signature=d["signature"], token=d["token"])),
    Step("payment", forms.PaymentForm, lambda o, u, d: jobs.payment_record(
        order=o, actor=u, method=d["method"], amount=d["amount"] or None)),
)


def _job_details(order, actor, d):
    number = d["rework_of"].strip()
    rework = selectors.order_for_rework(user=actor, number=number) if number else None
    return jobs.job_details_set(order=order, actor=actor, job_type=d["job_type"], is_recall=d["is_recall"],
                                rework_of=rework, pre_authorised=d["pre_authorised"])


# The desk's field panel of one order (C1–C3, C5, C7 approval, C9).
DESK = _table(
    Step("appointment", forms.AppointmentForm, lambda o, u, d: appointments.appointment_set(order=o, actor=u, **d)),
    Step("details", forms.JobDetailsForm, _job_details),
    Step("delay", forms.DelayForm, lambda o, u, d: appointments.delay_record(order=o, actor=u, **d)),
    Step("approve_quote", TokenForm, lambda o, u, d: quotes.quote_approve_items(order=o, actor=u)),
    Step("warranty_covered", forms.WarrantySettleForm, lambda o, u, d: jobs.warranty_settle(
        order=o, actor=u, covered=True, note=d["note"])),
    Step("warranty_not_covered", forms.WarrantySettleForm, lambda o, u, d: jobs.warranty_settle(
        order=o, actor=u, covered=False, note=d["note"])),
    Step("payment", forms.PaymentForm, lambda o, u, d: jobs.payment_record(
        order=o, actor=u, method=d["method"], amount=d["amount"] or None)),
)
