"""The dispatch-benchmark format (shared/dispatch-bench/FORMAT.md): read, check, travel arithmetic.

Pure Python (no Django): the dispatchers and `anxin dispatch-bench` work on these dataclasses; the
dispatch board turns the day's real orders into the same shape.
"""

import math
from dataclasses import dataclass

PRIORITIES = ("emergency", "recall", "rework", "appointment", "normal")
INSTANCE_FORMAT = "anxin-dispatch-instance/1"
SOLUTION_FORMAT = "anxin-dispatch-solution/1"


class InstanceError(ValueError):
    """The instance is malformed or inconsistent; the message names the field."""


@dataclass(frozen=True)
class Tech:
    id: str
    trade: str
    skills: dict
    shift_start: int
    shift_end: int
    capacity: int
    x: float
    y: float


@dataclass(frozen=True)
class Order:
    id: str
    priority: str
    trade: str
    min_level: int
    duration: int
    x: float
    y: float
    release: int
    window: tuple[int, int] | None
    due: int | None


@dataclass
class Instance:
    name: str
    horizon: tuple[int, int]
    metric: str
    speed: float
    trades: list[str]
    objective: dict
    techs: list[Tech]
    orders: list[Order]

    def km(self, ax: float, ay: float, bx: float, by: float) -> float:
        if self.metric == "manhattan":
            return round(abs(ax - bx) + abs(ay - by), 6)
        return round(math.sqrt((ax - bx) ** 2 + (ay - by) ** 2), 6)

    def minutes(self, ax: float, ay: float, bx: float, by: float) -> int:
        return math.ceil(round(self.km(ax, ay, bx, by) * 60 / self.speed, 6))

    def qualified(self, tech: Tech, order: Order) -> bool:
        return tech.skills.get(order.trade, 0) >= order.min_level


def _int(value, where: str, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(f"{where} must be an integer")
    if low is not None and value < low:
        raise InstanceError(f"{where} must be at least {low}")
    return value


def _num(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InstanceError(f"{where} must be a number")
    return float(value)


def parse_instance(data) -> Instance:
    """Check every field FORMAT.md lists and build an Instance; InstanceError names the first bad field."""
    if not isinstance(data, dict) or data.get("format") != INSTANCE_FORMAT:
        raise InstanceError(f"format must be {INSTANCE_FORMAT!r}")
    horizon = data.get("horizon") or {}
    h0, h1 = _int(horizon.get("start"), "horizon.start"), _int(horizon.get("end"), "horizon.end")
    if h0 >= h1:
        raise InstanceError("horizon.start must be before horizon.end")
    travel = data.get("travel") or {}
    if travel.get("metric") not in ("manhattan", "euclidean"):
        raise InstanceError("travel.metric must be manhattan or euclidean")
    speed = _num(travel.get("speed_kmh"), "travel.speed_kmh")
    if speed <= 0:
        raise InstanceError("travel.speed_kmh must be positive")
    trades = data.get("trades")
    if not isinstance(trades, list) or not trades or len(set(trades)) != len(trades):
        raise InstanceError("trades must be a non-empty list without duplicates")
    objective = data.get("objective") or {}
    for group in ("unassigned_penalty", "lateness_per_min"):
        for p in PRIORITIES:
            if _num((objective.get(group) or {}).get(p), f"objective.{group}.{p}") < 0:
                raise InstanceError(f"objective.{group}.{p} must not be negative")
    for key in ("travel_per_km", "spread_per_hour"):
        if _num(objective.get(key), f"objective.{key}") < 0:
            raise InstanceError(f"objective.{key} must not be negative")
    techs, seen = [], set()
    for i, t in enumerate(data.get("technicians") or []):
        where = f"technicians[{i}]"
        tid = t.get("id")
        if not isinstance(tid, str) or not tid or tid in seen:
            raise InstanceError(f"{where}.id missing or duplicated")
        seen.add(tid)
        skills = t.get("skills")
        if not isinstance(skills, dict) or t.get("trade") not in skills:
            raise InstanceError(f"{where}.skills must include the primary trade")
        for trade, level in skills.items():
            if trade not in trades or _int(level, f"{where}.skills.{trade}") not in (1, 2, 3):
                raise InstanceError(f"{where}.skills.{trade}: unknown trade or level outside 1..3")
        shift = t.get("shift") or {}
        s0, s1 = _int(shift.get("start"), f"{where}.shift.start"), _int(shift.get("end"), f"{where}.shift.end")
        if not (h0 <= s0 <= s1 <= h1):
            raise InstanceError(f"{where}.shift must lie inside the horizon")
        base = t.get("base") or {}
        techs.append(Tech(tid, t["trade"], dict(skills), s0, s1, _int(t.get("capacity_min"), f"{where}.capacity_min",
                                                                        low=0),
                          _num(base.get("x"), f"{where}.base.x"), _num(base.get("y"), f"{where}.base.y")))
    orders, seen = [], set()
    for i, o in enumerate(data.get("orders") or []):
        where = f"orders[{i}]"
        oid = o.get("id")
        if not isinstance(oid, str) or not oid or oid in seen:
            raise InstanceError(f"{where}.id missing or duplicated")
        seen.add(oid)
        if o.get("priority") not in PRIORITIES:
            raise InstanceError(f"{where}.priority must be one of {', '.join(PRIORITIES)}")
        if o.get("trade") not in trades:
            raise InstanceError(f"{where}.trade is not one of the instance's trades")
        level = _int(o.get("min_level"), f"{where}.min_level")
        if level not in (1, 2, 3):
            raise InstanceError(f"{where}.min_level must be 1..3")
        window = o.get("window")
        if window is not None:
            w0, w1 = _int(window.get("start"), f"{where}.window.start"), _int(window.get("end"), f"{where}.window.end")
            if w0 > w1:
                raise InstanceError(f"{where}.window.start must not be after window.end")
            window = (w0, w1)
        due = o.get("due")
        location = o.get("location") or {}
        orders.append(Order(oid, o["priority"], o["trade"], level, _int(o.get("duration_min"), f"{where}.duration_min",
                                                                        low=1),
                            _num(location.get("x"), f"{where}.location.x"), _num(location.get("y"), f"{where}.location.y"),
                            _int(o.get("release", 0), f"{where}.release", low=0), window,
                            None if due is None else _int(due, f"{where}.due")))
    return Instance(str(data.get("name", "")), (h0, h1), travel["metric"], speed, trades, objective, techs, orders)


def solution_json(instance: Instance, routes: dict[str, list[tuple[str, int]]], unassigned: dict[str, str],
                  solver: str, solve_time: float, lower_bound: float | None = None) -> dict:
    return {
        "format": SOLUTION_FORMAT, "instance": instance.name, "solver": solver,
        "routes": [{"tech": t.id, "visits": [{"order": o, "start": s} for o, s in routes.get(t.id, [])]}
                   for t in instance.techs],
        "unassigned": [{"order": o, "reason": r} for o, r in unassigned.items()],
        "stats": {"solve_time_s": round(solve_time, 3), "lower_bound": lower_bound},
    }
