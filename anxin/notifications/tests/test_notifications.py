"""Notification backends' request shapes, retries, quiet hours and the delivery claim (issue 4)."""

import json
from datetime import datetime, time, timedelta

import pytest
from django.core import mail

from anxin.notifications import services, transports
from anxin.notifications.models import Notification, WebhookEndpoint
from anxin.sla.calendar import SHANGHAI

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)


class FakeHTTP:
    """Stands in for the provider at the transport seam; records each request it was sent."""

    def __init__(self, status=200, fail=False):
        self.status, self.fail, self.requests, self.statuses = status, fail, [], []

    def __call__(self, request, timeout):
        self.requests.append({"url": request.full_url, "headers": dict(request.header_items()),
                              "json": json.loads(request.data)})
        self.statuses.append(not self.fail and self.status < 300)
        if self.fail:
            raise TimeoutError("timed out")
        outer = self

        class Response:
            status = outer.status

            def __enter__(self):
                return self

            def __exit__(self, *a):
                return False

        return Response()


def test_notify_writes_inapp_and_preferred_channels_once(world):
    world.agent_a.email, world.agent_a.phone = "agent@example.cn", "+8613800138000"
    world.agent_a.save()
    services.preference_set(user=world.agent_a, channels=["email", "sms"])
    for _ in range(2):
        services.notify(recipients=[world.agent_a], kind="sla_breach", subject="GD1 超时", dedupe_key="k1", now=NOON)
    assert sorted(Notification.objects.values_list("channel", flat=True)) == ["email", "inapp", "sms"]


def test_email_is_sent_with_auto_submitted_and_no_header_injection(world, settings):
    settings.MAIL_ADDRESS = "service@anxin.example"
    world.agent_a.email = "agent@example.cn"
    world.agent_a.save()
    services.notify(recipients=[world.agent_a], kind="x", subject="GD1\r\nBcc: victim@x", dedupe_key="k", now=NOON)
    assert services.deliver_due(now=NOON)["sent"] == 1
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert "\n" not in mail.outbox[0].subject and mail.outbox[0].bcc == []
    # staff mail comes from the system address: a reply to it must not land in the intake mailbox as an order
    assert mail.outbox[0].from_email == settings.DEFAULT_FROM_EMAIL


def test_sms_and_wechat_requests_have_the_provider_shape(world, settings, monkeypatch):
    settings.SMS_URL, settings.SMS_API_KEY = "https://sms.example.cn/send", "key-1"
    settings.WECHAT_URL, settings.WECHAT_TEMPLATE_ID = "https://api.weixin.qq.com/cgi-bin/message/template/send", "T1"
    world.agent_a.phone = "+8613800138000"
    world.agent_a.save()
    services.preference_set(user=world.agent_a, channels=["sms", "wechat"], wechat_openid="oABC")
    fake = FakeHTTP()
    monkeypatch.setattr(transports.urllib.request, "urlopen", fake)
    services.notify(recipients=[world.agent_a], kind="dispatch", subject="新派工 GD1", body="厨房漏水", dedupe_key="d1",
                    url="/orders/x/", now=NOON)
    assert services.deliver_due(now=NOON)["sent"] == 2
    sms = next(r for r in fake.requests if "sms" in r["url"])
    assert sms["json"]["phone"] == "+8613800138000" and sms["json"]["out_id"].startswith("anxin-")
    assert sms["headers"]["Authorization"] == "Bearer key-1"
    wechat = next(r for r in fake.requests if "weixin" in r["url"])
    assert wechat["json"]["touser"] == "oABC" and wechat["json"]["template_id"] == "T1"


def test_a_provider_that_times_out_is_retried_then_failed_visibly(world, settings, monkeypatch):
    settings.SMS_URL = "https://sms.example.cn/send"
    world.agent_a.phone = "+8613800138000"
    world.agent_a.save()
    services.preference_set(user=world.agent_a, channels=["sms"])
    monkeypatch.setattr(transports.urllib.request, "urlopen", FakeHTTP(fail=True))
    services.notify(recipients=[world.agent_a], kind="x", subject="s", dedupe_key="r1", now=NOON)
    now = NOON
    for _ in range(services.MAX_ATTEMPTS):
        services.deliver_due(now=now)
        now += timedelta(hours=2)
    row = Notification.objects.get(channel="sms")
    assert row.state == "failed" and row.attempts == services.MAX_ATTEMPTS and "timed out" in row.last_error


