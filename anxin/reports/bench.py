"""Reports benchmark (issue 10): the dashboard, the type table and staff performance over HTTP (8 connections).

One busy site holds N orders spread over two years (the shape of a real desk: one site, most orders closed,
the 95598 mix of types), plus a quarter as many contacts without an order. Run by hand:
`anxin bench-reports --orders 1000000` (add DATABASE_URL for PostgreSQL: an empty scratch database).
"""

import random
import time
from datetime import timedelta

# the 95598 mix (S3 篇9): consultation and repair dominate, complaints are rare
TYPES = [("consultation", 60), ("repair", 20), ("urge", 4), ("service_request", 6), ("complaint", 2),
         ("report", 1), ("opinion", 3), ("suggestion", 2), ("praise", 1), ("installation", 1)]
CHANNELS = [("hotline", 70), ("web", 10), ("wechat", 12), ("walk_in", 5), ("email", 3)]


def _pick(rng: random.Random, table) -> str:
    return rng.choices([k for k, _w in table], weights=[w for _k, w in table])[0]


def run_reports_bench(*, orders: int = 100_000, var_dir: str | None = None, port: int = 8767,
                      seconds: int = 15, again: bool = False) -> None:
    from anxin.devtools.bench import bench_database

    bench_database(var_dir, prefix="anxin-reports-bench-", reuse=again)
    if again:  # as an upgrade by `anxin setup`: migrated, then the planner's statistics (a new index has none)
        from anxin.core.maintenance import planner_statistics_refresh

        if not planner_statistics_refresh():  # PostgreSQL: autovacuum's ANALYZE, now
            from django.db import connection

            with connection.cursor() as c:
                c.execute("ANALYZE")
        _reports_http(port=port, seconds=seconds)
        return
    from django.db import connection
    from django.utils import timezone

    from anxin.accounts.models import OrgUnit, User
    from anxin.core.maintenance import planner_statistics_refresh
    from anxin.devtools.demo import load_demo
    from anxin.intake.models import ContactLog
    from anxin.reports.complaint_report_services import report_generate
    from anxin.reports.models import ContactRollup, OrderRollup
    from anxin.reports.rollup_services import rollups_compact, rollups_merge
    from anxin.workorders.models import WorkOrder
    from anxin.workorders.services import NUMBER_PREFIX
    from anxin.workorders.states import OPEN_STATUSES, Status

    load_demo(customers=300, orders=50)
    site = OrgUnit.objects.get(code="PD01")
    customers = list(site.customers.values_list("id", flat=True))
    agents = list(User.objects.filter(org_unit=site).values_list("id", flat=True))
    technicians = list(User.objects.filter(username__startswith="tech").values_list("id", flat=True))
    rng = random.Random(10)
    now = timezone.now()
    open_statuses = list(OPEN_STATUSES)
    t0 = time.perf_counter()
    batch, logs = [], []
    for i in range(orders):
        received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 730))
        # older orders are done; the last weeks hold the backlog
        done = received < now - timedelta(days=20) or rng.random() < 0.5
        kind = _pick(rng, TYPES)
        batch.append(WorkOrder(
            number=f"{NUMBER_PREFIX}R-{i:07d}", type=kind, channel=_pick(rng, CHANNELS), priority=2,
            owner_id=rng.choice(technicians) if kind in ("repair", "installation") else None,
            status=Status.CLOSED if done else rng.choice(open_statuses), customer_id=rng.choice(customers),
            site_id=site.id, title="报修", received_at=received, taken_by_id=rng.choice(agents),
            resolved_at=received + timedelta(hours=rng.randint(1, 72)) if done else None,
            urge_count=1 if rng.random() < 0.03 else 0))
        if i % 4 == 0:
            logs.append(ContactLog(site_id=site.id, category="general", content="咨询", received_at=received,
                                   taker_id=rng.choice(agents), done_at=received + timedelta(minutes=5)))
        if len(batch) == 10_000:
            WorkOrder.objects.bulk_create(batch)  # lint: allow-write (bench fixture, throw-away DB)
            ContactLog.objects.bulk_create(logs)  # lint: allow-write (bench fixture)
            batch, logs = [], []
    WorkOrder.objects.bulk_create(batch)  # lint: allow-write (bench fixture)
    ContactLog.objects.bulk_create(logs)  # lint: allow-write (bench fixture)
    # every complaint order has its complaint record (the complaint reports count those)
    from anxin.complaints.models import Complaint

    categories, severities = Complaint.Category.values, Complaint.Severity.values
    complaints = WorkOrder.objects.filter(number__startswith=f"{NUMBER_PREFIX}R-", type="complaint").values_list(
        "id", "received_at")
    made = [Complaint(work_order_id=pk, what_happened="师傅迟到", customer_wants="道歉", category=rng.choice(categories),
                      severity=rng.choice(severities), is_group=rng.random() < 0.02,
                      expected_resolution_on=(received + timedelta(days=5)).date())
            for pk, received in complaints.iterator()]
    Complaint.objects.bulk_create(made, batch_size=5_000)  # lint: allow-write (bench fixture)
    # the owning technician's arrival and field job (C1–C5: its job type's standard time against the time worked; 3%
    # reworked by a later job) at repairs and installations; revisits of the done repairs and complaints (F1); the
    # customers' own ratings of 5% of done orders (F4)
    from anxin.field.models import FieldJob, JobType, Visit
    from anxin.revisits.models import Revisit, SelfRating

    job_types = list(JobType.objects.values_list("id", "standard_minutes"))
    revisits, ratings, visits, jobs, reworked = [], [], [], [], []
    for pk, kind, received, resolved, owner in WorkOrder.objects.filter(
            number__startswith=f"{NUMBER_PREFIX}R-", resolved_at__isnull=False).values_list(
            "id", "type", "received_at", "resolved_at", "owner_id").iterator(chunk_size=10_000):
        if kind in ("repair", "installation"):  # a technician went
            arrived = received + (resolved - received) / 2
            visits.append(Visit(work_order_id=pk, technician_id=owner, arrived_at=arrived))
            job_type, minutes = rng.choice(job_types)
            jobs.append(FieldJob(work_order_id=pk, job_type_id=job_type, started_at=arrived,
                                 completed_at=arrived + timedelta(minutes=minutes * rng.uniform(0.6, 1.8)),
                                 rework_of_id=reworked.pop() if reworked and rng.random() < 0.5 else None))
            if rng.random() < 0.03:
                reworked.append(pk)  # a later job of the file comes back to it
        if kind in ("repair", "complaint"):
            revisits.append(Revisit(work_order_id=pk, due_at=resolved + timedelta(days=3), status=Revisit.Status.DONE,
                                    done_at=resolved + timedelta(days=rng.randint(1, 4)), overall=rng.randint(2, 5)))
        if rng.random() < 0.05:
            ratings.append(SelfRating(work_order_id=pk, overall=rng.randint(3, 5), timeliness=4, attitude=5, quality=4))
    _load_clocks(rng, now)
    Revisit.objects.bulk_create(revisits, batch_size=5_000)  # lint: allow-write (bench fixture)
    SelfRating.objects.bulk_create(ratings, batch_size=5_000)  # lint: allow-write (bench fixture)
    Visit.objects.bulk_create(visits, batch_size=5_000)  # lint: allow-write (bench fixture)
    FieldJob.objects.bulk_create(jobs, batch_size=5_000)  # lint: allow-write (bench fixture)
    with connection.cursor() as c:  # a rating is made after the order was resolved, not all today
        c.execute("UPDATE revisits_selfrating SET created_at = (SELECT resolved_at FROM workorders_workorder w "
                  "WHERE w.id = work_order_id) WHERE work_order_id IN (SELECT id FROM workorders_workorder "
                  "WHERE number LIKE %s)", [f"{NUMBER_PREFIX}R-%"])
    print(f"loaded {orders:,} orders, {orders // 4:,} contacts, {len(revisits):,} revisits, {len(ratings):,} ratings, "
          f"{len(visits):,} visits and {len(jobs):,} field jobs in one site in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    rollups_merge()  # as the worker does hourly: the triggers wrote a rollup row per order
    rollups_compact()  # as a history import does after loading (PostgreSQL)
    print(f"rollups merged in {time.perf_counter() - t0:.1f} s: {OrderRollup.objects.count():,} order rows, "
          f"{ContactRollup.objects.count():,} contact rows")
    # plan with the new rows' statistics, gathered as production gathers them (SQLite: sampled, by `anxin setup` and
    # the worker hourly; PostgreSQL: autovacuum's ANALYZE, run now)
    if not planner_statistics_refresh():
        with connection.cursor() as c:
            c.execute("ANALYZE")
    t0 = time.perf_counter()
    quarter = report_generate(kind="quarterly", unit=site, day=timezone.localdate() - timedelta(days=100))
    print(f"quarterly complaint report {quarter.since}–{quarter.until} ({quarter.figures['now']['total']:,} "
          f"complaints) generated in {time.perf_counter() - t0:.1f} s")

    _reports_http(port=port, seconds=seconds)


def _load_clocks(rng: random.Random, now) -> None:
    """Every bench order's first-response and resolution promises (E4), as the sweep leaves them: first responses
    met within 2–90 minutes of a 60-minute target; resolutions met when the order was resolved, else running or
    broken by a 3-day target. Two million clocks at 1 M orders: the dashboard's promise figures read them."""
    from anxin.sla.models import Clock, Metric, SlaPolicy
    from anxin.workorders.models import WorkOrder
    from anxin.workorders.services import NUMBER_PREFIX

    first, resolution = (SlaPolicy.objects.filter(metric=m).order_by("id").first()
                         for m in (Metric.FIRST_RESPONSE, Metric.RESOLUTION))
    batch, made = [], 0
    for pk, received, resolved in WorkOrder.objects.filter(number__startswith=f"{NUMBER_PREFIX}R-").values_list(
            "id", "received_at", "resolved_at").iterator(chunk_size=10_000):
        due, met = received + timedelta(minutes=60), received + timedelta(minutes=rng.randint(2, 90))
        batch.append(Clock(work_order_id=pk, policy=first, metric=Metric.FIRST_RESPONSE, target_minutes=60,
                           started_at=received, due_at=due, met_at=met, state=Clock.State.MET,
                           breached_at=due if met > due else None))
        due = received + timedelta(days=3)
        state = Clock.State.MET if resolved else Clock.State.RUNNING if due > now else Clock.State.BREACHED
        batch.append(Clock(work_order_id=pk, policy=resolution, metric=Metric.RESOLUTION, target_minutes=4320,
                           started_at=received, due_at=due, met_at=resolved, state=state,
                           breached_at=due if (resolved or now) > due else None))
        if len(batch) >= 20_000:
            Clock.objects.bulk_create(batch)  # lint: allow-write (bench fixture, throw-away DB)
            made, batch = made + len(batch), []
    Clock.objects.bulk_create(batch)  # lint: allow-write (bench fixture)
    print(f"{made + len(batch):,} promises (clocks)")


def _reports_http(*, port: int, seconds: int) -> None:
    """The pages measured in process once, then under load over HTTP."""
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from anxin.accounts.models import User
    from anxin.search.bench import _serve_and_load

    manager = User.objects.get(username="manager")
    client = Client()
    client.force_login(manager)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    today = timezone.localdate()
    month = f"since={(today - timedelta(days=30)).isoformat()}&until={today.isoformat()}"
    year = f"since={(today - timedelta(days=364)).isoformat()}&until={today.isoformat()}"
    for path in (f"/reports/?{month}", f"/reports/?{year}"):
        t0 = time.perf_counter()
        assert client.get(path).status_code == 200
        print(f"in process, one request: {path} {1000 * (time.perf_counter() - t0):.0f} ms")
    connection.close()
    _serve_and_load(port=port, cookie=cookie, seconds=seconds, label_paths=[
        ("dashboard, a month", [f"/reports/?{month}", f"/reports/?{month}&site=PD01"]),
        ("dashboard, a year", [f"/reports/?{year}", f"/reports/?{year}&grain=month"]),
        ("type statistics, a month", [f"/reports/types/?{month}"]),
        ("type statistics, a year", [f"/reports/types/?{year}"]),
        ("staff performance, a month", [f"/reports/staff/?{month}"]),
    ])


HISTORY_TYPES = {"consultation": "咨询", "repair": "报修", "complaint": "投诉", "service_request": "服务申请",
                 "opinion": "意见", "suggestion": "建议", "praise": "表扬", "report": "举报", "installation": "安装",
                 "urge": "催办"}
HISTORY_CHANNELS = {"hotline": "热线", "web": "网站", "wechat": "微信", "walk_in": "来访", "email": "邮件"}


def write_history_file(path, *, rows: int, site_code: str, phones: list[str], seed: int = 10) -> None:
    """A CSV of `rows` past orders as a desk would export it: the 95598 mix, two years, dates in several forms."""
    import csv
    from datetime import datetime
    from zoneinfo import ZoneInfo

    rng = random.Random(seed)
    start = datetime(2024, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))  # the file holds Beijing wall-clock times
    forms = ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M"]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["工单号", "类型", "渠道", "站点代码", "分类", "受理时间", "解决时间", "关闭时间", "状态", "标题",
                      "描述", "客户手机", "满意度"])
        for i in range(rows):
            received = start + timedelta(minutes=rng.randint(0, 60 * 24 * 700))
            done = rng.random() < 0.97
            resolved = received + timedelta(hours=rng.randint(1, 72))
            form = rng.choice(forms)
            out.writerow([f"H{i:08d}", HISTORY_TYPES[_pick(rng, TYPES)], HISTORY_CHANNELS[_pick(rng, CHANNELS)],
                          site_code, "", received.strftime(form), resolved.strftime(form) if done else "",
                          resolved.strftime(form) if done else "", "已关闭" if done else "处理中", "厨房水管漏水",
                          "水槽下面滴水，请师傅上门", rng.choice(phones) if rng.random() < 0.6 else "",
                          rng.choice("345") if done and rng.random() < 0.3 else ""])


