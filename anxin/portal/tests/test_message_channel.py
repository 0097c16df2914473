"""I1 on the customer's channel: order messages go by the SMS, email or WeChat the customer chose in the portal (or
staff set in the archive), falling back when the chosen one cannot reach them; WeChat is linked by the service
account's sign-in, tested against a real HTTP server standing in for WeChat's."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from anxin.audit.models import AuditLog
from anxin.core.errors import DomainError
from anxin.customers import services as customer_services
from anxin.devtools.testing.personas import fresh
from anxin.notifications.models import Notification
from anxin.notifications.services import deliver_due
from anxin.portal.tests.test_portal import PHONE_A, sign_in
from anxin.workorders import services as wo
from anxin.workorders.states import Status


def accepted_order(world, channel="hotline"):
    order = wo.workorder_create(actor=fresh(world.agent_a), type="repair", channel=channel, site=world.site_a,
                                title="厨房水管漏水", customer=world.customer_a)
    wo.workorder_transition(order=order, actor=fresh(world.agent_a), to=Status.ACCEPTED)
    return Notification.objects.filter(kind="milestone_accepted").order_by("-id").first()


@pytest.fixture
def wechat(settings):
    """A stand-in for WeChat's token endpoint on 127.0.0.1: code "good" → an OpenID, anything else → an error."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the stdlib's name
            query = parse_qs(urlparse(self.path).query)
            seen.append(query)
            good = query.get("code") == ["good"] and query.get("secret") == ["s3cret"]
            body = {"openid": "oWX-customer-a", "access_token": "t"} if good else {"errcode": 40029,
                                                                                  "errmsg": "invalid code"}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WECHAT_APPID, settings.WECHAT_SECRET = "wx-app", "s3cret"
    settings.WECHAT_TOKEN_URL = f"http://127.0.0.1:{server.server_port}/sns/oauth2/access_token"
    yield seen
    server.shutdown()


def test_messages_go_by_the_chosen_channel_and_fall_back_when_it_cannot_reach(world, tmp_path, settings):
    settings.NOTIFY_LOG_FILE = str(tmp_path / "out.log")
    customer = world.customer_a
    customer.email, customer.wechat_openid = "zhang@example.cn", "oWX-customer-a"
    customer.save()
    assert accepted_order(world).channel == "sms"  # automatic: a hotline order by SMS to the mobile

    customer.preferred_channel = "wechat"
    customer.save()
    told = accepted_order(world)
    assert (told.channel, told.to_address) == ("wechat", "oWX-customer-a")
    assert told.url.endswith("/") and "/portal/orders/" in told.url
    deliver_due(now=told.next_attempt_at, ids=[told.pk])  # outside the customers' quiet hours
    sent = json.loads(open(settings.NOTIFY_LOG_FILE, encoding="utf-8").read().splitlines()[-1])
    assert sent["channel"] == "wechat" and sent["touser"] == "oWX-customer-a" and "已受理" in sent["data"]["first"][
        "value"]

    customer.preferred_channel = "email"
    customer.save()
    assert (accepted_order(world).channel, Notification.objects.latest("id").to_address) == ("email", customer.email)

    customer.preferred_channel, customer.wechat_openid = "wechat", ""  # chosen, but no longer linked: SMS
    customer.save()
    assert accepted_order(world).channel == "sms"
    customer.preferred_channel = "sms"  # SMS even for an order that came by email
    customer.save()
    assert accepted_order(world, channel="email").channel == "sms"


