import json

import pytest
from openpyxl import Workbook

from anxin.audit.models import AuditLog
from anxin.core.errors import DomainError
from anxin.customers import importing, selectors, services
from anxin.customers.models import Asset, Customer


def test_create_splits_the_address_and_normalises_phones(world):
    customer = services.customer_create(actor=world.agent_a, site=world.site_a, name="赵敏",
                                        address_text="上海市浦东新区张杨路88号5栋1203室",
                                        contacts=[{"phone": "+86 139-0000-1111"}, {"phone": "021-58881234"}])
    assert (customer.district, customer.street, customer.number, customer.address_detail) == (
        "浦东新区", "张杨路", "88号", "5栋1203室")
    assert [c.phone for c in customer.contacts.all()] == ["+8613900001111", "+862158881234"]
    assert [c.kind for c in customer.contacts.all()] == ["mobile", "home"]


def test_invalid_phone_creates_nothing(world):
    with pytest.raises(DomainError):
        services.customer_create(actor=world.agent_a, site=world.site_a, name="x", contacts=[{"phone": "123"}])
    assert not Customer.objects.filter(name="x").exists()


def test_find_by_name_phone_last_four_and_address(world):
    user = world.agent_a
    assert selectors.customer_search(user=user, query="王芳") == [world.customer_a]
    assert selectors.customer_search(user=user, query="8000") == [world.customer_a]
    assert selectors.customer_search(user=user, query="138 0013 8000") == [world.customer_a]
    assert selectors.customer_search(user=user, query="张杨路") == [world.customer_a]
    # another site's customer is never found
    assert selectors.customer_search(user=user, query="李强") == []
    assert selectors.customer_search(user=user, query="9000") == []


def test_archive_page_logs_the_view_and_shows_history(world, client_for):
    from anxin.workorders.tests.factories import make_order

    make_order(world, title="热水器不出热水")
    html = client_for(world.agent_a).get(f"/customers/{world.customer_a.public_id}/").content.decode()
    assert "热水器不出热水" in html and "13800138000" in html
    assert AuditLog.objects.filter(action="view", object_id=str(world.customer_a.public_id),
                                   actor=world.agent_a).exists()


def test_archive_of_another_site_looks_missing(world, client_for):
    assert client_for(world.agent_b).get(f"/customers/{world.customer_a.public_id}/").status_code == 404
    assert client_for(world.agent_b).get(f"/api/customers/{world.customer_a.public_id}").status_code == 404


def test_masked_phone_in_api_for_roles_without_the_right(world, client_for):
    body = client_for(world.warehouse_a).get(f"/api/customers/{world.customer_a.public_id}").json()
    assert body["contacts"][0]["phone"] == "138****8000"
    assert "13800138000" not in json.dumps(body)


def test_technician_cannot_create_customers(world, client_for):
    response = client_for(world.tech_a).post("/api/customers/", data=json.dumps(
        {"site": "SA", "name": "x", "contacts": [{"phone": "13800000000"}]}), content_type="application/json")
    assert response.status_code == 403


def test_api_create_customer_with_free_text_address(world, client_for):
    response = client_for(world.agent_a).post("/api/customers/", data=json.dumps(
        {"site": "SA", "name": "<b>钱多多</b>", "address_text": "北京市朝阳区建国路1号",
         "contacts": [{"phone": "13611112222"}]}), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["city"], body["district"], body["street"]) == ("北京市", "朝阳区", "建国路")


def _xlsx(path, rows, header=("客户名称", "手机", "站点代码", "地址", "产品", "品牌", "购买日期", "保修截止")):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_dry_run_reports_every_bad_row_and_saves_nothing(world, tmp_path):
    path = _xlsx(tmp_path / "c.xlsx", [
        ("张三", "13712345678", "SA", "上海市浦东新区张杨路1号", "空调", "格力", "2025-01-01", "2028-01-01"),
        ("", "13712345679", "SA", "", "", "", None, None),
        ("李四", "123", "SB-X", "", "", "", "2025-13-01", None),
    ])
    report = importing.import_customers(path, actor=world.manager, dry_run=False)
    assert not report.ok
    assert [(e.row, e.field) for e in report.errors] == [(3, "客户名称"), (4, "手机"), (4, "站点代码"), (4, "购买日期")]
    assert not Customer.objects.filter(name="张三").exists()


def test_import_commits_all_rows_and_adds_assets_to_existing_customers(world, tmp_path):
    path = _xlsx(tmp_path / "c.xlsx", [
        ("张三", "13712345678", "SA", "上海市浦东新区张杨路1号", "空调", "格力", "2025-01-01", "2028-01-01"),
        ("王芳", "13800138000", "SA", "", "冰箱", "海尔", None, None),
    ])
    report = importing.import_customers(path, actor=world.manager, dry_run=False)
    assert report.ok and report.created_customers == 1 and report.created_assets == 2
    assert Asset.objects.filter(customer=world.customer_a, name="冰箱").exists()
    assert AuditLog.objects.filter(action="import").exists()


