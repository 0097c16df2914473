"""B4 retention and PIPL deletion: reviewed batches, four eyes, holds, a purge that keeps every count, resumes."""


import pytest
import time_machine
from django.utils import timezone

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.audit.models import AuditLog
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.customers import services as customer_services
from anxin.devtools.testing.personas import PASSWORD, fresh
from anxin.intake import services as intake_services
from anxin.reports.periods import Period
from anxin.reports.selectors import ReportFilters, volume
from anxin.retention import services
from anxin.retention.models import LegalHold, PurgeBatch, PurgeItem
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrder
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order

LONG_AGO = timezone.make_aware(timezone.datetime(2020, 3, 10, 10, 0))
NOW = timezone.make_aware(timezone.datetime(2026, 12, 1, 9, 0))


@pytest.fixture
def officers(world):
    return [fresh(account_services.user_create(username=f"dpo{i}", password=PASSWORD, role=Role.DATA_OFFICER,
                                               org_unit=world.hq)) for i in (1, 2)]


def _old_customer(world, name, phone):
    with time_machine.travel(LONG_AGO, tick=False):
        customer = customer_services.customer_create(
            actor=world.agent_a, site=world.site_a, name=name, contacts=[{"phone": phone, "name": name}],
            address={"district": "浦东新区", "street": "张杨路", "number": "8号", "address_detail": "3栋1201"})
        order = make_order(world, customer=customer, title=f"{name}家漏水", description=f"{name} 电话 {phone}")
        wo_services.workorder_add_note(order=order, actor=world.agent_a, body=f"已联系{name}")
        for to in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
            order = wo_services.workorder_transition(order=order, to=to, actor=world.manager)
        intake_services.contactlog_create(actor=world.agent_a, site=world.site_a, category="general",
                                          content=f"{name}来电", customer=customer, phone=phone, caller_name=name)
    return customer, order


def _counts(world):
    figures = volume(user=world.manager, filters=ReportFilters(period=Period(LONG_AGO.date(), NOW.date()),
                                                               grain="month"))
    return figures["total"], figures["by_type"], figures["by_site"], figures["by_bucket"]


def test_the_monthly_proposal_a_reviewed_purge_and_every_count_kept(world, officers):
    old, old_order = _old_customer(world, "赵老", "13911110001")
    held, _held_order = _old_customer(world, "钱老", "13911110002")
    LegalHold.objects.create(customer=held, reason="诉讼中")
    recent = make_order(world, title="最近的报修")  # world.customer_a: served now, kept
    before = _counts(world)

    with time_machine.travel(NOW, tick=False):
        batch = services.candidates_propose()
    items = batch.items.all()
    assert {i.customer_id for i in items if i.customer_id} >= {old.pk} and held.pk not in {i.customer_id for i in items}
    assert old_order.pk in {i.work_order_id for i in items} and recent.pk not in {i.work_order_id for i in items}
    assert batch.proposed_by is None and batch.status == "proposed"

    dpo, other = officers
    with pytest.raises(PermissionDeniedError):
        services.batch_approve(batch=batch, actor=fresh(world.agent_a))
    services.batch_approve(batch=batch, actor=dpo, note="已核对")  # the worker (immediate in tests) purges
    batch.refresh_from_db()
    assert batch.status == "done" and not batch.items.filter(state="pending").exists()

    old.refresh_from_db()
    old_order.refresh_from_db()
    assert old.name.startswith("已清除") and not old.contacts.exists() and old.address_detail == ""
    assert old.district == "浦东新区" and old.site == world.site_a  # what statistics need stays
    assert "赵老" not in old_order.title + old_order.description and old_order.caller_number == ""
    assert not old_order.events.exclude(body="").exists()
    assert not old.contact_logs.exclude(content="").exists()
    assert _counts(world) == before  # every report's counts by type, site and month are what they were
    assert AuditLog.objects.filter(object_type="retention.purgebatch", action="delete",
                                   data__approved_by="dpo1").exists()
    with pytest.raises(DomainError):
        services.batch_approve(batch=batch, actor=other)  # done once
    with time_machine.travel(NOW, tick=False):
        again = services.candidates_propose()
    assert again is None or old.pk not in set(again.items.values_list("customer_id", flat=True))


def test_a_deletion_request_needs_another_reviewer_and_never_touches_an_open_complaint(world, officers):
    dpo, other = officers
    customer = world.customer_b
    batch = services.purge_request(actor=dpo, customer=customer, reason="客户 12-01 来电要求删除个人信息")
    with pytest.raises(DomainError) as own:
        services.batch_approve(batch=batch, actor=dpo)
    assert own.value.status == 403
    with pytest.raises(DomainError):
        services.purge_request(actor=dpo, customer=customer, reason="again")  # already waiting
    services.batch_hold(batch=batch, actor=other, note="核实身份")
    complaint = make_order(world, customer=customer, type="complaint", actor=world.agent_b)
    services.batch_approve(batch=batch, actor=other)
    customer.refresh_from_db()
    assert customer.name == "李强"  # an open complaint stops the purge: skipped, not half done
    assert set(batch.items.values_list("state", flat=True)) == {"skipped"}
    complaint.refresh_from_db()
    assert complaint.title == "厨房水管漏水"  # the complaint itself is untouched
    with pytest.raises(DomainError) as blocked:
        services.purge_request(actor=other, customer=customer, reason="x")
    assert blocked.value.status == 409