def run_history_bench(*, orders: int = 100_000, var_dir: str | None = None, seconds: int = 0) -> None:
    """`anxin bench-history --orders N`: the history import of an N-row CSV (check, then write), timed, with the
    process's peak RSS; then the rollup checked against a recount."""
    import resource

    from anxin.devtools.bench import bench_database

    var_dir = bench_database(var_dir, prefix="anxin-history-bench-")
    from pathlib import Path

    from anxin.accounts.models import OrgUnit, User
    from anxin.customers.models import Contact
    from anxin.devtools.demo import load_demo
    from anxin.reports.history_services import history_import
    from anxin.reports.rollup_services import rollup_differences

    load_demo(customers=300, orders=50)
    site = OrgUnit.objects.get(code="PD01")
    phones = list(Contact.objects.filter(customer__site=site).values_list("phone", flat=True)[:200])
    path = Path(var_dir) / "history.csv"
    t0 = time.perf_counter()
    write_history_file(path, rows=orders, site_code=site.code, phones=phones)
    print(f"wrote {orders:,} rows ({path.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - t0:.1f} s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    report = history_import(path, actor=User.objects.get(username="manager"), dry_run=False)
    took = time.perf_counter() - t0
    assert report.ok and report.imported == orders, report.errors[:5]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"imported {report.imported:,} orders in {took:.0f} s ({orders / took:,.0f} rows/s, check and write); "
          f"peak RSS {peak:.0f} MiB ({rss_before:.0f} MiB before the import)")
    t0 = time.perf_counter()
    differences = rollup_differences()
    print(f"rollups against a recount: {len(differences)} keys differ ({time.perf_counter() - t0:.1f} s)")
