"""Repair a plan after the search: serve dropped high-penalty orders (an emergency nobody had room for) by
taking a cheaper order out of a qualified technician's day, then fill whatever fits into the gaps.

Starts of the other visits stay fixed, so a swap only uses the gap the removed visit leaves; every result is
re-checked by the caller and kept only when it costs less.
"""

from anxin.dispatch.dispatchers import greedy
from anxin.dispatch.dispatchers.base import Plan, plan_cost, unassigned_reason, violations
from anxin.dispatch.instance import Instance


def bump(instance: Instance, plan: Plan) -> Plan:
    penalty = instance.objective["unassigned_penalty"]
    by_id = {o.id: o for o in instance.orders}
    routes = {t.id: list(plan.routes.get(t.id, [])) for t in instance.techs}
    work = {tid: sum(by_id[oid].duration for oid, _s in visits) for tid, visits in routes.items()}
    served = {oid for visits in routes.values() for oid, _s in visits}
    dropped = sorted((by_id[oid] for oid in by_id if oid not in served), key=lambda o: -penalty[o.priority])
    for o in dropped:
        if penalty[o.priority] <= min(penalty.values()):
            break  # nothing cheaper to make room with
        best = None
        for tech in instance.techs:
            if not instance.qualified(tech, o):
                continue
            visits = routes[tech.id]
            for j in range(len(visits)):
                for width in (1, 2):  # one visit out, or two neighbours for a long job
                    out = [by_id[oid] for oid, _s in visits[j:j + width]]
                    if len(out) < width:
                        continue
                    gain = penalty[o.priority] - sum(penalty[v.priority] for v in out)
                    if gain <= 0 or (best and gain <= best[0]):
                        continue
                    if work[tech.id] - sum(v.duration for v in out) + o.duration > tech.capacity:
                        continue
                    rest = [(oid, s, by_id[oid]) for k, (oid, s) in enumerate(visits) if not j <= k < j + width]
                    found = greedy._first_gap(instance, tech, rest, o)
                    if found is not None:
                        best = (gain, tech, j, width, found)
        if best is None:
            continue
        _gain, tech, j, width, (pos, start) = best
        removed = routes[tech.id][j:j + width]
        del routes[tech.id][j:j + width]
        routes[tech.id].insert(pos, (o.id, start))
        work[tech.id] += o.duration - sum(by_id[oid].duration for oid, _s in removed)
    out = Plan(routes=routes, solver=plan.solver)
    out.unassigned = {oid: unassigned_reason(instance, by_id[oid]) for oid in by_id
                      if oid not in {x for vs in routes.values() for x, _s in vs}}
    return out


def improve(instance: Instance, plan: Plan) -> Plan:
    """bump, then fill the gaps; the better of that and the plan as given."""
    repaired = greedy.solve(instance, booked=bump(instance, plan).routes)
    repaired.solver = plan.solver
    if violations(instance, repaired.routes) or plan_cost(instance, repaired) >= plan_cost(instance, plan):
        return plan
    return repaired
