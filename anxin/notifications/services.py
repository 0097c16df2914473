"""The one way to tell someone something (I1/I2): `notify` writes outbox rows; `deliver_due` sends them.

Exactly-once: `notify` runs inside the transaction of the fact it reports, and the unique
(recipient, channel, dedupe_key) makes a repeated decision (a sweep re-run after a crash) a no-op.
Delivery claims a row with a conditional UPDATE, so two workers never send the same row; a worker
killed after the provider accepted and before the row was marked leaves it in `sending`, and it is
re-sent after CLAIM_TIMEOUT with the same `out_id` / `X-Anxin-Delivery` / Message header, so the
provider side can drop the repeat.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from anxin.core import bulk
from anxin.core.sqlplans import AmongText
from anxin.notifications import transports
from anxin.notifications.models import Channel, Notification, Preference, WebhookEndpoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_ATTEMPTS = 6
BACKOFF_MINUTES = (1, 2, 5, 15, 60)
CLAIM_TIMEOUT = timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS)

if TYPE_CHECKING:  # notifications sit below accounts: the user model is only a type here
    from anxin.accounts.models import User


def _quiet_until(pref: Preference | None, now: datetime) -> datetime | None:
    """The end of the recipient's quiet hours if `now` falls inside them."""
    if pref is None or pref.quiet_from is None or pref.quiet_to is None:
        return None
    local = now.astimezone(SHANGHAI)
    start, end = pref.quiet_from, pref.quiet_to
    inside = (start <= local.time() < end) if start < end else (local.time() >= start or local.time() < end)
    if not inside:
        return None
    end_at = datetime.combine(local.date(), end, SHANGHAI)
    return end_at if end_at > local else end_at + timedelta(days=1)


def notify(
    *, recipients: list["User"], kind: str, subject: str, body: str = "", dedupe_key: str, url: str = "",
    urgent: bool = False, now: datetime | None = None,
) -> int:
    """Write one in-app row plus one per preferred channel for each recipient (once per dedupe_key).

    Urgent notifications (emergencies) ignore quiet hours; others wait until the quiet hours end.
    Call it inside the transaction that records the fact being notified.
    """
    return notify_many(items=[{"recipients": recipients, "kind": kind, "subject": subject, "body": body,
                               "dedupe_key": dedupe_key, "url": url, "urgent": urgent}], now=now)


def notify_many(*, items: list[dict], now: datetime | None = None) -> int:
    """Many `notify` decisions in one go: preferences read once, rows written with one SELECT + one INSERT.

    Returns how many rows were written (0: every decision had been made before)."""
    now = now or timezone.now()
    users = {r.id: r for item in items for r in item["recipients"] if r is not None and r.is_active}
    prefs = {p.user_id: p for p in Preference.objects.filter(user__in=list(users))}
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    # plain rows for core.bulk, not model instances: the SLA sweep writes thousands at once (issue 14)
    rows = []
    for item in items:
        kind, urgent, key = item["kind"], item.get("urgent", False), item["dedupe_key"]
        common = {"kind": kind, "subject": item["subject"][:200], "body": item.get("body", "")[:2000],
                  "url": item.get("url", "")[:200], "is_urgent": urgent, "to_address": "", "attempts": 0,
                  "claimed_at": None, "read_at": None, "last_error": ""}
        for user in {r.id: users[r.id] for r in item["recipients"] if r is not None and r.id in users}.values():
            pref = prefs.get(user.id)
            reachable = {Channel.EMAIL: bool(user.email), Channel.SMS: bool(user.phone),
                         Channel.WECHAT: bool(pref and pref.wechat_openid)}
            # a channel without an address would only fail six times: it is not queued at all
            channels = [Channel.IN_APP] + [c.strip() for c in (pref.channels if pref else "email").split(",")
                                           if reachable.get(c.strip(), False)]
            wait_until = None if urgent else _quiet_until(pref, now)
            for channel in channels:
                in_app = channel == Channel.IN_APP
                rows.append({"recipient_id": user.id, "channel": str(channel),
                             "dedupe_key": f"{key[:130]}@u{user.id}",
                             "state": str(Notification.State.SENT if in_app else Notification.State.PENDING),
                             "sent_at": now if in_app else None,
                             "next_attempt_at": None if in_app else (wait_until or now), "request": {}, **common})
        first = next((r for r in item["recipients"] if r is not None), None)
        for endpoint in endpoints:
            if endpoint.kinds and kind not in [k.strip() for k in endpoint.kinds.split(",")]:
                continue
            rows.append({"recipient_id": first.id if first else None, "channel": str(Channel.WEBHOOK),
                         "dedupe_key": f"{key}#wh{endpoint.pk}"[:150], "state": str(Notification.State.PENDING),
                         "sent_at": None, "next_attempt_at": now, "request": {"endpoint": endpoint.pk}, **common})
    if not rows:
        return 0
    # one SELECT and one INSERT, whatever the number of rows; the unique constraint settles races
    keys = AmongText("dedupe_key", [r["dedupe_key"] for r in rows])
    # the channels too: the unique index (channel, dedupe_key) serves the read
    seen = set(Notification.objects.filter(keys, channel__in=sorted({r["channel"] for r in rows}))
               .values_list("channel", "dedupe_key"))
    fresh = [r for r in rows if (r["channel"], r["dedupe_key"]) not in seen]
    bulk.insert_rows(Notification, fresh, ignore_conflicts=True)
    return len(fresh)


