"""Report jobs run by `anxin worker`."""

from django_tasks import task

from anxin.reports.complaint_report_services import schedules_run


@task()
def complaint_reports_task() -> dict:
    """Hourly: the scheduled complaint reports whose day has come (each made once)."""
    return {"made": [r.pk for r in schedules_run()]}


@task()
def history_import_task(job_id: int) -> dict:
    """An uploaded history file, confirmed on its page (progress is written to the job as rows go in)."""
    from anxin.reports.history_services import history_run

    history_run(job_id)
    return {"job": job_id}


@task()
def rollups_merge_task() -> dict:
    """Hourly: fold the reports' rollup rows written since the last merge (the sums do not change)."""
    from anxin.reports.rollup_services import rollups_merge

    return rollups_merge()
