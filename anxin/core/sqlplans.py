"""Which plans PostgreSQL may reuse for prepared statements (docs/decisions.md, 2026-12-07).

Statements are prepared on their fifth run on a connection and PostgreSQL may then keep one generic plan for every
value. That is what the desk's point reads want (an order, a session, a queue page: planning was most of their
database time). A report's period is not such a value: a month and a year of rollup rows want different plans, and
the generic one made a year's dashboard 40 % slower in the database. Report reads plan each statement for its
own values, inside this block.
"""

import json
import re
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import BooleanField, Expression, F

_CONSTANT = re.compile(r"[a-z0-9_]+")


@contextmanager
def custom_plans():
    """Plan every statement in the block for its own parameters (PostgreSQL with prepared statements; else nothing).

    `SET LOCAL` lasts to the end of the transaction, so the setting cannot leak into the next request on a
    connection that is kept open; inside a caller's transaction it is set back when the block ends (an error rolls
    the block's savepoint back, and the setting with it)."""
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("prepare_threshold"):
        yield
        return
    nested = connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if nested:
                cursor.execute("SELECT current_setting('plan_cache_mode')")
                before = cursor.fetchone()[0]
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield
        if nested:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [before])


class _OnColumn(Expression):
    """A condition on one column, usable in `filter()`."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str):
        super().__init__()
        self.column = F(field)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs


class InConstants(_OnColumn):
    """`field IN ('a', 'b')` with the values written into the SQL, for a filter that must match a partial index.

    Django sends an `__in` list as bound parameters, and SQLite does not use a partial index whose WHERE lists
    constants for a query whose list is parameters (3.40, measured: it searched another index and sorted). Only for
    code constants — choice values — never for input: anything but [a-z0-9_] is refused."""

    def __init__(self, field: str, values):
        super().__init__(field)
        self.values = tuple(str(v) for v in values)
        if not self.values or not all(_CONSTANT.fullmatch(v) for v in self.values):
            raise ValueError(f"not constants: {self.values!r}")

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        return f"{sql} IN ({', '.join(repr(v) for v in self.values)})", params


class AmongIds(_OnColumn):
    """`field IN (ids…)` for a few hundred integer ids; on PostgreSQL one array parameter (`= ANY(%s::bigint[])`).

    Django writes a placeholder per id, and psycopg converts a query that long in Python on every call (too long for
    its cache): 0.8 ms for 200 ids, three times on the queue with a text filter. The ids must be integers."""

    def __init__(self, field: str, ids):
        super().__init__(field)
        self.values = self._values(ids)

    @staticmethod
    def _values(values) -> list:
        return [int(v) for v in values]

    @staticmethod
    def _postgresql(sql: str, values: list) -> tuple[str, str]:
        return f"{sql} = ANY(%s::bigint[])", "{" + ",".join(map(str, values)) + "}"

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        if not self.values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            condition, value = self._postgresql(sql, self.values)
            return condition, [*params, value]
        return f"{sql} IN ({', '.join(['%s'] * len(self.values))})", [*params, *self.values]


class AmongText(AmongIds):
    """`field IN (strings…)` for thousands of strings; on PostgreSQL one JSON parameter (psycopg would adapt a list
    element by element, or convert a placeholder per string, in Python)."""

    @staticmethod
    def _values(values) -> list:
        return [str(v) for v in values]

    @staticmethod
    def _postgresql(sql: str, values: list) -> tuple[str, str]:
        return (f"{sql} = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))",
                json.dumps(values, ensure_ascii=False))