def test_a_purge_stopped_half_way_resumes_and_leaves_nothing_half_done(world, officers, monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # the worker is away
    customers = [_old_customer(world, f"孙{i}", f"139111200{i:02d}")[0] for i in range(4)]
    with time_machine.travel(NOW, tick=False):
        batch = services.candidates_propose()
    real = services._order_anonymise
    calls = {"n": 0}

    def crash_on_the_third(order_id):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        real(order_id)

    monkeypatch.setattr(services, "_order_anonymise", crash_on_the_third)
    services.batch_approve(batch=batch, actor=officers[0])
    with pytest.raises(RuntimeError):
        services.batches_purge()
    purged = PurgeItem.objects.filter(batch=batch, state="purged").count()
    assert 0 < purged < batch.items.count()
    # the item that failed was rolled back whole: its order still has its text
    assert WorkOrder.objects.filter(pk__in=batch.items.filter(state="pending").values("work_order_id"),
                                    description__contains="电话").exists()
    monkeypatch.setattr(services, "_order_anonymise", real)
    services.batches_purge()
    batch.refresh_from_db()
    assert batch.status == "done" and all(c.__class__.objects.get(pk=c.pk).name.startswith("已清除")
                                          for c in customers)


def test_the_data_officer_exports_everything_held_on_one_customer(world, officers, client_for):
    customer, order = _old_customer(world, "周老", "13911130001")
    data = services.customer_data_export(actor=officers[0], customer=customer)
    assert data["customer"]["name"] == "周老" and data["contacts"][0]["phone"] == "+8613911130001"
    assert data["orders"][0]["number"] == order.number and data["contact_logs"][0]["content"] == "周老来电"
    with pytest.raises(PermissionDeniedError):
        services.customer_data_export(actor=fresh(world.agent_a), customer=customer)
    assert AuditLog.objects.filter(action="export", object_id=str(customer.public_id)).exists()


def test_the_pages_for_the_data_officer_and_the_desk(world, officers, client_for):
    customer, _order = _old_customer(world, "吴老", "13911140001")
    desk = client_for(world.agent_a)
    assert desk.get("/retention/").status_code == 404  # not the desk's business
    page = desk.get(f"/customers/{customer.public_id}/").content.decode()
    assert "个人信息" in page and "/export/" not in page  # the desk may ask, not export
    assert desk.post(f"/retention/customers/{customer.public_id}/request/", {"reason": ""}).status_code == 302
    assert not PurgeBatch.objects.exists()  # no reason, no request
    desk.post(f"/retention/customers/{customer.public_id}/request/", {"reason": "客户来电要求删除"})
    batch = PurgeBatch.objects.get()
    assert client_for(world.agent_b).post(f"/retention/customers/{customer.public_id}/request/",
                                          {"reason": "x"}).status_code == 404  # another site's customer
    dpo = client_for(officers[0])
    listing = dpo.get("/retention/")
    assert listing.status_code == 200 and "客户删除请求" in listing.content.decode()
    assert dpo.get(f"/retention/{batch.public_id}/approve/").status_code == 405
    assert dpo.post(f"/retention/{batch.public_id}/approve/", {"note": "已核实身份"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == "done" and batch.reviewed_by == officers[0]
    export = dpo.get(f"/retention/customers/{customer.public_id}/export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/json"
    assert client_for(world.agent_a).get(f"/retention/customers/{customer.public_id}/export/").status_code == 403


def test_the_mail_a_customer_sent_is_forgotten_with_them(world, officers, settings):
    from anxin.mailintake.models import InboundMail

    customer, order = _old_customer(world, "郑老", "13911150001")
    (settings.MEDIA_ROOT / "mail").mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "mail" / "a.eml").write_bytes(b"From: zheng@example.cn\r\n\r\n")
    InboundMail.objects.create(mailbox="INBOX", message_id="<m1@x>", size=10, outcome="order",
                               from_address="zheng@example.cn", subject="郑老家漏水", raw_name="a.eml",
                               customer=customer, work_order=order)
    batch = services.purge_request(actor=officers[0], customer=customer, reason="客户要求删除")
    services.batch_approve(batch=batch, actor=officers[1])
    mail = InboundMail.objects.get()
    assert (mail.from_address, mail.subject, mail.raw_name) == ("", "", "") and mail.message_id == "<m1@x>"
    assert not (settings.MEDIA_ROOT / "mail" / "a.eml").exists()


def test_the_desk_neither_lists_candidates_nor_reviews_a_batch(world, officers, client_for):
    batch = services.purge_request(actor=officers[0], customer=world.customer_a, reason="客户要求删除")
    desk = client_for(world.agent_a)
    assert desk.post("/retention/propose/").status_code == 403
    assert desk.post(f"/retention/{batch.public_id}/approve/", {"note": "x"}).status_code == 404
    batch.refresh_from_db()
    assert batch.status == "proposed"
    own = client_for(officers[0]).post(f"/retention/{batch.public_id}/approve/", {"note": "x"})
    assert own.status_code == 200 and "双人原则" in own.content.decode()  # the proposer is told why, nothing purged
    batch.refresh_from_db()
    assert batch.status == "proposed"