def test_quiet_hours_hold_normal_messages_but_not_emergencies(world):
    world.agent_a.email = "agent@example.cn"
    world.agent_a.save()
    services.preference_set(user=world.agent_a, channels=["email"], quiet_from=time(22, 0), quiet_to=time(7, 0))
    night = datetime(2026, 3, 2, 23, 30, tzinfo=SHANGHAI)
    services.notify(recipients=[world.agent_a], kind="x", subject="普通", dedupe_key="q1", now=night)
    services.notify(recipients=[world.agent_a], kind="emergency", subject="紧急", dedupe_key="q2", now=night,
                    urgent=True)
    normal = Notification.objects.get(channel="email", dedupe_key__startswith="q1@")
    urgent = Notification.objects.get(channel="email", dedupe_key__startswith="q2@")
    assert normal.next_attempt_at == datetime(2026, 3, 3, 7, 0, tzinfo=SHANGHAI)
    assert urgent.next_attempt_at == night


@pytest.fixture
def hook_servers(monkeypatch):
    """Two real HTTP servers on loopback; `crm.example.cn` resolves to the first, and loopback counts as public
    for this test only (a public host cannot be reached from here)."""
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen = {"main": [], "internal": []}

    def handler(name, status, location=""):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                seen[name].append({"headers": dict(self.headers), "body": body, "path": self.path})
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass
        return Handler

    internal = HTTPServer(("127.0.0.1", 0), handler("internal", 200))
    servers = [internal]
    threading.Thread(target=internal.serve_forever, daemon=True).start()
    lookups = []
    real = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return real("127.0.0.1" if host == "crm.example.cn" else host, port, *args, **kwargs)

    monkeypatch.setattr(transports.socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(transports, "_is_public", lambda address: True)

    def start(code, location=""):
        server = HTTPServer(("127.0.0.1", 0), handler("main", code, location))
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server.server_address[1]

    yield {"seen": seen, "start": start, "internal_port": internal.server_address[1], "lookups": lookups}
    for server in servers:
        server.shutdown()
        server.server_close()


def test_webhook_is_signed_and_sent_to_the_checked_address(world, hook_servers):
    import hashlib
    import hmac

    port = hook_servers["start"](204)
    WebhookEndpoint.objects.create(name="crm", url=f"http://crm.example.cn:{port}/hook?x=1", secret="s3cret")
    services.notify(recipients=[world.agent_a], kind="sla_breach", subject="GD1", dedupe_key="w1", now=NOON)
    assert services.deliver_due(now=NOON)["sent"] == 1
    sent = hook_servers["seen"]["main"][0]
    assert sent["path"] == "/hook?x=1" and sent["headers"]["Host"] == f"crm.example.cn:{port}"
    assert sent["headers"]["X-Anxin-Signature"] == "sha256=" + hmac.new(b"s3cret", sent["body"],
                                                                      hashlib.sha256).hexdigest()
    # one name lookup: the connection goes to the address that was checked (an IP literal needs no DNS)
    assert [h for h in hook_servers["lookups"] if not h[0].isdigit()] == ["crm.example.cn"]


def test_webhook_redirects_are_not_followed(world, hook_servers):
    """Issue 13: a public host answering 302 to an internal address reached it; now the redirect is an error."""
    port = hook_servers["start"](302, f"http://127.0.0.1:{hook_servers['internal_port']}/admin")
    WebhookEndpoint.objects.create(name="crm", url=f"http://crm.example.cn:{port}/hook", secret="s3cret")
    services.notify(recipients=[world.agent_a], kind="sla_breach", subject="GD1", dedupe_key="w2", now=NOON)
    assert services.deliver_due(now=NOON)["retry"] == 1
    assert hook_servers["seen"]["internal"] == []
    row = Notification.objects.get(channel="webhook")
    assert "redirects are not followed" in row.last_error and row.state == "pending"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/x", "http://169.254.169.254/latest", "file:///etc/passwd",
                                 "http://localhost/"])
def test_webhook_urls_to_private_places_are_refused(url):
    with pytest.raises(ValueError):
        transports.check_webhook_url(url)


def test_two_workers_never_send_the_same_row(world):
    world.agent_a.email = "a@example.cn"
    world.agent_a.save()
    services.notify(recipients=[world.agent_a], kind="x", subject="s", dedupe_key="c1", now=NOON)
    first = services._claim(NOON, 10)
    second = services._claim(NOON, 10)
    assert len(first) == 1 and second == []
    # a worker killed after claiming: the row is taken over after the claim timeout, not lost
    assert services._claim(NOON + services.CLAIM_TIMEOUT + timedelta(seconds=1), 10) == first


def test_channels_without_an_address_are_not_queued(world):
    services.preference_set(user=world.agent_a, channels=["email", "sms", "wechat"])
    services.notify(recipients=[world.agent_a], kind="x", subject="s", dedupe_key="n1", now=NOON)
    assert list(Notification.objects.values_list("channel", flat=True)) == ["inapp"]


