"""Issue 13: a second factor (TOTP) for the roles that must use it; optional for everyone else."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.audit.models import AuditLog


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.fixture
def managers_need_it(settings):
    settings.TOTP_REQUIRED_ROLES = frozenset({"service_manager"})


def test_a_manager_sets_up_the_app_then_signs_in_with_a_code(world, client, managers_need_it, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the throttle has its own test
    client.force_login(world.manager)
    first = client.get("/orders/")
    assert first.status_code == 302 and first["Location"].startswith("/accounts/totp/setup/")
    page = client.get(first["Location"])
    assert page.status_code == 200 and "<svg" in page.content.decode()
    api = client.get("/api/workorders/")  # a session without the second factor: no API either
    assert api.status_code == 403 and "验证码" in api.json()["message"]
    device = TOTPDevice.objects.get(user=world.manager, confirmed=False)
    wrong = client.post("/accounts/totp/setup/", {"token": "000000", "next": "/orders/"})
    assert "不正确" in wrong.content.decode()
    ok = client.post("/accounts/totp/setup/", {"token": _code(device), "next": "/orders/"})
    assert ok.status_code == 302 and ok["Location"] == "/accounts/totp/recovery/?next=/orders/"
    shown = client.get(ok["Location"]).content.decode()  # the recovery codes, once
    assert len(re.findall(r"<li[^>]*>[a-z2-7]{4}(?:-[a-z2-7]{4}){3}</li>", shown)) == 10 and "action=\"/orders/\"" in shown
    assert "recovery-codes" not in client.get(ok["Location"]).content.decode()
    assert client.get("/orders/").status_code == 200
    assert AuditLog.objects.filter(summary="second factor set up", object_id="manager").exists()

    client.logout()
    client.force_login(world.manager)  # the password step again: now the code
    again = client.get("/reports/")
    assert again["Location"].startswith("/accounts/totp/verify/")
    device.refresh_from_db()  # a code already used in this time step is refused; the next step's works
    assert client.post("/accounts/totp/verify/", {"token": _code(device, 1), "next": "/reports/"}).status_code == 302
    assert client.get("/reports/").status_code == 200


def test_other_roles_and_api_tokens_are_not_asked(world, client, client_for, managers_need_it):
    from anxin.accounts import services as account_services

    assert client_for(world.agent_a).get("/orders/").status_code == 200  # an agent: optional, not asked
    _token, key = account_services.api_token_create(user=world.manager, name="integration")
    client.logout()
    api = client.get("/api/workorders/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 200  # a token is not a session: integrations keep working


def test_wrong_codes_are_throttled(world, client, managers_need_it):
    client.force_login(world.manager)
    client.get("/accounts/totp/setup/")
    answers = [client.post("/accounts/totp/setup/", {"token": "123456"}).content.decode() for _ in range(4)]
    assert "请稍等" in answers[-1] or "稍后" in answers[-1]


def test_a_reset_link_by_sms_to_the_staff_members_own_mobile(world, client, settings):
    """Issue 13: the same single-use link as the mail, by SMS; the same answer for an unknown number."""
    from anxin.notifications.models import Notification

    world.agent_a.phone = "138 0013 9999"
    world.agent_a.save(update_fields=["phone"])
    known = client.post("/accounts/password/reset/sms/", {"phone": "13800139999"})
    unknown = client.post("/accounts/password/reset/sms/", {"phone": "13700000000"})
    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    sms = Notification.objects.get(kind="password_reset_sms")
    assert sms.to_address == "+8613800139999" and "agent_a" in sms.subject
    link = re.search(r"/accounts/password/reset/\S+/\S+/", sms.subject).group(0)
    assert client.get(link).status_code == 302  # Django's confirm page: the link works (once)
    for _ in range(5):
        client.post("/accounts/password/reset/sms/", {"phone": "13800139999"})
    assert Notification.objects.filter(kind="password_reset_sms").count() == settings.PASSWORD_RESETS_PER_ACCOUNT
    assert client.get("/accounts/password/reset/sms/").status_code == 405


def test_a_lost_phone_signs_in_once_per_recovery_code_and_new_codes_replace_the_old(world, client, managers_need_it,
                                                                                   settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    client.force_login(world.manager)
    client.get("/accounts/totp/setup/")
    device = TOTPDevice.objects.get(user=world.manager, confirmed=False)
    done = client.post("/accounts/totp/setup/", {"token": _code(device), "next": "/orders/"})
    codes = re.findall(r"<li[^>]*>([a-z2-7-]{19})</li>", client.get(done["Location"]).content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10

    client.logout()
    client.force_login(world.manager)
    assert client.post("/accounts/totp/verify/", {"token": "aaaa-bbbb-cccc-dddd"}).status_code == 200  # not a code
    used = client.post("/accounts/totp/verify/", {"token": codes[0].upper(), "next": "/reports/"})
    assert used.status_code == 302 and client.get("/reports/").status_code == 200
    assert AuditLog.objects.filter(summary="signed in with a recovery code (9 left)", object_id="manager").exists()
    assert "还剩 9 个" in client.get("/accounts/totp/recovery/").content.decode()

    client.logout()
    client.force_login(world.manager)
    again = client.post("/accounts/totp/verify/", {"token": codes[0]})
    assert again.status_code == 200 and "已用过" in again.content.decode()  # each code works once
    assert client.post("/accounts/totp/verify/", {"token": codes[1].replace("-", " ")}).status_code == 302

    new = client.post("/accounts/totp/recovery/")  # a verified session asks for a new set
    fresh_codes = re.findall(r"<li[^>]*>([a-z2-7-]{19})</li>", client.get(new["Location"]).content.decode())
    assert len(fresh_codes) == 10
    client.logout()
    client.force_login(world.manager)
    assert client.post("/accounts/totp/verify/", {"token": codes[2]}).status_code == 200  # the old set is gone
    assert client.post("/accounts/totp/verify/", {"token": fresh_codes[0]}).status_code == 302


def test_recovery_codes_need_a_verified_second_factor(world, client_for):
    client = client_for(world.agent_a)  # no device at all
    assert client.post("/accounts/totp/recovery/").status_code == 302
    assert "请先设置" in client.get("/accounts/totp/recovery/").content.decode()
    from django_otp.plugins.otp_static.models import StaticDevice

    assert not StaticDevice.objects.exists()
