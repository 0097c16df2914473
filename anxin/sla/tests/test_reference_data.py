from datetime import date

import pytest

from anxin.audit.models import AuditLog
from anxin.core.errors import DomainError
from anxin.sla import services
from anxin.sla.models import BusinessHours, CalendarOverride, Metric, SlaPolicy


@pytest.mark.parametrize("obj, field", [
    (lambda w: SlaPolicy(name="x", metric=Metric.RESOLUTION, target_minutes=0), "target_minutes"),
    (lambda w: SlaPolicy(name="x", metric=Metric.RESOLUTION, target_minutes=10, warn_at_percent=120), "warn_at_percent"),
    (lambda w: BusinessHours(site=w.site_a, hours="08:00-12:00,11:00-14:00"), "hours"),
    (lambda w: CalendarOverride(starts_on=date(2026, 5, 3), ends_on=date(2026, 5, 1), reason="停电"), "ends_on"),
])
def test_bad_reference_data_is_refused_with_the_field(world, obj, field):
    with pytest.raises(DomainError) as exc:
        services.reference_save(obj=obj(world), actor=world.manager)
    assert exc.value.extra["field"] == field


def test_policy_changes_are_recorded(world):
    policy = services.reference_save(obj=SlaPolicy(name="响应", metric=Metric.FIRST_RESPONSE, target_minutes=30),
                                     actor=world.manager)
    policy.target_minutes = 20
    services.reference_save(obj=policy, actor=world.manager)
    log = AuditLog.objects.filter(object_type="sla.slapolicy").order_by("id")
    assert [e.action for e in log] == ["create", "update"] and log.last().data["target_minutes"] == "20"


def test_admin_pages_refuse_bad_data_in_chinese(world, client):
    world.manager.is_staff = True
    world.manager.is_superuser = True
    world.manager.save()
    client.force_login(world.manager)
    response = client.post("/admin/sla/businesshours/add/", {"hours": "12:00-08:00"})
    assert response.status_code == 200 and "每段的结束时间" in response.content.decode()
    assert not BusinessHours.objects.exists()
