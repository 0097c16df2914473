"""The reports' rollups (orders, contacts, revisits due, satisfaction scores, the same per person, arrivals,
promises): merging their rows, recounting, checking, rebuilding.

Database triggers (`rollup_triggers`, installed after every migrate) add a row for each record written and two for
each change of a counted value, so the sums are right at every commit, whoever wrote. `rollups_merge` (the worker,
hourly, and after a history import) folds each key's rows into one: the sums do not change, the dashboard reads
fewer rows. `rollup_differences` recounts from the records themselves — the tests' and `anxin rollups`'s proof that
the two agree.
"""

from collections import defaultdict
from datetime import date

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from anxin.field.models import Appointment, FieldJob, Visit
from anxin.intake.models import ContactLog
from anxin.reports.models import (
    AgentOrderRollup,
    AgentResponseRollup,
    AgentScoreRollup,
    ClockRollup,
    ContactRollup,
    OrderRollup,
    RevisitRollup,
    ScoreRollup,
    TechnicianArrivalRollup,
    TechnicianJobRollup,
    TechnicianScoreRollup,
)
from anxin.reports.selectors import BeijingDay, WholeSeconds, order_measures
from anxin.revisits.indices import DISSATISFIED
from anxin.revisits.models import Revisit, SelfRating
from anxin.sla.models import Clock
from anxin.workorders.models import WorkOrder
from anxin.workorders.states import OPEN_STATUSES

_DONE = Q(status=Revisit.Status.DONE, overall__isnull=False, done_at__isnull=False)


def _person_scores(column: str) -> list[tuple]:
    """Scores by the person of the order in `column` (0: nobody), as the triggers count them for H2."""
    keys = {"site_id": F("work_order__site_id"), "type": F("work_order__type"),
            "person_id": Coalesce(F(f"work_order__{column}"), 0)}
    return [
        (Revisit, {**keys, "day": Coalesce(BeijingDay("done_at"), Value(date(1970, 1, 1)))}, {
            "scores": Count("id", filter=_DONE),
            "score_sum": Coalesce(Sum(Case(When(_DONE, then=F("overall")), default=0, output_field=IntegerField())), 0),
            "complaints": Count("id", filter=_DONE & Q(overall__lte=DISSATISFIED)),
        }),
        (SelfRating, {**keys, "day": BeijingDay("created_at")}, {
            "scores": Count("id"),
            "score_sum": Coalesce(Sum("overall"), 0),
            "complaints": Count("id", filter=Q(overall__lt=0)),  # a rating is never a revisit complaint: always 0
        }),
    ]


# a field job with a working time (rollup_triggers.JOB_TIMED)
_JOB_TIMED = Q(completed_at__isnull=False, started_at__isnull=False, completed_at__gte=F("started_at"))
_FIRST_RESPONSE_MET = Q(metric="first_response", state="met", met_at__gte=F("started_at"))


def _clock_columns() -> dict:
    """`sla.selectors.attainment_counts`' columns, stopped clocks left out, as the triggers count them."""
    met, stopped = Q(state=Clock.State.MET), Q(state=Clock.State.STOPPED)
    on_time = met & Q(breached_at__isnull=True) & (Q(due_at__isnull=True) | Q(met_at__lte=F("due_at")))
    still_open = Q(state__in=[Clock.State.RUNNING, Clock.State.PAUSED], breached_at__isnull=True)
    return {"total": Count("id", filter=~stopped), "met_on_time": Count("id", filter=on_time),
            "met_late": Count("id", filter=met & ~on_time),
            "breached": Count("id", filter=~met & ~still_open & ~stopped), "open": Count("id", filter=still_open)}


