"""`anxin` — operations in one command: run (web + worker), serve, worker, import, manage, bench."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    import django

    django.setup()


def _stop_on_signals():
    """A callable that turns true after Ctrl-C or SIGTERM (so the loop can stop its children cleanly)."""
    stopping = {"yes": False}

    def stop(signum, frame):
        stopping["yes"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return lambda: stopping["yes"]


def _die_with_parent() -> None:
    """In the child: be sent SIGTERM when the parent dies (a supervisor killed with -9 leaves no orphans)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Supervisor:
    """Keeps child processes running: one that dies is started again (after 1, 2, 4 … 30 s if it keeps dying),
    and the others are left alone — a killed task worker no longer takes the web server down (issue 13)."""

    def __init__(self, children: dict[str, list[str]], env: dict[str, str]):
        self.children, self.env = children, env
        self.procs: dict[str, subprocess.Popen] = {}
        self.started: dict[str, float] = {}
        self.backoff: dict[str, float] = dict.fromkeys(children, 1.0)
        self.due: dict[str, float] = {}
        for name in children:
            self._start(name)

    def _start(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(self.children[name], env=self.env, preexec_fn=_die_with_parent)
        self.started[name] = time.monotonic()

    def tick(self) -> None:
        now = time.monotonic()
        for name, proc in self.procs.items():
            if proc.poll() is None:
                if now - self.started[name] > 60:
                    self.backoff[name] = 1.0  # a minute up: the next death restarts at once again
                continue
            if name not in self.due:
                self.due[name] = now + self.backoff[name]
                print(f"{name} 已退出 (exit {proc.returncode})，{self.backoff[name]:.0f} 秒后重启 / "
                      f"{name} exited, restarting in {self.backoff[name]:.0f} s", flush=True)
                self.backoff[name] = min(30.0, self.backoff[name] * 2)
            elif now >= self.due[name]:
                del self.due[name]
                self._start(name)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def _gunicorn_cmd(host: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "anxin.wsgi:application", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--preload", "--access-logfile", "-", "--graceful-timeout", "10",
            "--log-level", "warning"]


def _worker_cmd() -> list[str]:
    return [sys.executable, "-m", "anxin.cli", "worker"]


def cmd_worker(args) -> None:
    """The task worker (django-tasks' db_worker) plus the scheduler that enqueues the periodic sweeps.

    The sweeps are idempotent and claim their work, so an extra enqueue (two workers, a restart) is harmless.
    """
    _django()
    from django.conf import settings

    from anxin.core.tasks import planner_statistics_task, task_results_task
    from anxin.mailintake.tasks import mail_fetch_task
    from anxin.portal.tasks import portal_purge_task
    from anxin.reports.tasks import complaint_reports_task, rollups_merge_task
    from anxin.retention.tasks import propose_candidates_task, purge_batches_task
    from anxin.revisits.tasks import schedule_panel_surveys_task, schedule_revisits_task
    from anxin.search.tasks import train_classifier_task
    from anxin.sla.tasks import (
        deliver_notifications_task,
        maintenance_reminders_task,
        sweep_sla_deadlines_task,
    )

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "anxin.settings"}
    tasks = Supervisor({"db_worker": [sys.executable, "-m", "django", "db_worker", "--interval", "1"]}, env)
    stopping = _stop_on_signals()
    next_run = next_daily = next_mail = 0.0
    try:
        while not stopping():
            tasks.tick()  # a killed task runner is started again; the sweeps below keep being enqueued
            if time.monotonic() >= next_run:
                sweep_sla_deadlines_task.enqueue()
                deliver_notifications_task.enqueue()
                schedule_revisits_task.enqueue()
                next_run = time.monotonic() + settings.SLA_SWEEP_SECONDS
            if settings.MAIL_IMAP_HOST and time.monotonic() >= next_mail:
                mail_fetch_task.enqueue()  # each mail is filed once by Message-ID, so an overlap is harmless
                next_mail = time.monotonic() + settings.MAIL_FETCH_SECONDS
            if time.monotonic() >= next_daily:
                maintenance_reminders_task.enqueue()  # once per due date per asset, so hourly is harmless
                schedule_panel_surveys_task.enqueue()
                train_classifier_task.enqueue()  # retrains when the model is a day old
                portal_purge_task.enqueue()
                planner_statistics_task.enqueue()  # SQLite's planner statistics follow the data's growth
                task_results_task.enqueue()  # prunes finished runs; marks a killed worker's runs failed
                complaint_reports_task.enqueue()  # the admin's schedule; each report is made once
                rollups_merge_task.enqueue()  # the dashboard's rollups: one row per key again (one merge at a time)
                propose_candidates_task.enqueue()  # proposes on the 1st of the month, once
                purge_batches_task.enqueue()  # resumes an approved purge a restart cut short
                next_daily = time.monotonic() + 3600
            time.sleep(0.5)
    finally:
        tasks.stop()


