"""Management reports (H1–H6): thin views over reports.selectors / staff / register."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from anxin.accounts import selectors as account_selectors
from anxin.audit.exports import xlsx_export
from anxin.core.errors import DomainError, NotFound
from anxin.customers.selectors import phone_for_display
from anxin.reports import register as register_selectors
from anxin.reports import selectors, staff
from anxin.reports.forms import RegisterForm, ReportFilterForm, StaffFilterForm
from anxin.reports.selectors import ReportFilters

STAFF_ORDERS_LIMIT = 500
AGENT_COLUMNS = [("contacts", gettext_lazy("Contacts handled")), ("created", gettext_lazy("Orders taken")),
                 ("first_response", gettext_lazy("First response (min)")), ("handling", gettext_lazy("Handling time (min)")),
                 ("satisfaction", gettext_lazy("Satisfaction (CSI)")), ("qa", gettext_lazy("QA score"))]
TECH_COLUMNS = [("completed", gettext_lazy("Completed")), ("on_time_rate", gettext_lazy("On-time arrival")),
                ("rework_rate", gettext_lazy("Rework rate")), ("hours_ratio", gettext_lazy("Standard / actual hours")),
                ("satisfaction", gettext_lazy("Satisfaction (CSI)")), ("revisit_complaints", gettext_lazy("Revisit complaints"))]
METRIC_LABELS = {"created": gettext_lazy("Orders taken"), "first_response": gettext_lazy("First response (min)"),
                 "satisfaction": gettext_lazy("Satisfaction (CSI)"), "completed": gettext_lazy("Completed"),
                 "arrivals": gettext_lazy("Arrivals with an agreed window"), "rework": gettext_lazy("Reworked"),
                 "revisit_complaints": gettext_lazy("Revisit complaints")}


def exporting(perm: str):
    """An export: GET, signed in, the report's own permission and the export permission (J4)."""
    def wrap(view):
        for decorate in (permission_required("workorders.export_workorders", raise_exception=True),
                         permission_required(perm, raise_exception=True), login_required, require_GET):
            view = decorate(view)
        return view
    return wrap


def _with_period(request, form_class) -> QueryDict:
    """The query with the default period filled in, so the form shows the dates the figures are for."""
    data = request.GET.copy()
    today = timezone.localdate()
    if not data.get("since"):
        data["since"] = form_class.default_since(today).isoformat()
    if not data.get("until"):
        data["until"] = today.isoformat()
    return data


def _filters(request, form_class=ReportFilterForm):
    sites = account_selectors.site_list_for(user=request.user)
    form = form_class(_with_period(request, form_class), sites=sites)
    period = form.period()
    data = form.valid_data()
    filters = ReportFilters(period=period, grain=form.chosen_grain(period), site=form.sites.get(data.get("site") or ""),
                            type=data.get("type") or "")
    return form, filters


def _filter_dict(filters: ReportFilters) -> dict:
    return {"since": filters.period.since.isoformat(), "until": filters.period.until.isoformat(),
            "site": filters.site.code if filters.site else "", "type": filters.type}


def _pct(value) -> str:
    return "" if value is None else f"{value}%"


@require_GET
@login_required
@permission_required("reports.view_dashboard", raise_exception=True)
def dashboard(request):
    """H1: volume, backlog, promises, complaints and service quality for a period, site and type."""
    form, filters = _filters(request)
    data = selectors.dashboard(user=request.user, filters=filters)
    return render(request, "reports/dashboard.html", {"form": form, "filters": filters, **data,
                                                      "backlog_rows": data["backlog"]["ages"],
                                                      "charts": _charts(data), "query": request.GET.urlencode()})


def _series(rows, label="label", value="n") -> dict:
    return {"labels": [str(r.get(label, r.get("key"))) for r in rows], "values": [r[value] for r in rows],
            "urls": [r.get("url", "") for r in rows]}


def _charts(data: dict) -> dict:
    """What reports.js draws: one series per chart; a bar's url is its drill-down into the queue."""
    volume = data["volume"]
    return {"by_bucket": _series(volume["by_bucket"], label="key"), "by_type": _series(volume["by_type"]),
            "by_channel": _series(volume["by_channel"]), "by_site": _series(volume["by_site"]),
            "backlog": _series(data["backlog"]["ages"]),
            "sla": {**_series(data["sla"], value="attainment"), "urls": []}}