def test_the_customer_chooses_in_the_portal_and_a_channel_that_cannot_reach_is_refused(client, world, settings):
    settings.WECHAT_APPID = "wx-app"  # WeChat offered, but this customer has not linked it
    sign_in(client, PHONE_A)
    page = client.get("/portal/settings/")
    assert page.status_code == 200 and "订单消息通知方式" in page.content.decode()
    # no email on the record, WeChat not linked: both refused with the reason, nothing saved
    for channel, reason in (("email", "档案中没有邮箱"), ("wechat", "请先绑定微信")):
        refused = client.post("/portal/settings/", {"channel": channel})
        assert refused.status_code == 400 and reason in refused.content.decode()
    assert client.post("/portal/settings/", {"channel": "fax"}).status_code == 400
    world.customer_a.refresh_from_db()
    assert world.customer_a.preferred_channel == ""

    assert client.post("/portal/settings/", {"channel": "sms"}).status_code == 302
    world.customer_a.refresh_from_db()
    assert world.customer_a.preferred_channel == "sms"
    assert AuditLog.objects.filter(object_type="customers.customer", object_id=str(world.customer_a.pk),
                                   summary="messages by (portal)").exists()


def test_settings_need_the_signed_in_customer(client, world):
    assert client.get("/portal/settings/").status_code == 302
    assert client.post("/portal/settings/", {"channel": "sms"}).status_code == 302
    world.customer_a.refresh_from_db()
    assert world.customer_a.preferred_channel == ""


def test_wechat_is_linked_by_the_service_accounts_sign_in(client, world, wechat):
    sign_in(client, PHONE_A)
    assert "绑定微信" in client.get("/portal/settings/").content.decode()
    start = client.post("/portal/settings/wechat/")
    assert start.status_code == 302
    target = urlparse(start["Location"])
    query = parse_qs(target.query)
    assert target.netloc == "open.weixin.qq.com" and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"][0].endswith("/portal/settings/wechat/done/")
    state = query["state"][0]

    # a forged state, then WeChat refusing the code: nothing linked, a clear answer
    forged = client.get("/portal/settings/wechat/done/", {"code": "good", "state": "forged"})
    assert forged.status_code == 400 and "未完成" in forged.content.decode()
    client.post("/portal/settings/wechat/")
    state = parse_qs(urlparse(client.post("/portal/settings/wechat/")["Location"]).query)["state"][0]
    refused = client.get("/portal/settings/wechat/done/", {"code": "bad", "state": state})
    assert refused.status_code == 502 and "微信未能确认" in refused.content.decode()
    world.customer_a.refresh_from_db()
    assert world.customer_a.wechat_openid == ""

    state = parse_qs(urlparse(client.post("/portal/settings/wechat/")["Location"]).query)["state"][0]
    done = client.get("/portal/settings/wechat/done/", {"code": "good", "state": state})
    assert done.status_code == 302
    world.customer_a.refresh_from_db()
    assert (world.customer_a.wechat_openid, world.customer_a.preferred_channel) == ("oWX-customer-a", "wechat")
    assert wechat[-1]["appid"] == ["wx-app"] and wechat[-1]["grant_type"] == ["authorization_code"]
    # the same answer cannot be used twice (the state is spent)
    again = client.get("/portal/settings/wechat/done/", {"code": "good", "state": state})
    assert again.status_code == 400
    assert accepted_order(world).channel == "wechat"


def test_staff_cannot_choose_wechat_for_a_customer_who_has_not_linked_it(world):
    with pytest.raises(DomainError, match="尚未在门户绑定微信"):
        customer_services.customer_update(customer=world.customer_a, actor=fresh(world.manager),
                                          data={"preferred_channel": "wechat"})
    customer_services.customer_update(customer=world.customer_a, actor=fresh(world.manager),
                                      data={"preferred_channel": "email"})
    world.customer_a.refresh_from_db()
    assert world.customer_a.preferred_channel == "email"


def test_without_a_service_account_wechat_is_neither_offered_nor_linked(client, world, settings):
    from anxin.portal import services

    settings.WECHAT_APPID = ""
    sign_in(client, PHONE_A)
    page = client.get("/portal/settings/").content.decode()
    assert 'value="wechat"' not in page and "绑定微信" not in page
    assert client.post("/portal/settings/wechat/")["Location"].endswith("/portal/settings/")  # not to WeChat
    with pytest.raises(DomainError, match="尚未开通微信消息") as refused:
        services.wechat_link(phone=PHONE_A, code="good")
    assert refused.value.status == 404
    world.customer_a.refresh_from_db()
    assert world.customer_a.wechat_openid == ""
