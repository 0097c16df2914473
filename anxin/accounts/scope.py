"""Data scope (J1): one function decides which sites a user sees; every selector uses it."""

from django.db.models import Q, QuerySet

from anxin.accounts.models import OrgUnit, User

_CACHE_ATTR = "_anxin_scope_unit_ids"


def visible_unit_ids(user: User) -> frozenset[int]:
    """Ids of the org units in the user's subtree (their unit and everything below it)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        ids: frozenset[int] = frozenset()
    elif user.is_superuser:
        ids = frozenset(OrgUnit.objects.values_list("id", flat=True))
    elif user.org_unit_id is None:
        ids = frozenset()
    else:
        root = user.org_unit
        ids = frozenset(OrgUnit.objects.filter(path__startswith=root.path).values_list("id", flat=True))
    setattr(user, _CACHE_ATTR, ids)
    return ids


def scope_filter(user: User, *, site_field: str = "site", owner_field: str | None = None) -> Q:
    """A Q that keeps rows of the user's sites; without `view_team_orders`, only their own."""
    q = Q(**{f"{site_field}_id__in": visible_unit_ids(user)})
    if owner_field and not user.has_perm("workorders.view_team_orders"):
        q &= Q(**{f"{owner_field}_id": user.id})
    return q


def scoped(qs: QuerySet, user: User, **kwargs) -> QuerySet:
    return qs.filter(scope_filter(user, **kwargs))


def can_see_unit(user: User, unit_id: int | None) -> bool:
    return unit_id is not None and unit_id in visible_unit_ids(user)