# model → its sources: (source model, key → expression, measure → aggregate), the recount the triggers must equal
ROLLUPS = {
    OrderRollup: [(WorkOrder, {"site_id": F("site_id"), "day": BeijingDay("received_at"), "type": F("type"),
                               "channel": F("channel")},
                  {**order_measures(), "open": Count("id", filter=Q(status__in=OPEN_STATUSES))})],
    ContactRollup: [(ContactLog, {"site_id": F("site_id"), "day": BeijingDay("received_at")}, {
        "contacts": Count("id"),
        "urges": Count("id", filter=Q(is_urge=True)),
        "no_order": Count("id", filter=Q(work_order__isnull=True)),
        "on_the_spot": Count("id", filter=Q(work_order__isnull=True, done_at__isnull=False)),
    })],
    RevisitRollup: [(Revisit, {"site_id": F("work_order__site_id"), "day": BeijingDay("due_at"),
                               "type": F("work_order__type")}, {
        "due": Count("id"),
        "on_time": Count("id", filter=Q(status=Revisit.Status.DONE, done_at__lte=F("due_at"))),
    })],
    ScoreRollup: [
        (Revisit, {"site_id": F("work_order__site_id"), "day": Coalesce(BeijingDay("done_at"), Value(date(1970, 1, 1))),
                   "type": F("work_order__type")}, {
            "scores": Count("id", filter=_DONE),
            "score_sum": Coalesce(Sum(Case(When(_DONE, then=F("overall")), default=0, output_field=IntegerField())), 0),
        }),
        (SelfRating, {"site_id": F("work_order__site_id"), "day": BeijingDay("created_at"),
                      "type": F("work_order__type")}, {
            "scores": Count("id"),
            "score_sum": Coalesce(Sum("overall"), 0),
        }),
    ],
    AgentScoreRollup: _person_scores("taken_by_id"),
    TechnicianScoreRollup: _person_scores("owner_id"),
    AgentResponseRollup: [(Clock, {"site_id": F("work_order__site_id"), "day": BeijingDay("started_at"),
                                   "type": F("work_order__type"), "person_id": Coalesce(F("work_order__taken_by_id"), 0)},
                           {"responses": Count("id", filter=_FIRST_RESPONSE_MET),
                            "response_seconds": Coalesce(Sum(WholeSeconds("met_at", "started_at"),
                                                             filter=_FIRST_RESPONSE_MET), 0)})],
    AgentOrderRollup: [(WorkOrder, {"site_id": F("site_id"), "day": BeijingDay("received_at"), "type": F("type"),
                                    "person_id": Coalesce(F("taken_by_id"), 0)},
                         {"orders": Count("id", filter=Q(taken_by__isnull=False))})],
    TechnicianJobRollup: [(FieldJob, {
        "site_id": F("work_order__site_id"), "day": Coalesce(BeijingDay("completed_at"), Value(date(1970, 1, 1))),
        "type": F("work_order__type"), "person_id": Coalesce(F("work_order__owner_id"), 0),
        "job_type_id": Coalesce(F("job_type_id"), 0)}, {
        "completed": Count("id", filter=Q(completed_at__isnull=False)),
        "timed": Count("id", filter=_JOB_TIMED),
        "worked_seconds": Coalesce(Sum(WholeSeconds("completed_at", "started_at"), filter=_JOB_TIMED), 0)})],
    ClockRollup: [(Clock, {"site_id": F("work_order__site_id"), "day": BeijingDay("started_at"),
                           "type": F("work_order__type"), "metric": F("metric")}, _clock_columns())],
    TechnicianArrivalRollup: [(
        Visit.objects.annotate(window=Subquery(Appointment.objects.filter(
            work_order_id=OuterRef("work_order_id"), is_current=True).values("window_to")[:1])),
        {"site_id": F("work_order__site_id"), "day": Coalesce(BeijingDay("arrived_at"), Value(date(1970, 1, 1))),
         "type": F("work_order__type"), "person_id": F("technician_id")},
        {"arrivals": Count("id", filter=Q(arrived_at__isnull=False, window__isnull=False)),
         "on_time": Count("id", filter=Q(arrived_at__lte=F("window")))},
    )],
}


def _keys(model) -> tuple[str, ...]:
    return tuple(ROLLUPS[model][0][1])


def _measures(model) -> tuple[str, ...]:
    return tuple(ROLLUPS[model][0][2])


_MERGE_LOCK = 0x726F6C6C  # PostgreSQL advisory lock: one merge at a time (two workers may both run it)


