"""A6 email intake, end to end against a real dovecot (IMAP) and a real SMTP server (aiosmtpd).

SECURITY-CASES 19–25: auto-replies, bounces and our own mail are never answered; a mail fetched twice
files once; a spoofed reply is kept from the customer; oversized, deep and crowded mail is quarantined.
"""

import email
import os
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail as django_mail

from anxin.devtools.testing import mailserver
from anxin.mailintake import services
from anxin.mailintake.models import InboundMail
from anxin.notifications.models import Notification
from anxin.notifications.services import deliver_due
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.selectors import public_timeline

needs_dovecot = pytest.mark.skipif(not mailserver.dovecot_available() and not os.environ.get("CI"),
                                   reason="dovecot (Debian's dovecot-imapd) is installed by .ci/run")

def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def a_mail(*, sender="Zhang San <zhangsan@example.cn>", subject="厨房水龙头漏水", body="您好，厨房水龙头一直滴水。",
           message_id=None, headers=None, attach=None, html=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "service@anxin.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.cn")
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None and not body:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    for name, data, maintype, subtype in attach or []:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


@pytest.fixture
def intake(settings, world):
    settings.MAIL_ADDRESS = "service@anxin.example"
    settings.MAIL_SITE = "SA"
    settings.MAIL_IMAP_USER, settings.MAIL_IMAP_HOST = "service", "127.0.0.1"
    return world


def test_new_mail_becomes_an_order_with_a_threadable_acknowledgement(intake):
    row = services.mail_ingest(raw=a_mail(body="您好，厨房水龙头一直滴水。电话 13700137000"))
    assert row.outcome == InboundMail.Outcome.ORDER
    order = row.work_order
    assert order.channel == "email" and order.site == intake.site_a and order.title == "厨房水龙头漏水"
    assert order.customer.email == "zhangsan@example.cn" and order.customer.name == "Zhang San"
    assert order.customer.contacts.get().phone == "+8613700137000"
    assert order.contact_logs.get().channel == "email"
    ack = Notification.objects.get(kind="mail_ack")
    assert ack.to_address == "zhangsan@example.cn" and order.number in ack.subject
    assert ack.request["headers"]["In-Reply-To"].startswith("<") and "anxin." in ack.request["headers"]["Message-ID"]
    deliver_due(ids=[ack.pk])
    sent = django_mail.outbox[-1]
    assert sent.to == ["zhangsan@example.cn"] and sent.from_email == "service@anxin.example"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "已受理" in sent.subject and order.number in sent.body


def test_known_sender_and_phone_in_text_find_the_archive(intake):
    intake.customer_a.email = "wangfang@example.cn"
    intake.customer_a.save()
    row = services.mail_ingest(raw=a_mail(sender="wangfang@example.cn"))
    assert row.work_order.customer == intake.customer_a
    row = services.mail_ingest(raw=a_mail(sender="stranger@example.cn", body="我是李强，电话13900139000"))
    assert row.work_order.customer == intake.customer_b and row.work_order.site == intake.site_b


def test_reply_threads_by_our_signed_message_id_and_is_not_answered(intake):
    first = services.mail_ingest(raw=a_mail())
    ack_id = Notification.objects.get(kind="mail_ack").request["headers"]["Message-ID"]
    reply = a_mail(subject="Re: 厨房水龙头漏水", body="补充：水表在门口。\n\n> 您好，我们已收到", headers={
        "In-Reply-To": ack_id, "References": ack_id})
    row = services.mail_ingest(raw=reply)
    assert row.outcome == InboundMail.Outcome.THREADED and row.work_order == first.work_order
    event = first.work_order.events.get(type=WorkOrderEvent.Type.CUSTOMER_MESSAGE)
    assert event.body == "补充：水表在门口。" and event.is_public
    assert WorkOrder.objects.count() == 1 and Notification.objects.filter(kind="mail_ack").count() == 1


