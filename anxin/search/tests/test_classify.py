"""A8: suggestions from the desk's own resolved orders — nothing without history, the right field with it."""

import json

import pytest

from anxin.search import classify_services as classify
from anxin.workorders.models import Category, WorkOrder, WorkOrderEvent
from anxin.workorders.services import category_create
from anxin.workorders.tests.factories import make_order

HISTORY = [("厨房水管漏水", "water.leak", "repair", 2, False), ("卫生间下水道堵塞", "water.block", "repair", 2, False),
           ("家里停电跳闸", "power.out", "repair", 3, True), ("物业费怎么交", "fee", "consultation", 1, False)]


@pytest.fixture
def history(world):
    cats = {code: category_create(code=code, name=code) for _t, code, *_r in HISTORY if code != "water.leak"}
    cats["water.leak"] = world.category
    for i in range(30):
        for title, code, type_, priority, emergency in HISTORY:
            make_order(world, title=f"{title}{'，麻烦快点' if i % 3 else ''}", type=type_, category=cats[code],
                       priority=priority, is_emergency=emergency)
    WorkOrder.objects.update(status="closed")  # history as it stands: resolved and closed
    return cats


def test_no_history_no_suggestion(world):
    make_order(world, title="厨房水管漏水")
    result = classify.train()
    assert result["accuracy"] == {} and classify.suggest("厨房水管漏水") == {}


def test_it_learns_the_desks_own_history_and_reports_its_accuracy(world, history):
    result = classify.train()
    assert result["docs"] + result["held_out"] == 120
    assert result["accuracy"]["category"]["accuracy"] == 1.0
    found = classify.suggest("我家厨房的水管在漏水")
    assert found["category"][0] == str(history["water.leak"].id) and found["category"][1] >= 0.9
    assert found["type"][0] == "repair"
    assert classify.suggest("跳闸了，全屋停电")["is_emergency"][0] == "1"
    assert classify.suggest("😀😀😀") == {} and classify.suggest("") == {}  # no known word: nothing, not nonsense


def test_the_call_screen_shows_suggestions_and_the_choice_is_on_the_order(world, history, client_for):
    classify.train()
    client = client_for(world.agent_a)
    partial = client.get("/kb/classify/?content=厨房水管漏水").content.decode()
    assert "data-apply-field" in partial and f'data-apply-value="{world.category.code}"' in partial and "%" in partial
    suggested = {"category": {"value": str(history["water.block"].id), "confidence": 0.8},
                 "type": {"value": "repair", "confidence": 0.99}, "bogus": {"value": "x"}}
    response = client.post("/intake/call/", {
        "phone": "13800138000", "customer": str(world.customer_a.public_id), "site": "SA", "channel": "hotline",
        "category": "install_repair", "content": "厨房水管漏水", "order_title": "厨房水管漏水", "order_type": "repair",
        "order_category": world.category.code, "priority": "2", "token": "t-cls-1", "action": "order",
        "force_new": "1", "suggested": json.dumps(suggested)})
    assert response.status_code == 302
    order = WorkOrder.objects.order_by("-id").first()
    event = order.events.get(type=WorkOrderEvent.Type.CLASSIFICATION_SUGGESTED)
    assert event.data["type"]["accepted"] and not event.data["category"]["accepted"]  # the agent changed it
    assert event.data["category"]["chosen"] == str(world.category.id) and "bogus" not in event.data
    assert Category.objects.exists()


def test_a_tampered_suggestion_is_ignored(world, history, client_for):
    client = client_for(world.agent_a)
    for bad in ("not json", "[1,2]", json.dumps({"type": "repair"}), "{" * 5000):
        response = client.post("/intake/call/", {
            "phone": "13800138000", "customer": str(world.customer_a.public_id), "site": "SA", "channel": "hotline",
            "category": "install_repair", "content": "漏水", "order_title": "漏水", "order_type": "repair",
            "priority": "2", "token": f"t-bad-{len(bad)}", "action": "order", "force_new": "1", "suggested": bad})
        assert response.status_code == 302
    assert not WorkOrderEvent.objects.filter(type=WorkOrderEvent.Type.CLASSIFICATION_SUGGESTED).exists()


def test_a_field_the_words_do_not_predict_is_not_suggested(world, history):
    # priorities that have nothing to do with the words: no better than "always normal", so never suggested
    for i, order in enumerate(WorkOrder.objects.order_by("id")):
        WorkOrder.objects.filter(pk=order.pk).update(priority=3 if i % 7 == 0 else 2)
    result = classify.train()
    assert result["accuracy"]["priority"]["used"] is False
    assert "priority" not in classify.suggest("厨房水管漏水") and "category" in classify.suggest("厨房水管漏水")
