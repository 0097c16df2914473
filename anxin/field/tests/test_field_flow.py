"""The field job end to end through the services, and every rule the issue names as bad input."""

import base64
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image, ImageDraw

from anxin.accounts import services as account_services
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
from anxin.devtools.testing.personas import fresh
from anxin.field.models import Assignment, FieldJob, PriceItem, Quote, Signature, Stock
from anxin.field.services import appointments, assignments, jobs, quotes, signatures, stock, visits
from anxin.workorders.models import WorkOrderEvent
from anxin.workorders.states import Status

E = WorkOrderEvent.Type


def signature_png(blank: bool = False) -> str:
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(10, 60), (120, 20), (290, 100)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def fw(world):
    return build_field(world)


@pytest.fixture
def dispatched(world, fw):
    order = repair_order(world)
    appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=tomorrow_at(9),
                                 window_to=tomorrow_at(11), agreed_with="王芳")
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    order.refresh_from_db()
    return order


def test_appointment_then_dispatch_writes_register_and_timeline(world, fw, dispatched):
    order = dispatched
    assert order.status == Status.DISPATCHED and order.owner == world.tech_a
    a = Assignment.objects.get(work_order=order)
    assert a.planned_end - a.planned_start == timedelta(minutes=60) and a.warnings == [] and a.travel_minutes > 0
    types = list(order.events.values_list("type", flat=True))
    assert E.APPOINTMENT_SET in types and E.DISPATCHED in types


def test_the_same_dispatch_sent_again_changes_nothing(world, fw, dispatched):
    """A plan re-accepted after a crashed worker or a lost answer (bench/faults): each row once, nobody told twice."""
    from anxin.notifications.models import Notification

    messages = Notification.objects.count()
    again = assignments.assignment_create(order=dispatched, technician=world.tech_a, start=tomorrow_at(9, 30),
                                          actor=fresh(world.dispatcher_a), source="plan")
    assert Assignment.objects.filter(work_order=dispatched).count() == 1 and again.cancelled_at is None
    assert dispatched.events.filter(type=E.DISPATCHED).count() == 1
    assert Notification.objects.count() == messages
    # another time is a real re-dispatch: the first is cancelled and kept
    assignments.assignment_create(order=dispatched, technician=world.tech_a, start=tomorrow_at(10),
                                  actor=fresh(world.dispatcher_a))
    assert Assignment.objects.filter(work_order=dispatched, cancelled_at__isnull=True).count() == 1
    assert Assignment.objects.filter(work_order=dispatched).count() == 2


def test_reschedule_keeps_history_and_needs_reason(world, fw, dispatched):
    agent = fresh(world.agent_a)
    with pytest.raises(DomainError) as err:
        appointments.appointment_set(order=dispatched, actor=agent, window_from=tomorrow_at(14), window_to=tomorrow_at(16),
                                     agreed_with="王芳")
    assert err.value.extra["field"] == "reason"
    appointments.appointment_set(order=dispatched, actor=agent, window_from=tomorrow_at(14), window_to=tomorrow_at(16),
                                 agreed_with="王芳", reason="客户临时有事")
    rows = list(dispatched.appointments.order_by("created_at"))
    assert len(rows) == 2 and [r.is_current for r in rows] == [False, True] and rows[1].reason == "客户临时有事"
    # the planned 09:30 visit no longer fits: off the technician's plan, back to the board
    dispatched.refresh_from_db()
    assert dispatched.status == Status.SCHEDULED
    assert not Assignment.objects.filter(work_order=dispatched, cancelled_at__isnull=True).exists()
    assert world.tech_a.notifications.filter(kind="appointment_moved").exists()