def _insert_once(rows: list[Notification]) -> list[Notification]:
    """Insert the rows whose (channel, dedupe_key) is new; a repeat decision inserts nothing (exactly-once).

    One SELECT and one INSERT, whatever the number of rows; the unique constraint settles races.
    """
    if not rows:
        return []
    seen = set(Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in rows])
               .values_list("channel", "dedupe_key"))
    fresh = [r for r in rows if (r.channel, r.dedupe_key) not in seen]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return fresh


def customer_quiet_until(now: datetime) -> datetime | None:
    """The end of the customers' quiet hours (CUSTOMER_QUIET_HOURS, e.g. 21:00–08:00 Beijing time) if now is inside."""
    start, end = settings.CUSTOMER_QUIET_HOURS
    return _quiet_until(Preference(quiet_from=start, quiet_to=end), now)


def notify_phone(*, phone: str, kind: str, text: str, dedupe_key: str, now: datetime | None = None,
                 quiet: bool = False) -> Notification | None:
    """I1 milestones to a customer: one SMS to their number (once per dedupe_key). Only public facts go here.

    With `quiet`, a message decided at night waits for the end of the customers' quiet hours."""
    if not phone:
        return None
    now = now or timezone.now()
    send_at = (customer_quiet_until(now) or now) if quiet else now
    row = Notification(to_address=phone, channel=Channel.SMS, kind=kind, subject=text[:200], body="",
                       dedupe_key=f"{dedupe_key[:110]}@p{phone}", next_attempt_at=send_at)
    if not _insert_once([row]):
        return None
    # bulk_create(ignore_conflicts=True) sets no primary key: read the row back for callers that need it
    return Notification.objects.get(channel=Channel.SMS, dedupe_key=row.dedupe_key)


def notify_email(*, address: str, kind: str, subject: str, body: str, dedupe_key: str, headers: dict | None = None,
                 now: datetime | None = None, quiet: bool = False) -> Notification | None:
    """A mail to a customer's address (acknowledgements, milestones of an order that came by email), once per
    dedupe_key. `headers` may carry Message-ID / In-Reply-To / References so the customer's client threads it."""
    if not address:
        return None
    now = now or timezone.now()
    send_at = (customer_quiet_until(now) or now) if quiet else now
    row = Notification(to_address=address[:100], channel=Channel.EMAIL, kind=kind, subject=subject[:200],
                       body=body[:2000], dedupe_key=f"{dedupe_key[:100]}@m{address}"[:150], next_attempt_at=send_at,
                       request={"headers": headers or {}})
    if not _insert_once([row]):
        return None
    return Notification.objects.get(channel=Channel.EMAIL, dedupe_key=row.dedupe_key)


