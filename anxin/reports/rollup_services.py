"""The reports' rollups (`OrderRollup`, `ContactRollup`): merging their rows, recounting, checking, rebuilding.

Database triggers (migration reports/0005) add a row for each order or contact written and two for each change of a
counted value, so the sums are right at every commit, whoever wrote. `rollups_merge` (the worker, hourly, and after
a history import) folds each key's rows into one: the sums do not change, the dashboard reads fewer rows.
`rollup_differences` recounts from the orders and contacts themselves — the tests' and `anxin rollups --check`'s
proof that the two agree.
"""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Q

from anxin.intake.models import ContactLog
from anxin.reports.models import ContactRollup, OrderRollup
from anxin.reports.selectors import BeijingDay
from anxin.workorders.models import WorkOrder

# model → (source model, key fields, measures as a condition on the source row)
ROLLUPS = {
    OrderRollup: (WorkOrder, ("site_id", "day", "type", "channel"), {
        "orders": Q(),
        "urged": Q(urge_count__gt=0),
        "resolved": Q(resolved_at__isnull=False),
        "first_time": Q(resolved_at__isnull=False, urge_count=0, reopen_count=0),
    }),
    ContactRollup: (ContactLog, ("site_id", "day"), {
        "contacts": Q(),
        "urges": Q(is_urge=True),
        "no_order": Q(work_order__isnull=True),
        "on_the_spot": Q(work_order__isnull=True, done_at__isnull=False),
    }),
}
_MERGE_LOCK = 0x726F6C6C  # PostgreSQL advisory lock: one merge at a time (two workers may both run it)


def rollups_merge() -> dict[str, int]:
    """Fold the rows of every key written since the last merge into one row per key. Returns the keys merged."""
    merged = {}
    for model, (_source, keys, measures) in ROLLUPS.items():
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


def rollup_recount(model) -> dict[tuple, tuple]:
    """What the rollup should hold, counted from the orders (or contacts) themselves: key → measures."""
    source, keys, measures = ROLLUPS[model]
    rows = (source.objects.annotate(day=BeijingDay("received_at")).values(*keys)
            .annotate(**{m: Count("id", filter=q) if q else Count("id") for m, q in measures.items()}).order_by())
    return {tuple(r[k] for k in keys): tuple(r[m] for m in measures) for r in rows}


def rollup_sums(model) -> dict[tuple, tuple]:
    """What the rollup holds, added up per key (keys whose sums are all zero left out)."""
    _source, keys, measures = ROLLUPS[model]
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
                cursor.execute("LOCK TABLE workorders_workorder, intake_contactlog IN SHARE MODE")
        for model, (_source, keys, measures) in ROLLUPS.items():
            model.objects.all().delete()
            rows = [model(**dict(zip(keys, key, strict=True)), **dict(zip(measures, values, strict=True)),
                          merged=True)
                    for key, values in rollup_recount(model).items()]
            model.objects.bulk_create(rows, batch_size=5_000)
            written[model._meta.db_table] = len(rows)
    return written
