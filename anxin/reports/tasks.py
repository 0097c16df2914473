"""Report jobs run by `anxin worker`."""

from django_tasks import task

from anxin.reports.complaint_report_services import schedules_run


@task()
def complaint_reports_task() -> dict:
    """Hourly: the scheduled complaint reports whose day has come (each made once)."""
    return {"made": [r.pk for r in schedules_run()]}
