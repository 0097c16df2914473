"""Data scope (J1): one function decides which sites a user sees; every selector uses it."""

from django.db.models import Q, QuerySet, Subquery

from anxin.accounts.models import OrgUnit, User
from anxin.core.compiled import AN_ID, CompiledRead

_CACHE_ATTR = "_anxin_scope_units"
# read on every staff page: compiled once per process (core.compiled)
_every_unit = CompiledRead(lambda: OrgUnit.objects.all())


def path_of(unit_id) -> Subquery:
    """The unit's materialised path, as a subquery: `…path__startswith=path_of(unit_id)` is its subtree."""
    return Subquery(OrgUnit.objects.filter(pk=unit_id).values("path"))


_subtree = CompiledRead(lambda unit_id: OrgUnit.objects.filter(path__startswith=path_of(unit_id)), AN_ID)


def visible_units(user: User) -> dict[int, OrgUnit]:
    """The org units of the user's subtree (their unit and everything below), read once per request."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        units: dict[int, OrgUnit] = {}
    elif user.is_superuser:
        units = {u.id: u for u in _every_unit()}
    elif user.org_unit_id is None:
        units = {}
    else:
        units = {u.id: u for u in _subtree(user.org_unit_id)}
    setattr(user, _CACHE_ATTR, units)
    return units


def visible_unit_ids(user: User) -> frozenset[int]:
    """Ids of the org units in the user's subtree."""
    return frozenset(visible_units(user))


def scope_filter(user: User, *, site_field: str = "site", owner_field: str | None = None) -> Q:
    """A Q that keeps rows of the user's sites; without `view_team_orders`, only their own."""
    q = Q(**{f"{site_field}_id__in": visible_unit_ids(user)})
    if owner_field and not user.has_perm("workorders.view_team_orders"):
        q &= Q(**{f"{owner_field}_id": user.id})
    return q


def in_scope(user: User, *, site_id: int | None, owner_id: int | None) -> bool:
    """`scope_filter(user, owner_field=…)` for one row already read (tested to agree with it)."""
    return can_see_unit(user, site_id) and (owner_id == user.id or user.has_perm("workorders.view_team_orders"))


def scoped(qs: QuerySet, user: User, **kwargs) -> QuerySet:
    return qs.filter(scope_filter(user, **kwargs))


def can_see_unit(user: User, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in visible_unit_ids(user)
