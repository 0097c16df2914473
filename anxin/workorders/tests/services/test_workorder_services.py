import re
import threading

import pytest
from django.db import connection

from anxin.core.errors import DomainError, NotFound, PermissionDeniedError
from anxin.devtools.testing.personas import fresh
from anxin.workorders import services
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order


def test_create_gives_a_readable_number_and_a_created_event(world):
    # when
    order = make_order(world)
    # then
    assert re.fullmatch(r"GD\d{8}-\d{4}", order.number)
    assert order.status == Status.NEW and order.taken_by == world.agent_a
    assert [e.type for e in order.events.all()] == [WorkOrderEvent.Type.CREATED]


def test_numbers_increase_within_a_day(world):
    first, second = make_order(world), make_order(world)
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


def test_same_idempotency_key_returns_the_first_order(world):
    first = make_order(world, idempotency_key="abc")
    again = make_order(world, idempotency_key="abc")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    with pytest.raises(DomainError) as exc:  # issue 13: the key reused for another request is refused
        make_order(world, idempotency_key="abc", title="different")
    assert exc.value.status == 422
    assert WorkOrder.objects.count() == 1


def test_field_job_without_customer_is_refused(world):
    with pytest.raises(DomainError) as exc:
        services.workorder_create(actor=world.agent_a, type="repair", channel="hotline", site=world.site_a, title="x")
    assert exc.value.code == "customer_required"


def test_agent_cannot_create_on_another_site_or_for_its_customer(world):
    with pytest.raises(NotFound):
        make_order(world, customer=world.customer_b)
    with pytest.raises(NotFound):
        services.workorder_create(actor=world.agent_a, type="consultation", channel="hotline", site=world.site_b,
                                  title="x")


def test_empty_and_oversized_title_are_clear_errors(world):
    for title in ("", "长" * 101):
        with pytest.raises(DomainError) as exc:
            make_order(world, title=title)
        assert exc.value.extra["field"] == "title"
    assert WorkOrder.objects.count() == 0


def test_illegal_transition_is_a_409_and_changes_nothing(world):
    order = make_order(world)
    with pytest.raises(DomainError) as exc:
        services.workorder_transition(order=order, to=Status.CLOSED, actor=world.manager)
    assert exc.value.code == "illegal_transition" and exc.value.status == 409
    assert WorkOrder.objects.get(pk=order.pk).status == Status.NEW


def test_stale_version_is_refused(world):
    order = make_order(world)
    services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.agent_a, expected_version=1)
    with pytest.raises(DomainError) as exc:
        services.workorder_transition(order=order, to=Status.CANCELLED, actor=world.manager, expected_version=1)
    assert exc.value.code == "stale" and exc.value.status == 409


def test_agent_may_not_close_a_field_job_but_manager_may(world):
    order = make_order(world)
    order = services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.agent_a)
    assert Status.CANCELLED not in services.allowed_transitions(order=order, user=fresh(world.agent_a))
    with pytest.raises(PermissionDeniedError):
        services.workorder_transition(order=order, to=Status.CANCELLED, actor=fresh(world.agent_a))
    order = services.workorder_transition(order=order, to=Status.CANCELLED, actor=world.manager)
    assert order.status == Status.CANCELLED


def test_technician_moves_only_his_own_order_and_only_field_steps(world):
    order = make_order(world)
    order = services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.agent_a)
    order = services.workorder_assign(order=order, owner=world.tech_a, actor=world.dispatcher_a)
    order = services.workorder_transition(order=order, to=Status.DISPATCHED, actor=world.dispatcher_a)
    # another technician: nothing allowed
    assert services.allowed_transitions(order=order, user=fresh(world.tech_a2)) == []
    with pytest.raises(PermissionDeniedError):
        services.workorder_transition(order=order, to=Status.IN_PROGRESS, actor=fresh(world.tech_a2))
    # the owner: start and resolve, never close
    order = services.workorder_transition(order=order, to=Status.IN_PROGRESS, actor=fresh(world.tech_a))
    order = services.workorder_transition(order=order, to=Status.RESOLVED, actor=fresh(world.tech_a))
    assert services.allowed_transitions(order=order, user=fresh(world.tech_a)) == []
    assert order.resolved_at is not None


def test_assign_needs_the_right_and_a_person_of_the_site(world):
    order = make_order(world)
    with pytest.raises(PermissionDeniedError):
        services.workorder_assign(order=order, owner=world.tech_a, actor=world.agent_a)
    with pytest.raises(DomainError) as exc:
        services.workorder_assign(order=order, owner=world.agent_b, actor=world.dispatcher_a)
    assert exc.value.code == "owner_invalid"
    order = services.workorder_assign(order=order, owner=world.tech_a, actor=world.dispatcher_a)
    event = order.events.get(type=WorkOrderEvent.Type.OWNER_ASSIGNED)
    assert event.data == {"old": "", "new": "tech_a"}


def test_notes_are_appended_and_empty_ones_refused(world):
    order = make_order(world)
    services.workorder_add_note(order=order, actor=world.agent_a, body="<script>alert(1)</script>")
    services.workorder_add_note(order=order, actor=world.agent_a, body="已联系客户", is_public=True)
    with pytest.raises(DomainError):
        services.workorder_add_note(order=order, actor=world.agent_a, body="   ")
    notes = list(order.events.filter(type__in=[400, 401]).values_list("is_public", flat=True))
    assert notes == [False, True]


def test_urge_counts_and_records_promise_state(world):
    order = make_order(world)
    order = services.workorder_urge(order=order, actor=world.agent_a, contact_public_id="x", summary="又打来了")
    assert order.urge_count == 1
    assert order.events.get(type=WorkOrderEvent.Type.URGED).data["within_promise"] is True


def test_update_writes_old_and_new(world):
    order = make_order(world)
    order = services.workorder_update(order=order, actor=world.agent_a, data={"title": "卫生间漏水", "priority": 3})
    event = order.events.get(type=WorkOrderEvent.Type.UPDATED)
    assert event.data["title"] == {"old": "厨房水管漏水", "new": "卫生间漏水"}
    with pytest.raises(DomainError):
        services.workorder_update(order=order, actor=world.agent_a, data={"status": "closed"})


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_never_share_a_number():
    # given a world committed to the database, so other threads see it
    from anxin.devtools.testing.personas import build_world

    world = build_world()
    numbers, errors = [], []

    def create():
        try:
            numbers.append(make_order(world).number)
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    # when eight threads create at once
    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then every order exists with its own number
    assert errors == []
    assert len(numbers) == 8 and len(set(numbers)) == 8


def test_a_visit_window_ending_before_it_starts_is_refused(world):
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() + timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        make_order(world, visit_from=start, visit_to=start - timedelta(hours=2))
    assert exc.value.extra["field"] == "visit_to"
    assert WorkOrder.objects.count() == 0


def test_every_write_leaves_an_audit_row(world):
    from anxin.audit.models import AuditLog

    order = make_order(world)
    services.workorder_add_note(order=order, actor=world.agent_a, body="内部备注")
    order = services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.agent_a)
    order = services.workorder_assign(order=order, owner=world.tech_a, actor=world.dispatcher_a)
    order = services.workorder_update(order=order, actor=world.agent_a, data={"priority": 3})
    summaries = list(AuditLog.objects.filter(object_id=str(order.public_id)).order_by("id")
                     .values_list("action", "actor__username"))
    assert summaries == [("create", "agent_a"), ("update", "agent_a"), ("update", "agent_a"),
                         ("update", "dispatcher_a"), ("update", "agent_a")]