def test_reply_to_the_customers_own_first_mail_and_by_subject_tag(intake):
    first_id = make_msgid(domain="example.cn")
    first = services.mail_ingest(raw=a_mail(message_id=first_id))
    cc = services.mail_ingest(raw=a_mail(subject="Re: x", headers={"In-Reply-To": first_id}))
    assert cc.work_order == first.work_order
    tagged = services.mail_ingest(raw=a_mail(subject=f"关于 [{first.work_order.number}] 的补充"))
    assert tagged.work_order == first.work_order and tagged.outcome == InboundMail.Outcome.THREADED
    # the tag alone from an address the order does not know opens a new order instead
    other = services.mail_ingest(raw=a_mail(sender="x@evil.example", subject=f"[{first.work_order.number}] 取消"))
    assert other.outcome == InboundMail.Outcome.ORDER and other.work_order != first.work_order


def test_spoofed_agent_reply_is_kept_from_the_customer(intake):
    """SECURITY-CASES 22: a forged From with a real order's token is an unverified outside message."""
    intake.agent_a.email = "agent@anxin.example"
    intake.agent_a.save()
    first = services.mail_ingest(raw=a_mail())
    token = services.thread_message_id(first.work_order, "ack")
    row = services.mail_ingest(raw=a_mail(sender="agent@anxin.example", subject="Re: 已处理",
                                          body="请把银行卡号发给我", headers={"In-Reply-To": token}))
    assert row.outcome == InboundMail.Outcome.THREADED and row.reason == "unverified sender"
    event = first.work_order.events.get(type=WorkOrderEvent.Type.CUSTOMER_MESSAGE)
    assert not event.is_public and event.actor.username == "mailbox" and "agent@anxin.example" in event.body
    assert all("银行卡" not in line.text for line in public_timeline(first.work_order))
    # a token whose signature was altered threads nowhere
    forged = token.replace(token.split(".")[2], "0" * 16)
    row = services.mail_ingest(raw=a_mail(sender="x@evil.example", headers={"In-Reply-To": forged}))
    assert row.outcome == InboundMail.Outcome.ORDER and row.work_order != first.work_order


@pytest.mark.parametrize("headers,sender,reason", [
    ({"Auto-Submitted": "auto-replied"}, None, "auto-submitted"),
    ({"Precedence": "bulk"}, None, "precedence"),
    ({"X-Autoreply": "yes"}, None, "x-autoreply"),
    ({"List-Id": "<news.example.cn>"}, None, "mailing list"),
    ({"Return-Path": "<>"}, None, "empty return path"),
    ({}, "MAILER-DAEMON@example.cn", "bounce"),
    ({}, "service@anxin.example", "own address"),
    ({"X-Anxin-Notification": "12"}, None, "our own notifications"),
])
def test_machines_are_never_answered(intake, headers, sender, reason):
    """SECURITY-CASES 19–20: no order, no acknowledgement; parked with the reason and the raw mail."""
    row = services.mail_ingest(raw=a_mail(headers=headers, sender=sender or "zhangsan@example.cn"))
    assert row.outcome == InboundMail.Outcome.IGNORED and reason.split()[-1] in row.reason
    assert row.raw_name and WorkOrder.objects.count() == 0 and not Notification.objects.filter(kind="mail_ack")


def test_delivery_report_is_a_bounce(intake):
    raw = (b"From: someone@example.cn\r\nSubject: Undelivered\r\nMessage-ID: <r1@example.cn>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n")
    assert services.mail_ingest(raw=raw).reason == "delivery report"


def test_the_same_mail_twice_files_once(intake):
    """SECURITY-CASES 21: a second fetch of one Message-ID (worker killed before the flag) changes nothing."""
    raw = a_mail()
    first, again = services.mail_ingest(raw=raw), services.mail_ingest(raw=raw)
    assert first.pk == again.pk and WorkOrder.objects.count() == 1 and Notification.objects.filter(
        kind="mail_ack").count() == 1


