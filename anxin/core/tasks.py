"""Database upkeep run by `anxin worker`."""

from django_tasks import task

from anxin.core.maintenance import planner_statistics_refresh
from anxin.core.upkeep_services import task_results_settle


@task()
def planner_statistics_task() -> dict:
    """Hourly: a desk that grew from the demo to 100k orders keeps plans that fit its data."""
    return {"analyzed": planner_statistics_refresh()}


@task()
def task_results_task() -> dict:
    """Hourly: old task runs pruned, runs of a killed worker marked failed (the health page counts the rest)."""
    return task_results_settle()
