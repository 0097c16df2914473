"""CPU per request of the busiest pages, the application's and its PostgreSQL backend's, measured in process.

Wall-clock figures over HTTP wander with this kind of machine (±30–50 % within minutes); CPU time per request
wanders much less, so A/B decisions about the database (prepared statements, an index, a rewritten query) are
made on it. Run against a database a benchmark loaded and kept (PostgreSQL: `anxin bench-scale` or
`anxin bench-portal` with DATABASE_URL pointing at a scratch database):

    DATABASE_URL=postgres://…/benchscale .venv/bin/python bench/page_cpu.py staff 150
    DATABASE_URL=postgres://…/bportal .venv/bin/python bench/page_cpu.py portal 300
    ANXIN_PG_PREPARED_STATEMENTS=0 DATABASE_URL=… .venv/bin/python bench/page_cpu.py staff 150   # the other side

Prints, per page, the application's CPU (getrusage of this process) and the database backend's
(/proc/<pid>/stat of `pg_backend_pid()`; on SQLite the database runs inside the application's figure): the median
and the lowest of blocks of 10 requests — the lowest moves least when the machine's other tenants take the CPU.
"""

import os
import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ANXIN_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

BLOCK = 10


def _database_cpu() -> float:
    if connection.vendor != "postgresql":
        return 0.0
    from anxin.search.bench import _cpu_seconds

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return _cpu_seconds([cursor.fetchone()[0]])  # the server runs on this machine


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _portal_pages() -> tuple[Client, dict[str, str]]:
    from anxin.portal.bench import signed_in_customer

    mine, session_key = signed_in_customer()
    client = Client()
    client.cookies["sessionid"] = session_key
    return client, {"my requests": "/portal/", "one order": f"/portal/orders/{mine.public_id}/",
                    "new-request form": "/portal/new/"}


def _staff_pages() -> tuple[Client, dict[str, str]]:
    from anxin.accounts.models import User
    from anxin.workorders.selectors import QueueFilters, workorder_list_for_queue

    agent = User.objects.get(username="agent1")
    client = Client()
    client.force_login(agent)
    order = workorder_list_for_queue(user=agent, filters=QueueFilters())[3]
    return client, {"queue": "/orders/", "queue type + status": "/orders/?type=repair&status=new",
                    "order page": f"/orders/{order.public_id}/", "search 漏水": "/search/?q=%E6%BC%8F%E6%B0%B4"}


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "staff"
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    client, pages = _portal_pages() if which == "portal" else _staff_pages()
    if connection.vendor == "postgresql":
        prepared = "on" if connection.settings_dict["OPTIONS"].get("prepare_threshold") else "off"
        print(f"PostgreSQL, {requests} requests a page, prepared statements {prepared}")
    else:
        print(f"SQLite, {requests} requests a page (the database's work is inside the application's figure)")
    for name, path in pages.items():
        for _ in range(10):  # warm: templates, caches, and psycopg prepares on a statement's fifth run
            assert client.get(path).status_code == 200, path
        apps, dbs = [], []
        for _ in range(max(1, requests // BLOCK)):  # blocks: the lowest is the least disturbed by the machine
            db0, app0 = _database_cpu(), _own_cpu()
            for _ in range(BLOCK):
                client.get(path)
            apps.append(1000 * (_own_cpu() - app0) / BLOCK)
            dbs.append(1000 * (_database_cpu() - db0) / BLOCK)
        print(f"  {name:<22} application {statistics.median(apps):6.2f} ms (lowest {min(apps):6.2f})"
              f"  database {statistics.median(dbs):5.2f} ms (lowest {min(dbs):5.2f})  CPU per request, median of"
              f" {len(apps)} blocks of {BLOCK}")


if __name__ == "__main__":
    main()
