"""The complaint loop end to end (issue 5 D1–D5, F1), on SQLite and PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.complaints import services
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.notifications.models import Notification
from anxin.revisits.models import Revisit
from anxin.revisits.services import revisits_schedule
from anxin.workorders import services as wo_services
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order


@pytest.fixture
def officer(world):
    return account_services.user_create(username="officer_a", password="x" * 12, role=Role.COMPLAINT_OFFICER,
                                        org_unit=world.site_a)


def _complaint(world, actor):
    order = make_order(world, type="complaint", title="漏水维修后又漏")
    complaint = services.complaint_register(order=order, actor=actor, data={
        "what_happened": "维修后第二天又漏水", "customer_wants": "赔偿地板损失", "category": "quality"})
    for to in (Status.ACCEPTED, Status.INVESTIGATING):
        wo_services.workorder_transition(order=order, to=to, actor=world.manager)
    return complaint


def test_the_loop_from_intake_to_revisit(world, officer):
    from anxin.sla import services as sla
    from anxin.sla.models import ClockKind, Metric, SlaPolicy

    SlaPolicy.objects.create(name="进展通报 1 小时", metric=Metric.PROGRESS_UPDATE, target_minutes=60,
                             clock=ClockKind.ALWAYS, escalate_every_minutes=30)
    # given a complaint routed to the officer with the date told to the customer
    complaint = _complaint(world, officer)
    services.complaint_route(complaint=complaint, actor=officer, owner=officer,
                             expected_resolution_on=timezone.localdate() + timedelta(days=3))
    # it stalls: no news for the customer within the hour → broken, then escalated up the ladder
    later = timezone.now() + timedelta(hours=2)
    assert sla.sweep(now=later, lag=timedelta(0))["breached"] == 1
    assert sla.sweep(now=later + timedelta(minutes=31), lag=timedelta(0))["escalated"] == 1
    assert Notification.objects.filter(kind="sla_breach", recipient=officer).exists()
    assert complaint.work_order.events.filter(type=502).exists()  # ESCALATED on the timeline
    # round 1: 800 yuan is above the officer's 200 → waits for a manager, who is notified
    first = services.proposal_make(complaint=complaint, actor=officer, kind="compensation", amount="800",
                                   measures="赔偿地板 800 元")
    assert first.approval == "pending"
    assert Notification.objects.filter(kind="complaint_approval", recipient=world.manager).exists()
    with pytest.raises(DomainError):  # not to the customer before approval
        services.proposal_answer(proposal=first, actor=officer, accepted=True, method="phone", confirmed_by="王芳")
    with pytest.raises(PermissionDeniedError):  # the officer cannot approve her own excess
        services.proposal_decide(proposal=first, actor=officer, approve=True)
    services.proposal_decide(proposal=first, actor=world.manager, approve=True)
    first.refresh_from_db()
    # the customer is not satisfied: back to investigating, the round stays on record
    services.proposal_answer(proposal=first, actor=officer, accepted=False, method="phone", confirmed_by="王芳")
    order = complaint.work_order
    order.refresh_from_db()
    assert order.status == Status.INVESTIGATING
    # round 2 within the officer's limit (apology + 150 yuan gift is split: a gift within her limit)
    second = services.proposal_make(complaint=complaint, actor=officer, kind="gift", amount="100",
                                    measures="重新维修并赠送 100 元物业费抵扣券")
    assert second.round == 2 and second.approval == "approved"
    services.proposal_answer(proposal=second, actor=officer, accepted=True, method="signature", confirmed_by="王芳")
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    assert [p.answer for p in complaint.proposals.order_by("round")] == ["declined", "accepted"]
    # closing → a revisit task
    wo_services.workorder_transition(order=order, to=Status.CLOSED, actor=world.manager)
    assert revisits_schedule() == 1 and Revisit.objects.get().work_order == order
    # the revisit, then the responsible department's corrective action
    from anxin.revisits.services import revisit_record

    revisit = revisit_record(revisit=Revisit.objects.get(), actor=officer, reached=True,
                             scores={"overall": 4, "attitude": 4, "quality": 4})
    assert revisit.status == "done"
    order.refresh_from_db()
    action = services.action_add(complaint=complaint, actor=officer, kind="corrective", owner=officer,
                                 description="维修后 24 小时内复查", due_on=timezone.localdate() + timedelta(days=7))
    assert action.complaint == complaint


def test_confirming_resolution_without_the_customer_is_refused_everywhere(world, officer, client_for):
    complaint = _complaint(world, officer)
    order = complaint.work_order
    wo_services.workorder_transition(order=order, to=Status.PROPOSED, actor=world.manager)
    with pytest.raises(DomainError) as exc:
        wo_services.workorder_transition(order=order, to=Status.RESOLVED, actor=world.manager)
    assert exc.value.status == 409
    response = client_for(world.manager).post(f"/api/workorders/{order.public_id}/transition",
                                              data='{"to": "resolved"}', content_type="application/json")
    assert response.status_code == 409
    proposal = services.proposal_make(complaint=complaint, actor=world.manager, kind="apology", amount="0",
                                      measures="书面道歉")
    with pytest.raises(DomainError) as exc:
        services.proposal_answer(proposal=proposal, actor=world.manager, accepted=True, method="phone",
                                 confirmed_by="")
    assert exc.value.extra["field"] == "answer_method"


def test_limits(world, officer):
    complaint = _complaint(world, officer)
    with pytest.raises(DomainError) as exc:  # above every role's limit
        services.proposal_make(complaint=complaint, actor=world.manager, kind="refund", amount="20000.01", measures="x")
    assert exc.value.extra["field"] == "amount"
    with pytest.raises(DomainError):
        services.proposal_make(complaint=complaint, actor=officer, kind="refund", amount="-1", measures="x")
    with pytest.raises(PermissionDeniedError):  # agents may not propose remedies
        services.proposal_make(complaint=complaint, actor=world.agent_a, kind="gift", amount="10", measures="x")
    p = services.proposal_make(complaint=complaint, actor=world.manager, kind="refund", amount=Decimal("4999.99"),
                               measures="退款")
    assert p.approval == "approved"
    with pytest.raises(DomainError):  # one open proposal per round
        services.proposal_make(complaint=complaint, actor=world.manager, kind="gift", amount="10", measures="x")


def test_the_loop_on_the_complaint_page(world, officer, client):
    complaint = _complaint(world, officer)
    url = f"/complaints/{complaint.work_order.public_id}/"
    client.force_login(officer)
    client.post(url + "steps/propose/", {"kind": "compensation", "amount": "500", "measures": "赔偿 500 元"})
    proposal = complaint.proposals.get()
    assert proposal.approval == "pending"
    client.post(url + "steps/proposal-approve/", {"proposal": proposal.pk})  # above her limit: refused, stays pending
    proposal.refresh_from_db()
    assert proposal.approval == "pending"
    client.force_login(world.manager)
    client.post(url + "steps/proposal-approve/", {"proposal": proposal.pk})
    client.post(url + "steps/proposal-answer/", {"proposal": proposal.pk, "accepted": "yes", "method": "phone", "confirmed_by": "王芳"})
    complaint.work_order.refresh_from_db()
    assert complaint.work_order.status == Status.RESOLVED
    assert "王芳" in client.get(url).content.decode()


def test_after_closure_actions_and_an_anonymised_case(world, officer, client):
    complaint = _complaint(world, officer)
    p = services.proposal_make(complaint=complaint, actor=officer, kind="apology", amount="0", measures="书面道歉")
    services.proposal_answer(proposal=p, actor=officer, accepted=True, method="signature", confirmed_by="王芳")
    order = complaint.work_order
    order.refresh_from_db()
    with pytest.raises(DomainError):  # not before closure
        services.action_add(complaint=complaint, actor=officer, kind="corrective", description="复查", owner=officer,
                            due_on=timezone.localdate())
    wo_services.workorder_transition(order=order, to=Status.CLOSED, actor=world.manager)
    complaint.refresh_from_db()
    services.action_add(complaint=complaint, actor=officer, kind="preventive", description="维修后 24 小时回访复查",
                        owner=world.dispatcher_a, due_on=timezone.localdate() + timedelta(days=7))
    complaint.what_happened = "王芳（13800138000）家住张杨路100号，维修后又漏水"
    complaint.save()
    case = services.case_publish(complaint=complaint, actor=officer, title="维修后复漏",
                                 lesson="维修后必须试水 30 分钟")
    assert "王芳" not in case.story and "13800138000" not in case.story and "张杨路100号" not in case.story
    assert "【客户】" in case.story and "【电话】" in case.story
    with pytest.raises(DomainError):
        services.case_publish(complaint=complaint, actor=officer, title="x", lesson="y")
    client.force_login(world.agent_b)  # another site's agent learns from it too (anonymised)
    assert "维修后复漏" in client.get("/complaints/cases/?q=复漏").content.decode()
