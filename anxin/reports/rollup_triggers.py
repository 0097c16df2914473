"""The database triggers that keep the reports' rollups (`OrderRollup`, `ContactRollup`), and their installation.

Why triggers rather than the services: every write counts — the services, bulk `.update()`s, the history import's
`bulk_create`, a repair by SQL — and the sums are right at each commit with no second write path to forget.

Why installed after `migrate` (post_migrate) rather than by a migration: SQLite drops a table's triggers when a
migration remakes the table (Django's SQLite schema editor does that for most field changes), and the rollups would
silently stop counting. So after every `migrate` the triggers are checked; missing or of an older VERSION, they are
installed and the rollups counted again, in one transaction. A change of what is counted bumps VERSION.
"""

import re

from django.db import DEFAULT_DB_ALIAS, connection, transaction

VERSION = 1

# (rollup table, source table, keys, measures): each key and measure is an SQL expression over the row `{r}` (NEW or
# OLD in a trigger); a measure is a condition counted as 1 or 0. Kept equal to rollup_services.ROLLUPS (the tests
# compare the triggers' sums with a recount made from those).
ROLLUPS = [
    ("reports_orderrollup", "workorders_workorder",
     {"site_id": "{r}.site_id", "day": "DAY({r}.received_at)", "type": "{r}.type", "channel": "{r}.channel"},
     {"orders": "1 = 1", "urged": "{r}.urge_count > 0", "resolved": "{r}.resolved_at IS NOT NULL",
      "first_time": "{r}.resolved_at IS NOT NULL AND {r}.urge_count = 0 AND {r}.reopen_count = 0"}),
    ("reports_contactrollup", "intake_contactlog",
     {"site_id": "{r}.site_id", "day": "DAY({r}.received_at)"},
     {"contacts": "1 = 1", "urges": "{r}.is_urge", "no_order": "{r}.work_order_id IS NULL",
      "on_the_spot": "{r}.work_order_id IS NULL AND {r}.done_at IS NOT NULL"}),
]
# The Beijing day of a stored time: China keeps UTC+8 all year (SQLite stores UTC text)
DAY = {"sqlite": "date({x}, '+8 hours')", "postgresql": "(({x}) AT TIME ZONE 'Asia/Shanghai')::date"}


def _expr(vendor: str, template: str, r: str) -> str:
    return re.sub(r"DAY\(([^)]*)\)", lambda m: DAY[vendor].replace("{x}", m.group(1)), template.replace("{r}", r))


def _flag(vendor: str, condition: str, r: str) -> str:
    return f"(CASE WHEN {_expr(vendor, condition, r)} THEN 1 ELSE 0 END)"


def _values(vendor, keys, measures, r, sign=""):
    return ", ".join([*(_expr(vendor, k, r) for k in keys.values()),
                      *(f"{sign}{_flag(vendor, m, r)}" for m in measures.values())])


def _changed(vendor, keys, measures) -> str:
    differ = "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM"
    return " OR ".join([*(f"{_expr(vendor, k, 'OLD')} {differ} {_expr(vendor, k, 'NEW')}" for k in keys.values()),
                        *(f"{_flag(vendor, m, 'OLD')} <> {_flag(vendor, m, 'NEW')}" for m in measures.values())])


def _names(rollup: str) -> list[str]:
    return [f"{rollup}_insert_v{VERSION}", f"{rollup}_update_v{VERSION}"]


def _installed(cursor, vendor: str) -> set[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'reports_%rollup_%'")
    else:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'reports_%rollup_%'")
    return {row[0] for row in cursor.fetchall()}


def rollup_triggers_missing() -> bool:
    with connection.cursor() as cursor:
        have = _installed(cursor, connection.vendor)
    return any(name not in have for rollup, *_ in ROLLUPS for name in _names(rollup))


def _install(cursor, vendor: str) -> None:
    false = "0" if vendor == "sqlite" else "false"
    rollup_triggers_drop(cursor, vendor)  # an older version's, or half of a set
    for rollup, source, keys, measures in ROLLUPS:
        insert = f"INSERT INTO {rollup} ({', '.join([*keys, *measures, 'merged'])}) VALUES"
        on_insert, on_update = _names(rollup)
        changed = _changed(vendor, keys, measures)
        if vendor == "sqlite":
            watched = ", ".join(sorted({c for t in [*keys.values(), *measures.values()]
                                        for c in re.findall(r"\{r\}\.(\w+)", t)}))
            cursor.execute(f"CREATE TRIGGER {on_insert} AFTER INSERT ON {source} BEGIN "
                           f"{insert} ({_values(vendor, keys, measures, 'NEW')}, {false}); END")
            cursor.execute(f"CREATE TRIGGER {on_update} AFTER UPDATE OF {watched} ON {source} WHEN {changed} BEGIN "
                           f"{insert} ({_values(vendor, keys, measures, 'OLD', '-')}, {false}); "
                           f"{insert} ({_values(vendor, keys, measures, 'NEW')}, {false}); END")
        else:
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {rollup}_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP = 'UPDATE' THEN {insert} ({_values(vendor, keys, measures, 'OLD', '-')}, {false}); "
                f"END IF; {insert} ({_values(vendor, keys, measures, 'NEW')}, {false}); RETURN NULL; END $$")
            cursor.execute(f"CREATE TRIGGER {on_insert} AFTER INSERT ON {source} FOR EACH ROW "
                           f"EXECUTE FUNCTION {rollup}_count()")
            cursor.execute(f"CREATE TRIGGER {on_update} AFTER UPDATE ON {source} FOR EACH ROW WHEN ({changed}) "
                           f"EXECUTE FUNCTION {rollup}_count()")


def rollup_triggers_drop(cursor, vendor: str) -> None:
    """Before the rollup tables go (migrating back past reports 0005): a trigger would fail every write."""
    for name in _installed(cursor, vendor):
        table = next(source for rollup, source, *_ in ROLLUPS if name.startswith(rollup))
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if vendor == "sqlite" else f" ON {table}"))
    if vendor == "postgresql":
        for rollup, *_ in ROLLUPS:
            cursor.execute(f"DROP FUNCTION IF EXISTS {rollup}_count()")


def rollup_triggers_ensure(*, using: str = DEFAULT_DB_ALIAS, **_signal) -> bool:
    """After `migrate`: install the triggers when any is missing or old, and count the rollups again. True if done."""
    if using != DEFAULT_DB_ALIAS:
        return False
    if connection.vendor not in DAY:
        raise RuntimeError(f"the rollup triggers are written for SQLite and PostgreSQL, not {connection.vendor}")
    if ROLLUPS[0][0] not in connection.introspection.table_names():  # migrated back before the rollups
        return False
    if not rollup_triggers_missing():
        return False
    from anxin.reports.rollup_services import rollups_rebuild

    with transaction.atomic(), connection.cursor() as cursor:
        _install(cursor, connection.vendor)
        rollups_rebuild()  # what was written while no trigger counted is counted now
    return True
