"""The database triggers that keep the reports' rollups (`reports.models`: orders, contacts, revisits, scores; per
person for staff performance; arrivals; promises), and their installation.

Why triggers rather than the services: every write counts — the services, bulk `.update()`s, the history import's
`bulk_create`, a repair by SQL — and the sums are right at each commit with no second write path to forget.

Why installed after `migrate` (post_migrate) rather than by a migration: SQLite drops a table's triggers when a
migration remakes the table (Django's SQLite schema editor does that for most field changes), and the rollups would
silently stop counting. So after every `migrate` the triggers are checked; missing or of an older VERSION, they are
installed and the rollups counted again, in one transaction. A change of what is counted bumps VERSION; a new
rollup is found missing and installed the same way.
"""

import re

from django.db import DEFAULT_DB_ALIAS, connection, transaction

from anxin.revisits.indices import DISSATISFIED
from anxin.workorders.states import OPEN_STATUSES

VERSION = 6

# The site and type of the order a revisit or rating belongs to (both fixed once the order is made)
ORDER_SITE = "(SELECT o.site_id FROM workorders_workorder o WHERE o.id = {r}.work_order_id)"
ORDER_TYPE = "(SELECT o.type FROM workorders_workorder o WHERE o.id = {r}.work_order_id)"
DONE = "{r}.status = 'done' AND {r}.overall IS NOT NULL AND {r}.done_at IS NOT NULL"
# the end of the order's agreed window now (an arrival by then was on time)
CURRENT_WINDOW = ("(SELECT a.window_to FROM field_appointment a WHERE a.work_order_id = {r}.work_order_id "
                  "AND a.is_current)")  # one at most (appointment_one_current)
FIRST_RESPONSE_MET = "{r}.metric = 'first_response' AND {r}.state = 'met' AND {r}.met_at >= {r}.started_at"
CLOCK_ON_TIME = "{r}.breached_at IS NULL AND ({r}.due_at IS NULL OR {r}.met_at <= {r}.due_at)"
CLOCK_OPEN = "{r}.state IN ('running', 'paused') AND {r}.breached_at IS NULL"
# the person a score counts for in staff performance (0: nobody); unlike the site, this can change: see REKEYS
ORDER_PERSON = "COALESCE((SELECT o.{column} FROM workorders_workorder o WHERE o.id = {{r}}.work_order_id), 0)"
# a field job with a working time: started, and handed over not before it started
JOB_TIMED = "{r}.completed_at IS NOT NULL AND {r}.started_at IS NOT NULL AND {r}.completed_at >= {r}.started_at"
# an order not resolved, closed or cancelled (workorders.states.OPEN_STATUSES)
ORDER_OPEN = "{r}.status IN (" + ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES)) + ")"


def _person_scores(rollup: str, column: str) -> list[tuple]:
    keys = {"site_id": ORDER_SITE, "type": ORDER_TYPE, "person_id": ORDER_PERSON.format(column=column)}
    return [
        (rollup, "revisits_revisit", {**keys, "day": "DAY0({r}.done_at)"},
         {"scores": DONE, "score_sum": f"=CASE WHEN {DONE} THEN {{r}}.overall ELSE 0 END",
          "complaints": f"{DONE} AND {{r}}.overall <= {DISSATISFIED}"}),
        (rollup, "revisits_selfrating", {**keys, "day": "DAY({r}.created_at)"},
         {"scores": "1 = 1", "score_sum": "={r}.overall", "complaints": "1 = 0"}),
    ]


