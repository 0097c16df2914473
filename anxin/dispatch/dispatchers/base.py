"""The dispatcher interface: an Instance in, a Plan out. Every plan is re-checked before it is returned."""

from dataclasses import dataclass, field

from anxin.dispatch.instance import Instance


@dataclass
class Plan:
    routes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # tech id → [(order id, start)]
    unassigned: dict[str, str] = field(default_factory=dict)  # order id → reason
    solver: str = ""
    lower_bound: float | None = None


def violations(instance: Instance, routes: dict[str, list[tuple[str, int]]]) -> list[str]:
    """The hard rules of FORMAT.md; an empty list means the plan is valid."""
    orders = {o.id: o for o in instance.orders}
    problems, seen = [], set()
    for tech in instance.techs:
        visits = routes.get(tech.id, [])
        px, py, t, work = tech.x, tech.y, tech.shift_start, 0
        for oid, start in visits:
            o = orders.get(oid)
            if o is None or oid in seen:
                problems.append(f"{tech.id}: {oid} unknown or visited twice")
                continue
            seen.add(oid)
            if not instance.qualified(tech, o):
                problems.append(f"{tech.id}: not qualified for {oid}")
            if start < t + instance.minutes(px, py, o.x, o.y):
                problems.append(f"{tech.id}: {oid} starts before arrival")
            if start < o.release or (o.window and not (o.window[0] <= start <= o.window[1])):
                problems.append(f"{tech.id}: {oid} outside release/window")
            t, px, py, work = start + o.duration, o.x, o.y, work + o.duration
        if visits and t + instance.minutes(px, py, tech.x, tech.y) > tech.shift_end:
            problems.append(f"{tech.id}: back at base after the shift")
        if work > tech.capacity:
            problems.append(f"{tech.id}: over capacity")
    return problems


def unassigned_reason(instance: Instance, order) -> str:
    if not any(instance.qualified(t, order) for t in instance.techs):
        return "no_qualified_technician"
    return "no_time_slot"


def plan_cost(instance: Instance, plan: "Plan") -> float:
    """FORMAT.md's total cost: unassigned penalties + weighted lateness + travel + spread ranges per trade."""
    obj = instance.objective
    orders = {o.id: o for o in instance.orders}
    visited, cost, loads = set(), 0.0, {}
    for tech in instance.techs:
        px, py, load = tech.x, tech.y, 0
        visits = plan.routes.get(tech.id, [])
        for oid, start in visits:
            o = orders[oid]
            visited.add(oid)
            cost += obj["travel_per_km"] * instance.km(px, py, o.x, o.y)
            if o.due is not None:
                cost += obj["lateness_per_min"][o.priority] * max(0, start + o.duration - o.due)
            px, py, load = o.x, o.y, load + o.duration
        if visits:
            cost += obj["travel_per_km"] * instance.km(px, py, tech.x, tech.y)
        loads.setdefault(tech.trade, []).append(load / 60)
    cost += sum(obj["unassigned_penalty"][o.priority] for o in instance.orders if o.id not in visited)
    cost += obj["spread_per_hour"] * sum(max(v) - min(v) for v in loads.values() if v)
    return cost
