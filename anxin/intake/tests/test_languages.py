"""A12 language-skilled routing: skills with levels, the switch's question answered, the fallback, the report."""

import json

import pytest

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.core.errors import DomainError
from anxin.customers import services as customer_services
from anxin.devtools.testing.personas import PASSWORD
from anxin.intake import routing_services
from anxin.intake.models import CallRoute, ContactLog, IncomingCall
from anxin.intake.tests.test_intake import _cti_post
from anxin.notifications.models import Notification
from anxin.workorders.tests.factories import make_order

SECRET = b"s3cret-s3cret-s3cret"


@pytest.fixture
def tibetan(world):
    world.customer_a.preferred_language = "bo"
    world.customer_a.save(update_fields=["preferred_language"])
    return account_services.user_create(username="agent_bo", password=PASSWORD, role=Role.AGENT,
                                        org_unit=world.site_a, display_name="扎西", language_skills="zh,bo:4")


def test_skills_have_levels_and_an_unknown_language_is_refused(world, tibetan):
    assert {s.language: s.level for s in tibetan.language_skill_set.all()} == {"zh": 5, "bo": 4}
    with pytest.raises(DomainError) as unknown:
        account_services.language_skills_set(user=tibetan, skills={"xx": 3})
    assert unknown.value.extra["field"] == "language"
    with pytest.raises(DomainError):
        account_services.language_skills_set(user=tibetan, skills={"bo": 9})
    assert tibetan.language_skill_set.count() == 2  # nothing changed


def test_a_tibetan_caller_goes_to_the_free_tibetan_agent_first_then_everyone(world, tibetan, client, settings):
    settings.CTI_WEBHOOK_SECRET = SECRET.decode()
    settings.LANGUAGE_ROUTING_WAIT_SECONDS = 45
    body = json.dumps({"call_id": "r-1", "caller": "13800138000", "free_agents": ["agent_a", "agent_bo"]}).encode()
    answer = _cti_post(client, body, SECRET, path="/api/intake/cti/route")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"call_id": "r-1", "offer": ["agent_bo"], "wait_seconds": 45, "language": "bo",
                             "decision": "skilled"}
    assert _cti_post(client, body, SECRET, path="/api/intake/cti/route").json()["offer"] == ["agent_bo"]  # once
    fallback = _cti_post(client, body, SECRET, path="/api/intake/cti/route/fallback").json()
    assert fallback["decision"] == "fell_back" and set(fallback["offer"]) == {"agent_a", "agent_bo"}
    assert Notification.objects.filter(kind="language_fallback", recipient=world.dispatcher_a).count() == 1
    forged = client.post("/api/intake/cti/route", data=body, content_type="application/json",
                         HTTP_X_ANXIN_TIMESTAMP="1", HTTP_X_ANXIN_SIGNATURE="sha256=00")
    assert forged.status_code == 403


def test_no_skilled_agent_free_or_none_at_all_goes_to_everyone_and_the_lead_is_told(world, tibetan):
    busy, wait = routing_services.call_route(call_id="r-2", phone="13800138000", free_agents=["agent_a"])
    assert busy.decision == "none_free" and busy.offered == ["agent_a"] and wait == 0
    tibetan.language_skill_set.filter(language="bo").delete()
    none, _wait = routing_services.call_route(call_id="r-3", phone="13800138000", free_agents=["agent_a"])
    assert none.decision == "none_at_all"
    assert Notification.objects.filter(kind="language_fallback", channel="inapp",
                                       recipient=world.dispatcher_a).count() == 2
    chinese, _wait = routing_services.call_route(call_id="r-4", phone="13912345678", free_agents=["agent_a"])
    assert chinese.decision == "general" and chinese.language == "zh"


def test_the_language_report_and_the_queue_of_my_languages(world, tibetan, client_for):
    routing_services.call_route(call_id="r-5", phone="13800138000", free_agents=["agent_bo"])
    IncomingCall.objects.create(call_id="r-5", phone="+8613800138000", agent=tibetan)
    from anxin.intake import services as intake_services

    intake_services.contactlog_create(actor=tibetan, site=world.site_a, category="general", content="藏语来电",
                                      customer=world.customer_a)
    intake_services.contactlog_create(actor=world.agent_a, site=world.site_a, category="general", content="x",
                                      customer=world.customer_a)
    assert ContactLog.objects.count() == 2 and CallRoute.objects.count() == 1
    page = client_for(world.manager).get("/intake/languages/")
    html = page.content.decode()
    assert page.status_code == 200 and "扎西 (4)" in html and "50.0%" in html
    assert client_for(world.agent_a).get("/intake/languages/").status_code == 403
    order = make_order(world, title="藏语客户报修")
    plain = customer_services.customer_create(actor=world.agent_a, site=world.site_a, name="普通客户",
                                              contacts=[{"phone": "13700001111"}])
    other = make_order(world, customer=plain, title="普通报修")
    mine = client_for(tibetan).get("/orders/?language=mine").content.decode()
    assert order.number in mine and other.number not in mine
    detail = client_for(world.agent_a).get(f"/orders/{order.public_id}/").content.decode()
    assert 'id="customer-language"' in detail


def test_a_callback_to_a_tibetan_customer_goes_to_the_agent_who_speaks_it(world, tibetan):
    from anxin.sla import commitment_services

    order = make_order(world, title="藏语客户咨询")
    promise = commitment_services.commitment_make(order=order, actor=world.agent_a, description="30 分钟内回电")
    assert promise.owner == tibetan and promise.made_by == world.agent_a
    assert Notification.objects.filter(recipient=tibetan, kind="commitment_assigned").exists()
    own = commitment_services.commitment_make(order=order, actor=tibetan, description="明天再回电")
    assert own.owner == tibetan  # they speak it: they keep it


def test_the_routing_decision_is_on_the_contact_record_and_the_call_screen(world, tibetan, client_for):
    from anxin.intake.tests.test_intake import call_data

    route, _wait = routing_services.call_route(call_id="r-9", phone="13800138000", free_agents=["agent_a"])
    screen = client_for(world.agent_a).get("/intake/call/?phone=13800138000").content.decode()
    assert 'id="call-route"' in screen and "会该语言的座席都在忙" in screen
    client_for(world.agent_a).post("/intake/call/", {**call_data(world, token="route-1"), "action": "log"})
    assert ContactLog.objects.get().route == route


def test_a_fallback_for_an_unknown_call_and_a_bad_body_are_refused(world, client, settings):
    settings.CTI_WEBHOOK_SECRET = SECRET.decode()
    body = json.dumps({"call_id": "never-routed", "free_agents": ["agent_a"]}).encode()
    assert _cti_post(client, body, SECRET, path="/api/intake/cti/route/fallback").status_code == 404
    bad = _cti_post(client, b'{"call_id": 5, "free_agents": "agent_a"}', SECRET, path="/api/intake/cti/route")
    assert bad.status_code == 400 and not CallRoute.objects.exists()