# (rollup table, source table, keys, measures): each key and measure is an SQL expression over the row `{r}` (NEW or
# OLD in a trigger). A measure is a condition counted as 1 or 0, or, written "=expr", a value added up. DAY(x) is the
# Beijing day; DAY0(x) the same, or 1970-01-01 while x is empty (a revisit not done yet: a row of zeros, never read).
# Kept equal to rollup_services.ROLLUPS (the tests compare the triggers' sums with a recount made from those).
ROLLUPS = [
    ("reports_orderrollup", "workorders_workorder",
     {"site_id": "{r}.site_id", "day": "DAY({r}.received_at)", "type": "{r}.type", "channel": "{r}.channel"},
     {"orders": "1 = 1", "urged": "{r}.urge_count > 0", "resolved": "{r}.resolved_at IS NOT NULL",
      "first_time": "{r}.resolved_at IS NOT NULL AND {r}.urge_count = 0 AND {r}.reopen_count = 0",
      "open": ORDER_OPEN}),
    ("reports_contactrollup", "intake_contactlog",
     {"site_id": "{r}.site_id", "day": "DAY({r}.received_at)"},
     {"contacts": "1 = 1", "urges": "{r}.is_urge", "no_order": "{r}.work_order_id IS NULL",
      "on_the_spot": "{r}.work_order_id IS NULL AND {r}.done_at IS NOT NULL"}),
    ("reports_revisitrollup", "revisits_revisit",  # F1 coverage: revisits by the day they are due
     {"site_id": ORDER_SITE, "day": "DAY({r}.due_at)", "type": ORDER_TYPE},
     {"due": "1 = 1", "on_time": "{r}.status = 'done' AND {r}.done_at <= {r}.due_at"}),
    ("reports_scorerollup", "revisits_revisit",  # F6 CSI: scores by the day given — a revisit's …
     {"site_id": ORDER_SITE, "day": "DAY0({r}.done_at)", "type": ORDER_TYPE},
     {"scores": DONE, "score_sum": f"=CASE WHEN {DONE} THEN {{r}}.overall ELSE 0 END"}),
    ("reports_scorerollup", "revisits_selfrating",  # … and the customer's own rating
     {"site_id": ORDER_SITE, "day": "DAY({r}.created_at)", "type": ORDER_TYPE},
     {"scores": "1 = 1", "score_sum": "={r}.overall"}),
    # H2: the same scores by who took the order and by its owner
    *_person_scores("reports_agentscorerollup", "taken_by_id"),
    *_person_scores("reports_technicianscorerollup", "owner_id"),
    # H2: first responses by the agent who took the order (mean = seconds ÷ responses)
    ("reports_agentresponserollup", "sla_clock",
     {"site_id": ORDER_SITE, "day": "DAY({r}.started_at)", "type": ORDER_TYPE,
      "person_id": ORDER_PERSON.format(column="taken_by_id")},
     {"responses": FIRST_RESPONSE_MET,
      "response_seconds": f"=CASE WHEN {FIRST_RESPONSE_MET} THEN SECONDS({{r}}.met_at, {{r}}.started_at) ELSE 0 END"}),
    # H2: orders by who took them (a column of the order itself: its own update trigger moves them); an order nobody
    # took (imported history, mail, the portal) counts nothing here, and its insert writes no row (INSERTED_WHEN)
    ("reports_agentorderrollup", "workorders_workorder",
     {"site_id": "{r}.site_id", "day": "DAY({r}.received_at)", "type": "{r}.type",
      "person_id": "COALESCE({r}.taken_by_id, 0)"},
     {"orders": "{r}.taken_by_id IS NOT NULL"}),
    # H2: field jobs handed over, by the order's owner and the job type (standard hours = timed × its minutes)
    ("reports_technicianjobrollup", "field_fieldjob",
     {"site_id": ORDER_SITE, "day": "DAY0({r}.completed_at)", "type": ORDER_TYPE,
      "person_id": ORDER_PERSON.format(column="owner_id"), "job_type_id": "COALESCE({r}.job_type_id, 0)"},
     {"completed": "{r}.completed_at IS NOT NULL", "timed": JOB_TIMED,
      "worked_seconds": f"=CASE WHEN {JOB_TIMED} THEN SECONDS({{r}}.completed_at, {{r}}.started_at) ELSE 0 END"}),
    # E4: promises by the day they started, in attainment_counts' columns
    ("reports_clockrollup", "sla_clock",
     {"site_id": ORDER_SITE, "day": "DAY({r}.started_at)", "type": ORDER_TYPE, "metric": "{r}.metric"},
     {"total": "{r}.state <> 'stopped'", "met_on_time": f"{{r}}.state = 'met' AND {CLOCK_ON_TIME}",
      "met_late": f"{{r}}.state = 'met' AND NOT ({CLOCK_ON_TIME})",
      "breached": f"{{r}}.state NOT IN ('stopped', 'met') AND NOT ({CLOCK_OPEN})", "open": CLOCK_OPEN}),
    # H2: technicians' arrivals, and whether each was by the end of the order's current agreed window
    ("reports_technicianarrivalrollup", "field_visit",
     {"site_id": ORDER_SITE, "day": "DAY0({r}.arrived_at)", "type": ORDER_TYPE, "person_id": "{r}.technician_id"},
     {"arrivals": f"{{r}}.arrived_at IS NOT NULL AND {CURRENT_WINDOW} IS NOT NULL",
      "on_time": f"{{r}}.arrived_at <= {CURRENT_WINDOW}"}),
]
# A row inserted into the source only counts in the rollup when this holds (otherwise its measures are all zero, and
# writing the row of zeros is a cost for nothing: a million imported orders nobody took)
INSERTED_WHEN = {("reports_agentorderrollup", "workorders_workorder"): "{r}.taken_by_id IS NOT NULL"}
# When an order's person changes (an owner reassigned, a user deleted), its scores already counted move with it: a
# trigger on the orders takes each source row away under the old person and adds it under the new one.
REKEYS = [("reports_agentscorerollup", "taken_by_id"), ("reports_technicianscorerollup", "owner_id"),
          ("reports_agentresponserollup", "taken_by_id"), ("reports_technicianjobrollup", "owner_id")]
