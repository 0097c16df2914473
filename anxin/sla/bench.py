"""Sweep benchmark (issue 4): one SLA sweep over N open orders with clocks.

`anxin bench-sla --orders 100000` on a throw-away SQLite file, or on PostgreSQL with DATABASE_URL pointing at
an empty scratch database. About 2 % of the clocks are due for a warning and 1 % for a breach at the moment
measured, the rest run on; the sweep acts on every due one (timeline event + notifications each).
"""

import os
import random
import sys
import tempfile
import time
from datetime import timedelta


def run_sla_bench(*, orders: int = 100_000, var_dir: str | None = None) -> None:
    os.environ["ANXIN_VAR_DIR"] = var_dir or tempfile.mkdtemp(prefix="anxin-slabench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from anxin.devtools.demo import load_demo
    from anxin.sla import services
    from anxin.sla.models import Clock, Metric, SlaPolicy, SweepCursor
    from anxin.workorders.models import WorkOrder, WorkOrderEvent
    from anxin.workorders.services import NUMBER_PREFIX

    call_command("migrate", "-v", "0")
    if WorkOrder.objects.exists():
        sys.exit("the benchmark needs an empty database")
    print(f"database: {connection.vendor}")
    load_demo(customers=100, orders=20)
    template = list(WorkOrder.objects.all()[:20])
    policy = SlaPolicy.objects.get(metric=Metric.RESOLUTION, type="", tier="", priority=None)
    now = timezone.now()
    rng = random.Random(4)
    t0 = time.perf_counter()
    for start in range(0, orders, 5000):
        batch = []
        for i in range(start, min(orders, start + 5000)):
            src = rng.choice(template)
            batch.append(WorkOrder(number=f"{NUMBER_PREFIX}SLA-{i:07d}", type=src.type, channel=src.channel,
                                   status="in_progress", customer_id=src.customer_id, site_id=src.site_id,
                                   title=src.title, received_at=now - timedelta(hours=rng.randint(1, 48)),
                                   taken_by_id=src.taken_by_id, owner_id=src.owner_id))
        created = WorkOrder.objects.bulk_create(batch)  # lint: allow-write (bench fixture)
        WorkOrderEvent.objects.bulk_create(  # lint: allow-write (bench fixture)
            [WorkOrderEvent(work_order=o, type=100, to_status="new") for o in created])
        clocks = []
        for o in created:
            roll = rng.random()
            warn = now - timedelta(minutes=1) if roll < 0.02 else now + timedelta(hours=rng.randint(1, 40))
            due = now - timedelta(minutes=1) if 0.02 <= roll < 0.03 else warn + timedelta(hours=2)
            clocks.append(Clock(work_order=o, policy=policy, metric=Metric.RESOLUTION, target_minutes=1350,
                                started_at=o.received_at, due_at=due, warn_at=warn,
                                warned_at=now if 0.02 <= roll < 0.03 else None))
        Clock.objects.bulk_create(clocks)  # lint: allow-write (bench fixture)
    last_event = WorkOrderEvent.objects.order_by("-id").values_list("id", flat=True).first()
    SweepCursor.objects.update_or_create(name="sla", defaults={"last_event_id": last_event})  # lint: allow-write (bench)
    print(f"loaded {orders} open orders with clocks in {time.perf_counter() - t0:.1f} s")

    t1 = time.perf_counter()
    idle = services.sweep(now=now - timedelta(hours=1), limit=orders)
    print(f"sweep with nothing due:           {time.perf_counter() - t1:6.2f} s  {idle}")
    t2 = time.perf_counter()
    busy = services.sweep(now=now, limit=orders)
    elapsed = time.perf_counter() - t2
    acts = busy["warned"] + busy["breached"] + busy["escalated"]
    print(f"sweep acting on the due clocks:   {elapsed:6.2f} s  {busy}  ({acts / elapsed:.0f} acts/s)")
    t3 = time.perf_counter()
    again = services.sweep(now=now, limit=orders)
    print(f"the same sweep again (idempotent): {time.perf_counter() - t3:6.2f} s  {again}")
