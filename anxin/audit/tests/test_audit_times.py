from datetime import UTC, datetime

import pytest

from anxin.audit.models import AuditLog


@pytest.mark.django_db
def test_an_audit_entry_reads_in_the_sites_time_zone_on_the_list_and_the_detail(world, client):
    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role

    entry = AuditLog.objects.create(actor=world.manager, action="view", object_type="customers.customer")
    AuditLog.objects.filter(pk=entry.pk).update(created_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    entry.refresh_from_db()
    assert str(entry).startswith("2026-03-02 09:30")  # 01:30 UTC is 09:30 in Shanghai
    admin = account_services.user_create(username="root", password="x" * 12, role=Role.ADMINISTRATOR,
                                         org_unit=world.hq)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    detail = client.get(f"/admin/audit/auditlog/{entry.pk}/change/").content.decode()
    assert "2026-03-02 09:30" in detail and "01:30" not in detail