# When an order's agreed window is made, moved or dropped, whether its arrivals were on time changes: a trigger on the
# appointments takes the visits away under the old window and adds them under the new one.
WINDOWS = "reports_technicianarrivalrollup"
# The Beijing day of a stored time: China keeps UTC+8 all year (SQLite stores UTC text)
DAY = {"sqlite": "date({x}, '+8 hours')", "postgresql": "(({x}) AT TIME ZONE 'Asia/Shanghai')::date"}
DAY0 = {"sqlite": "COALESCE(date({x}, '+8 hours'), '1970-01-01')",
        "postgresql": "COALESCE((({x}) AT TIME ZONE 'Asia/Shanghai')::date, DATE '1970-01-01')"}


# Whole seconds from the second time to the first (as reports.selectors.WholeSeconds counts them)
SECONDS = {"sqlite": "CAST(ROUND((julianday({a}) - julianday({b})) * 86400) AS INTEGER)",
           "postgresql": "CAST(ROUND(EXTRACT(EPOCH FROM ({a}) - ({b}))) AS BIGINT)"}


def _expr(vendor: str, template: str, r: str) -> str:
    sql = template.replace("{r}", r)
    sql = re.sub(r"SECONDS\(([^,()]*), ([^()]*)\)",
                 lambda m: SECONDS[vendor].replace("{a}", m.group(1)).replace("{b}", m.group(2)), sql)
    sql = re.sub(r"DAY0\(([^)]*)\)", lambda m: DAY0[vendor].replace("{x}", m.group(1)), sql)
    return re.sub(r"DAY\(([^)]*)\)", lambda m: DAY[vendor].replace("{x}", m.group(1)), sql)


def _flag(vendor: str, measure: str, r: str) -> str:
    if measure.startswith("="):
        return f"COALESCE({_expr(vendor, measure[1:], r)}, 0)"
    return f"(CASE WHEN {_expr(vendor, measure, r)} THEN 1 ELSE 0 END)"


def _values(vendor, keys, measures, r, sign=""):
    return ", ".join([*(_expr(vendor, k, r) for k in keys.values()),
                      *(f"{sign}{_flag(vendor, m, r)}" for m in measures.values())])


def _changed(vendor, keys, measures) -> str:
    differ = "IS NOT" if vendor == "sqlite" else "IS DISTINCT FROM"
    # a key or measure read from another table (a subquery, which PostgreSQL refuses in a trigger's WHEN) changes
    # with the columns of the row it reads through (the one pointing at the order, the arrival time)
    read = [t for t in [*keys.values(), *measures.values()] if "SELECT" in t]
    keyed = [f"{_expr(vendor, k, 'OLD')} {differ} {_expr(vendor, k, 'NEW')}" for k in keys.values() if "SELECT" not in k]
    keyed += [f"OLD.{c} {differ} NEW.{c}" for c in sorted({c for t in read for c in re.findall(r"\{r\}\.(\w+)", t)})]
    return " OR ".join([*keyed, *(f"{_flag(vendor, m, 'OLD')} <> {_flag(vendor, m, 'NEW')}"
                                  for m in measures.values() if "SELECT" not in m)])


def _name(rollup: str, source: str, when: str) -> str:
    return f"{rollup}_{source.split('_', 1)[1]}_{when}_v{VERSION}"


def _rekey_name(rollup: str, column: str) -> str:
    return f"{rollup}_{column.removesuffix('_id')}_moved_v{VERSION}"


def _installed(cursor, vendor: str) -> dict[str, str]:
    """The rollup triggers there are: name → the table they are on."""
    if vendor == "sqlite":
        cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' "
                       "AND name LIKE 'reports_%rollup_%'")
    else:
        cursor.execute("SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE t.tgname LIKE 'reports_%rollup_%'")
    return dict(cursor.fetchall())


