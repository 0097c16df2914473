"""Writers for users, the org tree, roles and API tokens."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import ApiToken, LanguageSkill, OnDuty, OrgUnit, User
from anxin.accounts.roles import ROLE_PERMISSIONS, Role
from anxin.core import throttle_services as throttle
from anxin.core.compiled import A_TEXT, CompiledRead
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError, RateLimited
from anxin.core.languages import Language


@transaction.atomic
def orgunit_create(*, name: str, code: str, kind: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Create a node of the org tree and fill its materialised path."""
    unit = OrgUnit(name=name, code=code, kind=kind, parent=parent)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.save(update_fields=["path"])
    return unit


def roles_ensure(*, strict: bool = True) -> dict[str, Group]:
    """Create or refresh one group per SPEC role with exactly its permissions. Idempotent.

    With strict=False, does nothing while some permission does not exist yet (mid-migrate).
    """
    groups = {}
    wanted = {code for perms in ROLE_PERMISSIONS.values() for code in perms}
    by_code = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(codename__in={c.split(".")[1] for c in wanted})
    }
    if not strict and wanted - set(by_code):
        return {}
    for role, perm_codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        missing = [c for c in perm_codes if c not in by_code]
        if missing:
            raise RuntimeError(f"permissions not found for role {role}: {missing}")
        group.permissions.set([by_code[c] for c in perm_codes])
        groups[role] = group
    return groups


@transaction.atomic
def user_create(
    *, username: str, password: str, role: Role, org_unit: OrgUnit, display_name: str = "",
    language_skills: str | dict[str, int] = "zh", email: str = "", is_superuser: bool = False,
) -> User:
    user = User(username=username, display_name=display_name, org_unit=org_unit, email=email,
                is_superuser=is_superuser)
    user.is_staff = role == Role.ADMINISTRATOR
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    group = Group.objects.filter(name=role).first() or roles_ensure()[role]
    user.groups.add(group)
    language_skills_set(user=user, skills=language_skills)
    return user


def language_skills_set(*, user: User, skills: str | dict[str, int]) -> list[LanguageSkill]:
    """A12: the languages an agent serves customers in, with a level 1–5 ("zh,bo:4" or {"zh": 5, "bo": 4}; a
    language without a level is 3, Chinese 5). An unknown language code or level is refused, nothing changed."""
    if isinstance(skills, str):
        parsed = {}
        for part in (p.strip() for p in skills.split(",") if p.strip()):
            code, _sep, level = part.partition(":")
            parsed[code.strip()] = int(level) if level.strip().isdigit() else (5 if code.strip() == "zh" else 3)
        skills = parsed
    for code, level in skills.items():
        if code not in Language.values:
            raise DomainError(ErrorCode.INVALID, _("Unknown language code: %(code)s.") % {"code": code[:10]},
                              {"field": "language"})
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise DomainError(ErrorCode.INVALID, _("A language level is from 1 to 5."), {"field": "level"})
    with transaction.atomic():
        LanguageSkill.objects.filter(user=user).exclude(language__in=list(skills)).delete()
        for code, level in skills.items():
            LanguageSkill.objects.update_or_create(user=user, language=code, defaults={"level": level})
    return list(user.language_skill_set.all())


ABUSE_WINDOW = timedelta(minutes=10)


def address_throttle_check(*, scope: str, ip: str | None, limit: int, window: timedelta = ABUSE_WINDOW) -> None:
    """Raise RateLimited once an address has `limit` counted failures of this kind in the window (issue 13:
    password spraying, API token and CTI signature guessing)."""
    wait = throttle.wait_seconds(scope, ip or "-", limit=limit, window=window)
    if wait is not None:
        raise RateLimited(wait)


def address_failure_record(*, scope: str, ip: str | None) -> None:
    throttle.record(scope, ip or "-")


def password_reset_allowed(*, email: str) -> bool:
    """At most PASSWORD_RESETS_PER_ACCOUNT reset mails an hour to one address (counted whether or not it is known)."""
    key = (email or "").strip().lower()
    return throttle.hit("reset_account", key, limit=settings.PASSWORD_RESETS_PER_ACCOUNT,
                        window=timedelta(hours=1)) is None


def password_reset_send(*, form, request, email_template: str, subject_template: str) -> None:
    """Mail the reset link of Django's PasswordResetForm, built from ANXIN_SITE_URL, never from the request's Host
    (SECURITY-CASES 37)."""
    from urllib.parse import urlparse

    parsed = urlparse(settings.SITE_URL)
    form.save(domain_override=parsed.netloc, use_https=parsed.scheme == "https", request=request,
              email_template_name=email_template, subject_template_name=subject_template,
              from_email=settings.DEFAULT_FROM_EMAIL)


