"""Faults that lose nothing (issue 13, SECURITY-CASES 42): kill -9 and database restarts under real load.

Runs gunicorn (2 workers, as `anxin serve`) and the task worker (`anxin worker`) as subprocesses on a throw-away
database (temp SQLite, or DATABASE_URL of an empty scratch PostgreSQL database), then:

1. intake — 8 clients create orders through the API, each with its own Idempotency-Key, and send the same request
   again after any failure (as a client should), while a web worker is killed with SIGKILL every second and the
   task runner every three seconds. Every acknowledged order must be stored exactly once, nothing else stored.
2. notification sweep — 1,000 SMS are queued while the task runner is killed every 0.7 s; every row must end sent,
   each `out_id` must reach the provider (the file backend), and a repeat of an `out_id` (a kill between the
   provider's answer and the row's update) is counted: the provider drops it by that id.
3. plan acceptance — the dispatcher accepts tomorrow's proposed plan and both web workers are killed while it is
   being written; each order is then dispatched completely or not at all, and accepting the plan again gives every
   order exactly one assignment and one "dispatched" entry.
4. database restart (with --db-restart "COMMAND") — intake as in 1 while COMMAND restarts the database; clients get
   503 + Retry-After or a dropped connection, send again, and every acknowledged order is stored once.

Prints what was sent, acknowledged and stored; exits 1 on any loss or double. Never part of the test suite.
"""

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import timedelta

TITLE = "故障测试"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


class Killer(threading.Thread):
    """SIGKILL a random child of each target (gunicorn's workers, the worker's task runner) at its interval."""

    def __init__(self, targets: dict[str, tuple[int, float]]):
        super().__init__(daemon=True)
        self.targets, self.stop, self.kills = targets, threading.Event(), Counter()

    def run(self) -> None:
        due = {name: time.monotonic() + every for name, (_pid, every) in self.targets.items()}
        while not self.stop.wait(0.05):
            for name, (pid, every) in self.targets.items():
                if time.monotonic() >= due[name]:
                    kids = _children(pid)
                    if kids and _kill(random.choice(kids)):
                        self.kills[name] += 1
                    due[name] = time.monotonic() + every


def _post(url: str, body: bytes, headers: dict, timeout: float = 30) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {}
        return exc.code, payload, dict(exc.headers)


def _intake(*, port: int, key: str, customers: list[str], seconds: float, clients: int) -> dict:
    """Clients create orders until `seconds` pass, each one sent again after any failure until acknowledged."""
    acknowledged: dict[str, str] = {}
    answers: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    url = f"http://127.0.0.1:{port}/api/workorders/"

    def client() -> None:
        rng = random.Random()
        while time.monotonic() < stop_at:
            ikey = uuid.uuid4().hex
            body = json.dumps({"type": "repair", "site": "PD01", "title": f"{TITLE} {ikey[:8]} 厨房水管漏水",
                               "customer": rng.choice(customers)}).encode()
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Idempotency-Key": ikey}
            give_up = time.monotonic() + 120
            while time.monotonic() < give_up:
                try:
                    status, payload, response_headers = _post(url, body, headers)
                except (OSError, http.client.HTTPException, ValueError) as exc:  # the worker died under us: reset,
                    # refused, or the answer cut off halfway — send the same request again
                    with lock:
                        answers[type(exc).__name__] += 1
                    time.sleep(0.1)
                    continue
                with lock:
                    answers[status] += 1
                if status in (200, 201):
                    with lock:
                        acknowledged[ikey] = payload["number"]
                    break
                if status == 503 and response_headers.get("Retry-After") is None:
                    print("503 without Retry-After", payload)
                time.sleep(0.2 if status >= 500 else 1.0)
            else:
                with lock:
                    answers["gave up"] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"acknowledged": acknowledged, "answers": answers}


