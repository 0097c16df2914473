"""Background work for promises; thin wrappers around services (run by `anxin worker`)."""

from django_tasks import task

from anxin.notifications import services as notification_services
from anxin.sla import commitment_services, maintenance_services, services


@task()
def sweep_sla_deadlines_task() -> dict:
    return {**services.sweep(), **commitment_services.commitments_sweep()}


@task()
def deliver_notifications_task() -> dict:
    return notification_services.deliver_due()


@task()
def maintenance_reminders_task() -> int:
    return maintenance_services.maintenance_reminders_sweep()