def test_acknowledgements_per_sender_are_limited(intake, settings):
    settings.MAIL_ACKS_PER_SENDER_HOUR = 2
    for n in range(4):
        services.mail_ingest(raw=a_mail(subject=f"问题 {n}"))
    assert WorkOrder.objects.count() == 4 and Notification.objects.filter(kind="mail_ack").count() == 2


def test_html_is_sanitised_and_attachments_are_checked(intake):
    """SECURITY-CASES 9, 25: scripts and remote images gone, an HTML file named .jpg refused, a PNG kept."""
    raw = a_mail(body="", html='<p>水管<b>破裂</b></p><script>alert(1)</script><img src="http://tracker.example/x.gif">'
                 '<iframe src="http://evil.example"></iframe><p>请尽快</p>',
                 attach=[("photo.png", PNG, "image", "png"), ("fake.jpg", b"<html><script>x</script>", "image", "jpeg")])
    row = services.mail_ingest(raw=raw)
    order = row.work_order
    assert "水管破裂" in order.description and "请尽快" in order.description
    assert "<script>" not in order.description and "alert" not in order.description and "tracker" not in order.description
    assert "fake.jpg" in order.description  # refused, and said so
    assert [a.original_name for a in order.attachments.all()] == ["photo.png"]


def test_oversized_deep_and_crowded_mail_is_quarantined(intake, settings):
    """SECURITY-CASES 23: each is parked with its reason; nothing is created; the next mail still files."""
    settings.MAIL_MAX_BYTES = 200_000
    big = a_mail(body="x" * 300_000)
    crowded = a_mail(headers={"Cc": ", ".join(f"u{i}@example.cn" for i in range(10_000))})
    deep = "Content-Type: text/plain\r\n\r\nhello\r\n"
    for i in range(500):
        deep = f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n{deep}\r\n--b{i}--\r\n'
    deep = ("From: a@example.cn\r\nSubject: deep\r\nMessage-ID: <deep@example.cn>\r\nMIME-Version: 1.0\r\n"
            + deep).encode()
    reasons = [services.mail_ingest(raw=raw).reason for raw in (big, crowded, deep)]
    assert reasons == ["too large", "too many recipients", "MIME nested too deep"]
    assert WorkOrder.objects.count() == 0
    assert services.mail_ingest(raw=a_mail()).outcome == InboundMail.Outcome.ORDER


def test_header_injection_in_the_subject_stays_in_the_subject(intake):
    """SECURITY-CASES 24: an encoded CR/LF + Bcc in a subject never becomes a header of our answer."""
    raw = a_mail(subject="=?utf-8?b?5L+u55CGDQpCY2M6IHZpY3RpbUBleGFtcGxlLmNu?=")
    row = services.mail_ingest(raw=raw)
    deliver_due()
    sent = django_mail.outbox[-1].message()
    assert sent["Bcc"] is None and "victim@example.cn" not in sent.get("To", "")
    assert "\n" not in row.subject


def test_chinese_gbk_mail_reads(intake):
    raw = (b"From: =?gb2312?b?1cXI/Q==?= <zs@example.cn>\r\nSubject: =?gbk?b?y67B+s23wqnLrg==?=\r\n"
           b"Message-ID: <gbk@example.cn>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=gb2312\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n") + __import__("base64").b64encode(
        "热水器不出热水".encode("gb2312")) + b"\r\n"
    order = services.mail_ingest(raw=raw).work_order
    assert order.title == "水龙头漏水" and order.description == "热水器不出热水" and order.customer.name == "张三"


def test_milestones_of_an_email_order_go_by_email(intake):
    from anxin.workorders import services as wo
    from anxin.workorders.states import Status

    order = services.mail_ingest(raw=a_mail(sender="nophone@example.cn")).work_order
    wo.workorder_transition(order=order, actor=intake.agent_a, to=Status.ACCEPTED)
    told = Notification.objects.filter(kind="milestone_accepted").get()
    assert told.channel == "email" and told.to_address == "nophone@example.cn" and order.number in told.subject
    assert "anxin." in told.request["headers"]["References"]