def _check_intake(label: str, result: dict, user) -> bool:
    from anxin.workorders.models import IdempotencyKey, WorkOrder

    acknowledged = result["acknowledged"]
    stored = Counter(WorkOrder.objects.filter(title__startswith=TITLE).values_list("title", flat=True))
    keys = dict(IdempotencyKey.objects.filter(user=user, key__in=list(acknowledged))
                .values_list("key", "work_order__number"))
    doubles = sum(1 for n in stored.values() if n > 1)
    mismatched = sum(1 for k, number in acknowledged.items() if keys.get(k) != number)
    unacknowledged = sum(stored.values()) - len(acknowledged)
    answers = ", ".join(f"{k}: {v}" for k, v in sorted(result["answers"].items(), key=lambda kv: str(kv[0])))
    print(f"[{label}] acknowledged {len(acknowledged)}, stored {sum(stored.values())}; acknowledged but missing or "
          f"another order: {mismatched}; stored twice: {doubles}; stored without acknowledgement: "
          f"{unacknowledged}\n[{label}] answers seen: {answers}")
    return mismatched == 0 and doubles == 0 and unacknowledged == 0


def _intake_phase(*, port, key, customers, seconds, clients, gunicorn, worker, user) -> bool:
    killer = Killer({"web worker": (gunicorn.pid, 1.0), "task runner": (worker.pid, 3.0)})
    killer.start()
    result = _intake(port=port, key=key, customers=customers, seconds=seconds, clients=clients)
    killer.stop.set()
    killer.join()
    print(f"[intake] {seconds:.0f} s, {clients} clients; SIGKILL sent: " + ", ".join(
        f"{k} ×{v}" for k, v in killer.kills.items()))
    ok = _check_intake("intake", result, user)
    from anxin.workorders.models import WorkOrder

    WorkOrder.objects.filter(title__startswith=TITLE).update(title="已核对 " + TITLE)  # lint: allow-write (bench)
    return ok


