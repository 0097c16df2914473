"""Denial paths across roles and sites (SECURITY-CASES 26–29): what each role must *not* do."""

import json

import pytest

from anxin.accounts.services import api_token_create
from anxin.customers.models import Asset, Contact
from anxin.intake import services as intake_services
from anxin.workorders.models import WorkOrder
from anxin.workorders.tests.factories import make_order


def post(client, url, payload):
    return client.post(url, data=json.dumps(payload), content_type="application/json")


def test_no_list_endpoint_shows_another_sites_ids(world, client_for):
    # given site-A data of every listed kind
    order = make_order(world)
    intake_services.contactlog_create(actor=world.agent_a, site=world.site_a, category="general", content="咨询",
                                      customer=world.customer_a, phone="13800138000")
    # when site B's agent reads every list the API has
    client = client_for(world.agent_b)
    bodies = [client.get(url).content.decode() for url in (
        "/api/workorders/", "/api/workorders/?q=漏水", "/api/customers/?q=王芳", "/api/customers/?q=8000",
        "/api/intake/contact-logs")]
    # then no site-A id, name or number appears
    for body in bodies:
        for secret in (str(order.public_id), order.number, str(world.customer_a.public_id), "王芳", "13800138000"):
            assert secret not in body


def test_asset_and_contact_writes_are_refused_by_role_and_site(world, client_for):
    url = f"/api/customers/{world.customer_a.public_id}"
    asset = {"name": "空调"}
    assert post(client_for(world.warehouse_a), f"{url}/assets", asset).status_code == 403
    assert post(client_for(world.tech_a), f"{url}/contacts", {"phone": "13700001111"}).status_code == 403
    assert post(client_for(world.agent_b), f"{url}/assets", asset).status_code == 404
    assert post(client_for(world.agent_b), f"{url}/contacts", {"phone": "13700001111"}).status_code == 404
    assert not Asset.objects.filter(name="空调").exists()
    assert not Contact.objects.filter(phone="+8613700001111").exists()
    # and the allowed role succeeds, with a bad date order refused
    ok = post(client_for(world.agent_a), f"{url}/assets", asset)
    assert ok.status_code == 201
    bad = post(client_for(world.agent_a), f"{url}/assets",
               {"name": "冰箱", "purchased_on": "2026-01-01", "warranty_ends_on": "2025-01-01"})
    assert bad.status_code == 400 and bad.json()["extra"]["field"] == "warranty_ends_on"


def test_technician_cannot_read_contact_logs_or_customers_lists_full_phones(world, client_for):
    client = client_for(world.tech_a)
    assert client.get("/api/intake/contact-logs").status_code == 403
    assert post(client, "/api/intake/contact-logs",
                {"site": "SA", "category": "general", "content": "x"}).status_code == 403


def test_unknown_type_channel_asset_and_category_are_refused(world, client_for):
    client = client_for(world.agent_a)
    base = {"site": "SA", "title": "x", "customer": str(world.customer_a.public_id)}
    bad_type = post(client, "/api/workorders/", {**base, "type": "ticket"})
    assert bad_type.status_code == 400 and bad_type.json()["extra"]["field"] == "type"
    bad_channel = post(client, "/api/workorders/", {**base, "type": "repair", "channel": "fax"})
    assert bad_channel.status_code == 400 and bad_channel.json()["extra"]["field"] == "channel"
    other_asset = world.customer_b.assets.create(name="x")
    assert post(client, "/api/workorders/", {**base, "type": "repair", "asset": str(other_asset.public_id)}
                ).status_code == 404
    assert post(client, "/api/workorders/", {**base, "type": "repair", "category": "nope"}).status_code == 404
    assert WorkOrder.objects.count() == 0


def test_a_user_cannot_revoke_someone_elses_token(world, client_for):
    token, key = api_token_create(user=world.agent_a, name="mine")
    response = client_for(world.agent_b).post(f"/accounts/tokens/{token.prefix}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("role", ["tech_a", "warehouse_a"])
def test_roles_without_the_right_cannot_assign_or_close(world, client_for, role):
    order = make_order(world)
    client = client_for(getattr(world, role))
    post(client, f"/api/workorders/{order.public_id}/assign", {"owner": role})
    post(client, f"/api/workorders/{order.public_id}/transition", {"to": "cancelled"})
    order.refresh_from_db()
    assert order.owner is None and order.status == "new"


def test_bulk_assign_with_a_garbage_id_changes_nothing(world, client_for):
    order = make_order(world)
    client_for(world.dispatcher_a).post("/orders/bulk-assign/", {"orders": [str(order.public_id), "nope"],
                                                                 "owner": "tech_a"})
    order.refresh_from_db()
    assert order.owner is None


def test_a_technician_reads_only_the_customers_of_his_own_jobs(world, client_for):
    """Issue 13 (found as an attacker): `GET /api/customers/?q=138` gave a technician the whole site's archive, and
    phone search recovered masked numbers digit by digit. Now: his jobs' customers only; digits only by last four."""
    from anxin.customers.services import customer_create

    stranger = customer_create(actor=None, site=world.site_a, name="赵六", address_text="上海市浦东新区张杨路9号",
                               contacts=[{"phone": "13800138999"}])
    make_order(world, owner=world.tech_a)  # a job of his for customer_a
    client = client_for(world.tech_a)
    names = lambda url: {c["name"] for c in client.get(url).json()}  # noqa: E731
    assert names("/api/customers/?q=王") == {"王芳"} and names("/api/customers/?q=赵六") == set()
    assert client.get(f"/customers/{stranger.public_id}/").status_code == 404
    assert client.get(f"/customers/{world.customer_a.public_id}/").status_code == 200
    # no phone oracle: a full number, a prefix or a digit run finds nothing; the last four (shown masked) still work
    for q in ("13800138000", "138001", "+8613800138000"):
        assert names(f"/api/customers/?q={q}") == set()
    assert names("/api/customers/?q=8000") == {"王芳"}
    # the agent keeps the whole site and full-number search
    agent = client_for(world.agent_a)
    assert {c["name"] for c in agent.get("/api/customers/?q=1380013").json()} == {"王芳", "赵六"}


def test_public_links_are_rate_limited_per_address(world, client, settings):
    """Issue 13: the tracking and rating links (no login) answered every guess; now an address waits (429)."""
    settings.PUBLIC_REQUESTS_PER_ADDRESS_HOUR = 3
    answers = [client.get(f"/t/forged-{n}/").status_code for n in range(4)]
    assert answers[:3] == [404] * 3 and answers[3] == 429
    assert [client.get(f"/rate/forged-{n}/").status_code for n in range(4)][3] == 429
    blocked = client.get("/t/forged-x/")
    assert int(blocked["Retry-After"]) > 0 and "请求过于频繁" in blocked.content.decode()
    assert client.get("/t/forged-x/", REMOTE_ADDR="10.1.2.3").status_code == 404  # another address is not affected
