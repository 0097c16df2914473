"""Issue 13 fault, against a real HTTP gateway on loopback: the SMS provider first hangs (each send times out),
then answers 500 for an hour, then recovers. Every message is retried with back-off, none is lost, and the
provider receives each `out_id` exactly once with a 200."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from anxin.notifications import services
from anxin.notifications.models import Notification
from anxin.sla.calendar import SHANGHAI

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def gateway():
    state = {"mode": "hang", "accepted": [], "refused": 0, "release": threading.Event()}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — http.server's hook name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if state["mode"] == "hang":
                state["release"].wait(5)  # longer than the client's timeout
                return
            if state["mode"] == "500":
                state["refused"] += 1
                self.send_response(500)
                self.end_headers()
                return
            state["accepted"].append(body["out_id"])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/send"
    yield state
    state["release"].set()
    server.shutdown()


def test_an_sms_provider_that_times_out_then_fails_for_an_hour_loses_nothing(world, settings, gateway):
    settings.SMS_URL, settings.NOTIFY_HTTP_TIMEOUT = gateway["url"], 0.3
    for i in range(8):
        services.notify_phone(phone=f"+861390000{i:04d}", kind="milestone_accepted", text=f"【安心】第{i}单已受理",
                              dedupe_key=f"outage-{i}", now=NOON)
    first = services.deliver_due(now=NOON)  # every send times out
    assert first == {"sent": 0, "retry": 8, "failed": 0}
    assert set(Notification.objects.values_list("last_error", flat=True)) and all(
        "timed out" in e.lower() or "timeout" in e.lower() for e in Notification.objects.values_list("last_error", flat=True))
    gateway["release"].set()
    gateway["mode"] = "500"
    now = NOON
    while now <= NOON + timedelta(minutes=60):
        services.deliver_due(now=now)
        now += timedelta(minutes=1)
    assert gateway["refused"] > 8 and not gateway["accepted"]
    assert not Notification.objects.exclude(state=Notification.State.PENDING).exists()  # none given up
    gateway["mode"] = "200"
    while now <= NOON + timedelta(hours=3):
        services.deliver_due(now=now)
        now += timedelta(minutes=1)
    rows = Notification.objects.all()
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    assert sorted(gateway["accepted"]) == sorted(f"anxin-{pk}" for pk in rows.values_list("pk", flat=True))