@pytest.mark.parametrize("case", ["level", "shift", "window", "overlap"])
def test_dispatch_refuses_broken_rules_unless_overridden_with_reason(world, fw, case):
    dispatcher = fresh(world.dispatcher_a)
    order = repair_order(world)
    appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=tomorrow_at(9),
                                 window_to=tomorrow_at(11), agreed_with="王芳")
    tech, start = world.tech_a, tomorrow_at(9, 30)
    if case == "level":
        jobs.job_details_set(order=order, actor=dispatcher, job_type=fw.circuit)  # needs electrical 3
    elif case == "shift":
        appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=tomorrow_at(6),
                                     window_to=tomorrow_at(8), agreed_with="王芳", reason="早上")
        start = tomorrow_at(6, 30)
    elif case == "window":
        start = tomorrow_at(13)
    else:
        other = repair_order(world, title="另一单")
        assignments.assignment_create(order=other, technician=tech, start=tomorrow_at(9), actor=dispatcher)
    with pytest.raises(DomainError) as err:
        assignments.assignment_create(order=order, technician=tech, start=start, actor=dispatcher)
    assert err.value.status == 409 and err.value.extra["problems"]
    assert not Assignment.objects.filter(work_order=order).exists()
    a = assignments.assignment_create(order=order, technician=tech, start=start, actor=dispatcher, override_reason="客户坚持")
    assert a.warnings and a.override_reason == "客户坚持"


def test_technician_cannot_open_or_work_another_technicians_order(world, fw, dispatched, client_for):
    with pytest.raises(PermissionDeniedError):
        visits.visit_arrive(order=dispatched, actor=fresh(world.tech_a2))
    assert client_for(world.tech_a2).get(f"/field/my/{dispatched.public_id}/").status_code == 404


def test_agent_cannot_dispatch(world, fw):
    order = repair_order(world)
    with pytest.raises(PermissionDeniedError):
        assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9), actor=fresh(world.agent_a))


def test_nobody_home_returns_order_to_desk(world, fw, dispatched):
    tech = fresh(world.tech_a)
    visits.visit_travel_start(order=dispatched, actor=tech, token="t1")
    visits.visit_nobody_home(order=dispatched, actor=tech, waited_minutes=15, note_left="门上留了联系卡", token="t2")
    dispatched.refresh_from_db()
    assert dispatched.status == Status.SCHEDULED
    assert not dispatched.appointments.filter(is_current=True).exists()
    assert not Assignment.objects.filter(work_order=dispatched, cancelled_at__isnull=True).exists()
    assert world.agent_a.notifications.filter(kind="nobody_home").exists()


def test_a_step_resent_after_a_lost_connection_is_not_repeated(world, fw, dispatched):
    tech = fresh(world.tech_a)
    assert visits.visit_arrive(order=dispatched, actor=tech, token="same") is not None
    assert visits.visit_arrive(order=dispatched, actor=tech, token="same") is None  # the retry: already saved
    assert dispatched.events.filter(type=E.ARRIVED).count() == 1


def test_full_job_from_arrival_to_payment(world, fw, dispatched):
    tech = fresh(world.tech_a)
    visits.visit_arrive(order=dispatched, actor=tech)
    visits.inspection_record(order=dispatched, actor=tech, diagnosis="角阀老化",
                             items=[{"point": "外观", "ok": True}, {"point": "角阀", "ok": False, "note": "锈蚀渗水"}],
                             signer_name="王芳", signature=signature_png())
    jobs.warranty_decide(order=dispatched, actor=tech, decision="not_covered")
    labour = PriceItem.objects.get(code="L-HOUR")
    valve = PriceItem.objects.get(code="M-VALVE-15")
    quotes.quote_add_item(order=dispatched, actor=tech, price_item=labour, quantity=Decimal("1.5"))
    quotes.quote_add_item(order=dispatched, actor=tech, price_item=valve, quantity=2)
    quotes.quote_add_item(order=dispatched, actor=tech, kind="part", description="特殊接头", quantity=1,
                          unit_price="18.50")
    quote = quotes.quote_submit(order=dispatched, actor=tech)
    assert quote.status == Quote.Status.NEEDS_APPROVAL  # an off-list item: a supervisor first
    with pytest.raises(DomainError):
        quotes.quote_decide(order=dispatched, actor=tech, approve=True, signer_name="王芳",
                            signature=signature_png())
    with pytest.raises(PermissionDeniedError):
        quotes.quote_approve_items(order=dispatched, actor=tech)
    quotes.quote_approve_items(order=dispatched, actor=fresh(world.dispatcher_a))
    with pytest.raises(DomainError):  # approving without a signature
        quotes.quote_decide(order=dispatched, actor=tech, approve=True, signer_name="王芳",
                            signature=signature_png(blank=True))
    quote = quotes.quote_decide(order=dispatched, actor=tech, approve=True, signer_name="王芳",
                                signature=signature_png())
    assert quote.status == Quote.Status.APPROVED and quote.total == Decimal("208.50")  # 120 + 70 + 18.50
    with pytest.raises(DomainError) as err:  # editing an approved quote in place
        quotes.quote_add_item(order=dispatched, actor=tech, price_item=labour, quantity=1)
    assert err.value.status == 409
    req = stock.material_requisition_create(order=dispatched, actor=tech, warehouse=fw.warehouse,
                                            lines=[(fw.valve, 2)], customer_supplied=[("客户自购水龙头", 1, "外观完好")])
    with pytest.raises(DomainError):  # a requisition not yet issued blocks hand-over
        visits.acceptance_record(order=dispatched, actor=tech, signer_name="王芳", signature=signature_png())
    with pytest.raises(PermissionDeniedError):
        stock.material_requisition_issue(requisition=req, actor=tech)
    stock.material_requisition_issue(requisition=req, actor=fresh(world.warehouse_a))
    assert Stock.objects.get(part=fw.valve).quantity == 1
    visits.acceptance_record(order=dispatched, actor=tech, signer_name="王芳", signature=signature_png())
    jobs.payment_record(order=dispatched, actor=tech, method="on_site", amount=Decimal("208.50"))
    dispatched.refresh_from_db()
    assert dispatched.status == Status.RESOLVED
    sig = Signature.objects.get(work_order=dispatched, purpose="acceptance")
    assert signatures.signature_verify(sig)
    types = set(dispatched.events.values_list("type", flat=True))
    assert {E.ARRIVED, E.INSPECTED, E.WARRANTY_DECIDED, E.QUOTE_CHANGED, E.QUOTE_DECIDED, E.MATERIALS_REQUESTED,
            E.MATERIALS_ISSUED, E.ACCEPTED_BY_CUSTOMER, E.PAYMENT_RECORDED} <= types


