"""Background work for the portal (run by `anxin worker`, hourly)."""

from django_tasks import task

from anxin.portal import services


@task()
def portal_purge_task() -> dict:
    return services.portal_purge()
