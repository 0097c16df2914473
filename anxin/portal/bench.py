"""Customer portal benchmark (issue 11): the portal's pages over HTTP with 8 connections, gunicorn with 2 workers.

One busy site holds N orders of 20,000 customers (about N/20,000 orders each, the newest in the last weeks), so the
customer's list and the order page are read the way a real desk's data would answer them. Run by hand:
`anxin bench-portal --orders 100000` (add DATABASE_URL for PostgreSQL: an empty scratch database).
"""

import random
import time
from datetime import timedelta
from urllib.parse import quote

CUSTOMERS = 20_000
FAQ_TYPED = ("厨房水管漏水", "门禁卡刷不开", "空调不制冷", "电梯异响", "停电了怎么办")


BENCH_PHONE = "+8613900000042"  # a customer of the loaded desk with orders


def signed_in_customer(phone: str = BENCH_PHONE):
    """(the customer's newest order, a session key signed in to the portal as that phone) on a loaded database."""
    from django.contrib.sessions.backends.db import SessionStore

    from anxin.portal.views import SESSION_KEY
    from anxin.workorders.models import WorkOrder

    newest = WorkOrder.objects.filter(customer__contacts__phone=phone).order_by("-received_at").first()
    session = SessionStore()
    session[SESSION_KEY] = {"phone": phone, "until": time.time() + 24 * 3600}
    session.create()
    return newest, session.session_key


def run_portal_bench(*, orders: int = 100_000, var_dir: str | None = None, port: int = 8768, seconds: int = 15) -> None:
    from anxin.devtools.bench import bench_database

    bench_database(var_dir, prefix="anxin-portal-bench-")
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from anxin.accounts.models import OrgUnit
    from anxin.customers.models import Contact, Customer
    from anxin.devtools.demo import load_demo
    from anxin.workorders.models import Category, WorkOrder
    from anxin.workorders.services import NUMBER_PREFIX
    from anxin.workorders.states import OPEN_STATUSES, Status

    load_demo(customers=300, orders=50)
    site = OrgUnit.objects.get(code="PD01")
    rng = random.Random(11)
    t0 = time.perf_counter()
    Customer.objects.bulk_create([  # lint: allow-write (bench fixture, throw-away DB)
        Customer(site=site, name=f"客户{i:05d}", district="浦东新区", street="张杨路", number=f"{i}号")
        for i in range(CUSTOMERS)], batch_size=5000)
    ids = list(Customer.objects.filter(name__startswith="客户").values_list("id", flat=True))
    Contact.objects.bulk_create([  # lint: allow-write (bench fixture)
        Contact(customer_id=cid, phone=f"+86139{n:08d}", last4=f"{n:08d}"[-4:], kind="mobile", is_primary=True)
        for n, cid in enumerate(ids)], batch_size=5000)
    category = Category.objects.filter(code="water.leak").first()
    now = timezone.now()
    batch = []
    for i in range(orders):
        received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 730))
        done = received < now - timedelta(days=20) or rng.random() < 0.5
        batch.append(WorkOrder(
            number=f"{NUMBER_PREFIX}P-{i:07d}", type="repair", channel="web", priority=2, category=category,
            status=Status.CLOSED if done else rng.choice(list(OPEN_STATUSES)), customer_id=rng.choice(ids),
            site_id=site.id, title="漏水：厨房水管漏水", received_at=received))
        if len(batch) == 10_000:
            WorkOrder.objects.bulk_create(batch)  # lint: allow-write (bench fixture)
            batch = []
    WorkOrder.objects.bulk_create(batch)  # lint: allow-write (bench fixture)
    print(f"loaded {orders:,} orders of {CUSTOMERS:,} customers in one site in {time.perf_counter() - t0:.1f} s")
    with connection.cursor() as c:
        c.execute("ANALYZE")

    mine, session_key = signed_in_customer()
    cookie = f"sessionid={session_key}"
    client = Client()
    client.cookies["sessionid"] = session_key
    for path in ("/portal/", f"/portal/orders/{mine.public_id}/"):
        t0 = time.perf_counter()
        assert client.get(path).status_code == 200
        print(f"in process, one request: {path} {1000 * (time.perf_counter() - t0):.0f} ms")
    connection.close()
    from anxin.search.bench import _serve_and_load

    _serve_and_load(port=port, cookie=cookie, seconds=seconds, label_paths=[
        ("portal: my requests", ["/portal/"]),
        ("portal: one order", [f"/portal/orders/{mine.public_id}/"]),
        ("portal: sign-in page", ["/portal/login/"]),
        ("portal: new request form", ["/portal/new/"]),
        # the FAQ answers shown while the customer types the problem (htmx, no sign-in needed)
        ("portal: FAQ while typing", [f"/portal/faq/?description={quote(text)}" for text in FAQ_TYPED]),
    ])


def run_enumeration_bench(*, lookups: int = 1000, var_dir: str | None = None) -> None:
    """SECURITY-CASES 2: tracking by number + last four, timed `lookups`× for a number that exists (wrong digits)
    and one that does not. Interleaved, in process (the network would only add noise); prints both distributions,
    the difference of the medians and the response sizes."""
    import os
    import statistics

    os.environ["ANXIN_PORTAL_TRACK_PER_IP_HOUR"] = os.environ["ANXIN_PORTAL_TRACK_FAILURES_PER_NUMBER_HOUR"] = "1000000"
    from anxin.devtools.bench import bench_database

    bench_database(var_dir, prefix="anxin-enum-bench-")
    from django.test import Client

    from anxin.devtools.demo import load_demo
    from anxin.workorders.models import WorkOrder

    load_demo(customers=200, orders=300)
    numbers = list(WorkOrder.objects.exclude(customer=None).values_list("number", flat=True)[:200])
    rng = random.Random(2)
    client = Client()
    client.get("/portal/track/")
    times: dict[str, list[float]] = {"existing number, wrong digits": [], "no such number": []}
    sizes: dict[str, set[int]] = {k: set() for k in times}
    for i in range(lookups * 2):
        label = list(times)[i % 2]
        number = rng.choice(numbers) if i % 2 == 0 else f"GD2026{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"
        start = time.perf_counter()
        response = client.post("/portal/track/", {"number": number, "last4": "0000"})
        times[label].append((time.perf_counter() - start) * 1000)
        sizes[label].add(len(response.content) - len(number))  # the form echoes the number typed
        assert response.status_code == 404, response.status_code
    for label, samples in times.items():
        samples.sort()
        print(f"{label:<32} n={len(samples)} p50={statistics.median(samples):.2f} ms "
              f"p95={samples[int(len(samples) * 0.95)]:.2f} ms mean={statistics.fmean(samples):.2f} ms "
              f"sizes={sorted(sizes[label])}")
    a, b = (statistics.median(s) for s in times.values())
    print(f"difference of the medians: {abs(a - b):.3f} ms ({abs(a - b) / max(a, b) * 100:.1f} %)")
