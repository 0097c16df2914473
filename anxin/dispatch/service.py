"""`dispatch_plan(instance)`: the optimiser with a greedy fallback; the plan is always re-checked."""

import time

from anxin.dispatch.dispatchers import greedy
from anxin.dispatch.dispatchers.base import Plan, violations
from anxin.dispatch.instance import Instance


def _solver(name: str):
    """The solve function by name. OR-Tools (with numpy, 36 MiB) is imported on the first plan, not in every web
    worker; it is a dependency, but a broken wheel must not take dispatching down with it."""
    if name == "ortools":
        try:
            from anxin.dispatch.dispatchers import routing
        except ImportError:  # pragma: no cover
            return greedy.solve
        return routing.solve
    return greedy.solve


def dispatch_plan(instance: Instance, *, solver: str = "ortools", time_limit_s: float | None = None
                  ) -> tuple[Plan, float]:
    started = time.perf_counter()
    plan = _solver(solver)(instance, time_limit_s=time_limit_s)
    if violations(instance, plan.routes):
        # never hand out an invalid plan: fall back to the greedy one, which is valid by construction
        plan = greedy.solve(instance)
    return plan, time.perf_counter() - started