@exporting("reports.view_dashboard")
def dashboard_export(request):
    form, filters = _filters(request)
    d = selectors.dashboard(user=request.user, filters=filters)

    def rows():
        yield (_("Period"), f"{filters.period.since} – {filters.period.until}")
        yield (_("Orders received"), d["volume"]["total"])
        for title, key in ((_("By period"), "by_bucket"), (_("By type"), "by_type"), (_("By channel"), "by_channel"),
                           (_("By site"), "by_site")):
            yield (title,)
            for r in d["volume"][key]:
                yield (r.get("label", r["key"]), r["n"], _pct(r.get("share")))
        yield (_("Backlog (open now)"), d["backlog"]["total"])
        for r in d["backlog"]["ages"]:
            yield (r["label"], r["n"])
        yield (_("Promises"), _("Total"), _("Met on time"), _("Met late"), _("Broken"), _("Still open"),
               _("Attainment"))
        for r in d["sla"]:
            yield (r["label"], r["total"], r["met_on_time"], r["met_late"], r["breached"], r["open"],
                   _pct(r["attainment"]))
        c, q = d["complaints"], d["quality"]
        yield (_("Complaints"), c["total"])
        yield (_("Complaint timeliness"), _pct(c["timeliness"]))
        yield (_("Repeat complaints"), c["repeat"], _pct(c["repeat_rate"]))
        yield (_("Complaints per 10,000 customers"), c["per_10k_customers"])
        yield (_("Urge rate"), q["urged"], _pct(q["urge_rate"]))
        yield (_("First-contact resolution"), q["first_time"], _pct(q["fcr"]))
        yield (_("Revisit coverage"), q["revisits_on_time"], _pct(q["revisit_coverage"]))
        yield (_("Satisfaction (CSI)"), q["scores"], q["csi"])

    return xlsx_export(request=request, filename="dashboard", title=_("Service dashboard"), rows=rows(),
                       headers=[_("Figure"), _("Value"), _("Share")], object_type="reports.dashboard",
                       filters=_filter_dict(filters))


@require_GET
@login_required
@permission_required("reports.view_dashboard", raise_exception=True)
def types(request):
    """S3 篇9: the 95598 type table — count, share of requests, share of all contacts."""
    form, filters = _filters(request)
    return render(request, "reports/types.html", {"form": form, "filters": filters, "query": request.GET.urlencode(),
                                                  "table": selectors.type_statistics(user=request.user,
                                                                                     filters=filters)})


@exporting("reports.view_dashboard")
def types_export(request):
    form, filters = _filters(request)
    t = selectors.type_statistics(user=request.user, filters=filters)

    def rows():
        for r in t["rows"]:
            yield (r["label"], r["n"], _pct(r["share_requests"]), _pct(r["share_contacts"]))
        yield (_("All requests"), t["requests"], _pct(100.0 if t["requests"] else None), _pct(t["requests_share"]))
        yield (_("Chased an open order (urge)"), t["urges"], "", _pct(t["urges_share"]))
        yield (_("Contacts without an order"), t["no_order"], "", _pct(t["no_order_share"]))
        yield (_("All contacts"), t["contacts"], "", _pct(100.0 if t["contacts"] else None))

    return xlsx_export(request=request, filename="request-types", title=_("Request types"), rows=rows(),
                       headers=[_("Type"), _("Count"), _("Share of requests"), _("Share of contacts")],
                       object_type="reports.types", filters=_filter_dict(filters))


def _staff_tables(request):
    form, filters = _filters(request, StaffFilterForm)
    sort = form.valid_data().get("sort") or ""
    role, _sep, key = sort.partition(":")
    with selectors.read_once():
        scores = staff.period_scores(user=request.user, filters=filters)  # one read for both tables
        agents = staff.agent_performance(user=request.user, filters=filters, scores=scores)
        technicians = staff.technician_performance(user=request.user, filters=filters, scores=scores)
    agents = staff.sort_rows(agents, key if role == "agent" else "", "agent")
    technicians = staff.sort_rows(technicians, key if role == "technician" else "", "technician")
    return form, filters, agents, technicians, sort


@require_GET
@login_required
@permission_required("reports.view_staff_performance", raise_exception=True)
def staff_performance(request):
    """H2: agents and technicians for the period, sortable, every number linked to the orders behind it."""
    form, filters, agents, technicians, sort = _staff_tables(request)
    query = request.GET.copy()
    query.pop("sort", None)
    return render(request, "reports/staff.html", {"form": form, "filters": filters, "agents": agents,
                                                  "agent_columns": AGENT_COLUMNS, "tech_columns": TECH_COLUMNS,
                                                  "technicians": technicians, "sort": sort,
                                                  "query": query.urlencode(), "full_query": request.GET.urlencode()})