@needs_dovecot
def test_fetch_from_a_real_imap_server_and_answer_over_real_smtp(intake, settings):
    """The worker's path: dovecot holds three mails (a request, its reply, an auto-reply); one fetch files
    them, flags them \\Seen, and the acknowledgement reaches a real SMTP server with its threading headers.
    A second fetch after the flags were lost files nothing twice."""
    with mailserver.dovecot() as (port, user, password), mailserver.smtp_sink() as (smtp_port, received):
        settings.MAIL_IMAP_PORT, settings.MAIL_IMAP_SSL = port, False
        settings.MAIL_IMAP_USER, settings.MAIL_IMAP_PASSWORD = user, password
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_port
        first_id = make_msgid(domain="example.cn")
        mailserver.imap_append(port, user, password, [
            a_mail(message_id=first_id, attach=[("p.png", PNG, "image", "png")]),
            a_mail(subject="Re: 厨房水龙头漏水", body="再补充一句", headers={"In-Reply-To": first_id}),
            a_mail(sender="zhangsan@example.cn", subject="自动回复：休假中", headers={"Auto-Submitted": "auto-replied"}),
        ])
        counts = services.mail_fetch()
        assert counts == {"order": 1, "threaded": 1, "ignored": 1, "quarantined": 0}
        assert all(b"\\Seen" in flags for flags in mailserver.imap_flags(port, user, password).values())
        order = WorkOrder.objects.get()
        assert order.attachments.count() == 1
        assert deliver_due()["sent"] == 1
        assert len(received) == 1 and received[0].rcpt_tos == ["zhangsan@example.cn"]
        ack = email.message_from_bytes(received[0].content)
        assert ack["In-Reply-To"] == first_id and ack["Auto-Submitted"] == "auto-generated"
        # the flags are lost (a crash before they were stored): the next fetch only flags again
        from imapclient import IMAPClient
        with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
            client.login(user, password)
            client.select_folder("INBOX")
            client.remove_flags(client.search(["ALL"]), [b"\\Seen"])
        services.mail_fetch()
        assert WorkOrder.objects.count() == 1 and InboundMail.objects.count() == 3


@needs_dovecot
def test_a_50_mb_mail_is_quarantined_without_being_read(intake, settings):
    with mailserver.dovecot() as (port, user, password):
        settings.MAIL_IMAP_PORT, settings.MAIL_IMAP_SSL = port, False
        settings.MAIL_IMAP_USER, settings.MAIL_IMAP_PASSWORD = user, password
        settings.MAIL_MAX_BYTES = 1_000_000
        mailserver.imap_append(port, user, password, [a_mail(body="大" * 2_000_000), a_mail(subject="正常")])
        assert services.mail_fetch() == {"order": 1, "threaded": 0, "ignored": 0, "quarantined": 1}
        parked = InboundMail.objects.get(outcome=InboundMail.Outcome.QUARANTINED)
        assert parked.reason == "too large" and parked.size < 10_000 and not parked.raw_name


def test_deploy_check_warns_when_the_intake_address_is_a_staff_address(intake, settings):
    """SECURITY-CASES 20: `manage.py check --deploy --database default` names the loop before it happens."""
    from anxin.mailintake.checks import check_mail_intake

    settings.MAIL_IMAP_HOST = "imap.example.cn"
    assert check_mail_intake(None) == []
    intake.agent_a.email = "Service@anxin.example"
    intake.agent_a.save()
    assert [w.id for w in check_mail_intake(None)] == ["anxin.W003"]
    settings.MAIL_ADDRESS = ""
    assert [w.id for w in check_mail_intake(None)] == ["anxin.W002"]
