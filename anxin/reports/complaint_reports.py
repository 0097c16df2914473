"""H3 complaint reports: the figures of one period for one org unit (reads only; complaint_report_services stores).

Definitions (also in docs/reports.md):
- a complaint belongs to the period by its order's `received_at` (Beijing days, both ends included);
- resolved = the order has a resolution time; hours to resolve = resolved_at − received_at (calendar hours);
- on the promised date = resolved on or before the date the customer was told (`expected_resolution_on`);
- compensation paid = remedies approved and accepted by the customer (refund, compensation, gift), by kind;
- trend = the same figures of the period of the same kind just before.
Figures are stored as keys and numbers; labels are added when shown, in the reader's language.
"""

from datetime import date, timedelta
from decimal import Decimal
from statistics import median

from django.db.models import Count, Sum

from anxin.accounts.models import OrgUnit
from anxin.complaints.models import Case, Complaint, Proposal
from anxin.reports.periods import Period

LIST_LIMIT = 300


def units_under(unit: OrgUnit) -> list[int]:
    return list(OrgUnit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))


def period_of(kind: str, day: date) -> Period:
    """The month, quarter or half-year that holds `day`."""
    months = {"monthly": 1, "quarterly": 3, "half_year": 6}[kind]
    first_month = (day.month - 1) // months * months + 1
    since = date(day.year, first_month, 1)
    after = date(since.year + (first_month + months > 12), (first_month + months - 1) % 12 + 1, 1)
    return Period(since, after - timedelta(days=1))


def last_complete(kind: str, today: date) -> Period:
    """The latest period of this kind that has ended before today."""
    current = period_of(kind, today)
    return period_of(kind, current.since - timedelta(days=1))


def _share(n: int, total: int) -> float | None:
    return round(n * 100 / total, 1) if total else None


def _counts(qs, field: str, total: int) -> list[dict]:
    rows = qs.values(field).annotate(n=Count("id")).order_by("-n", field)
    return [{"key": r[field], "n": r["n"], "share": _share(r["n"], total)} for r in rows]


def _complaints(unit_ids: list[int], period: Period):
    return Complaint.objects.filter(work_order__site_id__in=unit_ids, work_order__received_at__gte=period.start,
                                    work_order__received_at__lt=period.end)


def _summary(unit_ids: list[int], period: Period) -> dict:
    qs = _complaints(unit_ids, period)
    total = qs.count()
    rows = list(qs.values_list("work_order__received_at", "work_order__resolved_at", "expected_resolution_on"))
    hours = [(resolved - received).total_seconds() / 3600 for received, resolved, _e in rows if resolved]
    promised = [(resolved, expected) for _r, resolved, expected in rows if resolved and expected]
    on_promise = sum(1 for resolved, expected in promised if resolved.astimezone(period.start.tzinfo).date() <= expected)
    paid = (Proposal.objects.filter(complaint__in=qs, approval=Proposal.Approval.APPROVED,
                                    answer=Proposal.Answer.ACCEPTED)
            .exclude(kind=Proposal.Kind.APOLOGY).values("kind").annotate(n=Count("id"), amount=Sum("amount"))
            .order_by("kind"))
    paid = [{"key": p["kind"], "n": p["n"], "amount": f"{p['amount'] or Decimal('0'):.2f}"} for p in paid]
    return {
        "total": total,
        "by_category": _counts(qs, "category", total),
        "by_severity": _counts(qs, "severity", total),
        # the root cause the department's handling form named; complaints still open have none yet
        "by_cause": _counts(qs.exclude(cause=""), "cause", total),
        "cause_unknown": qs.filter(cause="").count(),
        "by_unit": [{"key": r["work_order__site__name"], "n": r["n"], "share": _share(r["n"], total)}
                    for r in qs.values("work_order__site__name").annotate(n=Count("id"))
                    .order_by("-n", "work_order__site__name")],
        "group": qs.filter(is_group=True).count(),
        "media": qs.filter(media_threat=True).count(),
        "about_staff": qs.exclude(about_staff=None).count(),
        "resolved": len(hours),
        "open": total - len(hours),
        "hours_mean": round(sum(hours) / len(hours), 1) if hours else None,
        "hours_median": round(median(hours), 1) if hours else None,
        "promised": len(promised),
        "on_promise": on_promise,
        "on_promise_rate": _share(on_promise, len(promised)),
        "paid": paid,
        "paid_total": f"{sum((Decimal(p['amount']) for p in paid), Decimal('0')):.2f}",
    }


