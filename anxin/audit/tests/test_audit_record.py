"""audit_record writes its row with a plain INSERT: every value must read back as the model's fields hold it."""

import pytest
from django.test import RequestFactory
from django.utils import timezone

from anxin.audit.models import AuditLog
from anxin.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_an_entry_reads_back_as_written_on_either_database(world):
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8::7")
    before = timezone.now()
    audit_record(actor=world.agent_a, action="unmask", object_type="customers.customer", object_id=42,
                 summary="王芳 " + "长" * 300, request=request, data={"字段": ["电话", 1], "why": "回访"})
    audit_record(actor=None, action="import", object_type="workorders.workorder")

    entry, system = AuditLog.objects.order_by("-id")[1], AuditLog.objects.order_by("-id")[0]
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        world.agent_a, "unmask", "customers.customer", "42")
    assert entry.summary == ("王芳 " + "长" * 300)[:255]
    assert entry.ip_address == "2001:db8::7"
    assert entry.data == {"字段": ["电话", 1], "why": "回访"}
    assert before <= entry.created_at <= timezone.now()
    assert (system.actor, system.ip_address, system.data, system.object_id) == (None, None, {}, "")
