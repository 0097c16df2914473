"""`dispatch_plan(instance)`: the optimiser with a greedy fallback; the plan is always re-checked."""

import time

from anxin.dispatch.dispatchers import greedy
from anxin.dispatch.dispatchers.base import Plan, violations
from anxin.dispatch.instance import Instance

DISPATCHERS = {"greedy": greedy.solve}
try:  # OR-Tools is a dependency, but a broken wheel must not take dispatching down with it
    from anxin.dispatch.dispatchers import routing

    DISPATCHERS["ortools"] = routing.solve
except ImportError:  # pragma: no cover
    pass


def dispatch_plan(instance: Instance, *, solver: str = "ortools", time_limit_s: float | None = None
                  ) -> tuple[Plan, float]:
    started = time.perf_counter()
    plan = DISPATCHERS.get(solver, greedy.solve)(instance, time_limit_s=time_limit_s)
    if violations(instance, plan.routes):
        # never hand out an invalid plan: fall back to the greedy one, which is valid by construction
        plan = greedy.solve(instance)
    return plan, time.perf_counter() - started
