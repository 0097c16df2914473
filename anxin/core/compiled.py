"""Reads that run on every view of a page, compiled by Django once per process (docs/decisions.md, 2026-12-07).

Django builds and compiles a queryset's SQL on every call: for one order read by its public id that is 1.5 of the
2 ms the read costs in the worker, the database's part being 0.2 ms. A page of six such reads spends most of its
CPU there. `CompiledRead` compiles the queryset once, with marker arguments, finds where each marker landed among
the SQL's parameters, and from then on runs that SQL with the real arguments through `Model.objects.raw()` — which
makes the same model instances (deferred fields, the fields' converters) as the queryset would.

Only for reads whose shape does not depend on the arguments: each argument must reach the SQL as exactly one
parameter, compared with = (a string, an integer, a UUID). A list for `__in`, None (`IS NULL`) or an argument that
decides a join does not qualify — use the ORM there. A marker that cannot be found fails at the first call, loudly.
"""

import uuid
from collections.abc import Callable

from django.db import connection
from django.db.models import Model, QuerySet


class CompiledRead:
    def __init__(self, build: Callable[..., QuerySet], *markers):
        """`build(*args)` returns the queryset; `markers` are one example argument each, of the argument's type,
        different from every constant of the query (e.g. "\\x00phone", -424242, uuid.UUID(int=424242))."""
        self.build = build
        self.markers = markers
        self._compiled: dict[str, tuple[type[Model], str, list, list]] = {}
        self._prefetch: tuple = ()

    def __call__(self, *args) -> list:
        alias = connection.alias
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile()
        model, sql, constants, slots = compiled
        params = list(constants)
        for position, index, convert in slots:
            params[position] = convert(args[index])
        rows = model.objects.raw(sql, params)
        if self._prefetch:
            rows = rows.prefetch_related(*self._prefetch)
        return list(rows)

    def first(self, *args):
        rows = self(*args)
        return rows[0] if rows else None

    def _compile(self):
        queryset = self.build(*self.markers)
        if queryset.query.select_related:
            raise ValueError("raw() does not follow select_related: prefetch, or read the relation when needed")
        self._prefetch = tuple(queryset._prefetch_related_lookups)
        sql, params = queryset.query.sql_with_params()
        slots = []
        for index, marker in enumerate(self.markers):
            found = [(position, convert) for position, value in enumerate(params)
                     for convert in _conversions(marker) if value == convert(marker)]
            if len(found) != 1:
                raise ValueError(f"argument {index} ({marker!r}) is {len(found)} parameters of the SQL, not one")
            slots.append((found[0][0], index, found[0][1]))
        return queryset.model, sql, list(params), slots


def _same(value):
    return value


def _uuid_hex(value):
    return uuid.UUID(str(value)).hex  # SQLite keeps a UUID as 32 hex digits


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _conversions(marker):
    return (_uuid, _uuid_hex) if isinstance(marker, uuid.UUID) else (_same,)
