"""Reads that run on every view of a page, compiled by Django once per process (docs/decisions.md, 2026-12-07).

Django builds and compiles a queryset's SQL on every call: for one order read by its public id that is 1.5 of the
2 ms the read costs in the worker, the database's part being 0.2 ms; with six `select_related` tables, 2.5 of 3.
A page of such reads spends most of its CPU there. `CompiledRead` builds the queryset once, with marker
arguments, keeps what Django's compiler made of it (the SQL, the selected columns, the converters, the
`select_related` populators), finds where each marker landed among the SQL's parameters, and from then on runs that
SQL with the real arguments and makes the instances the way Django's ModelIterable does — deferred fields,
`select_related` objects, annotations and prefetches included.

Only for reads whose shape does not depend on the arguments: each argument reaches the SQL as parameters compared
with = (a string, an integer, a UUID, a datetime), at one or more places. A list for `__in`, None (`IS NULL`) or an
argument that decides a join does not qualify — use the ORM there. A marker that is not found fails at the first
call, loudly. Built on Django's compiler internals (5.2): `test_compiled.py` compares every kind of read with the
ORM's own, so an upgrade that changes them fails there.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import connections
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.query import ModelIterable, get_related_populators

# Markers: one example argument of each kind, equal to no constant of our reads. A read takes one per argument; two
# arguments of the same kind would need a second marker of that kind.
AN_ID = -424242
A_UUID = uuid.UUID(int=424242)
A_TEXT = "\x00marker"
A_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


class CompiledRead:
    def __init__(self, build: Callable[..., QuerySet], *markers):
        """`build(*args)` returns the queryset; `markers` are one example argument each, of the argument's type,
        different from every constant of the query (AN_ID, A_UUID, A_TEXT, A_MOMENT)."""
        self.build = build
        self.markers = markers
        self._plan: _Plan | None = None

    def __call__(self, *args) -> list[Model]:
        if len(args) != len(self.markers):
            raise TypeError(f"{len(self.markers)} arguments expected, {len(args)} given")
        if self._plan is None:  # one database per process (settings.DATABASES has only "default")
            plan = _Plan(self.build(*self.markers), self.markers)
            plan.check(self.build(*[_other(marker) for marker in self.markers]))
            self._plan = plan
        return self._plan.run(args)

    def first(self, *args):
        rows = self(*args)
        return rows[0] if rows else None


class _Plan:
    def __init__(self, queryset: QuerySet, markers: tuple):
        self.model = queryset.model
        self.alias = queryset.db
        self.prefetch = tuple(queryset._prefetch_related_lookups)
        if queryset._known_related_objects or queryset._iterable_class is not ModelIterable:
            raise ValueError("only plain model reads are compiled: no values(), values_list() or related managers")
        compiler = queryset.query.get_compiler(using=self.alias)
        self.sql, params = compiler.as_sql()  # fills compiler.select, klass_info, annotation_col_map
        self.constants = list(params)
        self.slots = []
        for index, marker in enumerate(markers):
            # a parameter may be a driver's subtype of the argument's type (psycopg's Int4 in an expression): the
            # argument is cast to it on each call
            found = [(position, convert, None if type(value) is type(example) else type(value))
                     for position, value in enumerate(params) for convert in _conversions(marker)
                     if isinstance(value, type(example := convert(marker, self.alias))) and value == example]
            if not found:
                raise ValueError(f"argument {index} ({marker!r}) is none of the parameters of the SQL")
            self.slots += [(position, index, convert, cast) for position, convert, cast in found]
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.columns = (start, end)
        self.init_list = [column[0].target.attname for column in select[start:end]]
        self.populators = get_related_populators(klass_info, select, self.alias)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = list(compiler.get_converters([s[0] for s in select[:compiler.col_count]]).items())
        self.width = compiler.col_count if compiler.has_extra_select else None  # ORDER BY columns Django adds

    def check(self, queryset: QuerySet) -> None:
        """Built again with other markers, the SQL must be the same and differ in exactly the markers' places: a
        constant equal to a marker, or an argument that changes the SQL, is refused here."""
        sql, params = queryset.query.get_compiler(using=self.alias).as_sql()
        same_shape = sql == self.sql and len(params) == len(self.constants)
        changed = {position for position, (a, b) in enumerate(zip(self.constants, params, strict=False)) if a != b}
        if not same_shape or changed != {slot[0] for slot in self.slots}:
            raise ValueError("the query's shape depends on its arguments, or a marker equals one of its constants")

    def run(self, args) -> list[Model]:
        params = list(self.constants)
        for position, index, convert, cast in self.slots:
            value = convert(args[index], self.alias)
            params[position] = value if cast is None else cast(value)
        connection = connections[self.alias]  # this thread's: a gthread worker shares the plan, not the connection
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.width is not None:
            rows = [row[:self.width] for row in rows]
        if self.converters:  # as SQLCompiler.apply_converters
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (converters, expression) in self.converters:
                    value = row[position]
                    for convert in converters:
                        value = convert(value, expression, connection)
                    row[position] = value
        start, end = self.columns
        objects = []
        for row in rows:
            obj = self.model.from_db(self.alias, self.init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        if self.prefetch and objects:
            prefetch_related_objects(objects, *self.prefetch)
        return objects


def _same(value, alias):
    return value


def _uuid(value, alias):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _uuid_hex(value, alias):
    return _uuid(value, alias).hex  # SQLite keeps a UUID as 32 hex digits


def _datetime(value, alias):
    return connections[alias].ops.adapt_datetimefield_value(value)


def _other(marker):
    if isinstance(marker, uuid.UUID):
        return uuid.UUID(int=marker.int + 1)
    if isinstance(marker, datetime):
        return marker + timedelta(seconds=1)
    if isinstance(marker, str):
        return marker + "\x01"
    return marker + 1


def _conversions(marker):
    if isinstance(marker, uuid.UUID):
        return (_uuid, _uuid_hex)
    if isinstance(marker, datetime):
        return (_datetime,)
    return (_same,)
