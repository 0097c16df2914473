"""SLA clocks (E3) and the sweep that warns, breaches and escalates (E4).

Clocks are derived, not edited: `clocks_sync(order)` replays the order's timeline (created, status changes,
replies) against the matching policies and the site's calendar. So a pause that ends straight in
"resolved", a reopened order or a policy chosen at creation all follow from the same replay.
The sweep then acts on clocks whose warning or due time has passed; each act claims the clock with a
conditional UPDATE and writes the timeline event and the notifications in the same transaction, so a
worker killed mid-sweep leaves every act either done once or not done.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core import bulk
from anxin.core.sqlplans import AmongIds
from anxin.notifications import services as notifications
from anxin.sla import selectors
from anxin.sla.calendar import BusinessCalendar, CalendarError
from anxin.sla.models import Clock, Metric, SlaPolicy, SweepCursor
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Family, Status

PAUSE_STATUSES = {Status.WAITING_CUSTOMER, Status.WAITING_PARTS}
METRICS_BY_FAMILY = {
    Family.FIELD: [Metric.FIRST_RESPONSE, Metric.ARRIVAL, Metric.RESOLUTION],
    Family.COMPLAINT: [Metric.FIRST_RESPONSE, Metric.COMPLAINT_FEEDBACK, Metric.RESOLUTION, Metric.PROGRESS_UPDATE,
                       Metric.HANDLING_FORM],
    Family.CONSULTATION: [Metric.FIRST_RESPONSE, Metric.RESOLUTION],
    Family.FEEDBACK: [Metric.FIRST_RESPONSE],
}
E = WorkOrderEvent.Type
RELEVANT_EVENTS = (E.CREATED, E.TRANSITIONED, E.REPLY_ADDED, E.UPDATED, E.HANDLING_FORM_RETURNED)
CYCLIC = (Metric.PROGRESS_UPDATE, Metric.HANDLING_FORM)  # clocks that start again, not at the order's receipt


@dataclass
class Replay:
    met_at: datetime | None
    stopped_at: datetime | None
    pauses: list[tuple[datetime, datetime | None]]
    started_at: datetime | None = None  # a cyclic clock's current cycle (None: not started)


def _replay_cycle(order: WorkOrder, events: list[WorkOrderEvent], metric: str) -> Replay:
    """D3's repeating promises. Progress update: from the last public reply (or receipt) until resolution.
    Handling form: from the last resolution until the form is back; reopening stops it."""
    closed = (Status.RESOLVED, Status.CLOSED)
    if metric == Metric.PROGRESS_UPDATE:
        started, met = order.received_at, None
        for e in events:
            if e.type == E.REPLY_ADDED:
                started, met = e.created_at, None
            elif e.type == E.TRANSITIONED and e.to_status in closed:
                met = met or e.created_at
            elif e.type == E.TRANSITIONED and met and e.to_status not in closed:
                started, met = e.created_at, None  # reopened: updates are owed again
        stopped = next((e.created_at for e in events if e.type == E.TRANSITIONED and e.to_status == Status.CANCELLED),
                       None)
        return Replay(met_at=met, stopped_at=None if met else stopped, pauses=[], started_at=started)
    started = met = stopped = None
    for e in events:
        if e.type == E.TRANSITIONED and e.to_status == Status.RESOLVED:
            started, met, stopped = e.created_at, None, None
        elif e.type == E.TRANSITIONED and started and e.to_status not in closed:
            stopped = stopped or e.created_at
        elif e.type == E.HANDLING_FORM_RETURNED and started and not stopped:
            met = met or e.created_at
    return Replay(met_at=met, stopped_at=stopped, pauses=[], started_at=started)


def _replay(order: WorkOrder, events: list[WorkOrderEvent], metric: str) -> Replay:
    if metric in CYCLIC:
        return _replay_cycle(order, events, metric)
    met_at = stopped_at = None
    pauses: list[tuple[datetime, datetime | None]] = []
    paused_since = None
    for e in events:
        if met_at or stopped_at:
            break
        if e.type == E.REPLY_ADDED and metric in (Metric.FIRST_RESPONSE, Metric.COMPLAINT_FEEDBACK):
            met_at = e.created_at
        if e.type != E.TRANSITIONED:
            continue
        to = e.to_status
        if metric == Metric.FIRST_RESPONSE and e.from_status == Status.NEW:
            met_at = e.created_at
        elif metric == Metric.ARRIVAL and to == Status.IN_PROGRESS:
            met_at = e.created_at
        elif metric == Metric.COMPLAINT_FEEDBACK and to in (Status.PROPOSED, Status.RESOLVED):
            met_at = e.created_at
        elif metric == Metric.RESOLUTION and to in (Status.RESOLVED, Status.CLOSED):
            met_at = e.created_at
        if to == Status.CANCELLED and not met_at:
            stopped_at = e.created_at
        # E3: waiting for the customer or for parts (an approved delay) pauses the clock
        if to in PAUSE_STATUSES and paused_since is None:
            paused_since = e.created_at
        elif to not in PAUSE_STATUSES and paused_since is not None:
            pauses.append((paused_since, e.created_at))
            paused_since = None
    if paused_since is not None:
        pauses.append((paused_since, None))
    return Replay(met_at=met_at, stopped_at=stopped_at, pauses=pauses)


def due_with_pauses(cal: BusinessCalendar, start: datetime, minutes: float,
                    pauses: list[tuple[datetime, datetime | None]]) -> tuple[datetime | None, float | None]:
    """(due, None) or, while paused now, (None, remaining business minutes)."""
    cursor, remaining = start, float(minutes)
    for p_start, p_end in pauses:
        candidate = cal.add(cursor, remaining)
        if candidate <= p_start:
            return candidate, None
        remaining -= cal.elapsed(cursor, p_start)
        if p_end is None:
            return None, remaining
        cursor = max(cursor, p_end)
    return cal.add(cursor, remaining), None


def clocks_sync(*, order: WorkOrder, cache: selectors.CalendarCache | None = None,
                policies: list[SlaPolicy] | None = None, events: list[WorkOrderEvent] | None = None,
                clocks: list[Clock] | None = None, pending: list[Clock] | None = None) -> list[Clock]:
    """Recompute the order's clocks from its timeline; keeps warning/breach/escalation facts already acted on.

    The sweep passes the order's relevant `events` and its `clocks` read for a whole batch, and a `pending` list
    that collects the clocks to write (`clocks_write`) instead of saving each one."""
    cache = cache or selectors.CalendarCache()
    if events is None:
        events = list(order.events.filter(type__in=RELEVANT_EVENTS).order_by("created_at", "id"))
    existing = {c.metric: c for c in (clocks if clocks is not None else order.clocks.all())}
    # the order's priority or type was changed by hand: its promises follow the policy that now matches
    reclassified = any(e.type == E.UPDATED and {"priority", "type"} & set(e.data) for e in events)
    result = []
    for metric in METRICS_BY_FAMILY[order.family]:
        clock = existing.get(metric)
        policy = clock.policy if clock else selectors.policy_for(order, metric, policies)
        if clock is not None and reclassified:
            matching = selectors.policy_for(order, metric, policies)
            if matching is not None and matching.pk != clock.policy_id:
                clock.policy, clock.target_minutes, policy = matching, matching.target_minutes, matching
        if policy is None:
            continue
        replay = _replay(order, events, metric)
        if metric in CYCLIC:
            if replay.started_at is None:
                continue  # e.g. the handling form before the complaint is resolved
            if clock is not None and clock.started_at != replay.started_at:
                # a new cycle: its own warning, breach and escalation
                clock.started_at, clock.warned_at, clock.breached_at = replay.started_at, None, None
                clock.escalation_level, clock.next_escalation_at = 0, None
        if clock is None:
            # the target is copied when the clock starts: later policy edits apply to new orders only
            clock = Clock(work_order=order, policy=policy, metric=metric, target_minutes=policy.target_minutes,
                          started_at=replay.started_at or order.received_at)
        cal = cache.get(order.site_id, policy.clock)
        try:
            due, remaining = due_with_pauses(cal, clock.started_at, clock.target_minutes, replay.pauses)
            warn = None
            if due is not None:
                warn_pauses = [p for p in replay.pauses if p[1] is not None]
                warn, _r = due_with_pauses(cal, clock.started_at,
                                           clock.target_minutes * policy.warn_at_percent / 100, warn_pauses)
            clock.error = ""
        except CalendarError as exc:
            # never a silent wrong date: the clock shows the error and the sweep leaves it alone
            due = warn = remaining = None
            clock.error = str(exc)[:200]
        clock.due_at, clock.warn_at, clock.remaining_minutes = due, warn, remaining
        clock.met_at = replay.met_at
        if replay.met_at:
            clock.state = Clock.State.MET
        elif replay.stopped_at:
            clock.state = Clock.State.STOPPED
        elif remaining is not None:
            clock.state = Clock.State.PAUSED
        elif clock.breached_at:
            clock.state = Clock.State.BREACHED
        else:
            clock.state = Clock.State.RUNNING
        if pending is None:
            clock.save()
        else:
            pending.append(clock)
        result.append(clock)
    return result


CLOCK_FIELDS = ["policy_id", "target_minutes", "started_at", "due_at", "warn_at", "remaining_minutes", "met_at",
                "state", "warned_at", "breached_at", "escalation_level", "next_escalation_at", "error"]


def clocks_write(clocks: list[Clock]) -> None:
    """Write the clocks `clocks_sync` collected: the new ones in one insert, the others in one update.

    A clock the order page started at the same moment (`clocks_ensure`) makes the insert fail: the sweep's
    transaction rolls back and its next run syncs that order again, from the same timeline."""
    rows = [{"id": c.pk, "work_order_id": c.work_order_id, "metric": c.metric,
             **{name: getattr(c, name) for name in CLOCK_FIELDS}} for c in clocks]
    bulk.insert_rows(Clock, [{k: v for k, v in r.items() if k != "id"} for r in rows if r["id"] is None])
    bulk.update_rows(Clock, [r for r in rows if r["id"] is not None], CLOCK_FIELDS)


def clocks_ensure(*, order: WorkOrder) -> tuple[list[Clock], bool]:
    """The order's clocks, computed now if the worker has not reached a new order yet; and whether any applies.

    Clocks are derived from the timeline, so computing them here gives what the next sweep would.
    """
    clocks = list(order.clocks.all())
    applies = bool(clocks) or any(selectors.policy_for(order, m) for m in METRICS_BY_FAMILY[order.family])
    if not clocks and applies:
        try:
            with transaction.atomic():
                clocks_sync(order=order)
        except IntegrityError:
            pass  # the sweep wrote them at the same moment: read what it wrote
        clocks = list(order.clocks.all())
    return clocks, applies


def sync_new_events(*, limit: int = 5000, lag: timedelta = timedelta(seconds=5)) -> int:
    """Turn timeline events the sweep has not seen into clock updates. Returns orders synced.

    Events younger than `lag` wait for the next sweep, so a transaction still open on PostgreSQL
    (ids are handed out before commit) cannot be skipped past.
    """
    with transaction.atomic():
        cursor, _c = SweepCursor.objects.select_for_update().get_or_create(name="sla")
        rows = list(WorkOrderEvent.objects.filter(id__gt=cursor.last_event_id, type__in=RELEVANT_EVENTS,
                                                  created_at__lte=timezone.now() - lag)
                    .order_by("id").values_list("id", "work_order_id")[:limit])
        if not rows:
            return 0
        order_ids = sorted({o for _i, o in rows})
        cache, policies = selectors.CalendarCache(), list(SlaPolicy.objects.filter(is_active=True))
        # the batch's timelines and clocks in two reads, its clocks written in two statements: one order at a time
        # was five statements an order (3 ms), and an hour of intake at 600 orders/s is two million of them
        events: dict[int, list[WorkOrderEvent]] = {}
        for event in WorkOrderEvent.objects.filter(AmongIds("work_order_id", order_ids), type__in=RELEVANT_EVENTS
                                                   ).order_by("created_at", "id"):
            events.setdefault(event.work_order_id, []).append(event)
        clocks: dict[int, list[Clock]] = {}
        for clock in Clock.objects.filter(AmongIds("work_order_id", order_ids)).select_related("policy"):
            clocks.setdefault(clock.work_order_id, []).append(clock)
        pending: list[Clock] = []
        for order in WorkOrder.objects.filter(AmongIds("id", order_ids)).select_related("customer"):
            clocks_sync(order=order, cache=cache, policies=policies, events=events.get(order.id, []),
                        clocks=clocks.get(order.id, []), pending=pending)
        clocks_write(pending)
        cursor.last_event_id = rows[-1][0]
        cursor.save(update_fields=["last_event_id", "updated_at"])
    return len(order_ids)


def _order_url(order: WorkOrder) -> str:
    return f"/orders/{order.public_id}/"


BATCH = 500  # clocks per transaction: a crash rolls back (and a re-run redoes) at most this many
# what an act reads of a clock, its order, the people to tell and the policy: whole rows were 90,000 model instances
# and 200,000 parsed timestamps for 17,000 acts at 1 M orders (a third of the sweep)
_PERSON = ("id", "is_active", "email", "phone")
ACT_COLUMNS = ("id", "metric", "due_at", "started_at", "escalation_level", "work_order_id", "policy_id",
               "policy__id", "policy__ladder", "policy__escalate_every_minutes",
               *(f"work_order__{c}" for c in ("id", "number", "title", "public_id", "site_id", "is_emergency",
                                              "owner_id", "taken_by_id")),
               *(f"work_order__{who}__{c}" for who in ("owner", "taken_by") for c in _PERSON))


def _act_batch(ids: list[int], *, claim: dict, update_for, event_type: int, kind: str, reason_for, step_for,
               now: datetime) -> int:
    """Claim a batch of clocks, then write their updates, timeline events and notifications together.

    Runs in one transaction: the locked re-read (PostgreSQL row locks; SQLite's write lock is taken at
    BEGIN) plus `claim` make a clock acted on at most once, and a crash undoes the whole batch.
    """
    clocks = list(Clock.objects.select_for_update(of=("self",)).filter(AmongIds("id", ids), **claim)
                  .select_related("work_order", "work_order__owner", "work_order__taken_by", "policy")
                  .only(*ACT_COLUMNS))
    groups: dict[tuple, list[int]] = {}
    events, notices, recipients_cache = [], [], {}
    for clock in clocks:
        update = update_for(clock)
        if update is None:
            continue
        groups.setdefault(tuple(sorted(update.items())), []).append(clock.pk)
        order, step, reason = clock.work_order, step_for(clock), reason_for(clock)
        level = update.get("escalation_level", clock.escalation_level)
        events.append((order, event_type, reason, {"metric": clock.metric, "level": level,
                                                   "due_at": clock.due_at.isoformat() if clock.due_at else ""}))
        if step == "owner":
            recipients = [u for u in (order.owner or order.taken_by,) if u is not None]
        else:
            cache_key = (order.site_id, step)
            if cache_key not in recipients_cache:
                recipients_cache[cache_key] = selectors.ladder_recipients(order=order, step=step)
            recipients = recipients_cache[cache_key]
        notices.append({"recipients": recipients, "kind": kind, "subject": f"{order.number} {reason}",
                        "body": order.title, "url": _order_url(order), "urgent": order.is_emergency,
                        "dedupe_key": f"sla:{clock.pk}:{clock.started_at.timestamp():.0f}:{kind}:{level}"})
    for update, pks in groups.items():
        Clock.objects.filter(AmongIds("id", pks)).update(**dict(update))
    wo_services.workorder_record_sla_events(items=events)
    notifications.notify_many(items=notices, now=now)
    return len(events)


def _run(queryset, limit: int, **act) -> int:
    # in id order: Clock's default ordering is by order (a join to every work order: 0.3 s a pass at 1 M)
    ids = list(queryset.order_by("id").values_list("id", flat=True)[:limit])
    done = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            done += _act_batch(ids[start:start + BATCH], **act)
    return done


def sweep(*, now: datetime | None = None, limit: int = 10_000, lag: timedelta = timedelta(seconds=5)
          ) -> dict[str, int]:
    """One pass: sync clocks from new events, then warn, breach and escalate what is due (E4)."""
    counts = {"synced": sync_new_events(lag=lag), "warned": 0, "breached": 0, "escalated": 0}
    now = now or timezone.now()
    label = dict(Metric.choices)

    def ladder(clock) -> list[str]:
        return [step.strip() for step in clock.policy.ladder.split(",") if step.strip()] or ["owner"]

    def escalation(clock):
        steps = ladder(clock)
        if clock.escalation_level >= len(steps):  # the top of the ladder has been told: stop escalating
            Clock.objects.filter(pk=clock.pk).update(next_escalation_at=None)
            return None
        return {"escalation_level": clock.escalation_level + 1,
                "next_escalation_at": now + timedelta(minutes=clock.policy.escalate_every_minutes)}

    running = Clock.objects.filter(state=Clock.State.RUNNING)
    counts["warned"] = _run(
        running.filter(warned_at__isnull=True, warn_at__lte=now, due_at__gt=now), limit, now=now,
        claim={"warned_at__isnull": True, "state": Clock.State.RUNNING}, update_for=lambda c: {"warned_at": now},
        event_type=E.SLA_WARNED, kind="sla_warning", step_for=lambda c: "owner",
        reason_for=lambda c: _("%(metric)s promise at risk") % {"metric": label[c.metric]})
    counts["breached"] = _run(
        running.filter(due_at__lte=now), limit, now=now,
        claim={"state": Clock.State.RUNNING, "breached_at__isnull": True},
        update_for=lambda c: {"state": Clock.State.BREACHED, "breached_at": now, "escalation_level": 1,
                              "next_escalation_at": now + timedelta(minutes=c.policy.escalate_every_minutes)},
        event_type=E.SLA_BREACHED, kind="sla_breach", step_for=lambda c: ladder(c)[0],
        reason_for=lambda c: _("%(metric)s promise broken") % {"metric": label[c.metric]})
    counts["escalated"] = _run(
        Clock.objects.filter(state=Clock.State.BREACHED, next_escalation_at__lte=now), limit, now=now,
        claim={"state": Clock.State.BREACHED, "next_escalation_at__lte": now}, update_for=escalation,
        event_type=E.ESCALATED, kind="sla_escalation",
        step_for=lambda c: ladder(c)[min(c.escalation_level, len(ladder(c)) - 1)],
        reason_for=lambda c: _("Escalated to %(step)s") % {
            "step": selectors.ladder_step_label(ladder(c)[min(c.escalation_level, len(ladder(c)) - 1)])})
    return counts


def reference_save(*, obj, actor, request=None):
    """E1/E2: save a policy, working hours, calendar override or published year, validated and audited.

    A policy change affects orders created afterwards (running clocks keep their copied target).
    """
    from anxin.audit.services import audited_save

    return audited_save(obj=obj, actor=actor, request=request)
