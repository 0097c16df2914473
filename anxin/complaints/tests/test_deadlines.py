"""D3 deadlines and the green channel; D7 the tracking record PDF (issue 5)."""

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.complaints import services
from anxin.core.errors import DomainError
from anxin.customers.models import Customer
from anxin.notifications.models import Notification
from anxin.sla import services as sla
from anxin.sla.calendar import SHANGHAI
from anxin.sla.models import Clock, ClockKind, Metric, SlaPolicy
from anxin.workorders import services as wo_services
from anxin.workorders.models import Priority
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday


def _register(world, actor, **order_kw):
    order = make_order(world, actor=actor, type="complaint", title="维修后又漏水", **order_kw)
    return services.complaint_register(order=order, actor=actor, data={
        "what_happened": "维修后第二天又漏水", "customer_wants": "赔偿地板损失", "category": "quality"})


def _resolve(world, complaint):
    order = complaint.work_order
    for to in (Status.ACCEPTED, Status.INVESTIGATING):
        wo_services.workorder_transition(order=order, to=to, actor=world.manager)
    p = services.proposal_make(complaint=complaint, actor=world.manager, kind="apology", amount="0", measures="书面道歉")
    services.proposal_answer(proposal=p, actor=world.manager, accepted=True, method="phone", confirmed_by="王芳")
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
    return order


def _sweep(now):
    with time_machine.travel(now, tick=False):
        return sla.sweep(now=now, lag=timedelta(0))


def test_a_vip_complaint_is_high_priority_and_needs_a_senior_owner(world):
    Customer.objects.filter(pk=world.customer_a.pk).update(tier="diamond")
    world.customer_a.refresh_from_db()
    complaint = _register(world, world.agent_a)
    complaint.work_order.refresh_from_db()
    assert complaint.is_vip and complaint.work_order.priority == Priority.HIGH
    with pytest.raises(DomainError) as exc:
        services.complaint_route(complaint=complaint, actor=world.manager, owner=world.agent_a,
                                 expected_resolution_on=timezone.localdate() + timedelta(days=2))
    assert exc.value.extra["field"] == "owner"
    head = account_services.user_create(username="head_a", password="x" * 12, role=Role.DEPT_HEAD,
                                        org_unit=world.site_a)
    services.complaint_route(complaint=complaint, actor=world.manager, owner=head,
                             expected_resolution_on=timezone.localdate() + timedelta(days=2))
    # an ordinary customer's complaint may go to any owner
    plain = _register(world, world.agent_b, customer=world.customer_b)
    assert not plain.is_vip and plain.work_order.priority == Priority.NORMAL


def test_progress_updates_are_owed_again_after_each_reply_until_resolved(world):
    SlaPolicy.objects.create(name="进展通报 2 小时", metric=Metric.PROGRESS_UPDATE, target_minutes=120,
                             clock=ClockKind.ALWAYS)
    with time_machine.travel(NOW, tick=False):
        complaint = _register(world, world.manager)
    order = complaint.work_order
    clock = {c.metric: c for c in sla.clocks_sync(order=order)}[Metric.PROGRESS_UPDATE]
    assert clock.due_at == NOW + timedelta(hours=2)
    # 3 hours without news: breached and the owner's ladder hears of it
    _sweep(NOW + timedelta(hours=3))
    assert Clock.objects.get(work_order=order, metric=Metric.PROGRESS_UPDATE).state == Clock.State.BREACHED
    with time_machine.travel(NOW + timedelta(hours=4), tick=False):
        wo_services.workorder_add_note(order=order, actor=world.manager, body="已安排工程部复查", is_public=True)
    clock = {c.metric: c for c in sla.clocks_sync(order=order)}[Metric.PROGRESS_UPDATE]
    assert clock.state == Clock.State.RUNNING and clock.due_at == NOW + timedelta(hours=6)
    _sweep(NOW + timedelta(hours=7))  # the second silence is its own breach, notified again
    breaches = Notification.objects.filter(kind="sla_breach", dedupe_key__contains=f"sla:{clock.pk}:")
    assert breaches.values("dedupe_key").distinct().count() == 2
    with time_machine.travel(NOW + timedelta(hours=8), tick=False):
        _resolve(world, complaint)
    assert {c.metric: c for c in sla.clocks_sync(order=order)}[Metric.PROGRESS_UPDATE].state == Clock.State.MET


