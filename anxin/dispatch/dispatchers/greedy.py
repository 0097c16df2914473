"""Fallback dispatcher, and the optimiser's starting plan: fill each technician's time board in gaps.

Orders in priority order (class, earliest start, due); each goes to the qualified technician with hours left
who can start it earliest, in the first gap of their day that fits it with travel to it and on to the next
job (or back to base before the shift ends). What a dispatcher filling the board top to bottom would do.
"""

from anxin.dispatch.dispatchers.base import Plan, unassigned_reason
from anxin.dispatch.instance import PRIORITIES, Instance

INF = float("inf")


def _earliest(o) -> int:
    return max(o.release, o.window[0] if o.window else 0)


def _first_gap(instance: Instance, tech, visits: list, o) -> tuple[int, int] | None:
    """(position, start) of the first gap that fits `o`, or None."""
    prev_end, px, py = tech.shift_start, tech.x, tech.y
    for pos in range(len(visits) + 1):
        if pos < len(visits):
            nxt = visits[pos]
            limit, nx, ny = nxt[1], nxt[2].x, nxt[2].y
        else:
            limit, nx, ny = tech.shift_end, tech.x, tech.y
        start = max(prev_end + instance.minutes(px, py, o.x, o.y), _earliest(o))
        if o.window and start > o.window[1]:
            return None  # later gaps start later still
        if start + o.duration + instance.minutes(o.x, o.y, nx, ny) <= limit:
            return pos, start
        if pos < len(visits):
            prev_end, px, py = visits[pos][1] + visits[pos][2].duration, visits[pos][2].x, visits[pos][2].y
    return None


def solve(instance: Instance, *, booked: dict[str, list[tuple[str, int]]] | None = None, **_options) -> Plan:
    """Fill the board; `booked` visits (e.g. an optimised plan for the urgent classes) stay where they are."""
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    by_id = {o.id: o for o in instance.orders}
    board = {t.id: [(oid, start, by_id[oid]) for oid, start in (booked or {}).get(t.id, [])]
             for t in instance.techs}  # tech id → [(order id, start, order)] sorted by start
    work = {tid: sum(v[2].duration for v in visits) for tid, visits in board.items()}
    done = {oid for visits in board.values() for oid, _s, _o in visits}
    plan = Plan(solver="greedy")
    for o in sorted((o for o in instance.orders if o.id not in done), key=lambda o: (rank[o.priority], _earliest(o),
                                                     o.due if o.due is not None else INF, o.id)):
        best = None
        for tech in instance.techs:
            if not instance.qualified(tech, o) or work[tech.id] + o.duration > tech.capacity:
                continue
            found = _first_gap(instance, tech, board[tech.id], o)
            if found is None:
                continue
            pos, start = found
            key = (start, instance.km(tech.x, tech.y, o.x, o.y), work[tech.id])
            if best is None or key < best[0]:
                best = (key, tech, pos, start)
        if best is None:
            plan.unassigned[o.id] = unassigned_reason(instance, o)
            continue
        _key, tech, pos, start = best
        board[tech.id].insert(pos, (o.id, start, o))
        work[tech.id] += o.duration
    plan.routes = {tid: [(oid, start) for oid, start, _o in visits] for tid, visits in board.items()}
    return plan
