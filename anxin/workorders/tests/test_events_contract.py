"""Issue 15: one writer per timeline event type, with named data keys (workorders.events.STEP_EVENTS)."""

import ast
from pathlib import Path

import pytest

from anxin.workorders import events
from anxin.workorders.models import WorkOrderEvent

ROOT = Path(__file__).resolve().parents[2]


def _step_calls():
    """Every `workorder_record_step(...)` call in the product: (module, event type name, literal data keys)."""
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == \
                    "workorder_record_step":
                kw = {k.arg: k.value for k in node.keywords}
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                keys = {k.value for k in kw["data"].keys} if isinstance(kw.get("data"), ast.Dict) else set()
                yield module, kw["type"].attr, keys


def test_each_step_event_type_has_one_writer_and_named_keys():
    calls = list(_step_calls())
    assert len(calls) > 15
    for module, type_name, keys in calls:
        writer, allowed = events.STEP_EVENTS[WorkOrderEvent.Type[type_name]]
        assert module == writer, f"{type_name} is written by {writer}, not {module}"
        assert keys <= allowed, f"{module} writes {type_name} with {sorted(keys - allowed)}"


def test_a_step_with_an_unnamed_key_is_refused(db):
    with pytest.raises(ValueError):
        events.step_event(order=None, type_=WorkOrderEvent.Type.ARRIVED, actor=None, data={"where": "门口"})
    with pytest.raises(ValueError):
        events.step_event(order=None, type_=WorkOrderEvent.Type.CREATED, actor=None)
