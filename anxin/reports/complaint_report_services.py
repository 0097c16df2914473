"""H3: complaint reports made on demand or by the worker on the admin's schedule, stored, and announced."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.notifications.services import notify
from anxin.reports.complaint_reports import complaint_figures, last_complete, period_of
from anxin.reports.models import ComplaintReport, ComplaintReportSchedule
from anxin.reports.periods import Period


def report_generate(*, kind: str, unit: OrgUnit, day: date, actor: User | None = None) -> ComplaintReport:
    """The report of the month / quarter / half-year holding `day`, for `unit` and everything below it. Asked for
    again, it is made again from today's data (one row per kind, unit and period); `actor` None is the scheduler."""
    if kind not in ComplaintReport.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a kind of report."), {"field": "kind"})
    if actor is not None and not (actor.has_perm("reports.view_dashboard") and can_see_unit(actor, unit.pk)):
        raise PermissionDeniedError()
    period = period_of(kind, day)
    if period.since > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("That period has not begun yet."), {"field": "day"})
    figures = complaint_figures(kind=kind, unit=unit, period=period)
    with transaction.atomic():
        report, created = ComplaintReport.objects.select_for_update().get_or_create(
            kind=kind, unit=unit, since=period.since, until=period.until,
            defaults={"figures": figures, "generated_by": actor})
        if not created:
            report.figures, report.generated_by, report.generated_at = figures, actor, timezone.now()
            report.save(update_fields=["figures", "generated_by", "generated_at"])
        audit_record(actor=actor, action="create" if created else "update", object_type="reports.complaintreport",
                     object_id=str(report.pk), summary=f"{kind} {unit.code} {period.since}–{period.until}: "
                                                       f"{figures['now']['total']}")
    return report


def _announce(report: ComplaintReport, schedule: ComplaintReportSchedule) -> None:
    title = _("%(kind)s %(since)s – %(until)s for %(unit)s is ready") % {
        "kind": report.get_kind_display(), "since": report.since, "until": report.until, "unit": report.unit.name}
    recipients = [u for u in schedule.subscribers.all() if u.is_active and can_see_unit(u, report.unit_id)]
    notify(recipients=recipients, kind="complaint_report", subject=title,
           body=_("%(n)d complaints in the period.") % {"n": report.figures["now"]["total"]},
           dedupe_key=f"complaint-report-{report.pk}",
           url=reverse("reports:complaint-report", kwargs={"pk": report.pk}))


def schedules_run(*, today: date | None = None) -> list[ComplaintReport]:
    """Daily: each active schedule whose day has come makes the report of the period that just ended — once, even
    when two workers run this together (the unique report row decides), and tells its subscribers once."""
    today = today or timezone.localdate()
    made = []
    for schedule in ComplaintReportSchedule.objects.filter(is_active=True).select_related("unit"):
        period: Period = last_complete(schedule.kind, today)
        due = (period.until + timedelta(days=1)).replace(day=schedule.day)  # that day of the month after the period
        if today < due:
            continue
        if ComplaintReport.objects.filter(kind=schedule.kind, unit=schedule.unit, since=period.since,
                                          until=period.until).exists():
            continue
        figures = complaint_figures(kind=schedule.kind, unit=schedule.unit, period=period)
        try:
            with transaction.atomic():
                report = ComplaintReport.objects.create(kind=schedule.kind, unit=schedule.unit, since=period.since,
                                                        until=period.until, figures=figures)
                audit_record(actor=None, action="create", object_type="reports.complaintreport",
                             object_id=str(report.pk), summary=f"scheduled {schedule.kind} {schedule.unit.code} "
                                                               f"{period.since}–{period.until}")
                _announce(report, schedule)
        except IntegrityError:
            continue  # another worker made it a moment ago; it told the subscribers
        made.append(report)
    return made