def password_reset_sms(*, phone: str) -> bool:
    """Issue 13: the same single-use, expiring reset link as the mail, by SMS to the staff member's own mobile.
    At most PASSWORD_RESETS_PER_ACCOUNT an hour per number, counted whether or not it belongs to anyone; the caller
    answers the same either way. True when a message was queued."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from anxin.core.phone import try_normalize_phone
    from anxin.notifications.services import notify_phone

    e164 = try_normalize_phone(phone or "")
    if not e164 or throttle.hit("reset_phone", e164, limit=settings.PASSWORD_RESETS_PER_ACCOUNT,
                                window=timedelta(hours=1)) is not None:
        return False
    candidates = [u for u in User.objects.filter(is_active=True).exclude(phone="")
                  if try_normalize_phone(u.phone) == e164 and u.has_usable_password()]
    if len(candidates) != 1:
        return False  # unknown, or a number two accounts share: no link goes to a phone that is not one person's
    user = candidates[0]
    path = reverse("accounts:password-reset-confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    text = _("[Anxin] Set a new password for %(username)s (works once, for 30 minutes): %(link)s") % {
        "username": user.username, "link": f"{settings.SITE_URL}{path}"}
    return notify_phone(phone=e164, kind="password_reset_sms", text=text,
                        dedupe_key=f"reset_sms:{user.pk}:{timezone.now():%Y%m%d%H%M%S%f}") is not None


def password_reset_done(*, user: User, request=None) -> None:
    """After a reset: audited, and the user is told on every channel (someone else may have done it). Other sessions
    end by themselves: Django checks each session against a hash of the password."""
    from anxin.audit.services import audit_record
    from anxin.notifications.services import notify

    audit_record(actor=user, action="update", object_type="accounts.user", object_id=user.username,
                 summary="password reset by email link", request=request)
    notify(recipients=[user], kind="password_reset", dedupe_key=f"password_reset:{user.pk}:{timezone.now():%Y%m%d%H%M%S}",
           subject=_("Your Anxin password was reset"),
           body=_("If you did not do this, tell your administrator at once."))


def login_unlock(*, actor: User, attempts, request=None) -> int:
    """An administrator lifts log-in locks (django-axes rows and the per-address counts of those addresses);
    each lifted lock is in the audit log (issue 13)."""
    from anxin.audit.services import audit_record
    from anxin.core.models import Attempt

    rows = list(attempts.values_list("pk", "username", "ip_address"))
    with transaction.atomic():
        attempts.model.objects.filter(pk__in=[pk for pk, _u, _ip in rows]).delete()
        Attempt.objects.filter(scope="login_ip", key__in={ip for _pk, _u, ip in rows if ip}).delete()
        for _pk, username, ip in rows:
            audit_record(actor=actor, action="update", object_type="accounts.login_lock", object_id=username or "",
                         summary=f"unlock {username} @ {ip}", request=request)
    return len(rows)


def channel_account(*, username: str, display_name: str, permissions: list[str]) -> User:
    """The account a channel acts as (portal 网上自助, mailbox 邮件受理): it has no password and cannot sign in;
    the timeline names it. Scoped to the root unit, so it reaches every site."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("id").first()
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username, defaults={
            "display_name": display_name, "org_unit": root, "is_staff": False})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            for name in permissions:
                app_label, codename = name.split(".")
                user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def api_token_create(*, user: User, name: str, scope: str = ApiToken.Scope.WRITE,
                     days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the plain key, which is shown to the user once only.

    `scope` limits what it may do (read / write / field); `days` makes it expire (None: until revoked)."""
    if scope not in ApiToken.Scope.values:
        raise DomainError(ErrorCode.INVALID, _("Unknown token scope."), {"field": "scope"})
    if days is not None and not 1 <= days <= 3650:
        raise DomainError(ErrorCode.INVALID, _("A token lasts 1 to 3650 days."), {"field": "days"})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:60], prefix=prefix, key_hash=ApiToken.hash_secret(secret),
                                    scope=scope, expires_at=timezone.now() + timedelta(days=days) if days else None)
    return token, f"ax_{prefix}_{secret}"


def api_token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])


# every API request's read, compiled once per process (core.compiled)
_live_token = CompiledRead(lambda prefix: ApiToken.objects.select_related("user", "user__org_unit")
                           .filter(prefix=prefix, revoked_at__isnull=True).order_by("id")[:1], A_TEXT)


def api_token_authenticate(raw: str, *, method: str = "GET", path: str = "/api/") -> User | None:
    try:
        _ax, prefix, secret = raw.split("_", 2)
    except ValueError:
        return None
    token = _live_token.first(prefix)
    if token is None or not secrets.compare_digest(token.key_hash, ApiToken.hash_secret(secret)):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.allows(method, path):
        raise PermissionDeniedError(_("This API token's scope does not allow this request."))
    # Touch at most once a minute so an API burst does not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def on_duty_set(*, technician: User, day, kind: str) -> OnDuty:
    """Put a technician on the duty roster for a night or a holiday (once per day and kind)."""
    duty, _created = OnDuty.objects.get_or_create(technician=technician, day=day, kind=kind)
    return duty
