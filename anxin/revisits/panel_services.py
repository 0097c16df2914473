"""F5: fixed-customer panels — members, one survey per member per quarter, the trend per aspect.
The only writer of Panel, PanelMember and PanelSurvey."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, NotFound, PermissionDeniedError, domain_error_from
from anxin.customers.models import Customer
from anxin.revisits.models import Panel, PanelMember, PanelSurvey, Revisit
from anxin.revisits.services import ASPECTS, MAX_ATTEMPTS, apply_scores, save_scored


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(quarter: str) -> datetime:
    year, q = int(quarter[:4]), int(quarter[-1])
    first_next = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return timezone.make_aware(datetime.combine(first_next - timedelta(days=1), time(17, 30)))


def _manage(actor: User, site: OrgUnit) -> None:
    if not actor.has_perm("workorders.view_team_orders") or not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    if not can_see_unit(actor, site.pk):
        raise NotFound()


def panel_create(*, name: str, site: OrgUnit, actor: User) -> Panel:
    _manage(actor, site)
    panel = Panel(name=name.strip(), site=site)
    try:
        panel.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    panel.save()
    audit_record(actor=actor, action="create", object_type="revisits.panel", object_id=panel.pk, summary=panel.name)
    return panel


def panel_add(*, panel: Panel, customer: Customer, actor: User) -> PanelMember:
    """Add a customer of the panel's site (or bring a removed member back); this quarter's survey follows."""
    _manage(actor, panel.site)
    if customer.site_id != panel.site_id:
        raise DomainError(ErrorCode.INVALID, _("The customer belongs to another site."), {"field": "customer"})
    with transaction.atomic():
        member, created = PanelMember.objects.get_or_create(panel=panel, customer=customer)
        if not created and member.removed_at:
            member.removed_at = None
            member.save(update_fields=["removed_at"])
        audit_record(actor=actor, action="update", object_type="revisits.panel", object_id=panel.pk,
                     summary=f"{panel.name} + {customer.name}")
        panels_schedule(panels=[panel])
    return member


def panel_remove(*, member: PanelMember, actor: User) -> PanelMember:
    """A member leaves: past surveys stay in the trend, an open one is dropped."""
    _manage(actor, member.panel.site)
    with transaction.atomic():
        member.removed_at = timezone.now()
        member.save(update_fields=["removed_at"])
        PanelSurvey.objects.filter(member=member, status=Revisit.Status.PENDING).delete()
        audit_record(actor=actor, action="update", object_type="revisits.panel", object_id=member.panel_id,
                     summary=f"{member.panel.name} - {member.customer.name}")
    return member


def panels_schedule(*, today: date | None = None, panels: list[Panel] | None = None) -> int:
    """Make this quarter's survey for every current member of every active panel. Idempotent (the worker runs it)."""
    quarter = quarter_of(today or timezone.localdate())
    members = PanelMember.objects.filter(removed_at__isnull=True, panel__is_active=True)
    if panels is not None:
        members = members.filter(panel__in=panels)
    have = set(PanelSurvey.objects.filter(quarter=quarter, member__in=members).values_list("member_id", flat=True))
    due = quarter_end(quarter)
    rows = [PanelSurvey(member_id=m, quarter=quarter, due_at=due) for m in members.values_list("id", flat=True)
            if m not in have]
    PanelSurvey.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def panel_survey_record(*, survey: PanelSurvey, actor: User, reached: bool, scores: dict | None = None,
                        comments: str = "") -> PanelSurvey:
    """One call to a panel member: not reached (at most three calls), or scores 1–5 per aspect and overall."""
    _manage(actor, survey.member.panel.site)
    with transaction.atomic():
        locked = PanelSurvey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != Revisit.Status.PENDING:
            raise DomainError(ErrorCode.CONFLICT, _("This survey is already finished."), status=409)
        locked.attempts += 1
        locked.agent = actor
        now = timezone.now()
        if not reached:
            if locked.attempts >= MAX_ATTEMPTS:
                locked.status, locked.done_at = Revisit.Status.NOT_REACHED, now
        else:
            apply_scores(locked, scores, comments)
            locked.status, locked.done_at = Revisit.Status.DONE, now
        save_scored(locked)
        audit_record(actor=actor, action="update", object_type="revisits.panelsurvey", object_id=locked.pk,
                     summary=f"{locked.member.panel.name} {locked.quarter}", data={a: getattr(locked, a) for a in ASPECTS})
    return locked