def _notification_phase(*, worker, log_file: str, count: int = 1000) -> bool:
    from anxin.notifications.models import Notification
    from anxin.notifications.services import notify_phone

    for i in range(count):
        notify_phone(phone=f"139{i:08d}", kind="fault_test", text=f"故障测试短信 {i}", dedupe_key=f"fault-{i}")
    ids = set(Notification.objects.filter(kind="fault_test").values_list("id", flat=True))
    start, kills, last_sent = time.monotonic(), 0, 0
    while time.monotonic() - start < 240:
        sent = Notification.objects.filter(kind="fault_test", state=Notification.State.SENT).count()
        if sent == len(ids):
            break
        if kills < 5 and sent > last_sent:  # the runner is sending right now: kill it in the middle
            kills += sum(_kill(pid) for pid in _children(worker.pid))
            last_sent = sent
        time.sleep(0.05)
    states = Counter(Notification.objects.filter(kind="fault_test").values_list("state", flat=True))
    lines = Counter()
    with open(log_file, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out_id = row.get("out_id", "")
            if out_id.startswith("anxin-") and int(out_id[6:]) in ids:
                lines[out_id] += 1
    repeats = sum(n - 1 for n in lines.values() if n > 1)
    never = len(ids) - len(lines)
    print(f"[notifications] queued {len(ids)}, states {dict(states)}, {time.monotonic() - start:.1f} s; SIGKILL "
          f"task runner ×{kills} while sending; reached the provider: {len(lines)} distinct out_id, never: "
          f"{never}; repeated out_id (dropped by the provider by id): {repeats}")
    return states.get(Notification.State.SENT, 0) == len(ids) and never == 0


def _plan_phase(*, port: int, gunicorn) -> bool:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from anxin.accounts.models import User
    from anxin.devtools.bench import wait_for_healthz
    from anxin.field import planning
    from anxin.field.models import Assignment
    from anxin.field.selectors import sites_with_technicians
    from anxin.workorders.models import WorkOrder, WorkOrderEvent

    dispatcher = User.objects.get(username="dispatcher1")
    day = timezone.localdate() + timedelta(days=1)
    client = Client()
    client.force_login(dispatcher)
    cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={'c' * 32}"
    ok = True
    for site in sites_with_technicians(user=dispatcher):
        proposal = planning.propose(user=dispatcher, site=site, day=day)
        rows = [f"{r.order.public_id}|{r.technician.username}|{r.start.isoformat()}" for r in proposal.rows]
        if not rows:
            continue
        body = "&".join(["step=accept", f"csrfmiddlewaretoken={'c' * 32}"]
                        + [f"row={urllib.parse.quote(r)}" for r in rows]).encode()
        url = f"http://127.0.0.1:{port}/field/board/?site={site.code}&day={day.isoformat()}"
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.close()
        sender = threading.Thread(target=_try_post, args=(url, body, headers))
        sender.start()
        order_ids = [r.order.pk for r in proposal.rows]
        waited = time.monotonic()
        while not Assignment.objects.filter(work_order_id__in=order_ids).exists() and time.monotonic() - waited < 30:
            time.sleep(0.005)
        connection.close()
        for pid in _children(gunicorn.pid):  # the first row is written: kill both workers in the middle of the plan
            _kill(pid)
        sender.join()

        def tally(order_ids=order_ids):
            done = half = 0
            for order in WorkOrder.objects.filter(pk__in=order_ids):
                active = Assignment.objects.filter(work_order=order, cancelled_at__isnull=True).count()
                events = order.events.filter(type=WorkOrderEvent.Type.DISPATCHED).count()
                whole = (active, events, order.status == "dispatched") in ((1, 1, True), (0, 0, False))
                done += active
                half += not whole
            return done, half

        done_before, half_before = tally()
        wait_for_healthz(port)
        status = _try_post(url, body, headers)
        done_after, half_after = tally()
        rows_total = Assignment.objects.filter(work_order_id__in=order_ids).count()
        print(f"[plan] site {site.code}: {len(rows)} rows; after the kill {done_before} dispatched, half-written "
              f"{half_before}; accepted again (HTTP {status}): {done_after} dispatched, half-written {half_after}, "
              f"assignment rows {rows_total}")
        ok &= half_before == 0 and half_after == 0 and done_after == len(rows) and rows_total == len(rows)
    return ok


def _try_post(url: str, body: bytes, headers: dict) -> int | str:
    try:
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:
        return type(exc).__name__


def _restart_phase(*, port, key, customers, clients, command: str, user) -> bool:
    def restart():
        time.sleep(5)
        started = time.monotonic()
        done = subprocess.run(command, shell=True, capture_output=True, text=True)
        print(f"[restart] `{command}` exit {done.returncode} in {time.monotonic() - started:.1f} s")

    from django.db import connection

    connection.close()  # this process's own connection does not survive the restart either
    restarter = threading.Thread(target=restart)
    restarter.start()
    result = _intake(port=port, key=key, customers=customers, seconds=25, clients=clients)
    restarter.join()
    return _check_intake("database restart", result, user)


def run_faults_bench(*, seconds: float = 30, clients: int = 8, port: int = 8771, var_dir: str | None = None,
                     db_restart: str = "") -> None:
    os.environ["ANXIN_NOTIFY_CLAIM_TIMEOUT_SECONDS"] = "5"  # rows a killed runner left `sending` come back soon
    os.environ["ANXIN_SLA_SWEEP_SECONDS"] = "1"
    from anxin.devtools.bench import bench_database, start_gunicorn

    var_dir = bench_database(var_dir, prefix="anxin-faults-")
    from django.conf import settings
    from django.db import connection

    from anxin.accounts.models import User
    from anxin.accounts.services import api_token_create
    from anxin.customers.models import Customer
    from anxin.devtools.demo import load_demo

    load_demo(customers=200, orders=50)
    agent = User.objects.get(username="agent1")
    _token, key = api_token_create(user=agent, name="faults")
    customers = [str(c) for c in Customer.objects.filter(site_id=agent.org_unit_id).values_list("public_id", flat=True)]
    log_file = settings.NOTIFY_LOG_FILE
    connection.close()
    env = {**os.environ, "ANXIN_VAR_DIR": var_dir}
    gunicorn = start_gunicorn(port=port, workers=2, env=env)
    worker = subprocess.Popen([sys.executable, "-m", "anxin.cli", "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    results = {}
    try:
        results["intake"] = _intake_phase(port=port, key=key, customers=customers, seconds=seconds, clients=clients,
                                          gunicorn=gunicorn, worker=worker, user=agent)
        results["notifications"] = _notification_phase(worker=worker, log_file=log_file)
        results["plan"] = _plan_phase(port=port, gunicorn=gunicorn)
        if db_restart:
            results["database restart"] = _restart_phase(port=port, key=key, customers=customers, clients=clients,
                                                         command=db_restart, user=agent)
    finally:
        for proc in (gunicorn, worker):
            proc.terminate()
        for proc in (gunicorn, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("result: " + ", ".join(f"{k} {'OK' if v else 'LOST OR DOUBLED'}" for k, v in results.items()))
    if not all(results.values()):
        sys.exit(1)
