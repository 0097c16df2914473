"""Work-order benchmark (issue 2): queue and order page server time with N orders; API creation rate.

Runs on its own throw-away database (a temp SQLite file, or DATABASE_URL if set — then it must be
an empty scratch database). Prints percentiles; never part of the test suite.
"""

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _report(name: str, samples_ms: list[float]) -> None:
    print(f"{name:<34} n={len(samples_ms):<5} p50={_pct(samples_ms, 50):7.1f} ms  p95={_pct(samples_ms, 95):7.1f} ms"
          f"  max={max(samples_ms):7.1f} ms")


def start_gunicorn(*, port: int, workers: int = 2, extra: list[str] | None = None,
                   env: dict | None = None) -> subprocess.Popen:
    """gunicorn as `anxin serve` runs it (--preload), on 127.0.0.1:port; returns once /healthz answers."""
    env = {**os.environ, "ANXIN_ALLOWED_HOSTS": "127.0.0.1", **(env or {})}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "anxin.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", str(workers), "--preload", "--log-level", "warning",
                               *(extra or [])], env=env)
    wait_for_healthz(port)
    return server


def wait_for_healthz(port: int, tries: int = 150) -> None:
    """Until the server on 127.0.0.1:port answers /healthz (or 30 s pass)."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)


def bench_database(var_dir: str | None, *, prefix: str, reuse: bool = False) -> str:
    """Set Django up on a throw-away database (a temp SQLite file, or DATABASE_URL — an empty scratch database);
    with `reuse`, on the data an earlier run of the same bench left there (migrated to the code's schema)."""
    var_dir = var_dir or tempfile.mkdtemp(prefix=prefix)
    os.environ["ANXIN_VAR_DIR"] = var_dir
    os.environ["ANXIN_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from anxin.workorders.models import WorkOrder

    print(f"database: {connection.vendor}  ({var_dir})")
    call_command("migrate", "-v", "0")
    if reuse and not WorkOrder.objects.exists():
        sys.exit(f"{var_dir} holds no data: run the benchmark without --again first")
    if not reuse and WorkOrder.objects.exists():
        sys.exit(f"{var_dir} already holds data: the benchmark needs an empty database")
    return var_dir


def run_workorder_bench(*, orders: int = 100_000, creates: int = 2000, port: int = 8765,
                        var_dir: str | None = None) -> None:
    bench_database(var_dir, prefix="anxin-bench-")
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from anxin.devtools.demo import load_demo
    from anxin.workorders.models import WorkOrder, WorkOrderEvent
    from anxin.workorders.services import NUMBER_PREFIX
    from anxin.workorders.states import OPEN_STATUSES, Status

    load_demo(customers=200, orders=50)
    template = list(WorkOrder.objects.select_related("customer").all()[:50])
    rng = random.Random(1)
    now = timezone.now()
    statuses = list(OPEN_STATUSES) + [Status.CLOSED] * 6
    t0 = time.perf_counter()
    batch, events = [], []
    for i in range(orders):
        src = rng.choice(template)
        batch.append(WorkOrder(
            number=f"{NUMBER_PREFIX}BENCH-{i:07d}", type=src.type, channel=src.channel, category_id=src.category_id,
            priority=src.priority, status=rng.choice(statuses), customer_id=src.customer_id, site_id=src.site_id,
            title=src.title, description=src.description, received_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 365)),
            taken_by_id=src.taken_by_id, owner_id=src.owner_id,
        ))
        if len(batch) == 5000:
            created = WorkOrder.objects.bulk_create(batch)  # lint: allow-write (bench fixture, throw-away DB)
            events += [WorkOrderEvent(work_order=o, type=100, to_status="new") for o in created]
            WorkOrderEvent.objects.bulk_create(events)  # lint: allow-write (bench fixture)
            batch, events = [], []
    if batch:
        created = WorkOrder.objects.bulk_create(batch)  # lint: allow-write (bench fixture)
        WorkOrderEvent.objects.bulk_create(  # lint: allow-write (bench fixture)
            [WorkOrderEvent(work_order=o, type=100, to_status="new") for o in created])
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    total = WorkOrder.objects.count()
    print(f"loaded {total} work orders in {time.perf_counter() - t0:.1f} s")

    from anxin.accounts.models import User

    manager, agent = User.objects.get(username="manager"), User.objects.get(username="agent1")
    queue_urls = ["/orders/", "/orders/?status=open", "/orders/?type=repair&sort=priority", "/orders/?view=mine",
                  "/orders/?page=20", "/orders/?q=漏水", "/orders/?channel=hotline&priority=2"]
    for who in (manager, agent):
        client = Client()
        client.force_login(who)
        client.get("/orders/")
        samples = []
        for i in range(200):
            start = time.perf_counter()
            response = client.get(queue_urls[i % len(queue_urls)])
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        _report(f"queue page ({who.username})", samples)
    ids = list(WorkOrder.objects.filter(site_id=agent.org_unit_id).values_list("public_id", flat=True)[:5000])
    client = Client()
    client.force_login(agent)
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        response = client.get(f"/orders/{rng.choice(ids)}/")
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    _report("order page (agent1)", samples)

    if creates:
        _bench_api(agent=agent, template=template, creates=creates, port=port)


