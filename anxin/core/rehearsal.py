"""Rehearse migrations on a copy of the embedded database (SECURITY-CASES 44): how long each takes on this desk's
data, before it runs on the live one. The copy is taken online with SQLite's backup API; the live database is never
migrated here. Run by hand: `anxin rehearse-migrations` (or `--redo workorders 0013` to roll the copy back to that
migration first and time what follows — e.g. the queue's index build at 1 M orders)."""

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rehearse(*, redo: tuple[str, str] | None = None, keep: bool = False) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "sqlite":
        print("PostgreSQL: rehearse on a copy made with `createdb -T <db> <copy>` (or pg_dump | psql), then run "
              "`DATABASE_URL=…/<copy> anxin manage migrate -v 2`; Django prints each migration's time.")
        return 2
    live = Path(connection.settings_dict["NAME"])
    work = Path(tempfile.mkdtemp(prefix="anxin-rehearsal-"))
    copy = work / "anxin.sqlite3"
    started = time.monotonic()
    with sqlite3.connect(live) as source, sqlite3.connect(copy) as target:
        source.backup(target, pages=4096)
    size = copy.stat().st_size / 2**20
    print(f"copy of {live} ({size:.0f} MiB) in {time.monotonic() - started:.1f} s → {copy}")
    env = {**os.environ, "ANXIN_SQLITE_PATH": str(copy), "ANXIN_VAR_DIR": str(work)}
    steps = []
    if redo:
        steps.append(["migrate", redo[0], redo[1], "-v", "2"])
    steps.append(["migrate", "-v", "2"])
    timings: list[tuple[float, str]] = []
    for args in steps:
        print("$ manage.py " + " ".join(args), flush=True)
        proc = subprocess.Popen([sys.executable, "-m", "django", *args], env=env, stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            print("  " + line.rstrip(), flush=True)
            found = re.search(r"(Applying|Unapplying) (\S+)\.\.\. OK \(([\d.]+)s\)", line)
            if found:
                timings.append((float(found.group(3)), f"{found.group(1).lower()} {found.group(2)}"))
        if proc.wait():
            print(f"migration failed on the copy (exit {proc.returncode}): fix it before it reaches the live data")
            return 1
    check = sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone()[0]
    total = sum(t for t, _ in timings)
    print(f"done: {len(timings)} migration steps, {total:.1f} s; integrity check: {check}")
    for seconds, name in sorted(timings, reverse=True)[:5]:
        print(f"  {seconds:8.2f} s  {name}")
    if not keep:
        copy.unlink()
    return 0 if check == "ok" else 1
