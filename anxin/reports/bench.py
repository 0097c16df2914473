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
                      seconds: int = 15) -> None:
    from anxin.devtools.bench import bench_database

    bench_database(var_dir, prefix="anxin-reports-bench-")
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from anxin.accounts.models import OrgUnit, User
    from anxin.devtools.demo import load_demo
    from anxin.intake.models import ContactLog
    from anxin.reports.complaint_report_services import report_generate
    from anxin.reports.models import ContactRollup, OrderRollup
    from anxin.reports.rollup_services import rollups_merge
    from anxin.search.bench import _serve_and_load
    from anxin.workorders.models import WorkOrder
    from anxin.workorders.services import NUMBER_PREFIX
    from anxin.workorders.states import OPEN_STATUSES, Status

    load_demo(customers=300, orders=50)
    site = OrgUnit.objects.get(code="PD01")
    customers = list(site.customers.values_list("id", flat=True))
    agents = list(User.objects.filter(org_unit=site).values_list("id", flat=True))
    rng = random.Random(10)
    now = timezone.now()
    open_statuses = list(OPEN_STATUSES)
    t0 = time.perf_counter()
    batch, logs = [], []
    for i in range(orders):
        received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 730))
        # older orders are done; the last weeks hold the backlog
        done = received < now - timedelta(days=20) or rng.random() < 0.5
        batch.append(WorkOrder(
            number=f"{NUMBER_PREFIX}R-{i:07d}", type=_pick(rng, TYPES), channel=_pick(rng, CHANNELS), priority=2,
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
    complaints = WorkOrder.objects.filter(site=site, type="complaint", complaint__isnull=True).values_list(
        "id", "received_at")
    made = [Complaint(work_order_id=pk, what_happened="师傅迟到", customer_wants="道歉", category=rng.choice(categories),
                      severity=rng.choice(severities), is_group=rng.random() < 0.02,
                      expected_resolution_on=(received + timedelta(days=5)).date())
            for pk, received in complaints.iterator()]
    Complaint.objects.bulk_create(made, batch_size=5_000)  # lint: allow-write (bench fixture)
    print(f"loaded {orders:,} orders and {orders // 4:,} contacts in one site in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    rollups_merge()  # as the worker does hourly: the triggers wrote a rollup row per order
    print(f"rollups merged in {time.perf_counter() - t0:.1f} s: {OrderRollup.objects.count():,} order rows, "
          f"{ContactRollup.objects.count():,} contact rows")
    with connection.cursor() as c:
        c.execute("ANALYZE")  # both databases: plan with the new rows' statistics
    t0 = time.perf_counter()
    quarter = report_generate(kind="quarterly", unit=site, day=timezone.localdate() - timedelta(days=100))
    print(f"quarterly complaint report {quarter.since}–{quarter.until} ({quarter.figures['now']['total']:,} "
          f"complaints) generated in {time.perf_counter() - t0:.1f} s")

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
