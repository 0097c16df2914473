"""Background work for email intake (run by `anxin worker` every MAIL_FETCH_SECONDS when a mailbox is set)."""

from django_tasks import task

from anxin.mailintake import services


@task()
def mail_fetch_task() -> dict:
    return services.mail_fetch()