def _bench_api(*, agent, template, creates: int, port: int) -> None:
    """API creation through the production server (gunicorn) on this machine."""
    from django.db import connection

    from anxin.accounts.services import api_token_create
    from anxin.workorders.models import WorkOrder
    from anxin.workorders.services import NUMBER_PREFIX

    _token, key = api_token_create(user=agent, name="bench")
    customer = str(next(o.customer.public_id for o in template if o.customer.site_id == agent.org_unit_id))
    body = json.dumps({"type": "repair", "site": "PD01", "title": "压测工单", "customer": customer}).encode()
    connection.close()
    workers = os.environ.get("ANXIN_WEB_WORKERS", "2")
    server = start_gunicorn(port=port, workers=int(workers))
    try:
        if shutil.which("wrk"):
            # A C load generator: Python client threads would take CPU from the server on 2 cores.
            _bench_api_wrk(port=port, key=key, body=body, seconds=max(5, creates // 200), workers=workers)
        else:
            _bench_api_threads(port=port, key=key, body=body, creates=creates, workers=workers)
    finally:
        server.terminate()
        server.wait(timeout=15)
    numbers = WorkOrder.objects.exclude(number__startswith=f"{NUMBER_PREFIX}BENCH").values_list("number", flat=True)
    print(f"created {len(numbers)} orders, numbers unique: {len(numbers) == len(set(numbers))}")


def _bench_api_threads(*, port: int, key: str, body: bytes, creates: int, workers: str) -> None:
    """Fallback without wrk: 8 Python client threads (they share the CPU with the server)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(creates))

    def client_loop():
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/workorders/", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    ok = resp.status == 201
            except Exception as exc:  # noqa: BLE001 — counted as an error below
                ok = False
                errors.append(str(exc))
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=client_loop) for _ in range(8)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    print(f"API create via gunicorn ({workers} workers, 8 Python clients): {len(latencies) / wall:.0f} orders/s, "
          f"errors={len(errors)}")
    _report("API create latency", latencies)


def _bench_api_wrk(*, port: int, key: str, body: bytes, seconds: int, workers: str) -> None:
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(f'wrk.method="POST"\nwrk.body=[[{body.decode()}]]\n'
                      f'wrk.headers["Content-Type"]="application/json"\nwrk.headers["Authorization"]="Bearer {key}"\n')
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}/api/workorders/"], capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"API create via gunicorn ({workers} workers, wrk 8 connections, {seconds} s): "
          f"{float(rate.group(1)) if rate else 0:.0f} orders/s, non-2xx={errors.group(1) if errors else 0}")
    print(f"API create latency (wrk)           p50={lat.get('50')}  p90={lat.get('90')}  p99={lat.get('99')}")
