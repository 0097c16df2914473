from django.db.models import Q, QuerySet

from anxin.accounts.models import ApiToken, LanguageSkill, OnDuty, OrgUnit, User
from anxin.accounts.scope import path_of, visible_unit_ids, visible_units
from anxin.core.choices import remembered
from anxin.core.compiled import AN_ID, CompiledRead
from anxin.core.errors import NotFound


def orgunit_list_for(*, user: User) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(id__in=visible_unit_ids(user))


def site_list_for(*, user: User) -> list[OrgUnit]:
    """The sites of the user's subtree, in the tree's order: from the units read once per request (no query)."""
    return sorted((u for u in visible_units(user).values() if u.kind == OrgUnit.Kind.SITE), key=lambda u: u.path)


def orgunit_get_for(*, user: User, code: str) -> OrgUnit:
    unit = next((u for u in visible_units(user).values() if u.code == code), None) if code else None
    if unit is None:
        raise NotFound()
    return unit


# the queue's owner filter on every view: compiled once per process (core.compiled); the subtree as in scope.py
_staff_below = CompiledRead(lambda unit_id: User.objects.filter(is_active=True, org_unit__path__startswith=path_of(unit_id))
                           .select_related("org_unit").order_by("org_unit__path", "username"), AN_ID)
_all_staff = CompiledRead(lambda: User.objects.filter(is_active=True, org_unit__isnull=False)
                          .select_related("org_unit").order_by("org_unit__path", "username"))


def staff_list_for(*, user: User) -> list[User]:
    """Colleagues the user may assign to: active staff of the user's subtree (`visible_units`, tested alike)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return _all_staff()
    return _staff_below(user.org_unit_id) if user.org_unit_id is not None else []


def staff_shown_to(*, user: User) -> list[User]:
    """`staff_list_for` as the queue's owner filter and its assign list show it, kept in the process for a minute
    (core.choices.remembered: a save of a user or unit here clears it) — read on every view of the queue. Only for
    what is shown: a submitted name is looked up again by `staff_get_for`."""
    if not user.is_authenticated or not user.is_active:
        return []
    return remembered(f"staff:{user.is_superuser}:{user.org_unit_id}", lambda: staff_list_for(user=user),
                      models=(User, OrgUnit))


def members_of(*, users: list[User], roles: list[str]) -> set[int]:
    """Ids of those users who hold one of the roles (one query)."""
    return set(User.objects.filter(pk__in=[u.pk for u in users], groups__name__in=roles).values_list("pk", flat=True))


def staff_get_for(*, user: User, username: str) -> User:
    found = User.objects.filter(is_active=True, username=username, org_unit_id__in=visible_unit_ids(user)).first()
    if found is None:
        raise NotFound()
    return found


def api_token_list_for(*, user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


def api_token_get_for(*, user: User, prefix: str) -> ApiToken:
    """One of the user's own live tokens; NotFound for anyone else's."""
    token = ApiToken.objects.filter(user=user, prefix=prefix, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound()
    return token


def agent_by_username(username: str) -> User | None:
    """The active staff member a CTI switch names (the switch is not a user, so no scope applies)."""
    return User.objects.filter(username=username, is_active=True).first() if username else None


def on_duty_for(*, site_id: int) -> list[User]:
    """A9: who is on duty for a site's emergencies: dispatchers and service managers of the site and above,
    plus the site's technicians on today's duty roster (OnDuty: nights, holidays)."""
    from django.utils import timezone

    site = OrgUnit.objects.get(pk=site_id)
    ancestors = site.ancestor_ids
    roster = OnDuty.objects.filter(day=timezone.localdate(), technician__org_unit_id=site_id)
    return list(User.objects.filter(
        Q(org_unit_id__in=ancestors, groups__name__in=["dispatcher", "service_manager"])
        | Q(pk__in=roster.values("technician_id")), is_active=True).distinct())


def is_on_duty(*, technician: User, day) -> bool:
    """On the duty roster that day (a night or a holiday shift)."""
    return OnDuty.objects.filter(technician=technician, day=day).exists()


def name_for_customers(user: User | None) -> str:
    """What a customer may know of a staff member: the display name, never a username or a phone."""
    return (user.display_name or user.first_name or "") if user is not None else ""


def leads_for(*, site_id: int) -> list[User]:
    """The shift leads of a site: its dispatchers and service managers, and those above it."""
    ancestors = OrgUnit.objects.get(pk=site_id).ancestor_ids
    return list(User.objects.filter(groups__name__in=["dispatcher", "service_manager"], is_active=True,
                                    org_unit_id__in=ancestors).distinct())


def languages_of(*, user: User) -> dict[str, int]:
    """A12: the languages this agent serves customers in, with their level."""
    return dict(LanguageSkill.objects.filter(user=user).values_list("language", "level"))


def skilled_staff_for(*, site_id: int, language: str) -> list[User]:
    """A12: active desk staff of a site (or above it) who serve customers in `language`, the best level first."""
    ancestors = OrgUnit.objects.get(pk=site_id).ancestor_ids
    skills = (LanguageSkill.objects.filter(language=language, user__is_active=True, user__org_unit_id__in=ancestors)
              .select_related("user").order_by("-level", "user__username"))
    return [s.user for s in skills if s.user.has_perm("workorders.change_workorder")]