def test_without_a_provider_sms_is_written_to_the_log_file(world, settings, tmp_path):
    settings.SMS_URL, settings.NOTIFY_LOG_FILE = "", str(tmp_path / "n.log")
    services.notify_phone(phone="+8613800138000", kind="milestone_accepted", text="【安心】已受理", dedupe_key="f1",
                          now=NOON)
    services.deliver_due(now=NOON)
    line = json.loads((tmp_path / "n.log").read_text().splitlines()[0])
    assert line == {"channel": "sms", "phone": "+8613800138000", "text": "【安心】已受理",
                    "out_id": line["out_id"]} and line["out_id"].startswith("anxin-")


def test_a_provider_down_for_an_hour_loses_nothing_and_sends_nothing_twice(world, settings, monkeypatch):
    """Issue 13 fault: the SMS gateway answers 500 for an hour, then recovers. Every message is retried with
    back-off and sent exactly once; none is lost or failed."""
    settings.SMS_URL = "https://sms.example.cn/send"
    clock = {"now": NOON}

    class Gateway(FakeHTTP):
        def __call__(self, request, timeout):
            self.status = 500 if clock["now"] < NOON + timedelta(hours=1) else 200
            return super().__call__(request, timeout)

    gateway = Gateway()
    monkeypatch.setattr(transports.urllib.request, "urlopen", gateway)
    for i in range(30):
        services.notify_phone(phone=f"+861390000{i:04d}", kind="milestone_accepted", text=f"【安心】第{i}单已受理",
                              dedupe_key=f"outage-{i}", now=NOON)
    while clock["now"] <= NOON + timedelta(hours=2):
        services.deliver_due(now=clock["now"])
        clock["now"] += timedelta(minutes=1)
    rows = Notification.objects.filter(kind="milestone_accepted")
    assert rows.count() == 30 and set(rows.values_list("state", flat=True)) == {"sent"}
    delivered = [r["json"]["phone"] for r, ok in zip(gateway.requests, gateway.statuses, strict=True) if ok]
    assert sorted(delivered) == sorted(f"+861390000{i:04d}" for i in range(30))  # each exactly once
    assert len(gateway.requests) > 30  # the hour of 500s was retried, not dropped


def test_the_health_page_shows_failed_stuck_and_waiting_jobs_to_the_administrator(world, client_for):
    """SECURITY-CASES 42: failed and pending job counts visible; a killed worker's run is marked failed, old runs go."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from anxin.accounts.models import User
    from anxin.core.upkeep_services import task_results_settle
    from anxin.notifications.selectors import health_summary

    now = timezone.now()

    def run(path, status, **times):
        return DBTaskResult.objects.create(task_path=path, status=status, args_kwargs={"args": [], "kwargs": {}},
                                           backend_name="default", run_after=now, **times)

    for path in ("anxin.sla.tasks.deliver_notifications_task", "anxin.sla.tasks.sweep_sla_deadlines_task"):
        run(path, "SUCCESSFUL", finished_at=now - timedelta(minutes=1))
    assert health_summary(now=now)["ok"]
    old = run("anxin.sla.tasks.sweep_sla_deadlines_task", "SUCCESSFUL", finished_at=now - timedelta(days=2))
    stuck = run("anxin.mailintake.tasks.mail_fetch_task", "RUNNING", started_at=now - timedelta(hours=2))
    message = services.notify_phone(phone="+8613900000001", kind="x", text="t", dedupe_key="h-1")
    Notification.objects.filter(pk=message.pk).update(state=Notification.State.FAILED)
    assert task_results_settle(now=now) == {"abandoned": 1, "pruned": 1}
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    stuck.refresh_from_db()
    assert stuck.status == "FAILED" and stuck.exception_class_path == "anxin.WorkerKilled"
    summary = health_summary(now=now)
    assert not summary["ok"] and summary["tasks"]["FAILED"] == 1 and summary["outbox"]["failed"] == 1
    # the administrator sees it in Chinese; monitoring gets 503 as JSON; nobody else gets in
    admin = User.objects.create_user(username="ops", password="x", is_staff=True)
    page = client_for(admin).get("/notifications/health/")
    text = page.content.decode()
    assert page.status_code == 200 and "需要处理" in text and "mail_fetch_task" in text
    as_json = client_for(admin).get("/notifications/health/?format=json")
    assert as_json.status_code == 503 and as_json.json()["tasks"]["FAILED"] == 1
    assert client_for(world.manager).get("/notifications/health/").status_code == 403