def complaint_figures(*, kind: str, unit: OrgUnit, period: Period) -> dict:
    """Everything the report shows, as plain data (stored with the report)."""
    unit_ids = units_under(unit)
    now = _summary(unit_ids, period)
    before = _summary(unit_ids, period_of(kind, period.since - timedelta(days=1)))
    categories = {r["key"]: r["n"] for r in before["by_category"]}
    trend = [{"key": r["key"], "n": r["n"], "before": categories.get(r["key"], 0)} for r in now["by_category"]]
    trend += [{"key": k, "n": 0, "before": n} for k, n in categories.items() if k not in {r["key"] for r in trend}]
    qs = _complaints(unit_ids, period)
    cases = [{"title": c.title, "lesson": c.lesson, "number": c.complaint.work_order.number}
             for c in Case.objects.filter(complaint__in=qs).select_related("complaint__work_order")
             .order_by("created_at")]
    if kind == "half_year":  # the case review tells each case: what happened, why, what was done, the lesson
        cases = _case_review(qs)
    listing = []
    if kind == "monthly":
        paid_by_complaint = dict(Proposal.objects.filter(
            complaint__in=qs, approval=Proposal.Approval.APPROVED, answer=Proposal.Answer.ACCEPTED)
            .values("complaint").annotate(s=Sum("amount")).values_list("complaint", "s"))
        for c in qs.select_related("work_order__site").order_by("work_order__received_at", "id")[:LIST_LIMIT]:
            o = c.work_order
            listing.append({
                "number": o.number, "received": o.received_at.astimezone(period.start.tzinfo).strftime("%m-%d %H:%M"),
                "unit": o.site.name, "category": c.category, "severity": c.severity, "status": o.status,
                "days": round((o.resolved_at - o.received_at).total_seconds() / 86400, 1) if o.resolved_at else None,
                "paid": f"{paid_by_complaint[c.pk]:.2f}" if paid_by_complaint.get(c.pk) else "",
            })
    return {"now": now, "before": {"total": before["total"], "resolved": before["resolved"],
                                   "hours_mean": before["hours_mean"], "paid_total": before["paid_total"]},
            "change": _share(now["total"] - before["total"], before["total"]), "trend": trend, "cases": cases,
            "list": listing, "list_limited": kind == "monthly" and now["total"] > LIST_LIMIT}


def _case_review(complaints) -> list[dict]:
    """The half-year's published cases as the review reads them (the case's own anonymised story, never the
    complaint's text): category, root cause, remedies the customer accepted, corrective and preventive actions."""
    found = (Case.objects.filter(complaint__in=complaints).select_related("complaint__work_order")
             .prefetch_related("complaint__proposals", "complaint__actions").order_by("created_at"))
    out = []
    for case in found:
        c = case.complaint
        remedies = [p.measures for p in c.proposals.all()
                    if p.approval == Proposal.Approval.APPROVED and p.answer == Proposal.Answer.ACCEPTED]
        out.append({"number": c.work_order.number, "title": case.title, "story": case.story, "lesson": case.lesson,
                    "category": c.category, "cause": c.cause, "remedies": remedies,
                    "actions": [{"kind": a.kind, "description": a.description, "due": a.due_on.isoformat(),
                                 "done": a.done_at is not None} for a in c.actions.all()]})
    return out


# --- reading stored reports ------------------------------------------------------------------------------------

def complaint_reports_for(*, user):
    from anxin.accounts.scope import visible_unit_ids
    from anxin.reports.models import ComplaintReport

    return ComplaintReport.objects.filter(unit_id__in=visible_unit_ids(user)).select_related("unit", "generated_by")


def complaint_report_get_for(*, user, pk: int):
    from anxin.core.errors import NotFound

    report = complaint_reports_for(user=user).filter(pk=pk).first()
    if report is None:
        raise NotFound()
    return report


def labelled(report) -> dict:
    """The stored figures with labels in the reader's language (for the page, the sheet and the PDF)."""
    from anxin.workorders.states import Status

    f = report.figures
    names = {"category": dict(Complaint.Category.choices), "severity": dict(Complaint.Severity.choices),
             "cause": dict(Complaint.Cause.choices), "paid": dict(Proposal.Kind.choices), "status": dict(Status.choices)}

    def rows(items, kind):
        return [{**r, "label": str(names[kind].get(r["key"], r["key"]))} for r in items]

    now = f["now"]
    cases = [{**c, "category": str(names["category"].get(c["category"], c["category"])),
              "cause": str(names["cause"].get(c["cause"], c["cause"])) if c["cause"] else ""}
             if "story" in c else c for c in f["cases"]]
    return {**f, "now": {**now, "by_category": rows(now["by_category"], "category"),
                         "by_severity": rows(now["by_severity"], "severity"),
                         "by_cause": rows(now.get("by_cause", []), "cause"),  # reports made before causes: none
                         "paid": rows(now["paid"], "paid")},
            "cases": cases,
            "trend": rows(f["trend"], "category"),
            "list": [{**r, "category": str(names["category"].get(r["category"], r["category"])),
                      "severity": str(names["severity"].get(r["severity"], r["severity"])),
                      "status": str(names["status"].get(r["status"], r["status"]))} for r in f["list"]]}
