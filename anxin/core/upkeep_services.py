"""Upkeep of the task table (run hourly by the worker through core/tasks.py)."""


def task_results_settle(*, now=None) -> dict[str, int]:
    """Keep the task table a working set (the sweeps add ~17,000 rows a day): finished runs go after a day, failed
    ones after 30 days (they are what the health page shows); a run left `RUNNING` for an hour belonged to a worker
    that was killed — it is marked failed, and the periodic sweep it was has been enqueued again since."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    abandoned = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=now - timedelta(hours=1)).update(
        status="FAILED", finished_at=now, exception_class_path="anxin.WorkerKilled",
        traceback="The worker running this task stopped before it finished (killed or restarted).")
    successful, _ = DBTaskResult.objects.filter(status="SUCCESSFUL", finished_at__lt=now - timedelta(days=1)).delete()
    failed, _ = DBTaskResult.objects.filter(status="FAILED", finished_at__lt=now - timedelta(days=30)).delete()
    return {"abandoned": abandoned, "pruned": successful + failed}
