"""The dispatcher on generated instances, checked by our rules and by the shared scorer (issue 3)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from anxin.dispatch.dispatchers import greedy
from anxin.dispatch.dispatchers.base import plan_cost, violations
from anxin.dispatch.instance import InstanceError, parse_instance, solution_json
from anxin.dispatch.service import dispatch_plan

SHARED = Path(__file__).resolve().parents[4] / "shared" / "dispatch-bench"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared/dispatch-bench is not beside the checkout")


def _generate(tmp_path, *args) -> Path:
    out = tmp_path / "instance.json"
    subprocess.run([sys.executable, str(SHARED / "gen.py"), *args, "--out", str(out)], check=True,
                   capture_output=True)
    return out


def _score(instance: Path, solution: dict, tmp_path) -> tuple[int, float]:
    path = tmp_path / "solution.json"
    path.write_text(json.dumps(solution))
    done = subprocess.run([sys.executable, str(SHARED / "score.py"), str(instance), str(path)], capture_output=True,
                          text=True)
    return done.returncode, float(done.stdout.strip().splitlines()[-1].split("cost=")[1].split()[0])


@needs_shared
@pytest.mark.parametrize("args", [
    ["--size", "S", "--seed", "3"],
    ["--size", "S", "--seed", "4", "--load", "1.0", "--metric", "euclidean"],
    ["--size", "S", "--seed", "5", "--speed", "15"],
    ["--size", "M", "--seed", "6", "--orders", "120", "--techs", "12"],
    ["--size", "M", "--seed", "7", "--orders", "200", "--techs", "20"],  # the whole-day / by-trade portfolio
])
def test_plans_obey_every_hard_rule_and_beat_greedy(tmp_path, args):
    path = _generate(tmp_path, *args)
    instance = parse_instance(json.loads(path.read_text()))
    plan, seconds = dispatch_plan(instance, time_limit_s=2)
    assert violations(instance, plan.routes) == []
    status, cost = _score(path, solution_json(instance, plan.routes, plan.unassigned, plan.solver, seconds), tmp_path)
    assert status == 0  # the shared scorer agrees the plan is valid
    assert cost == pytest.approx(plan_cost(instance, plan), abs=0.05)  # and on its cost
    base = greedy.solve(instance)
    assert cost <= plan_cost(instance, base) + 1e-6
    # every order is visited once or listed once with a reason
    visited = [oid for visits in plan.routes.values() for oid, _s in visits]
    assert sorted(visited + list(plan.unassigned)) == sorted(o.id for o in instance.orders)


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.update(format="x"), "format"),
    (lambda d: d["horizon"].update(start=2000), "horizon"),
    (lambda d: d["travel"].update(speed_kmh=0), "speed"),
    (lambda d: d.update(trades=[]), "trades"),
    (lambda d: d["objective"]["unassigned_penalty"].update(normal=-1), "unassigned_penalty.normal"),
    (lambda d: d["technicians"].append(dict(d["technicians"][0])), "technicians[1].id"),
    (lambda d: d["technicians"][0]["skills"].update(plumbing=4), "skills.plumbing"),
    (lambda d: d["technicians"][0]["shift"].update(end=2000), "shift"),
    (lambda d: d["orders"][0].update(duration_min=0), "duration_min"),
    (lambda d: d["orders"][0].update(window={"start": 900, "end": 800}), "window"),
    (lambda d: d["orders"][0].update(priority="vip"), "priority"),
    (lambda d: d["orders"][0]["location"].update(x="far"), "location.x"),
])
def test_malformed_instances_are_refused_naming_the_field(mutate, words):
    data = _tiny()
    mutate(data)
    with pytest.raises(InstanceError, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_instance(data)


def _tiny() -> dict:
    return {
        "format": "anxin-dispatch-instance/1", "name": "tiny", "horizon": {"start": 0, "end": 1440},
        "travel": {"metric": "manhattan", "speed_kmh": 30}, "trades": ["plumbing"],
        "objective": {"unassigned_penalty": dict.fromkeys(("emergency", "recall", "rework", "appointment", "normal"), 100),
                      "lateness_per_min": dict.fromkeys(("emergency", "recall", "rework", "appointment", "normal"), 1),
                      "travel_per_km": 1.0, "spread_per_hour": 20.0},
        "technicians": [{"id": "T1", "trade": "plumbing", "skills": {"plumbing": 2}, "shift": {"start": 480, "end": 1020},
                         "capacity_min": 420, "base": {"x": 0, "y": 0}}],
        "orders": [{"id": "W1", "priority": "normal", "trade": "plumbing", "min_level": 1, "duration_min": 60,
                    "location": {"x": 5, "y": 0}, "release": 0, "window": None, "due": None},
                   {"id": "W2", "priority": "emergency", "trade": "plumbing", "min_level": 3, "duration_min": 30,
                    "location": {"x": 1, "y": 1}, "release": 0, "window": None, "due": 600}],
    }


def test_tiny_instance_plan_and_reasons():
    instance = parse_instance(_tiny())
    plan, _s = dispatch_plan(instance, time_limit_s=1)
    # travel 5 km at 30 km/h = 10 minutes: the earliest start is 08:40
    assert plan.routes["T1"] == [("W1", 490)]
    assert plan.unassigned == {"W2": "no_qualified_technician"}


def test_cli_refuses_bad_input_with_a_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    done = subprocess.run([sys.executable, "-m", "anxin.cli", "dispatch-bench", str(bad), "--out",
                           str(tmp_path / "o.json")], capture_output=True, text=True)
    assert done.returncode != 0 and "not JSON" in done.stderr


def test_repair_makes_room_for_a_dropped_emergency_by_taking_out_a_normal_order():
    from anxin.dispatch.dispatchers import repair
    from anxin.dispatch.dispatchers.base import Plan

    data = _tiny()
    data["objective"]["unassigned_penalty"] = {"emergency": 10000, "recall": 1000, "rework": 800, "appointment": 600,
                                               "normal": 300}
    data["orders"][1]["min_level"] = 1
    data["orders"][1]["duration_min"] = 400  # only fits if the normal job makes way (capacity 420)
    instance = parse_instance(data)
    plan = Plan(routes={"T1": [("W1", 490)]}, unassigned={"W2": "no_time_slot"})
    better = repair.improve(instance, plan)
    assert [oid for oid, _s in better.routes["T1"]] == ["W2"]
    assert "W1" in better.unassigned and violations(instance, better.routes) == []
    assert plan_cost(instance, better) < plan_cost(instance, plan)


def test_the_day_split_by_trade_in_two_processes_is_valid_and_beats_greedy(tmp_path, monkeypatch):
    from anxin.dispatch.dispatchers import routing

    monkeypatch.setattr(routing, "DECOMPOSE_AT", 40)  # 200 orders ≥ 2 × 40 × 2: every process works on trades
    path = _generate(tmp_path, "--size", "M", "--seed", "8", "--orders", "200", "--techs", "20")
    instance = parse_instance(json.loads(path.read_text()))
    plan = routing.solve(instance, time_limit_s=3)
    assert violations(instance, plan.routes) == []
    assert "by trade" in plan.solver  # the split plan won, not the greedy fallback
    assert plan_cost(instance, plan) < plan_cost(instance, greedy.solve(instance))
