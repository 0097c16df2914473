from django.contrib.admin.sites import site as admin_site

from anxin.audit.models import AuditLog
from anxin.devtools.testing.personas import PASSWORD


def test_login_and_logout(world, client):
    response = client.post("/accounts/login/", {"username": "agent_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/orders/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/orders/").status_code == 302


def test_repeated_failures_lock_the_account(world, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "agent_a", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "agent_a", "password": PASSWORD})
    assert locked.status_code in (403, 429)
    assert "临时锁定" in locked.content.decode()


def test_login_refuses_an_outside_next(world, client):
    response = client.post("/accounts/login/?next=https://evil.example/",
                           {"username": "agent_a", "password": PASSWORD, "next": "https://evil.example/"})
    assert "evil.example" not in response["Location"]


def test_password_change_needs_the_current_password(world, client_for):
    client = client_for(world.agent_a)
    response = client.post("/accounts/password/", {"old_password": "nope", "new_password1": "Xy7!anxin-new",
                                                   "new_password2": "Xy7!anxin-new"})
    assert response.status_code == 200
    world.agent_a.refresh_from_db()
    assert world.agent_a.check_password(PASSWORD)


def test_token_page_shows_the_key_once(world, client_for):
    client = client_for(world.agent_a)
    client.post("/accounts/tokens/new/", {"name": "cti"})
    assert "ax_" in client.get("/accounts/tokens/").content.decode()
    assert "ax_" not in client.get("/accounts/tokens/").content.decode()


def test_audit_log_is_read_only_in_admin(world, client_for):
    AuditLog.objects.create(action="view", object_type="x")
    admin = admin_site._registry[AuditLog]
    request = type("R", (), {"user": world.manager})()
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request) and not admin.has_delete_permission(request)
    assert admin.has_view_permission(request)
    assert not admin.has_view_permission(type("R", (), {"user": world.agent_a})())


