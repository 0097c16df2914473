"""accounts.0003 and core.0001 move the duty roster and the throttle counts between apps: on a filled database
every row is still there afterwards, read through the new models (issue 15: no migration loses data)."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0002_token_scope_expiry"), ("field", "0001_initial"), ("core", None),
          ("portal", "0001_initial")]
AFTER = [("accounts", "0003_onduty_from_field"), ("field", "0002_onduty_to_accounts"),
         ("core", "0001_attempt_from_portal"), ("portal", "0002_attempt_to_core")]


def _migrate(targets=None):
    """To `targets`, or (None) back to the latest migration of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_roster_and_throttle_rows_survive_the_move(django_user_model):
    from anxin.accounts.models import OnDuty
    from anxin.core import throttle_services as throttle

    tech = django_user_model.objects.create(username="tech_roster")
    _migrate(BEFORE)
    try:
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO field_onduty (technician_id, day, kind) VALUES (%s, %s, 'night'), "
                           "(%s, %s, 'holiday')", [tech.pk, date(2026, 12, 24), tech.pk, date(2027, 1, 1)])
            cursor.execute("INSERT INTO portal_attempt (scope, key, created_at) VALUES ('login_ip', '10.0.0.9', %s), "
                           "('login_ip', '10.0.0.9', %s)", [now, now - timedelta(minutes=1)])
        _migrate(AFTER)
        assert sorted(OnDuty.objects.filter(technician=tech).values_list("day", "kind")) == [
            (date(2026, 12, 24), "night"), (date(2027, 1, 1), "holiday")]
        assert throttle.count("login_ip", "10.0.0.9", window=timedelta(hours=1)) == 2
        with pytest.raises(IntegrityError):  # the unique rule came along with the table
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO accounts_onduty (technician_id, day, kind) VALUES (%s, %s, 'night')",
                               [tech.pk, date(2026, 12, 24)])
    finally:
        _migrate()


@pytest.mark.django_db(transaction=True)
def test_material_requisitions_survive_the_rename():
    """field.0003 renames Requisition → MaterialRequisition (the glossary's 领料单): rows, lines and links stay."""
    from anxin.devtools.testing.field import build_field, repair_order
    from anxin.devtools.testing.personas import build_world
    from anxin.field.models import MaterialRequisition

    world = build_world()
    fw = build_field(world)
    order = repair_order(world)
    _migrate([("field", "0002_onduty_to_accounts")])
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO field_requisition (public_id, work_order_id, warehouse_id, status, "
                           "requested_by_id, created_at) VALUES (%s, %s, %s, 'requested', %s, %s)",
                           ["0f1e2d3c4b5a69788796a5b4c3d2e1f0", order.pk, fw.warehouse.pk, world.tech_a.pk,
                            timezone.now()])
            cursor.execute("SELECT id FROM field_requisition")
            pk = cursor.fetchone()[0]
            cursor.execute("INSERT INTO field_requisitionline (requisition_id, part_id, description, quantity, "
                           "in_stock_when_requested, customer_supplied, inspection_note) "
                           "VALUES (%s, %s, '', 2, true, false, '')", [pk, fw.valve.pk])
        _migrate([("field", "0003_material_requisition")])
        moved = MaterialRequisition.objects.get(pk=pk)
        assert moved.work_order == order and [(line.part, line.quantity) for line in moved.lines.all()] == [
            (fw.valve, 2)]
        assert list(order.requisitions.all()) == [moved]
    finally:
        _migrate()