def rollup_triggers_missing() -> bool:
    with connection.cursor() as cursor:
        have = _installed(cursor, connection.vendor)
    return any(_name(rollup, source, when) not in have
               for rollup, source, *_ in ROLLUPS for when in ("insert", "update")) or any(
        _rekey_name(rollup, column) not in have for rollup, column in REKEYS) or any(
        name not in have for name in _window_names(connection.vendor))


def _install(cursor, vendor: str) -> None:
    false = "0" if vendor == "sqlite" else "false"
    rollup_triggers_drop(cursor, vendor)  # an older version's, or half of a set
    for rollup, source, keys, measures in ROLLUPS:
        insert = f"INSERT INTO {rollup} ({', '.join([*keys, *measures, 'merged'])}) VALUES"
        on_insert, on_update = _name(rollup, source, "insert"), _name(rollup, source, "update")
        changed = _changed(vendor, keys, measures)
        if vendor == "sqlite":
            watched = ", ".join(sorted({c for t in [*keys.values(), *measures.values()]
                                        for c in re.findall(r"\{r\}\.(\w+)", t)}))
            when = f"WHEN {_expr(vendor, INSERTED_WHEN[rollup, source], 'NEW')} " if (rollup, source) in INSERTED_WHEN else ""
            cursor.execute(f"CREATE TRIGGER {on_insert} AFTER INSERT ON {source} {when}BEGIN "
                           f"{insert} ({_values(vendor, keys, measures, 'NEW')}, {false}); END")
            cursor.execute(f"CREATE TRIGGER {on_update} AFTER UPDATE OF {watched} ON {source} WHEN {changed} BEGIN "
                           f"{insert} ({_values(vendor, keys, measures, 'OLD', '-')}, {false}); "
                           f"{insert} ({_values(vendor, keys, measures, 'NEW')}, {false}); END")
        else:
            function = f"{rollup}_{source}_count"
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP = 'UPDATE' THEN {insert} ({_values(vendor, keys, measures, 'OLD', '-')}, {false}); "
                f"END IF; {insert} ({_values(vendor, keys, measures, 'NEW')}, {false}); RETURN NULL; END $$")
            when = (f"WHEN ({_expr(vendor, INSERTED_WHEN[rollup, source], 'NEW')}) "
                    if (rollup, source) in INSERTED_WHEN else "")
            cursor.execute(f"CREATE TRIGGER {on_insert} AFTER INSERT ON {source} FOR EACH ROW {when}"
                           f"EXECUTE FUNCTION {function}()")
            cursor.execute(f"CREATE TRIGGER {on_update} AFTER UPDATE ON {source} FOR EACH ROW WHEN ({changed}) "
                           f"EXECUTE FUNCTION {function}()")
    for rollup, column in REKEYS:
        _install_rekey(cursor, vendor, rollup, column)
    _install_windows(cursor, vendor)


def _install_rekey(cursor, vendor: str, rollup: str, column: str) -> None:
    """On the orders: when `column` changes, every source row of `rollup` for the order is taken away under the old
    person and added under the new one (the order's other keys — site, type — are read as they are now)."""
    false = "0" if vendor == "sqlite" else "false"
    moves = []
    for table, source, keys, measures in ROLLUPS:
        if table != rollup:
            continue
        insert = f"INSERT INTO {rollup} ({', '.join([*keys, *measures, 'merged'])}) SELECT"
        for person, sign in ((f"COALESCE(OLD.{column}, 0)", "-"), (f"COALESCE(NEW.{column}, 0)", "")):
            moved = {**keys, "person_id": person}
            moves.append(f"{insert} {_values(vendor, moved, measures, 'r', sign)}, {false} FROM {source} r "
                         f"WHERE r.work_order_id = NEW.id;")
    name = _rekey_name(rollup, column)
    if vendor == "sqlite":
        cursor.execute(f"CREATE TRIGGER {name} AFTER UPDATE OF {column} ON workorders_workorder "
                       f"WHEN OLD.{column} IS NOT NEW.{column} BEGIN {' '.join(moves)} END")
    else:
        function = f"{rollup}_{column}_moved_count"
        cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       f"{' '.join(moves)} RETURN NULL; END $$")
        cursor.execute(f"CREATE TRIGGER {name} AFTER UPDATE ON workorders_workorder FOR EACH ROW "
                       f"WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) EXECUTE FUNCTION {function}()")


def _window_names(vendor: str) -> list[str]:
    whens = ("insert", "update", "delete") if vendor == "sqlite" else ("change",)
    return [f"{WINDOWS}_window_{when}_v{VERSION}" for when in whens]