def test_import_refuses_a_file_that_is_not_excel_and_wrong_columns(world, tmp_path):
    fake = tmp_path / "x.xlsx"
    fake.write_bytes(b"name,phone\n")
    with pytest.raises(DomainError) as exc:
        importing.import_customers(fake, actor=world.manager, dry_run=True)
    assert exc.value.code == "import_invalid"
    wrong = _xlsx(tmp_path / "w.xlsx", [("a", "b")], header=("foo", "bar"))
    with pytest.raises(DomainError) as exc:
        importing.import_customers(wrong, actor=world.manager, dry_run=True)
    assert "客户名称" in str(exc.value.message)


def test_import_is_refused_to_an_agent(world, tmp_path, client_for):
    path = _xlsx(tmp_path / "c.xlsx", [])
    with pytest.raises(DomainError):
        importing.import_customers(path, actor=world.agent_a, dry_run=True)
    assert client_for(world.agent_a).get("/customers/import/").status_code == 403


def test_import_page_dry_run_then_confirm(world, tmp_path, client_for):
    client = client_for(world.manager)
    path = _xlsx(tmp_path / "c.xlsx", [("张三", "13712345678", "SA", "", "", "", None, None)])
    with path.open("rb") as fh:
        response = client.post("/customers/import/", {"file": fh})
    assert "1 行有效" in response.content.decode()
    assert response.content.decode().count("首次上传只做检查") == 1
    assert not Customer.objects.filter(name="张三").exists()
    token = response.context["token"]
    client.post("/customers/import/", {"confirm": token})
    assert Customer.objects.filter(name="张三").exists()


def test_edit_page_changes_the_archive_and_audits_old_and_new(world, client_for):
    client = client_for(world.manager)
    url = f"/customers/{world.customer_a.public_id}/edit/"
    assert client.get(url).status_code == 200
    form = {"kind": "person", "name": "王芳", "tier": "gold", "preferred_language": "zh", "province": "上海市",
            "city": "上海市", "district": "浦东新区", "street": "张杨路", "number": "101号", "address_detail": "3栋201室",
            "postcode": "200120", "email": "", "notes": ""}
    assert client.post(url, form).status_code == 302
    world.customer_a.refresh_from_db()
    assert world.customer_a.tier == "gold" and world.customer_a.number == "101号"
    log = AuditLog.objects.filter(action="update", object_id=str(world.customer_a.public_id)).latest("id")
    assert log.data["tier"] == {"old": "basic", "new": "gold"}
    bad = client.post(url, {**form, "postcode": "12"})
    assert bad.status_code == 200 and "邮编应为 6 位数字" in bad.content.decode()
    # an agent edits the archive, but the tier field is fixed for him: a posted tier changes nothing
    agent = client_for(world.agent_a)
    assert agent.post(url, {**form, "tier": "diamond", "number": "102号"}).status_code == 302
    world.customer_a.refresh_from_db()
    assert world.customer_a.tier == "gold" and world.customer_a.number == "102号"


def test_edit_is_refused_by_role_and_site(world, client_for):
    url = f"/customers/{world.customer_a.public_id}/edit/"
    assert client_for(world.warehouse_a).get(url).status_code == 403
    assert client_for(world.agent_b).get(url).status_code == 404
    response = client_for(world.agent_b).patch(f"/api/customers/{world.customer_a.public_id}",
                                               data=json.dumps({"tier": "gold"}), content_type="application/json")
    assert response.status_code == 404


def test_api_patch_changes_only_what_is_sent_and_refuses_site(world, client_for):
    client = client_for(world.agent_a)
    url = f"/api/customers/{world.customer_a.public_id}"
    # issue 13: an agent could make a customer VIP (and so change complaint routing); the tier is a manager's
    refused = client.patch(url, data=json.dumps({"tier": "diamond"}), content_type="application/json")
    assert refused.status_code == 403 and "经理" in refused.json()["message"]
    new_vip = client.post("/api/customers/", data=json.dumps({"site": "SA", "name": "钱七", "tier": "diamond",
                                                             "contacts": [{"phone": "13700137001"}]}),
                          content_type="application/json")
    assert new_vip.status_code == 403
    ok = client_for(world.manager).patch(url, data=json.dumps({"tier": "diamond"}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["tier"] == "diamond" and ok.json()["name"] == "王芳"
    assert AuditLog.objects.filter(object_id=str(world.customer_a.public_id), summary="tier basic → diamond").exists()
    client = client_for(world.agent_a)
    moved = client.patch(url, data=json.dumps({"site": "SB"}), content_type="application/json")
    assert moved.status_code == 422
    world.customer_a.refresh_from_db()
    assert world.customer_a.site == world.site_a


def test_add_phone_on_the_archive_page(world, client_for):
    client = client_for(world.agent_a)
    client.post(f"/customers/{world.customer_a.public_id}/contacts/", {"phone": "021-5888 1234", "kind": "home"})
    assert world.customer_a.contacts.filter(phone="+862158881234", kind="home").exists()
    client.post(f"/customers/{world.customer_a.public_id}/contacts/", {"phone": "021-5888 1234"})
    assert world.customer_a.contacts.count() == 2


def test_api_patch_postcode_shape(world, client_for):
    url = f"/api/customers/{world.customer_a.public_id}"
    client = client_for(world.agent_a)
    assert client.patch(url, data=json.dumps({"postcode": "200120"}), content_type="application/json").status_code == 200
    assert client.patch(url, data=json.dumps({"postcode": "2001"}), content_type="application/json").status_code == 422