def rollups_merge() -> dict[str, int]:
    """Fold the rows of every key written since the last merge into one row per key. Returns the keys merged."""
    merged = {}
    for model in ROLLUPS:
        keys, measures = _keys(model), _measures(model)
        table, cols, values = model._meta.db_table, ", ".join(keys), ", ".join(measures)
        sums = ", ".join(f"SUM({m})" for m in measures)
        touched = f"({cols}) IN (SELECT {cols} FROM {table} WHERE merged = FALSE)"
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_MERGE_LOCK])
                # one statement, one snapshot: exactly the rows removed are summed (a trigger's row committed
                # meanwhile is neither, and is merged next time)
                cursor.execute(
                    f"WITH gone AS (DELETE FROM {table} WHERE {touched} RETURNING {cols}, {values}) "
                    f"INSERT INTO {table} ({cols}, {values}, merged) SELECT {cols}, {sums}, TRUE FROM gone "
                    f"GROUP BY {cols}")
                merged[table] = cursor.rowcount
            else:
                # SQLite: the transaction took the write lock at BEGIN (IMMEDIATE), so nothing is written between
                # the statements; the merged rows get ids above `top`, which the delete leaves
                cursor.execute(f"SELECT MAX(id) FROM {table}")
                top = cursor.fetchone()[0] or 0
                cursor.execute(f"INSERT INTO {table} ({cols}, {values}, merged) SELECT {cols}, {sums}, TRUE "
                               f"FROM {table} WHERE {touched} GROUP BY {cols}")
                merged[table] = cursor.rowcount
                cursor.execute(f"DELETE FROM {table} WHERE id <= %s AND {touched}", [top])
    return merged


def rollups_compact() -> bool:
    """After a merge that removed many rows (a history import, a first load): PostgreSQL keeps the deleted rows'
    pages, and the dashboard's scans read them all (a rollup of 31k rows in 142 MB after loading 1 M orders: 20 ms a
    query instead of 2). VACUUM FULL rewrites the small tables; writers wait the few milliseconds it takes. SQLite
    reads its tables by b-tree and needs nothing. Returns whether it ran."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:  # VACUUM cannot run inside a transaction: call this outside one
        for model in ROLLUPS:
            cursor.execute(f"VACUUM (FULL, ANALYZE) {model._meta.db_table}")
    return True


def rollup_recount(model) -> dict[tuple, tuple]:
    """What the rollup should hold, counted from its sources themselves: key → measures (all-zero keys left out)."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(_measures(model)))
    for source, keys, measures in ROLLUPS[model]:
        base = source if isinstance(source, QuerySet) else source.objects  # a queryset: a source with annotations
        rows = base.annotate(**{f"k_{k}": e for k, e in keys.items()}).values(*(f"k_{k}" for k in keys))
        for row in rows.annotate(**measures).order_by():
            total = totals[tuple(row[f"k_{k}"] for k in keys)]
            for i, m in enumerate(measures):
                total[i] += row[m]
    return {key: tuple(v) for key, v in totals.items() if any(v)}


def rollup_sums(model) -> dict[tuple, tuple]:
    """What the rollup holds, added up per key (keys whose sums are all zero left out)."""
    keys, measures = _keys(model), _measures(model)
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(measures))
    for row in model.objects.values_list(*keys, *measures).iterator(chunk_size=10_000):
        total = sums[row[:len(keys)]]
        for i, n in enumerate(row[len(keys):]):
            total[i] += n
    return {key: tuple(v) for key, v in sums.items() if any(v)}


def rollup_differences() -> list[tuple]:
    """(table, key, held, counted) for every key where the rollup and a recount disagree; empty when they agree."""
    out = []
    for model in ROLLUPS:
        held, counted = rollup_sums(model), rollup_recount(model)
        for key in sorted(set(held) | set(counted), key=str):
            if held.get(key) != counted.get(key):
                out.append((model._meta.db_table, key, held.get(key), counted.get(key)))
    return out


def rollups_rebuild() -> dict[str, int]:
    """Count everything again (a repair: e.g. after rows were deleted by hand, which no trigger sees)."""
    written = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # writers wait; readers go on
                cursor.execute("LOCK TABLE workorders_workorder, intake_contactlog, revisits_revisit, "
                               "revisits_selfrating, field_visit, field_appointment, field_fieldjob, sla_clock IN SHARE MODE")
        for model in ROLLUPS:
            keys, measures = _keys(model), _measures(model)
            model.objects.all().delete()
            rows = [model(**dict(zip(keys, key, strict=True)), **dict(zip(measures, values, strict=True)),
                          merged=True)
                    for key, values in rollup_recount(model).items()]
            model.objects.bulk_create(rows, batch_size=5_000)
            written[model._meta.db_table] = len(rows)
    return written