def cmd_check_deploy(args) -> None:
    """Django's deployment checklist plus Anxin's own (secret key, site URL, mail, SMS, database): what to fix."""
    _django()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", "--deploy", "--database", "default", "--fail-level", "ERROR")
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        print("有必须修正的问题 / errors must be fixed before going live.", file=sys.stderr)
        sys.exit(1)
    print("可以上线；上面的警告请逐条确认 / ready; review each warning above.")


def cmd_setup(args) -> None:
    """Migrate, collect static files, load demo data on the first start only."""
    _django()
    _manage("migrate", "--noinput", "-v", "0")
    from anxin.core.maintenance import planner_statistics_refresh

    planner_statistics_refresh()
    _manage("collectstatic", "--noinput", "-v", "0")
    from anxin.accounts.models import OrgUnit

    if not OrgUnit.objects.exists() and not args.no_demo:
        print("首次启动：正在载入演示数据… (first start: loading demo data)", flush=True)
        _manage("loaddemo")
    from anxin.search.models import SearchEntry
    from anxin.workorders.models import WorkOrder

    if WorkOrder.objects.exists() and not SearchEntry.objects.exists():
        # a database from before the search index: build it once (later writes keep it current)
        print("正在建立搜索索引… (building the search index)", flush=True)
        cmd_reindex(argparse.Namespace(kind=None, batch=2000))


def site_url_warning(site_url: str, host: str, port: int) -> str | None:
    """Links in SMS and email are built from ANXIN_SITE_URL: say so when it points at this machine on another port.

    A public address (behind a reverse proxy) is left alone: it is expected to differ from the local port.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(site_url)
    local = {"127.0.0.1", "localhost", "::1", "0.0.0.0", host}
    site_port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.hostname in local and site_port != port:
        return (f"注意 / warning: ANXIN_SITE_URL={site_url} 与服务端口 {port} 不一致，短信和邮件中的客户链接将无法打开。"
                f" Customer links in SMS and email use ANXIN_SITE_URL, which does not match port {port}:"
                f" set ANXIN_SITE_URL=http://{parts.hostname}:{port}")
    return None


def cmd_run(args) -> None:
    cmd_setup(args)
    from anxin.devtools.demo import DEMO_PASSWORD, demo_logins

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "anxin.settings"}
    # web and worker are supervised apart: either one that dies is restarted, the other keeps running
    children = Supervisor({"web": _gunicorn_cmd(args.host, args.port, args.workers), "worker": _worker_cmd()}, env)
    url = f"http://{args.host}:{args.port}/"
    print(f"\n安心 Anxin 已启动 / is running: {url}")
    print(f"演示账号 / demo logins (密码 password: {DEMO_PASSWORD}):")
    for username, label in demo_logins():
        print(f"  {username:<12} {label}")
    print(f"客户自助 / customer portal: {url}portal/ (短信验证码见 / the SMS code is in var/notifications.log)")
    from django.conf import settings

    warning = site_url_warning(settings.SITE_URL, args.host, args.port)
    if warning:
        print(warning)
    print("按 Ctrl-C 停止 / press Ctrl-C to stop.\n", flush=True)

    stopping = _stop_on_signals()
    try:
        while not stopping():
            children.tick()
            time.sleep(0.5)
    finally:
        children.stop()
        print("已停止 / stopped.")


def cmd_serve(args) -> None:
    os.execv(sys.executable, _gunicorn_cmd(args.host, args.port, args.workers))


def cmd_import_customers(args) -> None:
    _django()
    from anxin.accounts.models import User
    from anxin.core.errors import DomainError
    from anxin.customers.importing import import_customers

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        sys.exit(f"unknown user: {args.user}")
    try:
        report = import_customers(Path(args.file), actor=user, dry_run=args.dry_run)
    except DomainError as exc:
        sys.exit(f"error: {exc}")
    for error in report.errors:
        print(f"row {error.row}\t{error.field}\t{error.message}")
    if report.errors:
        sys.exit(f"{len(report.errors)} problems; nothing imported")
    if args.dry_run:
        print(f"{len(report.rows)} rows valid (dry run, nothing saved)")
    else:
        print(f"imported {report.created_customers} customers, {report.created_assets} assets")


def cmd_import_history(args) -> None:
    """Issue 10: a desk's past orders, streamed, all or nothing, with a progress line."""
    _django()
    from anxin.accounts.models import User
    from anxin.core.errors import DomainError
    from anxin.reports.history_services import history_import

    started = time.monotonic()

    def progress(done: int) -> None:
        print(f"\rchecked {done:>10,} rows  {done / max(0.001, time.monotonic() - started):,.0f}/s",
              end="", flush=True)

    try:
        report = history_import(Path(args.file), actor=User.objects.get(username=args.user), dry_run=args.dry_run,
                                progress=progress)
    except (DomainError, User.DoesNotExist) as exc:
        sys.exit(f"\n{exc}")
    print()
    for error in report.errors[:50]:
        print(f"  row {error.row} {error.field}: {error.message}")
    if report.error_count:
        sys.exit(f"{report.error_count} problems in {report.rows:,} rows: nothing was imported")
    verb = "would import" if args.dry_run else "imported"
    print(f"{verb} {report.valid if args.dry_run else report.imported:,} orders in {time.monotonic() - started:.1f} s"
          f" {report.by_type or ''}")


