"""Issue 13: `kill -9` of the task worker stopped `anxin run` altogether. Now web and worker are supervised apart."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> dict[int, str]:
    """Direct children of `pid` with their command lines (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return found


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_killing_the_worker_restarts_it_and_the_web_keeps_serving(tmp_path):
    port = _free_port()
    env = {**os.environ, "ANXIN_VAR_DIR": str(tmp_path), "DATABASE_URL": "", "ANXIN_PORT": str(port),
           "ANXIN_SLA_SWEEP_SECONDS": "2"}
    run = subprocess.Popen([sys.executable, "-m", "anxin.cli", "run", "--no-demo", "--port", str(port)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _healthy(port), 120)
        worker = _wait_for(lambda: next((p for p, cmd in _children(run.pid).items() if "anxin.cli worker" in cmd),
                                        None), 20)
        runner = _wait_for(lambda: next((p for p, cmd in _children(worker).items() if "db_worker" in cmd), None), 20)
        # the task runner under the worker dies: the worker starts another, the web never notices
        os.kill(runner, signal.SIGKILL)
        assert _healthy(port)
        second = _wait_for(lambda: next((p for p, cmd in _children(worker).items()
                                         if "db_worker" in cmd and p != runner), None), 20)
        # the worker itself dies: `anxin run` starts another; its runner goes with it (no orphan)
        os.kill(worker, signal.SIGKILL)
        assert _healthy(port)
        _wait_for(lambda: not Path(f"/proc/{second}").exists() or "Z" in Path(f"/proc/{second}/stat").read_text()
                  .rsplit(")", 1)[1].split()[0], 20)
        _wait_for(lambda: any("anxin.cli worker" in cmd and p != worker for p, cmd in _children(run.pid).items()), 20)
        assert _healthy(port) and run.poll() is None
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=40)
    assert run.returncode == 0
