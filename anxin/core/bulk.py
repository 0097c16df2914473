"""Bulk writes on PostgreSQL from one JSON parameter.

`bulk_create` compiles and adapts every value of every row in Python (~130 µs an order of ~28 columns), and
psycopg adapts a list parameter element by element in Python too (~16 µs an element). `json.dumps` is C: the rows
go to the server as one `jsonb` and `jsonb_to_recordset` types them there. For the bulk paths only (history import,
the search index), where thousands of rows are written at once; everything else uses the ORM.
"""

import json
import uuid
from datetime import date, datetime
from decimal import Decimal

from django.db import connection
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


def insert_rows(model: type[Model], rows: list[dict], *, returning: str = "id") -> list[tuple]:
    """Insert `rows` (attribute name → value) into the model's table in one statement (PostgreSQL).

    A column a row does not give takes the field's default as the model would (a callable default is called per row,
    `auto_now`/`auto_now_add` take now). A key one row gives and another lacks is NULL in the other (give every
    row the same keys). Returns the `returning` columns of each row, in no promised order.
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
    types = {f.column: f.db_type(connection) for f in fields if f.column not in constant}
    fixed = [f for f in fields if f.column in constant]
    select = [*types, *(f"%s::{f.db_type(connection)}" for f in fixed)]
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join([*types, *(f.column for f in fixed)])}) "
           f"SELECT {', '.join(select)} FROM {recordset(types)} RETURNING {returning}")
    params = [f.get_db_prep_save(constant[f.column], connection) for f in fixed]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, dumps(data)])
        return cursor.fetchall()


def among(column: str, values: list, *, text: bool = False) -> tuple[str, list]:
    """`column IN (…)` for thousands of ids (or, with `text`, strings) in plain SQL. On PostgreSQL one parameter:
    psycopg converts a query of thousands of placeholders in Python on every call (too long for its cache)."""
    if connection.vendor != "postgresql":
        return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
    if text:
        return f"{column} = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))", [dumps(list(values))]
    return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in values) + "}"]