def test_quote_revision_after_approval_needs_approval_again(world, fw, dispatched):
    tech = fresh(world.tech_a)
    visits.visit_arrive(order=dispatched, actor=tech)
    quotes.quote_add_item(order=dispatched, actor=tech, price_item=PriceItem.objects.get(code="L-VISIT"),
                          quantity=1)
    quotes.quote_submit(order=dispatched, actor=tech)
    quotes.quote_decide(order=dispatched, actor=tech, approve=True, signer_name="王芳", signature=signature_png())
    new = quotes.quote_revise(order=dispatched, actor=tech)
    assert new.revision == 2 and new.status == Quote.Status.DRAFT and new.total == Decimal("30.00")
    assert Quote.objects.get(work_order=dispatched, revision=1).status == Quote.Status.SUPERSEDED
    with pytest.raises(DomainError):  # the customer may not sign the changed quote before it is submitted
        quotes.quote_decide(order=dispatched, actor=tech, approve=True, signer_name="王芳",
                            signature=signature_png())


@pytest.mark.parametrize("quantity", [0, -1, "abc", "1.234"])
def test_bad_quantities_and_prices_are_refused(world, fw, dispatched, quantity):
    tech = fresh(world.tech_a)
    with pytest.raises(DomainError):
        quotes.quote_add_item(order=dispatched, actor=tech, price_item=PriceItem.objects.get(code="L-VISIT"),
                              quantity=quantity)
    with pytest.raises(DomainError):
        quotes.quote_add_item(order=dispatched, actor=tech, kind="labour", description="x", quantity=1,
                              unit_price=quantity)


def test_issuing_more_than_in_stock_is_refused_and_nothing_taken(world, fw, dispatched):
    tech = fresh(world.tech_a)
    req = stock.material_requisition_create(order=dispatched, actor=tech, warehouse=fw.warehouse, lines=[(fw.valve, 5)])
    assert req.lines.get().in_stock_when_requested is False
    with pytest.raises(DomainError) as err:
        stock.material_requisition_issue(requisition=req, actor=fresh(world.warehouse_a))
    assert "3" in str(err.value)
    req.refresh_from_db()
    assert req.status == "requested" and Stock.objects.get(part=fw.valve).quantity == 3