def test_one_address_spraying_one_password_over_many_accounts_is_stopped(world, client, settings):
    """Issue 13: lockout was per username + address only, so one address could try a password on every account."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    users = ["agent_a", "agent_b", "dispatcher_a", "tech_a", "tech_a2", "warehouse_a", "manager"]
    answers = [client.post("/accounts/login/", {"username": u, "password": "Spring2026!"}).status_code
               for u in users]
    assert answers[:6] == [200] * 6 and answers[6] == 429  # wrong password pages, then the address waits
    blocked = client.post("/accounts/login/", {"username": "agent_a", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0 and "_auth_user_id" not in client.session
    # another address is not affected
    other = client.post("/accounts/login/", {"username": "agent_a", "password": PASSWORD}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302


def test_api_token_guessing_is_throttled_per_address(world, client, settings):
    """Issue 13: 300 bad tokens in 3 s were all answered 401; now the address waits (429, Retry-After)."""
    from anxin.accounts.services import api_token_create

    settings.API_BAD_TOKENS_PER_ADDRESS = 5
    _token, key = api_token_create(user=world.agent_a, name="cti")
    answers = [client.get("/api/workorders/", HTTP_AUTHORIZATION=f"Bearer ax_guess{n}_x").status_code
               for n in range(7)]
    assert answers == [401] * 5 + [429, 429]
    assert client.get("/api/workorders/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 429
    assert client.get("/api/workorders/", HTTP_AUTHORIZATION=f"Bearer {key}",
                      REMOTE_ADDR="10.9.8.7").status_code == 200


def test_token_scopes_and_expiry(world, client, client_for):
    """Issue 13: a read token cannot write, a field-app token writes only field steps, an expired token is refused."""
    import json
    from datetime import timedelta

    from django.utils import timezone

    from anxin.accounts.models import ApiToken
    from anxin.accounts.services import api_token_create

    body = json.dumps({"type": "repair", "site": "SA", "title": "漏水", "customer": str(world.customer_a.public_id)})
    _t, read = api_token_create(user=world.agent_a, name="报表", scope="read", days=30)
    assert client.get("/api/workorders/", HTTP_AUTHORIZATION=f"Bearer {read}").status_code == 200
    refused = client.post("/api/workorders/", data=body, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {read}")
    assert refused.status_code == 403 and "范围" in refused.json()["message"]
    field_token, field = api_token_create(user=world.agent_a, name="外勤", scope="field")
    assert field_token.allows("POST", "/api/field/jobs/x/steps") and not field_token.allows("POST", "/api/workorders/")
    assert client.post("/api/workorders/", data=body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {field}").status_code == 403
    token, write = api_token_create(user=world.agent_a, name="集成", days=1)
    assert client.post("/api/workorders/", data=body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {write}").status_code == 201
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/workorders/", HTTP_AUTHORIZATION=f"Bearer {write}").status_code == 401
    # the page creates scoped, expiring tokens and refuses a bad scope
    page = client_for(world.agent_a)
    page.post("/accounts/tokens/new/", {"name": "只读", "scope": "read", "days": "90"})
    made = ApiToken.objects.get(name="只读")
    assert made.scope == "read" and timedelta(days=89) < made.expires_at - timezone.now() <= timedelta(days=90)
    page.post("/accounts/tokens/new/", {"name": "坏", "scope": "root"})
    assert not ApiToken.objects.filter(name="坏").exists()


def test_an_administrator_lifts_a_lock_and_it_is_audited(world, client, settings):
    """Issue 13: unlock by the administrator, audited (a delete in the admin was silent)."""
    from axes.models import AccessAttempt
    from django.test import Client

    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "agent_a", "password": "wrong"})
    assert "_auth_user_id" not in client.session
    locked = client.post("/accounts/login/", {"username": "agent_a", "password": PASSWORD})
    assert "_auth_user_id" not in client.session and locked.status_code in (403, 429)
    admin_user = account_services.user_create(username="root", password="x" * 12, role=Role.ADMINISTRATOR,
                                              org_unit=world.hq)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    admin_client = Client()
    admin_client.force_login(admin_user)
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin_client.post("/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": ids})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert AuditLog.objects.filter(object_type="accounts.login_lock", object_id="agent_a", actor=admin_user).exists()
    client.post("/accounts/login/", {"username": "agent_a", "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_password_reset_by_email_link(world, client, client_for, settings):
    """SECURITY-CASES 34: same answer for known and unknown addresses, link built from ANXIN_SITE_URL, single use,
    other sessions ended, the user told; per-account and per-address limits."""
    import re

    from django.core import mail
    from django.test import Client

    from anxin.notifications.models import Notification

    settings.SITE_URL = "https://kefu.example.cn"
    world.agent_a.email = "agent_a@example.cn"
    world.agent_a.save()
    other_session = client_for(world.agent_a)  # logged in elsewhere before the reset
    assert other_session.get("/orders/").status_code == 200
    anon = Client()
    known = anon.post("/accounts/password/reset/", {"email": "agent_a@example.cn"})
    unknown = anon.post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["agent_a@example.cn"]
    link = re.search(r"https://kefu\.example\.cn(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form = anon.get(link, follow=True)
    assert "新密码" in form.content.decode()
    done = anon.post(form.redirect_chain[-1][0], {"new_password1": "Kefu-2026-new!", "new_password2": "Kefu-2026-new!"})
    assert done.status_code == 302
    world.agent_a.refresh_from_db()
    assert world.agent_a.check_password("Kefu-2026-new!")
    assert other_session.get("/orders/").status_code == 302  # the old session ended with the password
    assert Notification.objects.filter(recipient=world.agent_a, kind="password_reset").exists()
    assert "不再有效" in anon.get(link, follow=True).content.decode()  # the link works once
    # per account: three mails an hour, then the same page and no mail; per address: 429
    for _ in range(4):
        anon.post("/accounts/password/reset/", {"email": "agent_a@example.cn"})
    assert len(mail.outbox) == 1 + 2
    settings.PASSWORD_RESETS_PER_ADDRESS = 6  # six requests came from this address above
    assert anon.post("/accounts/password/reset/", {"email": "x@example.cn"}).status_code == 429


def test_the_signed_in_user_comes_with_their_org_unit(world, django_assert_num_queries):
    """Every staff page shows the user's unit in its header: loaded with the user, not one query more a page."""
    from anxin.accounts.backends import ModelBackend

    user = ModelBackend().get_user(world.agent_a.pk)
    with django_assert_num_queries(0):
        assert user.org_unit == world.site_a
    world.agent_a.is_active = False
    world.agent_a.save(update_fields=["is_active"])
    assert ModelBackend().get_user(world.agent_a.pk) is None  # a deactivated account is signed out


