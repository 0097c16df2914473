"""Email intake benchmark (issue 11): N mails queued in a real dovecot mailbox, fetched and filed by `mail_fetch`.

The mix is a desk's: 70 % new requests (a third with a photo, some with a mobile number of an archived
customer), 20 % replies threading into those orders, 10 % auto-replies and bounces. The archive holds
20,000 customers. Run by hand as root (dovecot): `anxin bench-mail --mails 1000`
(add DATABASE_URL for PostgreSQL: an empty scratch database).
"""

import io
import random
import time
from email.message import EmailMessage
from email.utils import make_msgid


def _mails(count: int, rng: random.Random) -> list[bytes]:
    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (800, 600), "gray").save(photo, format="JPEG")  # lint: allow-write (an image in memory)
    out, firsts = [], []
    for i in range(count):
        msg = EmailMessage()
        sender = f"user{rng.randint(0, 4000)}@example.cn"
        msg["From"], msg["To"] = f"客户{i} <{sender}>", "service@anxin.example"
        kind = rng.random()
        if kind < 0.1:
            msg["Subject"], msg["Auto-Submitted"] = "自动回复：我正在休假", "auto-replied"
        elif kind < 0.3 and firsts:
            first_id, first_sender = rng.choice(firsts)
            msg.replace_header("From", first_sender)
            msg["Subject"], msg["In-Reply-To"] = "Re: 报修", first_id
        else:
            msg["Subject"] = rng.choice(["厨房水管漏水", "空调不制冷", "热水器打不着火", "门禁坏了"])
        msg["Message-ID"] = make_msgid(domain="example.cn")
        phone = f"电话 139{rng.randint(0, 19_999):08d}" if rng.random() < 0.3 else ""
        msg.set_content(f"您好，家里{msg['Subject']}，请尽快安排师傅上门。{phone}\n地址：浦东新区张杨路{i}号")
        if "Re:" not in msg["Subject"] and rng.random() < 0.33:
            msg.add_attachment(photo.getvalue(), maintype="image", subtype="jpeg", filename="现场.jpg")
        if kind >= 0.3:
            firsts.append((msg["Message-ID"], sender))
        out.append(msg.as_bytes())
    return out


def run_mail_bench(*, mails: int = 1000, var_dir: str | None = None) -> None:
    from anxin.devtools.bench import bench_database

    bench_database(var_dir, prefix="anxin-mail-bench-")
    from django.conf import settings

    from anxin.accounts.models import OrgUnit
    from anxin.customers.models import Contact, Customer
    from anxin.devtools.demo import load_demo
    from anxin.devtools.testing import mailserver
    from anxin.mailintake.models import InboundMail
    from anxin.mailintake.services import mail_fetch

    load_demo(customers=300, orders=50)
    site = OrgUnit.objects.get(code="PD01")
    Customer.objects.bulk_create([  # lint: allow-write (bench fixture, throw-away DB)
        Customer(site=site, name=f"客户{i:05d}", district="浦东新区", street="张杨路", number=f"{i}号")
        for i in range(20_000)], batch_size=5000)
    ids = list(Customer.objects.filter(name__startswith="客户").values_list("id", flat=True))
    Contact.objects.bulk_create([  # lint: allow-write (bench fixture)
        Contact(customer_id=cid, phone=f"+86139{n:08d}", last4=f"{n:08d}"[-4:], kind="mobile", is_primary=True)
        for n, cid in enumerate(ids)], batch_size=5000)
    raws = _mails(mails, random.Random(5))
    with mailserver.dovecot() as (port, user, password):
        t0 = time.perf_counter()
        mailserver.imap_append(port, user, password, raws)
        print(f"queued {mails:,} mails ({sum(map(len, raws)) / 2**20:.1f} MiB) in dovecot in "
              f"{time.perf_counter() - t0:.1f} s")
        settings.MAIL_IMAP_HOST, settings.MAIL_IMAP_PORT, settings.MAIL_IMAP_SSL = "127.0.0.1", port, False
        settings.MAIL_IMAP_USER, settings.MAIL_IMAP_PASSWORD = user, password
        settings.MAIL_ADDRESS, settings.MAIL_SITE = "service@anxin.example", "PD01"
        settings.MAIL_FETCH_BATCH = mails
        t0 = time.perf_counter()
        counts = mail_fetch()
        elapsed = time.perf_counter() - t0
    print(f"fetched and filed {sum(counts.values()):,} mails in {elapsed:.1f} s "
          f"({1000 * elapsed / max(1, mails):.1f} ms a mail): {counts}")
    print(f"target: {mails:,} mails in ≤ 60 s — {'met' if elapsed <= 60 else 'NOT met'}; "
          f"rows: {InboundMail.objects.count():,}")
