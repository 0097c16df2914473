"""Issue 13: the second factor (TOTP from an authenticator app) — required for the roles in TOTP_REQUIRED_ROLES,
optional for everyone else. django-otp keeps the devices and throttles wrong codes.

Recovery codes: ten single-use codes issued with the device (and again on request), shown once; one of them signs in
when the phone is lost, and the administrator is no longer needed for that."""

from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts.models import User
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode


def totp_required(user: User) -> bool:
    return bool(settings.TOTP_REQUIRED_ROLES) and user.groups.filter(name__in=settings.TOTP_REQUIRED_ROLES).exists()


def totp_device(user: User, *, confirmed: bool | None = None) -> TOTPDevice | None:
    qs = TOTPDevice.objects.filter(user=user)
    return (qs.filter(confirmed=confirmed) if confirmed is not None else qs).first()


def totp_setup_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose key the user scans (one per user until confirmed)."""
    device = totp_device(user, confirmed=False)
    return device or TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def totp_key_text(device: TOTPDevice) -> str:
    """The key for typing into an app that cannot scan: base32, in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def _check(device: TOTPDevice, token: str) -> None:
    token = (token or "").strip().replace(" ", "")
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        raise DomainError(ErrorCode.THROTTLED, _("Too many wrong codes: wait a minute and try again."),
                          {"field": "token"}, status=429)
    if not (token.isdigit() and device.verify_token(token)):
        raise DomainError(ErrorCode.INVALID, _("That code is not right. Enter the 6 digits the app shows now."),
                          {"field": "token"})


def totp_setup_confirm(*, request, user: User, token: str) -> TOTPDevice:
    """The first right code confirms the device and verifies this session."""
    device = totp_device(user, confirmed=False)
    if device is None:
        raise DomainError(ErrorCode.CONFLICT, _("Start the set-up again."), status=409)
    _check(device, token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # a new phone replaces the old one
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=user, action="update", object_type="accounts.user", object_id=user.username,
                     summary="second factor set up", request=request)
    otp_login(request, device)
    return device


RECOVERY_CODES = 10


def recovery_codes_issue(*, request, user: User) -> list[str]:
    """Ten new single-use codes (the old ones stop working), for a user whose second factor is on and verified in
    this session. The caller shows them once."""
    if totp_device(user, confirmed=True) is None or not getattr(request.user, "is_verified", lambda: False)():
        raise DomainError(ErrorCode.CONFLICT, _("Set up the authenticator app first."), status=409)
    codes = [_grouped(StaticToken.random_token() + StaticToken.random_token()) for _i in range(RECOVERY_CODES)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c.replace("-", "")) for c in codes])
        audit_record(actor=user, action="update", object_type="accounts.user", object_id=user.username,
                     summary="recovery codes issued", request=request)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def _grouped(token: str) -> str:
    return "-".join(token[i:i + 4] for i in range(0, len(token), 4))


def totp_verify(*, request, user: User, token: str) -> None:
    """The 6 digits from the app, or one recovery code (used up; the sign-in is audited)."""
    device = totp_device(user, confirmed=True)
    if device is None:
        raise DomainError(ErrorCode.CONFLICT, _("Set up the authenticator app first."), status=409)
    plain = (token or "").strip().replace(" ", "").replace("-", "").lower()
    spare = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if spare is not None and len(plain) > 6 and not plain.isdigit():
        allowed, _data = spare.verify_is_allowed()
        if not allowed:
            raise DomainError(ErrorCode.THROTTLED, _("Too many wrong codes: wait a minute and try again."),
                              {"field": "token"}, status=429)
        if not spare.verify_token(plain):  # a right code is deleted by django-otp: it works once
            raise DomainError(ErrorCode.INVALID, _("That recovery code is not right or was used already."),
                              {"field": "token"})
        audit_record(actor=user, action="view", object_type="accounts.user", object_id=user.username,
                     summary=f"signed in with a recovery code ({recovery_codes_left(user)} left)", request=request)
        otp_login(request, spare)
        return
    _check(device, token)
    otp_login(request, device)
