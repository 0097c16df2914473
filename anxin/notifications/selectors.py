from typing import TYPE_CHECKING

from django.db import connection
from django.utils.translation import gettext_lazy as _

from anxin.notifications.models import Channel, Notification, Preference

if TYPE_CHECKING:  # notifications sit below accounts: the user model is only a type here
    from anxin.accounts.models import User


def inbox_for(*, user: "User", limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, channel=Channel.IN_APP)[:limit])


UNREAD_SHOWN = 99  # the header says "99+" past this: counting further is work nobody reads
# every staff page shows the count: one plain statement counting at most UNREAD_SHOWN + 1 rows (reading them as
# instances, even of the id alone, was 100 objects a page for a busy agent — a tenth of the queue's CPU on PostgreSQL)
_UNREAD = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {Notification._meta.db_table} WHERE recipient_id = %s "
           f"AND channel = %s AND read_at IS NULL LIMIT {UNREAD_SHOWN + 1}) AS unread")


def unread_count(*, user: "User") -> int:
    """The user's unread in-app notifications, at most UNREAD_SHOWN + 1."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD, [user.pk, Channel.IN_APP.value])
        return cursor.fetchone()[0]


def preference_for(*, user: "User") -> Preference | None:
    return Preference.objects.filter(user=user).first()


# --- the health page (SECURITY-CASES 42): is the worker alive, is anything stuck or failing -------------------

SWEEPS = {  # the periodic tasks whose last success says the worker is alive, with minutes that count as late
    "anxin.sla.tasks.deliver_notifications_task": (_("Sending messages"), 5),
    "anxin.sla.tasks.sweep_sla_deadlines_task": (_("Promise deadlines"), 5),
}


def health_summary(*, now=None) -> dict:
    """Task and outbox counts for the administrator: waiting, running, failed, the oldest waiting job and when each
    sweep last finished; `ok` is false when something needs a look (a late sweep, a failed job, an old waiting one)."""
    from datetime import timedelta

    from django.db.models import Count, Max, Min
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    day_ago = now - timedelta(hours=24)
    tasks = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    oldest_ready = DBTaskResult.objects.filter(status="READY").aggregate(at=Min("enqueued_at"))["at"]
    failed_recent = list(DBTaskResult.objects.filter(status="FAILED", finished_at__gte=day_ago)
                         .values("task_path", "exception_class_path").annotate(n=Count("id"), last=Max("finished_at"))
                         .order_by("-last")[:20])
    last_done = dict(DBTaskResult.objects.filter(status="SUCCESSFUL", task_path__in=list(SWEEPS))
                     .values_list("task_path").annotate(at=Max("finished_at")).values_list("task_path", "at"))
    sweeps = [{"task": str(label), "last": last_done.get(path),
               "late": last_done.get(path) is None or now - last_done[path] > timedelta(minutes=limit)}
              for path, (label, limit) in SWEEPS.items()]
    outbox = dict(Notification.objects.exclude(state=Notification.State.SENT).exclude(channel=Channel.IN_APP)
                  .values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    overdue = Notification.objects.filter(state=Notification.State.PENDING,
                                          next_attempt_at__lt=now - timedelta(minutes=10)).count()
    failed_messages = Notification.objects.filter(state=Notification.State.FAILED, updated_at__gte=day_ago).count()
    oldest_minutes = int((now - oldest_ready).total_seconds() // 60) if oldest_ready else None
    ok = (not failed_recent and not failed_messages and not overdue and not any(s["late"] for s in sweeps)
          and (oldest_minutes is None or oldest_minutes < 10))
    return {"ok": ok, "now": now, "tasks": {s: tasks.get(s, 0) for s in ("READY", "RUNNING", "FAILED", "SUCCESSFUL")},
            "oldest_ready_minutes": oldest_minutes, "failed_recent": failed_recent, "sweeps": sweeps,
            "outbox": {s: outbox.get(s, 0) for s in ("pending", "sending", "failed")}, "overdue": overdue,
            "failed_messages_24h": failed_messages}