def test_the_handling_form_is_due_within_24_hours_of_resolution(world):
    SlaPolicy.objects.create(name="处理单 24 小时", metric=Metric.HANDLING_FORM, target_minutes=1440,
                             clock=ClockKind.ALWAYS)
    with time_machine.travel(NOW, tick=False):
        complaint = _register(world, world.manager)
    order = complaint.work_order
    assert Metric.HANDLING_FORM not in {c.metric for c in sla.clocks_sync(order=order)}  # not before resolution
    with pytest.raises(DomainError):
        services.handling_form_return(complaint=complaint, actor=world.manager, cause="workmanship")
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        _resolve(world, complaint)
    clock = {c.metric: c for c in sla.clocks_sync(order=order)}[Metric.HANDLING_FORM]
    assert clock.due_at == NOW + timedelta(hours=29)
    _sweep(NOW + timedelta(hours=30))
    assert Clock.objects.get(pk=clock.pk).state == Clock.State.BREACHED
    with time_machine.travel(NOW + timedelta(hours=31), tick=False):
        with pytest.raises(DomainError) as no_cause:  # the form names the cause the department found
            services.handling_form_return(complaint=complaint, actor=world.manager, cause="", note="工程部已签字")
        assert no_cause.value.extra == {"field": "cause"}
        services.handling_form_return(complaint=complaint, actor=world.manager, cause="workmanship", note="工程部已签字")
    complaint.refresh_from_db()
    assert complaint.cause == "workmanship"
    assert order.events.filter(body="施工质量 · 工程部已签字").exists()
    clock = {c.metric: c for c in sla.clocks_sync(order=order)}[Metric.HANDLING_FORM]
    assert clock.state == Clock.State.MET
    with pytest.raises(DomainError):  # once
        services.handling_form_return(complaint=complaint, actor=world.manager, cause="process")


def test_tracking_record_pdf_has_the_chinese_fields_and_every_round(world, client_for):
    complaint = _register(world, world.manager)
    order = _resolve(world, complaint)
    response = client_for(world.manager).get(f"/complaints/{order.public_id}/print/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for words in ("投诉处理跟踪记录单", order.number, "质量", "维修后第二天又漏水", "书面道歉", "王芳", "处理轮次"):
        assert words in text.replace("\n", ""), words
    assert client_for(world.agent_b).get(f"/complaints/{order.public_id}/print/").status_code == 404
    assert client_for(world.tech_a).get(f"/complaints/{order.public_id}/print/").status_code == 403


def test_limits_edited_in_the_admin_apply_and_are_audited(world, client_for):
    from anxin.audit.models import AuditLog
    from anxin.complaints.models import AuthorisationLimit

    complaint = _register(world, world.manager)
    order = complaint.work_order
    for to in (Status.ACCEPTED, Status.INVESTIGATING):
        wo_services.workorder_transition(order=order, to=to, actor=world.manager)
    admin = account_services.user_create(username="root", password="x" * 12, role=Role.ADMINISTRATOR,
                                         org_unit=world.hq, is_superuser=True)
    client = client_for(admin)
    assert client.get("/admin/complaints/authorisationlimit/").status_code == 200  # seeds the defaults
    row = AuthorisationLimit.objects.get(role="service_manager", kind="compensation")
    response = client.post(f"/admin/complaints/authorisationlimit/{row.pk}/change/",
                           {"role": "service_manager", "kind": "compensation", "amount": "300"})
    assert response.status_code == 302
    assert AuditLog.objects.filter(object_type="complaints.authorisationlimit").exists()
    # the manager's own limit is now 300: 800 waits for someone whose limit covers it
    proposal = services.proposal_make(complaint=complaint, actor=world.manager, kind="compensation", amount="800",
                                      measures="赔偿")
    assert proposal.approval == "pending"