def cmd_rollups(args) -> None:
    """The reports' rollups: check them against a recount, merge their rows, or count them again."""
    _django()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from anxin.reports.rollup_services import (
        rollup_differences,
        rollups_compact,
        rollups_merge,
        rollups_rebuild,
    )

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("the database has migrations to apply: run `anxin setup` first (it installs the rollups' triggers)")
    started = time.monotonic()
    if args.rebuild:
        print(f"rebuilt: {rollups_rebuild()} rows in {time.monotonic() - started:.1f} s")
    if args.merge:
        print(f"merged: {rollups_merge()} keys in {time.monotonic() - started:.1f} s")
        rollups_compact()
    if args.check or not (args.rebuild or args.merge):
        differences = rollup_differences()
        for table, key, held, counted in differences[:50]:
            print(f"  {table} {key}: holds {held}, recount {counted}")
        if differences:
            sys.exit(f"{len(differences)} keys differ from a recount: `anxin rollups --rebuild` counts them again")
        print(f"the rollups equal a recount of the orders, contacts, revisits and ratings "
              f"({time.monotonic() - started:.1f} s)")


def cmd_sla_due(args) -> None:
    """Support staff: the due time of `minutes` business minutes from `start` (Asia/Shanghai, ISO)."""
    from datetime import datetime

    from anxin.sla.calendar import SHANGHAI, BusinessCalendar, CalendarError, parse_hours

    try:
        start = datetime.fromisoformat(args.start)
    except ValueError:
        sys.exit(f"error: --start {args.start!r} is not an ISO date-time like 2026-09-30T16:00")
    start = start.replace(tzinfo=SHANGHAI) if start.tzinfo is None else start
    if args.minutes <= 0:
        sys.exit("error: --minutes must be a positive number")
    try:
        if args.site:
            _django()
            from anxin.accounts.models import OrgUnit
            from anxin.sla.selectors import calendar_for

            unit = OrgUnit.objects.filter(code=args.site).first()
            if unit is None:
                sys.exit(f"error: no site with code {args.site!r}")
            calendar = calendar_for(unit.id)
        else:
            calendar = BusinessCalendar(periods=parse_hours(args.hours))
        print(calendar.add(start, args.minutes).astimezone(SHANGHAI).isoformat(timespec="minutes"))
    except CalendarError as exc:
        sys.exit(f"error: {exc}")


