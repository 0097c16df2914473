from django_tasks import task

from anxin.revisits import services


@task()
def schedule_revisits_task() -> int:
    return services.revisits_schedule()


@task()
def schedule_panel_surveys_task() -> int:
    """F5: this quarter's survey for every panel member (idempotent; hourly is plenty)."""
    from anxin.revisits.panel_services import panels_schedule

    return panels_schedule()