def notify_wechat(*, openid: str, kind: str, text: str, dedupe_key: str, url: str = "",
                  now: datetime | None = None, quiet: bool = False) -> Notification | None:
    """A WeChat template message to a customer's OpenID (I1, their chosen channel), once per dedupe_key."""
    if not openid:
        return None
    now = now or timezone.now()
    send_at = (customer_quiet_until(now) or now) if quiet else now
    row = Notification(to_address=openid[:100], channel=Channel.WECHAT, kind=kind, subject=text[:200], body="",
                       url=url[:200], dedupe_key=f"{dedupe_key[:100]}@w{openid}"[:150], next_attempt_at=send_at)
    if not _insert_once([row]):
        return None
    return Notification.objects.get(channel=Channel.WECHAT, dedupe_key=row.dedupe_key)


def sent_recently(*, address: str, kind: str, since: datetime) -> int:
    """How many messages of `kind` went to one address since `since` (a loop breaker for automatic answers)."""
    return Notification.objects.filter(to_address=address[:100], kind=kind, created_at__gte=since).count()


def _claim(now: datetime, limit: int, only: list[int] | None = None) -> list[int]:
    """Ids of due rows this worker now owns (pending, or `sending` abandoned by a killed worker)."""
    due = Q(state=Notification.State.PENDING, next_attempt_at__lte=now) | Q(
        state=Notification.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    if only is not None:
        due &= Q(pk__in=only)
    ids = list(Notification.objects.filter(due).order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
    mine = []
    for pk in ids:
        claimed = Notification.objects.filter(due, pk=pk).update(state=Notification.State.SENDING, claimed_at=now)
        if claimed:
            mine.append(pk)
    return mine


def deliver_due(*, now: datetime | None = None, limit: int = 200, ids: list[int] | None = None) -> dict[str, int]:
    """Send what is due (or only the rows `ids`, e.g. a sign-in code someone waits for); failures retry with
    back-off and end as `failed`, visible in the admin."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for pk in _claim(now, limit, ids):
        n = Notification.objects.select_related("recipient").get(pk=pk)
        try:
            if n.channel == Channel.WEBHOOK:
                endpoint = WebhookEndpoint.objects.get(pk=n.request.get("endpoint"))
                sent = transports.send_webhook(endpoint, {"id": f"anxin-{n.pk}", "kind": n.kind, "subject": n.subject,
                                                          "body": n.body, "url": n.url})
            else:
                sent = transports.SENDERS[n.channel](n)
        except (transports.TransportError, WebhookEndpoint.DoesNotExist) as exc:
            n.attempts += 1
            n.last_error = str(exc)[:300]
            if n.attempts >= MAX_ATTEMPTS:
                n.state = Notification.State.FAILED
                counts["failed"] += 1
            else:
                n.state = Notification.State.PENDING
                n.next_attempt_at = now + timedelta(minutes=BACKOFF_MINUTES[min(n.attempts - 1, len(BACKOFF_MINUTES) - 1)])
                counts["retry"] += 1
            n.save(update_fields=["attempts", "last_error", "state", "next_attempt_at", "updated_at"])
            continue
        n.state, n.sent_at, n.attempts = Notification.State.SENT, timezone.now(), n.attempts + 1
        n.request = {**n.request, "sent": sent}
        n.save(update_fields=["state", "sent_at", "attempts", "request", "updated_at"])
        counts["sent"] += 1
    return counts


def inbox_mark_read(*, user: "User", ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def inbox_settle(*, keep_unread: int) -> int:
    """Mark each user's in-app messages read except the newest `keep_unread` (the demo's history of past months)."""
    now, settled = timezone.now(), 0
    unread = Notification.objects.filter(channel=Channel.IN_APP, read_at__isnull=True)
    for recipient_id in unread.values_list("recipient_id", flat=True).distinct():
        keep = list(unread.filter(recipient_id=recipient_id).order_by("-created_at", "-id")
                    .values_list("id", flat=True)[:keep_unread])
        settled += unread.filter(recipient_id=recipient_id).exclude(id__in=keep).update(read_at=now)
    return settled


def preference_set(*, user: "User", channels: list[str], quiet_from=None, quiet_to=None, wechat_openid: str = ""
                   ) -> Preference:
    allowed = {Channel.EMAIL, Channel.SMS, Channel.WECHAT}
    pref, _created = Preference.objects.get_or_create(user=user)
    pref.channels = ",".join(c for c in channels if c in allowed)
    pref.quiet_from, pref.quiet_to, pref.wechat_openid = quiet_from, quiet_to, wechat_openid[:64]
    pref.save()
    return pref