@exporting("reports.view_staff_performance")
def staff_export(request):
    form, filters, agents, technicians, _sort = _staff_tables(request)

    def rows():
        yield (_("Agents"),)
        yield (_("Name"), _("Contacts handled"), _("Orders taken"), _("First response (min)"),
               _("Handling time (min)"), _("Satisfaction (CSI)"))
        for r in agents:
            yield (str(r["person"]), r["contacts"], r["created"], r["first_response"], r["handling"], r["satisfaction"])
        yield (_("Technicians"),)
        yield (_("Name"), _("Completed"), _("On-time arrival"), _("Rework rate"), _("Standard hours"),
               _("Actual hours"), _("Satisfaction (CSI)"), _("Revisit complaints"))
        for r in technicians:
            yield (str(r["person"]), r["completed"], _pct(r["on_time_rate"]), _pct(r["rework_rate"]),
                   r["standard_hours"], r["actual_hours"], r["satisfaction"], r["revisit_complaints"])

    return xlsx_export(request=request, filename="staff-performance", title=_("Staff performance"), rows=rows(),
                       headers=[_("Staff performance"), f"{filters.period.since} – {filters.period.until}"],
                       object_type="reports.staff", filters=_filter_dict(filters))


@require_GET
@login_required
@permission_required("reports.view_staff_performance", raise_exception=True)
def staff_orders(request):
    """The orders behind one number of the staff table."""
    form, filters = _filters(request)
    role = request.GET.get("role", "")
    metric = request.GET.get("metric", "")
    metrics = staff.AGENT_METRICS if role == "agent" else staff.TECH_METRICS if role == "technician" else ()
    if metric not in metrics:
        raise NotFound()
    person = account_selectors.staff_get_for(user=request.user, username=request.GET.get("who", "")[:150])
    qs = (staff.metric_orders(user=request.user, filters=filters, person=person, role=role, metric=metric)
          .select_related("site", "customer").order_by("-received_at", "-id"))
    orders = list(qs[:STAFF_ORDERS_LIMIT + 1])
    return render(request, "reports/staff_orders.html", {
        "form": form, "filters": filters, "person": person, "metric": metric, "role": role,
        "metric_label": METRIC_LABELS[metric],
        "orders": orders[:STAFF_ORDERS_LIMIT], "more": len(orders) > STAFF_ORDERS_LIMIT})


def _register(request):
    user = request.user
    agents = register_selectors.register_agents_for(user)
    if not agents:
        raise PermissionDenied
    form = RegisterForm(_with_period(request, RegisterForm), agents=agents)
    period = form.period()
    chosen = form.valid_data().get("agent")
    agent = form.agents.get(chosen or "") or (user if user in agents else agents[0])
    rows = register_selectors.daily_register(user=user, agent=agent, period=period)
    return form, agent, period, rows


@require_GET
@login_required
def register(request):
    """H6: the agent's contacts of a day with their outcomes, follow-ups first; printable."""
    form, agent, period, rows = _register(request)
    for row in rows:
        row.phone = phone_for_display(request.user, row.log.phone)
    return render(request, "reports/register.html", {
        "form": form, "agent": agent, "period": period, "rows": rows, "summary": register_selectors.summary(rows),
        "follow_ups": sum(r.follow_up for r in rows), "query": request.GET.urlencode()})


@require_GET
@login_required
@permission_required("workorders.export_workorders", raise_exception=True)
def register_export(request):
    form, agent, period, rows = _register(request)
    user = request.user

    def out():
        for r in rows:
            log = r.log
            yield (log.received_at, log.get_channel_display(), log.get_category_display(),
                   log.customer.name if log.customer else log.caller_name, phone_for_display(user, log.phone),
                   log.content, r.outcome_label, log.work_order.number if log.work_order else "",
                   r.callback.due_at if r.callback else None, log.result)

    return xlsx_export(request=request, filename="daily-register", title=_("Daily register"), rows=out(),
                       headers=[_("Time"), _("Channel"), _("Call category"), _("Customer"), _("Phone"), _("Content"),
                                _("Outcome"), _("Work order"), _("Call back by"), _("Result")],
                       object_type="reports.register",
                       filters={"agent": agent.username, "since": period.since.isoformat(),
                                "until": period.until.isoformat()})


