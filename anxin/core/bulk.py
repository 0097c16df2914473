"""Bulk writes: on PostgreSQL from one JSON parameter, on SQLite by `executemany`.

`bulk_create` compiles and adapts every value of every row in Python (~130 µs an order of ~28 columns), and
psycopg adapts a list parameter element by element in Python too (~16 µs an element). `json.dumps` is C: the rows
go to the server as one `jsonb` and `jsonb_to_recordset` types them there. SQLite's `executemany` binds tuples in C
(11 µs a row of 28 columns; from JSON by `json_each`, 50–80 µs). For the bulk paths only (history import, the search
index), where thousands of rows are written at once; everything else uses the ORM.
"""

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def dumps(rows) -> str:
    return json.dumps(rows, default=_plain, ensure_ascii=False, separators=(",", ":"))


def recordset(columns: dict[str, str]) -> str:
    """`jsonb_to_recordset(%s::jsonb) AS r(col type, …)` for these columns and their SQL types."""
    return f"jsonb_to_recordset(%s::jsonb) AS r({', '.join(f'{c} {t}' for c, t in columns.items())})"


def insert_rows(model: type[Model], rows: list[dict], *, returning: str = "id", ignore_conflicts: bool = False
                ) -> list[tuple]:
    """Insert `rows` (attribute name → value) into the model's table: one statement on PostgreSQL, one
    `executemany` on SQLite.

    A column a row does not give takes the field's default as the model would (a callable default is called per row,
    `auto_now`/`auto_now_add` take now). A key one row gives and another lacks is NULL in the other (give every
    row the same keys). Returns the `returning` columns of each row, in no promised order — or, with
    `ignore_conflicts` (a row that breaks a unique constraint is skipped, as `bulk_create` does), nothing.
    """
    if not rows:
        return []
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = set().union(*(r.keys() for r in rows))
    constant, per_row = {}, []
    for f in fields:
        if f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constant[f.column] = now
        elif f.has_default() and callable(f.default):
            per_row.append(f)
        else:
            constant[f.column] = f.get_default()
    column = {f.attname: f.column for f in fields}
    data = []
    for r in rows:
        item = {column[k]: v for k, v in r.items()}
        for f in per_row:
            item[f.column] = f.default()
        data.append(item)
    if connection.vendor == "sqlite":
        return _insert_rows_sqlite(model, fields, constant, data, returning, ignore_conflicts)
    types = {f.column: f.db_type(connection) for f in fields if f.column not in constant}
    fixed = [f for f in fields if f.column in constant]
    select = [*types, *(f"%s::{f.db_type(connection)}" for f in fixed)]
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join([*types, *(f.column for f in fixed)])}) "
           f"SELECT {', '.join(select)} FROM {recordset(types)} "
           + ("ON CONFLICT DO NOTHING" if ignore_conflicts else f"RETURNING {returning}"))
    params = [f.get_db_prep_save(constant[f.column], connection) for f in fixed]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, dumps(data)])
        return [] if ignore_conflicts else cursor.fetchall()


def _sqlite_value(field):
    """How Django's SQLite backend stores a value of this field, as a function (the common types without the ORM's
    per-value machinery; the others through it)."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":  # UTC, naive, as text (DatabaseOperations.adapt_datetimefield_value)
        return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v)
    if kind == "UUIDField":
        return lambda v: None if v is None else v.hex
    if kind in ("CharField", "TextField", "BooleanField", "ForeignKey", "OneToOneField") or kind.endswith(
            "IntegerField"):
        return None  # as it is
    return lambda v: field.get_db_prep_save(v, connection)


def _insert_rows_sqlite(model, fields, constant: dict, data: list[dict], returning: str, ignore_conflicts: bool
                        ) -> list[tuple]:
    columns = [f.column for f in fields]
    adapt = [_sqlite_value(f) for f in fields]
    fixed = {f.column: f.get_db_prep_save(constant[f.column], connection) for f in fields if f.column in constant}
    tuples = [tuple(fixed[c] if c in fixed else (a(row.get(c)) if a else row.get(c)) for c, a in zip(
        columns, adapt, strict=True)) for row in data]
    table = model._meta.db_table
    verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
                           tuples)
        if ignore_conflicts:
            return []
        # this transaction holds SQLite's one write lock from its first insert: the newest rows are these
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        cursor.execute(f"SELECT {returning} FROM {table} WHERE id <= %s ORDER BY id DESC LIMIT %s", [last, len(data)])
        return cursor.fetchall()


def update_rows(model: type[Model], rows: list[dict], fields: list[str]) -> None:
    """Set `fields` (attribute names) of each row, found by its "id": one statement on PostgreSQL (the rows as one
    JSON value), one `executemany` on SQLite. `bulk_update` writes a CASE per field with two parameters a row — for
    500 rows of 13 fields, 13,000 placeholders for psycopg to convert in Python."""
    if not rows:
        return
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    chosen = [by_name[name] for name in fields]
    table = model._meta.db_table
    if connection.vendor == "sqlite":
        adapt = [_sqlite_value(f) for f in chosen]
        tuples = [(*((a(r[f.attname]) if a else r[f.attname]) for f, a in zip(chosen, adapt, strict=True)), r["id"])
                  for r in rows]
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {', '.join(f'{f.column} = %s' for f in chosen)} WHERE id = %s",
                               tuples)
        return
    types = {"id": "bigint", **{f.column: f.db_type(connection) for f in chosen}}
    data = [{"id": r["id"], **{f.column: r[f.attname] for f in chosen}} for r in rows]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS t SET {', '.join(f'{f.column} = r.{f.column}' for f in chosen)} "
                       f"FROM {recordset(types)} WHERE t.id = r.id", [dumps(data)])


def among(column: str, values: list, *, text: bool = False) -> tuple[str, list]:
    """`column IN (…)` for thousands of ids (or, with `text`, strings) in plain SQL. On PostgreSQL one parameter:
    psycopg converts a query of thousands of placeholders in Python on every call (too long for its cache)."""
    if connection.vendor != "postgresql":
        return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
    if text:
        return f"{column} = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))", [dumps(list(values))]
    return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in values) + "}"]
