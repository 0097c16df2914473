"""The field API: the technician's day, the register, visit steps (with resend tokens) and the denials."""

import json

import pytest

from anxin.accounts.services import api_token_create
from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
from anxin.devtools.testing.personas import fresh
from anxin.field.services import assignments


@pytest.fixture
def fw(world):
    return build_field(world)


def _auth(user):
    _token, key = api_token_create(user=user, name="app")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_technician_day_steps_and_register(world, fw, client):
    order = repair_order(world)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    tech = _auth(world.tech_a)
    day = tomorrow_at(0).date().isoformat()
    jobs = client.get(f"/api/field/my-jobs?day={day}", **tech).json()
    assert [j["number"] for j in jobs] == [order.number] and "张杨路" in jobs[0]["address"]
    url = f"/api/field/orders/{order.public_id}/arrive"
    first = client.post(url, data=json.dumps({"token": "t-1"}), content_type="application/json", **tech)
    again = client.post(url, data=json.dumps({"token": "t-1"}), content_type="application/json", **tech)
    assert first.json() == {"order": str(order.public_id), "status": "in_progress", "repeated": False}
    assert again.status_code == 200 and again.json()["repeated"] is True
    rows = client.get(f"/api/field/register?day={day}", **_auth(world.dispatcher_a)).json()
    assert rows[0]["number"] == order.number and rows[0]["technician"] == "tech_a"


def test_denials_and_bad_input(world, fw, client):
    order = repair_order(world)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    other = _auth(world.tech_a2)
    url = f"/api/field/orders/{order.public_id}/arrive"
    assert client.post(url, data="{}", content_type="application/json", **other).status_code == 404
    assert client.get("/api/field/register", **_auth(world.tech_a)).status_code == 403
    assert client.get("/api/field/register", **_auth(world.agent_b)).status_code == 403
    bad = client.post(f"/api/field/orders/{order.public_id}/nobody-home", data=json.dumps({"waited_minutes": -5}),
                      content_type="application/json", **_auth(world.tech_a))
    assert bad.status_code == 422
    extra = client.post(url, data=json.dumps({"token": "x", "status": "closed"}), content_type="application/json",
                        **_auth(world.tech_a))
    assert extra.status_code == 422
    client.post(url, data="{}", content_type="application/json", **_auth(world.tech_a))
    # after arrival, "on the way" and "nobody home" are out of place: 409 with the reason
    travel = client.post(f"/api/field/orders/{order.public_id}/travel", data="{}", content_type="application/json",
                         **_auth(world.tech_a))
    assert travel.status_code == 409
    late = client.post(f"/api/field/orders/{order.public_id}/nobody-home",
                       data=json.dumps({"waited_minutes": 5}), content_type="application/json", **_auth(world.tech_a))
    assert late.status_code == 409 and late.json()["code"] == "conflict"