def _install_windows(cursor, vendor: str) -> None:
    """On the appointments: an order's visits counted again under the window that was current (taken away) and the
    one that is now (added). At most one window of an order is current, so the row changed is the whole story."""
    [(_rollup, source, keys, _measures)] = [r for r in ROLLUPS if r[0] == WINDOWS]
    false = "0" if vendor == "sqlite" else "false"

    def move(row: str, sign: str) -> str:
        measures = {"arrivals": "1 = 1", "on_time": f"{{r}}.arrived_at <= {row}.window_to"}
        return (f"INSERT INTO {WINDOWS} ({', '.join([*keys, *measures, 'merged'])}) SELECT "
                f"{_values(vendor, keys, measures, 'v', sign)}, {false} FROM {source} v "
                f"WHERE v.work_order_id = {row}.work_order_id AND v.arrived_at IS NOT NULL AND {row}.is_current;")

    if vendor == "sqlite":
        insert, update, delete = _window_names(vendor)
        cursor.execute(f"CREATE TRIGGER {insert} AFTER INSERT ON field_appointment BEGIN {move('NEW', '')} END")
        cursor.execute(f"CREATE TRIGGER {update} AFTER UPDATE OF is_current, window_to, work_order_id "
                       f"ON field_appointment BEGIN {move('OLD', '-')} {move('NEW', '')} END")
        cursor.execute(f"CREATE TRIGGER {delete} AFTER DELETE ON field_appointment BEGIN {move('OLD', '-')} END")
    else:
        [name] = _window_names(vendor)
        function = f"{WINDOWS}_window_count"
        cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "IF TG_OP = 'UPDATE' AND OLD.is_current = NEW.is_current AND OLD.window_to = NEW.window_to "
                       "AND OLD.work_order_id = NEW.work_order_id THEN RETURN NULL; END IF; "  # a note edited
                       f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {move('OLD', '-')} END IF; "
                       f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {move('NEW', '')} END IF; RETURN NULL; END $$")
        cursor.execute(f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON field_appointment "
                       f"FOR EACH ROW EXECUTE FUNCTION {function}()")


def rollup_triggers_drop(cursor, vendor: str) -> None:
    """Every rollup trigger there is (an older version's too); also before the rollup tables go when migrating back:
    a trigger left behind would fail every write."""
    for name, table in _installed(cursor, vendor).items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if vendor == "sqlite" else f" ON {table}"))
    if vendor == "postgresql":
        cursor.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'reports_%rollup_%count'")
        for (function,) in cursor.fetchall():
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")


def rollup_triggers_drop_for_migration(apps, schema_editor) -> None:
    """A rollup migration taken back drops every rollup trigger first (the next `migrate` puts back what is due)."""
    with schema_editor.connection.cursor() as cursor:
        rollup_triggers_drop(cursor, schema_editor.connection.vendor)


def rollup_triggers_release(*, using: str = DEFAULT_DB_ALIAS, plan=None, **_signal) -> bool:
    """Before a `migrate` that has migrations to run, on SQLite: drop every rollup trigger. SQLite changes a table by
    making a new one and renaming it, and the rename fails while a trigger on another table names the one dropped
    ("error in trigger …: no such table"). `rollup_triggers_ensure` puts them back after, and counts again."""
    if using != DEFAULT_DB_ALIAS or connection.vendor != "sqlite" or not plan:
        return False
    with connection.cursor() as cursor:
        rollup_triggers_drop(cursor, connection.vendor)
    return True


def rollup_triggers_ensure(*, using: str = DEFAULT_DB_ALIAS, **_signal) -> bool:
    """After `migrate`: install the triggers when any is missing or old, and count the rollups again. True if done."""
    if using != DEFAULT_DB_ALIAS:
        return False
    if connection.vendor not in DAY:
        raise RuntimeError(f"the rollup triggers are written for SQLite and PostgreSQL, not {connection.vendor}")
    tables = set(connection.introspection.table_names())
    if any(rollup not in tables for rollup, *_ in ROLLUPS):  # migrated back before (some of) the rollups
        with connection.cursor() as cursor:
            rollup_triggers_drop(cursor, connection.vendor)
        return False
    if not rollup_triggers_missing():
        return False
    from anxin.reports.rollup_services import rollups_compact, rollups_rebuild

    with transaction.atomic(), connection.cursor() as cursor:
        _install(cursor, connection.vendor)
        rollups_rebuild()  # what was written while no trigger counted is counted now
    # PostgreSQL: the rewritten tables without the deleted rows' pages, and statistics for the planner (without them
    # it read all 31k rows of the order rollup for the backlog instead of its ~800 open ones by the partial index)
    rollups_compact()
    return True
