"""Background work for retention (run by `anxin worker`): the monthly proposal and the purge of approved batches
(hourly, so a purge stopped by a restart is resumed)."""

from django.utils import timezone
from django_tasks import task

from anxin.retention import services


@task()
def purge_batches_task() -> int:
    return services.batches_purge()


@task()
def propose_candidates_task() -> str:
    """Once a month (on the 1st; the hourly tick calls it, the first run of the day proposes)."""
    from anxin.retention.models import PurgeBatch

    now = timezone.localtime()
    if now.day != 1 or PurgeBatch.objects.filter(kind=PurgeBatch.Kind.RETENTION,
                                                 created_at__date=now.date()).exists():
        return "not due"
    batch = services.candidates_propose()
    return str(batch.public_id) if batch else "nothing to purge"
