"""The optimising dispatcher (C2): OR-Tools' vehicle-routing solver.

Model (costs in 1/100 of the benchmark's units, as integers):
* node = an order, plus one start/end node per technician (their base);
* arc cost = travel_per_km × km; time = service minutes + travel minutes (FORMAT.md rounding);
* hard: skills/levels (allowed vehicles), shifts (vehicle start/end time windows), release and appointment
  windows (node time windows), capacity (a "work" dimension), no overlaps (the time dimension);
* soft: an order left out costs its class's unassigned penalty (so priority classes are served first);
  finishing after `due` costs lateness_per_min[class] per minute; balance: each technician's assigned
  standard minutes above or below their trade's fair share costs spread_per_hour / 60 per minute.
"""

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from anxin.dispatch.dispatchers.base import Plan, plan_cost, unassigned_reason, violations
from anxin.dispatch.instance import Instance

SCALE = 100


def _matrices(instance: Instance, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dx, dy = np.abs(xs[:, None] - xs[None, :]), np.abs(ys[:, None] - ys[None, :])
    km = dx + dy if instance.metric == "manhattan" else np.sqrt(dx * dx + dy * dy)
    km = np.round(km, 6)
    minutes = np.ceil(np.round(km * 60 / instance.speed, 6)).astype(np.int64)
    return km, minutes


URGENT = ("emergency", "recall", "rework", "appointment")


DECOMPOSE_AT = 150  # orders; below this one process plans the whole day (the board's usual case)
WORKERS = max(1, min(2, os.cpu_count() or 1))


def solve(instance: Instance, *, time_limit_s: float | None = None, **_options) -> Plan:
    """The best of: the whole day in one model, and the day split by trade (one model per trade, solved in
    parallel processes, then cross-trade skills fill the gaps). By FORMAT.md's cost; never worse than greedy.

    Splitting by trade keeps each search small enough to converge in the time (L: 5 models of ~200 orders
    instead of one of 1,000); orders of a trade can only go to technicians with that skill anyway, and the
    technicians' secondary skills are used afterwards by the greedy fill and the repair pass.
    """
    from anxin.dispatch.dispatchers import greedy, repair

    # L (1,000 orders) must plan in under 20 s on 2 cores: 18 s of search leaves room for building the models
    limit = time_limit_s if time_limit_s is not None else max(2.0, min(18.0, len(instance.orders) / 40))
    parts = _by_trade(instance)
    candidates = [greedy.solve(instance)]
    if len(instance.orders) < DECOMPOSE_AT or len(parts) < 2 or WORKERS < 2:
        candidates.append(_whole(instance, limit))
    else:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(WORKERS, mp_context=ctx) as pool:
            if len(instance.orders) >= 2 * DECOMPOSE_AT * WORKERS:
                # large: both processes work on the trades
                bins = _balance(parts, WORKERS)
                futures = [pool.submit(_parts, b, limit * 0.9) for b in bins]
                routes = {tid: r for f in futures for tid, r in f.result().items()}
            else:
                # medium: a portfolio — the whole day in one process, the trades one after another in the other
                whole = pool.submit(_whole, instance, limit)
                routes = pool.submit(_parts, parts, limit * 0.9).result()
                candidates.append(whole.result())
        split = greedy.solve(instance, booked=routes)
        split.solver = "by trade"
        candidates.append(split)
    valid = [c for c in candidates if not violations(instance, c.routes)]
    best = repair.improve(instance, min(valid, key=lambda c: plan_cost(instance, c)))
    best.solver = f"anxin-ortools-routing 3 ({best.solver or 'two-stage'})"
    return best


def _by_trade(instance: Instance) -> list[Instance]:
    parts = []
    for trade in instance.trades:
        techs = [t for t in instance.techs if t.trade == trade]
        orders = [o for o in instance.orders if o.trade == trade]
        if techs and orders:
            parts.append(replace(instance, techs=techs, orders=orders))
    return parts


def _balance(parts: list[Instance], bins: int) -> list[list[Instance]]:
    """Longest first into the lightest bin, so the processes finish together."""
    out: list[list[Instance]] = [[] for _ in range(bins)]
    load = [0] * bins
    for part in sorted(parts, key=lambda p: -len(p.orders)):
        k = load.index(min(load))
        out[k].append(part)
        load[k] += len(part.orders)
    return out


def _parts(parts: list[Instance], limit: float) -> dict[str, list[tuple[str, int]]]:
    """Solve trade models one after another within `limit` seconds, time shared by size."""
    total = sum(len(p.orders) for p in parts) or 1
    routes: dict[str, list[tuple[str, int]]] = {}
    for part in parts:
        routes.update(_whole(part, max(1.0, limit * len(part.orders) / total)).routes)
    return routes


def _whole(instance: Instance, limit: float) -> Plan:
    """Two stages in one model:
    1. the urgent classes alone, optimised — emergencies get room in the day before it fills up;
    2. the normal orders filled into the gaps of that board (greedy), then the whole day improved by
       guided local search. The cheapest of the filled and the searched plan wins.
    """
    from anxin.dispatch.dispatchers import greedy

    started = time.perf_counter()
    urgent = replace(instance, orders=[o for o in instance.orders if o.priority in URGENT])
    stage1 = _solve(urgent, time_limit_s=limit * 0.4, first="PARALLEL_CHEAPEST_INSERTION",
                    hard_due=("emergency", "recall", "rework"))
    filled = greedy.solve(instance, booked=stage1.routes)
    remaining = max(1.0, limit - (time.perf_counter() - started))
    candidates = [filled, _solve(instance, time_limit_s=remaining, initial=filled.routes)]
    valid = [c for c in candidates if not violations(instance, c.routes)] or [greedy.solve(instance)]
    return min(valid, key=lambda c: plan_cost(instance, c))


def _solve(instance: Instance, *, time_limit_s: float, first: str = "greedy", initial: dict | None = None,
           metaheuristic: str = "GUIDED_LOCAL_SEARCH", hard_due: tuple[str, ...] = ()) -> Plan:
    orders, techs = instance.orders, instance.techs
    n, v = len(orders), len(techs)
    plan = Plan(solver="anxin-ortools-routing 1")
    if n == 0 or v == 0:
        plan.unassigned = {o.id: unassigned_reason(instance, o) for o in orders}
        return plan
    xs = np.array([o.x for o in orders] + [t.x for t in techs])
    ys = np.array([o.y for o in orders] + [t.y for t in techs])
    km, minutes = _matrices(instance, xs, ys)
    service = np.array([o.duration for o in orders] + [0] * v, dtype=np.int64)
    obj = instance.objective

    manager = pywrapcp.RoutingIndexManager(n + v, v, [n + k for k in range(v)], [n + k for k in range(v)])
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(np.rint(km * obj["travel_per_km"] * SCALE).astype(np.int64).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    transit = routing.RegisterTransitMatrix((minutes + service[:, None]).tolist())
    h0, h1 = instance.horizon
    routing.AddDimension(transit, h1 - h0, h1, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    work = routing.RegisterUnaryTransitVector(service.tolist())
    routing.AddDimensionWithVehicleCapacity(work, 0, [t.capacity for t in techs], True, "work")
    work_dim = routing.GetDimensionOrDie("work")

    for k, tech in enumerate(techs):
        time_dim.CumulVar(routing.Start(k)).SetRange(tech.shift_start, tech.shift_end)
        time_dim.CumulVar(routing.End(k)).SetRange(tech.shift_start, tech.shift_end)
    by_trade: dict[str, list[int]] = {}
    for k, tech in enumerate(techs):
        by_trade.setdefault(tech.trade, []).append(k)
    for i, o in enumerate(orders):
        index = manager.NodeToIndex(i)
        allowed = [k for k, t in enumerate(techs) if instance.qualified(t, o)]
        penalty = int(obj["unassigned_penalty"][o.priority] * SCALE)
        routing.AddDisjunction([index], penalty)
        lo = max(o.release, o.window[0] if o.window else h0)
        hi = min(o.window[1] if o.window else h1 - o.duration, h1 - o.duration)
        if hard_due and o.priority in hard_due and o.due is not None and o.due - o.duration >= lo:
            # the insertion heuristics place nodes by arc cost and do not see soft time costs; making an
            # emergency's promise hard here keeps it on time, and the greedy fill serves any left out (late)
            hi = min(hi, o.due - o.duration)
        if not allowed or lo > hi:
            routing.VehicleVar(index).SetValues([-1])  # cannot be served by anyone: left out
            continue
        # skills and levels; (SetAllowedVehiclesForIndex's Span binding is broken in this OR-Tools build)
        routing.VehicleVar(index).SetValues([-1, *allowed])
        time_dim.CumulVar(index).SetRange(lo, hi)
        if o.due is not None and obj["lateness_per_min"][o.priority] > 0:
            time_dim.SetCumulVarSoftUpperBound(index, max(lo, o.due - o.duration),
                                               int(obj["lateness_per_min"][o.priority] * SCALE))
    # balance within a trade (派工均衡): pull each technician's load towards the trade's fair share
    balance = int(obj["spread_per_hour"] * SCALE / 60) or 1
    for trade, ks in by_trade.items():
        demand = sum(o.duration for o in orders if o.trade == trade)
        share = min(min(techs[k].capacity for k in ks), demand // max(1, len(ks)))
        for k in ks:
            work_dim.SetCumulVarSoftUpperBound(routing.End(k), share, balance)
            work_dim.SetCumulVarSoftLowerBound(routing.End(k), max(0, share - 60), balance)
    for k in range(v):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic)
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    if first == "greedy" or initial is not None:
        # start the search from a given (or the greedy) plan: a valid, class-ordered day to improve on
        from anxin.dispatch.dispatchers import greedy

        node_of = {o.id: i for i, o in enumerate(orders)}
        start_routes = initial if initial is not None else greedy.solve(instance).routes
        routes = [[node_of[oid] for oid, _s in start_routes.get(t.id, [])] for t in techs]
        routing.CloseModelWithParameters(params)
        initial = routing.ReadAssignmentFromRoutes(routes, True)
        solution = (routing.SolveFromAssignmentWithParameters(initial, params) if initial is not None
                    else routing.SolveWithParameters(params))
    else:
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
        solution = routing.SolveWithParameters(params)
    if solution is None:
        from anxin.dispatch.dispatchers import greedy

        return greedy.solve(instance, booked=initial)
    visited = set()
    for k, tech in enumerate(techs):
        index, visits = routing.Start(k), []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            visits.append((orders[node].id, int(solution.Min(time_dim.CumulVar(index)))))
            visited.add(node)
            index = solution.Value(routing.NextVar(index))
        plan.routes[tech.id] = visits
    plan.unassigned = {o.id: unassigned_reason(instance, o) for i, o in enumerate(orders) if i not in visited}
    plan.solver = "search"
    return plan
