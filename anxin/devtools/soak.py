"""Soak run (issue 14, item 5): simulated agents doing the desk's real mix against gunicorn for minutes.

`anxin bench-soak --agents 32 --minutes 10` loads a busy desk (bench-scale's loader, `--orders`), starts gunicorn
with 2 workers and runs one thread per agent. Each agent logs in with its own session and repeats, with a think
time between actions: the queue, an order page, a note on that order, a call logged with a new order (the hotline
form, with its idempotency token), a search, and — for the dispatchers among them — the dispatch board. It prints
per action p50/p95/p99 and the error count, the workers' memory once a minute (RSS must stay flat), and checks
that every order the call form acknowledged is stored once. Never part of the test suite.
"""

import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

# action: weight in the mix (an agent on the hotline reads far more than it writes)
MIX = {"queue": 30, "order page": 25, "note": 10, "call + order": 10, "search": 15, "board": 10}
SEARCHES = ["漏水", "热水器", "张杨路12弄", "空调不制冷", "投诉", "1390000"]
NOTE = "已电话联系客户，约明天上午上门"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a POST's 302 is its success: keep it as the answer
        return None


class Agent(threading.Thread):
    def __init__(self, *, base: str, session: str, role: str, order_paths: list[str], customers: list[str],
                 deadline: float, think: tuple[float, float], seed: int, results: dict, lock: threading.Lock):
        super().__init__(daemon=True)
        self.base, self.role, self.order_paths, self.customers = base, role, order_paths, customers
        self.deadline, self.think, self.rng, self.results, self.lock = deadline, think, random.Random(seed), results, lock
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.cookies = {"sessionid": session}
        self.csrf = ""
        self.created: list[str] = []  # tokens of the calls whose order the server acknowledged (302)
        self.notes = 0  # notes acknowledged (302); a refused note also redirects, so the stored count decides

    def _request(self, action: str, path: str, data: dict | None = None) -> tuple[bool, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if data is not None:
            headers["X-CSRFToken"] = self.csrf
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        t0 = time.perf_counter()
        status, text, set_cookies = 0, "", []
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
                set_cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as exc:
            status, set_cookies = exc.code, exc.headers.get_all("Set-Cookie") or []
        except OSError:
            status = -1
        ms = (time.perf_counter() - t0) * 1000
        ok = status == (302 if data is not None else 200)  # a form shown again (200) after a POST is a failure
        with self.lock:
            self.results[action]["ms"].append(ms)
            if not ok:
                self.results[action]["errors"].append(f"{status} {path}")
        for header in set_cookies:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        if (m := CSRF.search(text)) is not None:
            self.csrf = m.group(1)
        return ok, text

    def run(self) -> None:
        actions = [a for a in MIX if a != "board" or self.role == "dispatcher"]
        weights = [MIX[a] for a in actions]
        self._request("queue", "/orders/")
        while time.monotonic() < self.deadline:
            action = self.rng.choices(actions, weights)[0]
            order = self.rng.choice(self.order_paths)
            if action == "queue":
                self._request(action, self.rng.choice(["/orders/", "/orders/?status=new", "/orders/?view=mine",
                                                       "/orders/?sort=priority", "/orders/?page=2"]))
            elif action == "order page":
                self._request(action, order)
            elif action == "note":
                if self._request("order page", order)[0] and self._request(action, order + "notes/", {"body": NOTE})[0]:
                    self.notes += 1
            elif action == "call + order":
                phone = f"139{self.rng.randrange(10**8):08d}"
                if self._request("call form", f"/intake/call/?phone={phone}")[0]:
                    token = f"soak-{self.name}-{len(self.created)}-{self.rng.randrange(10**9)}"
                    data = {"action": "order", "site": "PD01", "customer": self.rng.choice(self.customers),
                            "phone": phone, "channel": "hotline", "category": "install_repair",
                            "content": "客户来电报修：卫生间地漏返水", "order_type": "repair",
                            "order_title": "卫生间地漏返水", "priority": 2, "token": token, "force_new": "1"}
                    if self._request(action, "/intake/call/", data)[0]:
                        self.created.append(token)
            elif action == "search":
                self._request(action, "/search/?" + urllib.parse.urlencode({"q": self.rng.choice(SEARCHES)}))
            else:
                self._request(action, "/field/board/")
            time.sleep(self.rng.uniform(*self.think))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_soak(*, orders: int = 100_000, agents: int = 32, minutes: float = 10, var_dir: str | None = None,
             port: int = 8771, think: tuple[float, float] = (0.5, 2.0)) -> bool:
    """Returns True when no action failed and every acknowledged order was stored."""
    from anxin.devtools.bench import bench_database, start_gunicorn

    bench_database(var_dir, prefix="anxin-soak-")  # sets Django up: the imports below need it
    from django.db import connection
    from django.test import Client

    from anxin.accounts import services as account_services
    from anxin.accounts.models import OrgUnit
    from anxin.accounts.roles import Role
    from anxin.devtools.demo import load_demo
    from anxin.search.bench import _children, _rss
    from anxin.workorders.bench import _load
    from anxin.workorders.models import WorkOrder, WorkOrderEvent

    load_demo(customers=300, orders=50)
    t0 = time.perf_counter()
    _load(orders=orders, rng=random.Random(5))
    with connection.cursor() as c:
        c.execute("ANALYZE")
    print(f"loaded {WorkOrder.objects.count():,} orders in {time.perf_counter() - t0:.0f} s")
    busy = OrgUnit.objects.get(code="PD01")
    sessions = []
    for i in range(agents):
        role = Role.DISPATCHER if i % 8 == 7 else Role.AGENT  # one dispatcher in eight
        user = account_services.user_create(username=f"soak{i:02d}", password="soak-pass-2026", role=role,
                                            org_unit=busy, display_name=f"压测{i:02d}")
        client = Client()
        client.force_login(user)
        sessions.append((client.cookies["sessionid"].value, "dispatcher" if role == Role.DISPATCHER else "agent"))
    order_paths = [f"/orders/{pid}/" for pid in WorkOrder.objects.filter(site=busy, status="in_progress")
                   .values_list("public_id", flat=True)[:500]]
    customers = [str(pid) for pid in WorkOrder.objects.filter(site=busy).values_list("customer__public_id", flat=True)
                 .distinct()[:500]]
    before = WorkOrder.objects.count()
    connection.close()

    server = start_gunicorn(port=port)
    results: dict = defaultdict(lambda: {"ms": [], "errors": []})
    lock = threading.Lock()
    try:
        pids = _children(server.pid)[1:]
        deadline = time.monotonic() + minutes * 60
        threads = [Agent(base=f"http://127.0.0.1:{port}", session=s, role=r, order_paths=order_paths,
                         customers=customers, deadline=deadline, think=think, seed=i, results=results, lock=lock)
                   for i, (s, r) in enumerate(sessions)]
        start = time.monotonic()
        for t in threads:
            t.start()
        print(f"{agents} agents for {minutes} min, think time {think[0]}–{think[1]} s; worker RSS (MiB) each minute:")
        print(f"  0 min {_rss(pids)}")
        next_sample = start + 60
        while any(t.is_alive() for t in threads):
            time.sleep(1)
            if time.monotonic() >= next_sample:
                print(f"  {(next_sample - start) / 60:.0f} min {_rss(pids)}", flush=True)
                next_sample += 60
        for t in threads:
            t.join()
        end_rss = _rss(pids)
    finally:
        server.terminate()
        server.wait(timeout=15)

    total_errors = 0
    print(f"{'action':<14} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for action in [*MIX, "call form"]:
        ms, errors = results[action]["ms"], results[action]["errors"]
        total_errors += len(errors)
        print(f"{action:<14} {len(ms):7} {_percentile(ms, .5):8.1f} {_percentile(ms, .95):8.1f} "
              f"{_percentile(ms, .99):8.1f} {len(errors):7}")
        for line in errors[:3]:
            print(f"    e.g. {line}")
    from anxin.intake.models import ContactLog

    connection.connect()
    tokens = [token for t in threads for token in t.created]
    stored = ContactLog.objects.filter(client_token__in=tokens).exclude(work_order=None).count()
    notes = sum(t.notes for t in threads)
    notes_stored = WorkOrderEvent.objects.filter(type=WorkOrderEvent.Type.NOTE_ADDED, body=NOTE).count()
    print(f"worker RSS end {end_rss}; calls acknowledged with an order: {len(tokens)}, stored: {stored}; "
          f"orders added: {WorkOrder.objects.count() - before}; notes acknowledged: {notes}, stored: {notes_stored}; "
          f"errors: {total_errors}")
    return total_errors == 0 and stored == len(tokens) and notes_stored == notes