def test_a_users_permissions_are_djangos_own_read_in_one_statement(world, django_assert_num_queries):
    """Own, group and superuser permissions as Django's ModelBackend reads them; revoking one shows at once."""
    from django.contrib.auth.backends import ModelBackend as DjangoBackend
    from django.contrib.auth.models import Group, Permission

    from anxin.accounts.backends import ModelBackend
    from anxin.accounts.models import User

    extra = Group.objects.create(name="extra")
    extra.permissions.add(Permission.objects.get(codename="export_workorders"))
    world.agent_a.groups.add(extra)
    world.agent_a.user_permissions.add(Permission.objects.get(codename="view_auditlog"))
    User.objects.filter(pk=world.manager.pk).update(is_superuser=True)
    for user in User.objects.all():
        mine = ModelBackend().get_all_permissions(user)
        assert mine == DjangoBackend().get_all_permissions(User.objects.get(pk=user.pk)), user.username
    agent = User.objects.get(pk=world.agent_a.pk)
    with django_assert_num_queries(1):
        assert {"workorders.export_workorders", "audit.view_auditlog"} <= ModelBackend().get_all_permissions(agent)
    world.agent_a.groups.remove(extra)
    assert "workorders.export_workorders" not in ModelBackend().get_all_permissions(User.objects.get(pk=agent.pk))


def test_the_staff_list_is_the_active_staff_of_the_visible_units(world):
    from anxin.accounts.models import User
    from anxin.accounts.scope import visible_unit_ids
    from anxin.accounts.selectors import staff_list_for

    world.agent_b.is_active = False
    world.agent_b.save()
    root = User.objects.create(username="root", is_superuser=True, org_unit=None)
    for user in (world.manager, world.agent_a, world.dispatcher_a, world.tech_a, root,
                 User.objects.create(username="nobody", org_unit=None)):
        expected = list(User.objects.filter(is_active=True, org_unit_id__in=visible_unit_ids(user))
                        .order_by("org_unit__path", "username"))
        assert staff_list_for(user=user) == expected, user.username
    assert world.agent_b not in staff_list_for(user=world.manager) and len(staff_list_for(user=root)) > 3


def test_the_staff_the_queue_shows_are_kept_a_minute_and_a_change_here_shows_at_once(world,
                                                                                      django_assert_num_queries):
    from anxin.accounts.selectors import staff_list_for, staff_shown_to

    shown = staff_shown_to(user=world.agent_a)
    assert [u.username for u in shown] == [u.username for u in staff_list_for(user=world.agent_a)]
    assert world.tech_a.username in {u.username for u in shown}
    assert world.agent_b.username not in {u.username for u in shown}  # another site's staff: never
    with django_assert_num_queries(0):
        staff_shown_to(user=world.dispatcher_a)  # same unit: the same list, no query
    world.tech_a.is_active = False
    world.tech_a.save(update_fields=["is_active"])
    assert world.tech_a.username not in {u.username for u in staff_shown_to(user=world.agent_a)}
    assert staff_shown_to(user=world.agent_b) != shown  # kept per unit


def test_an_expired_or_ended_session_signs_out(world, client):
    """The session read is compiled once per process (accounts/sessions.py): expiry and logout still end it."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(world.agent_a)
    assert client.get("/orders/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/orders/").status_code == 302  # to the login page
    client.force_login(world.agent_a)
    assert client.get("/orders/").status_code == 200
    Session.objects.all().delete()  # logged out elsewhere, or purged
    assert client.get("/orders/").status_code == 302
    client.force_login(world.agent_b)
    page = client.get("/orders/").content.decode()  # another user's session reads as theirs
    assert str(world.agent_b) in page and "A站" not in page