# --- H3 complaint reports ------------------------------------------------------------------------------------

@login_required
@permission_required("reports.view_dashboard", raise_exception=True)
def complaint_reports(request):
    """The stored reports of the viewer's units, and a report made now for any month, quarter or half-year."""
    from anxin.accounts.scope import visible_units
    from anxin.reports import complaint_report_services, complaint_reports
    from anxin.reports.forms import ComplaintReportForm

    units = sorted(visible_units(request.user).values(), key=lambda u: u.path)
    form = ComplaintReportForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            report = complaint_report_services.report_generate(
                kind=form.cleaned_data["kind"], unit=form.cleaned_data["unit"], day=form.cleaned_data["day"],
                actor=request.user)
            return redirect("reports:complaint-report", pk=report.pk)
        except DomainError as exc:
            form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, str(exc))
    reports = list(complaint_reports.complaint_reports_for(user=request.user)[:200])
    return render(request, "reports/complaint_reports.html", {"form": form, "reports": reports},
                  status=400 if request.method == "POST" else 200)


@require_GET
@login_required
@permission_required("reports.view_dashboard", raise_exception=True)
def complaint_report(request, pk):
    from anxin.reports import complaint_reports
    from anxin.reports.pdf import page_sections

    report = complaint_reports.complaint_report_get_for(user=request.user, pk=pk)
    figures = complaint_reports.labelled(report)
    return render(request, "reports/complaint_report.html", {"report": report, "f": figures,
                                                               "sections": page_sections(report, figures)})


@exporting("reports.view_dashboard")
def complaint_report_xlsx(request, pk):
    from anxin.reports import complaint_reports
    from anxin.reports.pdf import sections

    report = complaint_reports.complaint_report_get_for(user=request.user, pk=pk)
    parts = sections(report, complaint_reports.labelled(report))

    def rows():
        for title, headers, body in parts:
            yield (f"【{title}】",)
            yield tuple(headers)
            yield from body
            yield ()

    return xlsx_export(request=request, filename=f"complaints-{report.kind}-{report.since}", rows=rows(),
                       title=f"{report.get_kind_display()} {report.since}", headers=[report.unit.name],
                       object_type="reports.complaintreport", filters={"report": report.pk})


@require_GET
@login_required
@permission_required("reports.view_dashboard", raise_exception=True)
@permission_required("workorders.export_workorders", raise_exception=True)
def complaint_report_pdf(request, pk):
    from anxin.audit.services import audit_record
    from anxin.reports import complaint_reports
    from anxin.reports.pdf import complaint_report_pdf as render_pdf

    report = complaint_reports.complaint_report_get_for(user=request.user, pk=pk)
    data = render_pdf(report=report, figures=complaint_reports.labelled(report), viewer=request.user)
    audit_record(actor=request.user, action="export", object_type="reports.complaintreport", object_id=str(report.pk),
                 summary=f"PDF {report.kind} {report.since}", request=request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="complaints-{report.kind}-{report.since}.pdf"'
    return response


# --- history import ----------------------------------------------------------------------------------------------

@login_required
@permission_required("reports.import_history", raise_exception=True)
def history_upload(request):
    """Upload → every row checked (dry run) → a page to confirm; the worker imports."""
    from anxin.reports import history_services
    from anxin.reports.forms import HistoryUploadForm

    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            job, report = history_services.history_upload(actor=request.user, upload=form.cleaned_data["file"])
            if job is not None:
                return redirect("reports:history-job", pk=job.pk)
        except DomainError as exc:
            form.add_error("file", str(exc))
    return render(request, "reports/history_upload.html", {"form": form, "report": report},
                  status=400 if request.method == "POST" else 200)


@login_required
@permission_required("reports.import_history", raise_exception=True)
def history_job(request, pk):
    from anxin.reports import history_services
    from anxin.reports.models import HistoryImport

    job = history_services.history_job_get_for(user=request.user, pk=pk)
    if request.method == "POST" and request.POST.get("confirm"):
        history_services.history_confirm(job=job, actor=request.user)
        return redirect("reports:history-job", pk=job.pk)
    return render(request, "reports/history_job.html", {
        "job": job, "waiting": job.state in (HistoryImport.State.QUEUED, HistoryImport.State.RUNNING)})