def test_warranty_assessment_goes_to_a_supervisor(world, fw, dispatched):
    tech = fresh(world.tech_a)
    with pytest.raises(DomainError):
        jobs.warranty_decide(order=dispatched, actor=tech, decision="assessment")  # needs a reason
    jobs.warranty_decide(order=dispatched, actor=tech, decision="assessment", note="无法判断是否人为损坏")
    assert world.dispatcher_a.notifications.filter(kind="warranty_assessment").exists()
    with pytest.raises(PermissionDeniedError):
        jobs.warranty_settle(order=dispatched, actor=tech, covered=True)
    job = jobs.warranty_settle(order=dispatched, actor=fresh(world.dispatcher_a), covered=True)
    assert job.warranty == "covered" and job.warranty_approved_by == world.dispatcher_a


def test_delay_with_new_promise_needs_consent(world, fw, dispatched):
    tech = fresh(world.tech_a)
    with pytest.raises(DomainError) as err:
        appointments.delay_record(order=dispatched, actor=tech, reason="parts", new_promise=tomorrow_at(17) + timedelta(1))
    assert err.value.extra["field"] == "consent_by"
    d = appointments.delay_record(order=dispatched, actor=tech, reason="parts", new_promise=tomorrow_at(17) + timedelta(1),
                                  consent_by="王芳")
    assert d.consent_by == "王芳"
    from anxin.sla.models import Commitment

    promise = Commitment.objects.get(work_order=dispatched, kind="completion", outcome="open")
    assert promise.due_at == d.new_promise and "王芳" in promise.description and promise.owner == world.tech_a
    # moved again: the earlier promise is closed as cancelled, one open promise remains
    appointments.delay_record(order=dispatched, actor=tech, reason="outsourcing", new_promise=tomorrow_at(17) + timedelta(2),
                              consent_by="王芳")
    assert Commitment.objects.filter(work_order=dispatched, kind="completion", outcome="open").count() == 1
    assert Commitment.objects.filter(work_order=dispatched, kind="completion", outcome="cancelled").count() == 1


def test_an_emergency_reaches_the_technician_on_the_duty_roster(world, fw):
    from django.utils import timezone

    account_services.on_duty_set(technician=world.tech_a2, day=timezone.localdate(), kind="night")
    repair_order(world, title="楼道水管爆裂", emergency=True)
    assert world.tech_a2.notifications.filter(kind="emergency").exists()
    assert not world.tech_a.notifications.filter(kind="emergency").exists()


def test_customer_allowances_are_written_on_the_job(world, fw, dispatched):
    quotes.pre_authorised_set(order=dispatched, actor=fresh(world.tech_a), text="更换密封圈,50 元以内")
    assert FieldJob.objects.get(work_order=dispatched).pre_authorised == "更换密封圈,50 元以内"
    with pytest.raises(PermissionDeniedError):
        quotes.pre_authorised_set(order=dispatched, actor=fresh(world.tech_a2), text="x")


def test_a_repeat_repair_of_the_same_job_is_marked_rework(world, fw, dispatched):
    tech = fresh(world.tech_a)
    visits.visit_arrive(order=dispatched, actor=tech)
    visits.acceptance_record(order=dispatched, actor=tech, signer_name="王芳", signature=signature_png())
    again = repair_order(world, title="又漏水了")
    appointments.appointment_set(order=again, actor=fresh(world.agent_a), window_from=tomorrow_at(14),
                                 window_to=tomorrow_at(16), agreed_with="王芳")
    job = FieldJob.objects.get(work_order=again)
    assert job.rework_of == dispatched and job.priority_class == "rework"
    from anxin.workorders import services as wo

    other = wo.workorder_create(actor=world.agent_b, type="repair", channel="hotline", site=world.site_b,
                                title="别家的事", customer=world.customer_b, category=world.category)
    assert jobs.rework_candidate(other) is None  # another customer's order is never rework of this one


def test_a_step_reads_and_locks_its_order_once(world, fw, dispatched):
    """Issue 15: arrive = lock + record + transition; the transition takes the order already locked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        visits.visit_arrive(order=dispatched, actor=fresh(world.tech_a), token="once")
    reads = [q["sql"] for q in ctx.captured_queries
             if q["sql"].startswith('SELECT "workorders_workorder"."id", ') and '"workorders_workorder"."id" =' in q["sql"]]
    assert len(reads) == 1, "\n".join(reads)
    dispatched.refresh_from_db()
    assert dispatched.status == Status.IN_PROGRESS

