from django_tasks import task

from anxin.revisits import services


@task()
def schedule_revisits_task() -> int:
    return services.revisits_schedule()