def cmd_dispatch_bench(args) -> None:
    """Read a dispatch-benchmark instance, plan the day, write the solution (FORMAT.md)."""
    import json

    from anxin.dispatch.instance import InstanceError, parse_instance, solution_json
    from anxin.dispatch.service import dispatch_plan

    try:
        with open(args.instance, encoding="utf-8") as fh:
            data = json.load(fh)
        instance = parse_instance(data)
    except OSError as exc:
        sys.exit(f"error: cannot read {args.instance}: {exc.strerror}")
    except ValueError as exc:  # JSONDecodeError and InstanceError are both ValueErrors
        kind = "malformed instance" if isinstance(exc, InstanceError) else "not JSON"
        sys.exit(f"error: {args.instance}: {kind}: {exc}")
    plan, seconds = dispatch_plan(instance, solver=args.solver, time_limit_s=args.time_limit)
    solution = solution_json(instance, plan.routes, plan.unassigned, plan.solver, seconds, plan.lower_bound)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(solution, fh, ensure_ascii=False, indent=1)
    visited = sum(len(r["visits"]) for r in solution["routes"])
    print(f"{instance.name}: {visited}/{len(instance.orders)} orders planned in {seconds:.1f} s -> {args.out}")


def cmd_reindex(args) -> None:
    """G4: rebuild the search index from the records, with a progress bar."""
    _django()
    from anxin.search.services import reindex

    started = time.monotonic()

    def progress(kind, done, total):
        width = 30
        filled = width * done // max(total, 1)
        rate = done / max(time.monotonic() - started, 1e-9)
        print(f"\r{kind:<9} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,}  {rate:,.0f}/s",
              end="" if done < total else "\n", flush=True)

    counts = reindex(kinds=args.kind or None, batch=args.batch, progress=progress)
    print(f"indexed {sum(counts.values()):,} records in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def cmd_train_classifier(args) -> None:
    """A8: train the suggestion model now and print its accuracy on the held-out orders."""
    _django()
    from anxin.search.classify_services import train

    result = train()
    print(f"trained on {result['docs']:,} resolved/closed orders; {result['held_out']:,} held out")
    for field, figures in result["accuracy"].items():
        print(f"  {field:<13} accuracy {figures['accuracy']}  (majority-class baseline {figures['majority_baseline']},"
              f" {figures['held_out']} held-out orders){'' if figures['used'] else '  → not suggested'}")
    if not result["accuracy"]:
        print("  not enough history: the model suggests nothing until there are 50 resolved orders")


def cmd_backup(args) -> None:
    """A consistent copy of the embedded database, the files and the secret key, while the desk keeps working."""
    _django()

    from django.conf import settings
    from django.db import connection

    from anxin.core import backup

    if connection.vendor != "sqlite":
        sys.exit("anxin backup covers the embedded SQLite database; back PostgreSQL up with pg_dump "
                 "(docs/operations.md) and copy the media folder.")
    connection.ensure_connection()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = Path(args.to) if args.to else settings.VAR_DIR / "backups" / f"anxin-{stamp}.tar.gz"
    manifest = backup.backup(source=connection.connection, media_root=Path(settings.MEDIA_ROOT),
                             secret_key_file=settings.VAR_DIR / "secret_key", target=target)
    print(f"Backup written: {target} ({len(manifest['files'])} files, "
          f"{sum(manifest['tables'].values()):,} rows in {len(manifest['tables'])} tables)")


def cmd_restore(args) -> None:
    """Unpack a backup into an empty data directory and verify every file and every table's rows."""

    from anxin.core import backup

    var_dir = Path(args.var_dir or os.environ.get("ANXIN_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    try:
        manifest = backup.restore(archive=Path(args.archive), var_dir=var_dir, force=args.force)
    except (backup.BackupError, OSError) as exc:
        sys.exit(f"Not restored: {exc}")
    print(f"Restored into {var_dir}: {len(manifest['files'])} files checked, "
          f"{sum(manifest['tables'].values()):,} rows in {len(manifest['tables'])} tables as in the backup "
          f"of {manifest['created_at']}. Start it with ANXIN_VAR_DIR={var_dir} anxin run")


def cmd_manage(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["anxin manage", *args.rest])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="anxin", description="安心 Anxin customer-service desk")
    sub = parser.add_subparsers(dest="command", required=True)

    def server_args(p):
        p.add_argument("--host", default=os.environ.get("ANXIN_HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("ANXIN_PORT", "8000")))
        p.add_argument("--workers", type=int, default=int(os.environ.get("ANXIN_WEB_WORKERS", "2")))

    p = sub.add_parser("run", help="set up (migrate, demo data on first start) and run web server + worker")
    server_args(p)
    p.add_argument("--no-demo", action="store_true", help="do not load demo data into an empty database")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("setup", help="migrate, collect static files, load demo data on first start")
    p.add_argument("--no-demo", action="store_true")
    p.set_defaults(func=cmd_setup)
    p = sub.add_parser("serve", help="run the production web server (gunicorn) only")
    server_args(p)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("check-deploy", help="Django's deployment checks plus Anxin's own; says what to fix")
    p.set_defaults(func=cmd_check_deploy)
    p = sub.add_parser("worker", help="run the task worker and the periodic sweeps (SLA, notifications)")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("import-customers", help="import customers and assets from an .xlsx file")
    p.add_argument("file")
    p.add_argument("--user", required=True, help="the user the import is done as (scope and audit)")
    p.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
    p.set_defaults(func=cmd_import_customers)
    p = sub.add_parser("sla-due", help="due time of N business minutes from a start (Asia/Shanghai)")
    p.add_argument("--start", required=True, help="ISO date-time, e.g. 2026-09-30T16:00 (Asia/Shanghai if no zone)")
    p.add_argument("--minutes", type=int, required=True)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--site", help="org-unit code: its working hours and overrides")
    where.add_argument("--hours", help="working hours, e.g. 08:30-12:00,13:30-17:30 (public calendar only)")
    p.set_defaults(func=cmd_sla_due)
    p = sub.add_parser("reindex", help="rebuild the search index (orders, customers, articles, cases)")
    p.add_argument("--kind", action="append", choices=["order", "customer", "article", "case"],
                   help="only this kind (repeatable)")
    p.add_argument("--batch", type=int, default=2000)
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("train-classifier", help="train the type/category/priority suggestion model (A8) now")
    p.set_defaults(func=cmd_train_classifier)
    p = sub.add_parser("backup", help="back up the embedded database, the files and the secret key (online)")
    p.add_argument("--to", help="the .tar.gz to write (default var/backups/anxin-<time>.tar.gz)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into an empty data directory and verify it")
    p.add_argument("archive")
    p.add_argument("--var-dir", help="the data directory to restore into (default ANXIN_VAR_DIR)")
    p.add_argument("--force", action="store_true", help="overwrite an existing database there")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("rehearse-migrations", help="run pending migrations on an online copy of the embedded "
                                                   "database and time each (the live one is not touched)")
    p.add_argument("--redo", nargs=2, metavar=("APP", "MIGRATION"), default=None,
                   help="roll the copy back to this migration first, then forward: times what follows it")
    p.add_argument("--keep", action="store_true", help="keep the migrated copy")
    p.set_defaults(func=lambda a: sys.exit(__import__("anxin.core.rehearsal", fromlist=["x"]).rehearse(
        redo=tuple(a.redo) if a.redo else None, keep=a.keep)))
    p = sub.add_parser("import-history", help="import past work orders from .xlsx or .csv (dry run first)")
    p.add_argument("file")
    p.add_argument("--user", required=True, help="the user the import is made as (needs the import right)")
    p.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    p.set_defaults(func=cmd_import_history)
    p = sub.add_parser("rollups", help="the reports' rollups: check against a recount (default), merge, rebuild")
    p.add_argument("--check", action="store_true", help="recount from the orders and contacts, name any difference")
    p.add_argument("--merge", action="store_true", help="fold the rows written since the last merge (as hourly)")
    p.add_argument("--rebuild", action="store_true", help="count everything again (after rows were deleted by hand)")
    p.set_defaults(func=cmd_rollups)
    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    p = sub.add_parser("bench-workorders", help="benchmark queue/order pages and API creation (see bench/)")
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--creates", type=int, default=2000, help="API creates to time; 0 skips")
    p.add_argument("--var-dir", default=None, help="empty folder for the bench database (default: a temp dir)")
    p.set_defaults(func=lambda a: _bench(a))
    p = sub.add_parser("dispatch-bench", help="plan a dispatch-benchmark instance (FORMAT.md) into a solution file")
    p.add_argument("instance")
    p.add_argument("--out", required=True)
    p.add_argument("--solver", choices=["ortools", "greedy"], default="ortools")
    p.add_argument("--time-limit", type=float, default=None, help="seconds of search (default: by size, ≤ 15)")
    p.set_defaults(func=cmd_dispatch_bench)
    for name, module, run, text in (
            ("bench-search", "anxin.search.bench", "run_search_bench",
             "benchmark search, suggestions and the queue's text filter (issue 9)"),
            ("bench-reports", "anxin.reports.bench", "run_reports_bench",
             "benchmark the dashboard, type table and staff performance (issue 10)"),
            ("bench-history", "anxin.reports.bench", "run_history_bench",
             "time the history import of an N-row CSV, with its peak memory (issue 10)"),
            ("bench-portal", "anxin.portal.bench", "run_portal_bench",
             "benchmark the customer portal's pages (issue 11)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--orders", type=int, default=100_000)
        p.add_argument("--seconds", type=int, default=15, help="seconds of load per page")
        p.add_argument("--var-dir", default=None)
        extra = {}
        if name in ("bench-reports", "bench-search"):
            p.add_argument("--again", action="store_true",
                           help="the var dir (or DATABASE_URL) holds this bench's data already: migrate, then the "
                                "HTTP half only (to measure a change on the same million orders)")
            extra = {"again": "again"}
        # imported when run: the benches pull in Django and the whole project
        p.set_defaults(func=lambda a, module=module, run=run, extra=extra: getattr(
            __import__(module, fromlist=["x"]), run)(orders=a.orders, var_dir=a.var_dir, seconds=a.seconds,
                                                     **{k: getattr(a, v) for k, v in extra.items()}))
    p = sub.add_parser("bench-enumeration", help="tracking lookups timed for existing vs unknown numbers (case 2)")
    p.add_argument("--lookups", type=int, default=1000)
    p.add_argument("--var-dir", default=None)
    p.set_defaults(func=lambda a: __import__("anxin.portal.bench", fromlist=["x"]).run_enumeration_bench(
        lookups=a.lookups, var_dir=a.var_dir))
    p = sub.add_parser("bench-mail", help="benchmark email intake: N mails queued in a local dovecot (issue 11)")
    p.add_argument("--mails", type=int, default=1000)
    p.add_argument("--var-dir", default=None)
    p.set_defaults(func=lambda a: __import__("anxin.mailintake.bench", fromlist=["x"]).run_mail_bench(
        mails=a.mails, var_dir=a.var_dir))
    p = sub.add_parser("bench-sla", help="benchmark one SLA sweep over N open orders with clocks")
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--var-dir", default=None)
    p.set_defaults(func=lambda a: __import__("anxin.sla.bench", fromlist=["x"]).run_sla_bench(
        orders=a.orders, var_dir=a.var_dir))
    p = sub.add_parser("bench-scale", help="the agent's pages and API creation at up to 1 M orders (issue 14)")
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--seconds", type=int, default=15, help="seconds of load per page")
    p.add_argument("--server", choices=["sync", "gthread"], default="sync", help="gunicorn worker class")
    p.add_argument("--var-dir", default=None)
    p.add_argument("--again", action="store_true", help="reuse the orders an earlier run loaded (no load)")
    p.set_defaults(func=lambda a: __import__("anxin.workorders.bench", fromlist=["x"]).run_scale_bench(
        orders=a.orders, var_dir=a.var_dir, seconds=a.seconds, server=a.server, again=a.again))
    p = sub.add_parser("bench-soak", help="simulated agents doing the desk's mix for minutes (issue 14)")
    p.add_argument("--orders", type=int, default=100_000)
    p.add_argument("--agents", type=int, default=32)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--var-dir", default=None)
    p.set_defaults(func=lambda a: sys.exit(0 if __import__("anxin.devtools.soak", fromlist=["x"]).run_soak(
        orders=a.orders, agents=a.agents, minutes=a.minutes, var_dir=a.var_dir) else 1))
    p = sub.add_parser("bench-faults", help="kill -9 and database restarts under load: nothing lost (issue 13)")
    p.add_argument("--seconds", type=float, default=30, help="length of the intake phase")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--var-dir", default=None)
    p.add_argument("--db-restart", default="", help="a shell command that restarts the database (PostgreSQL)")
    p.set_defaults(func=lambda a: __import__("anxin.devtools.faults", fromlist=["x"]).run_faults_bench(
        seconds=a.seconds, clients=a.clients, var_dir=a.var_dir, db_restart=a.db_restart))
    args = parser.parse_args(argv)
    args.func(args)


def _bench(args) -> None:
    from anxin.devtools.bench import run_workorder_bench

    run_workorder_bench(orders=args.orders, creates=args.creates, var_dir=args.var_dir)


if __name__ == "__main__":
    main()
