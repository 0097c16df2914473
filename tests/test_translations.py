"""No English label of ours (or of Django's admin) shows on a zh-Hans page.

Every text on the main pages, for every role, is compared with the English source strings of our catalogue and of
Django's admin: a text that is exactly such a string was left untranslated (or its translation was lost).
Django's automatic labels ("Yes 0") are caught by their shape.
"""

import os
import re
from html.parser import HTMLParser

import django
import pytest

from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
from anxin.devtools.testing.personas import fresh
from anxin.field.services import appointments, assignments

ALLOWED = {"OK", "NG", "English", "API", "SLA", "CSI", "PDF", "Excel", "Anxin"}
AUTO_LABEL = re.compile(r"^[A-Z][a-z]+(?: [a-z]+)* \d+$")  # a form field without a label: "Yes 0"


def _msgids(path: str) -> set[str]:
    text = open(path, encoding="utf-8").read()
    found = set()
    for block in text.split("\n\n"):
        m = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        t = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if m:
            msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))).replace('\\"', '"')
            msgstr = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', t.group(1))) if t else ""
            if msgstr == msgid:
                continue  # kept as it is on purpose ("Webhook")
            if re.search(r"[A-Za-z]{2}", msgid) and "%" not in msgid and "{" not in msgid:
                found.add(msgid)
    return found


def english_sources() -> set[str]:
    root = os.path.dirname(django.__file__)
    paths = [os.path.join(os.path.dirname(__file__), "..", "anxin", "locale", "zh_Hans", "LC_MESSAGES", "django.po"),
             os.path.join(root, "contrib", "admin", "locale", "zh_Hans", "LC_MESSAGES", "django.po"),
             os.path.join(root, "conf", "locale", "zh_Hans", "LC_MESSAGES", "django.po")]
    return set().union(*(_msgids(p) for p in paths)) - ALLOWED


class Texts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def untranslated(html: str, sources: set[str]) -> list[str]:
    parser = Texts()
    parser.feed(html)
    return sorted({t for t in parser.texts if t in sources or AUTO_LABEL.match(t)})


@pytest.mark.django_db
def test_no_english_label_shows_on_the_chinese_pages(world, client):
    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role

    build_field(world)
    order = repair_order(world)
    appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=tomorrow_at(9),
                                 window_to=tomorrow_at(11), agreed_with="王芳")
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    admin = account_services.user_create(username="root", password="x" * 12, role=Role.ADMINISTRATOR, org_unit=world.hq)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    from datetime import date

    from anxin.reports.complaint_report_services import report_generate

    report = report_generate(kind="monthly", unit=world.hq, day=date(2026, 11, 1), actor=fresh(world.manager))
    sources = english_sources()
    pages = {
        world.agent_a: ["/orders/", f"/orders/{order.public_id}/", "/intake/call/", "/customers/",
                        f"/customers/{world.customer_a.public_id}/", "/sla/commitments/", "/revisits/",
                        "/notifications/", "/accounts/tokens/", f"/sla/orders/{order.public_id}/clocks/",
                        "/reports/register/", "/intake/counter/", "/intake/counter/display/"],
        world.dispatcher_a: ["/field/board/", f"/field/orders/{order.public_id}/"],
        world.tech_a: ["/field/my/", f"/field/my/{order.public_id}/"],
        world.warehouse_a: ["/field/warehouse/"],
        world.manager: ["/sla/report/", "/revisits/indices/", "/revisits/panels/", "/complaints/cases/",
                        "/reports/?grain=week", "/reports/types/", "/reports/staff/", "/reports/register/",
                        "/reports/staff/orders/?role=agent&metric=created&who=agent_a", "/reports/complaints/",
                        f"/reports/complaints/{report.pk}/", "/reports/history/"],
        admin: ["/admin/", "/admin/audit/auditlog/", "/admin/field/jobtype/", "/admin/mailintake/inboundmail/",
                "/notifications/health/", "/admin/reports/complaintreportschedule/add/"],
    }
    problems = {}
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code == 200, (user, url, response.status_code)
            found = untranslated(response.content.decode(), sources)
            if found:
                problems[f"{user} {url}"] = found
    assert not problems, problems
    # one English word, two Chinese meanings: each in its place
    client.force_login(admin)
    assert '<a href="/admin/">首页</a>' in client.get("/admin/audit/auditlog/").content.decode()
    client.force_login(world.dispatcher_a)
    board = client.get("/field/board/").content.decode()
    assert "<th>工单号</th>" in board and "门牌号" not in board


def test_the_check_catches_an_untranslated_label():
    sources = {"Model name", "Home"}
    html = '<th>Model name</th><a title="Home">首页</a><label>Yes 0</label><script>var Home = 1</script><td>OK</td>'
    assert untranslated(html, sources) == ["Home", "Model name", "Yes 0"]


def test_no_english_label_shows_on_the_customer_portal(world, client):
    import time

    from anxin.portal import services as portal
    from anxin.portal.views import SESSION_KEY

    build_field(world)
    order = portal.repair_file(phone="+8613800138000", category=world.category, description="厨房水管漏水",
                               customer_id=world.customer_a.pk, idempotency_key="t")
    sources = english_sources()
    problems = {}
    for url in ("/portal/login/", "/portal/track/"):
        found = untranslated(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode(), sources)
        if found:
            problems[url] = found
    session = client.session
    session[SESSION_KEY] = {"phone": "+8613800138000", "until": time.time() + 600}
    session.save()
    for url in ("/portal/", "/portal/new/", f"/portal/orders/{order.public_id}/",
                f"/portal/new/slots/?category={world.category.pk}&address={world.customer_a.pk}"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        found = untranslated(response.content.decode(), sources)
        if found:
            problems[url] = found
    assert not problems, problems


def test_not_found_and_forbidden_pages_answer_in_chinese(world, client_for):
    desk = client_for(world.agent_a)
    missing = desk.get(f"/customers/{world.customer_b.public_id}/")  # another site's customer
    assert missing.status_code == 404 and "未找到" in missing.content.decode()
    refused = client_for(world.tech_a).get("/intake/call/")
    assert refused.status_code == 403 and "无权操作" in refused.content.decode()


def test_no_message_is_marked_inside_an_f_string():
    """makemessages (xgettext) does not read a gettext call inside an f-string: its message silently leaves the
    catalogue and the page shows English (it happened to the board's 没有待派的工单 and the search's 精确匹配)."""
    import io
    import re
    import tokenize
    from pathlib import Path

    marked = re.compile(r"\{[^{}]*\b(gettext|gettext_lazy|ngettext|pgettext|_)\(")
    found = []
    for path in Path(__file__).resolve().parent.parent.joinpath("anxin").rglob("*.py"):
        if "tests" in path.parts:
            continue
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            prefix = re.match(r"[a-zA-Z]*", token.string).group(0).lower()
            if token.type == tokenize.STRING and "f" in prefix and marked.search(token.string):
                found.append(f"{path.name}:{token.start[0]}")
    assert not found, found
