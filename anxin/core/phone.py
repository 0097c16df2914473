"""Phone numbers: parse anything a person types, store E.164, show masked.

SECURITY-CASES 8: full-width digits, +86, 0086, spaces, dashes and extensions all end in one
canonical form, and masking works on that form, so no stored format escapes the mask.
"""

import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from anxin.core.errors import DomainError, ErrorCode

MAX_INPUT_LENGTH = 40


def _fold(raw: str) -> str:
    # NFKC turns full-width digits and plus signs (１３８, ＋) into ASCII.
    return unicodedata.normalize("NFKC", raw or "").strip()


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return the E.164 form (with ;ext=NNN if present) or raise DomainError(invalid)."""
    text = _fold(raw)
    if not text or len(text) > MAX_INPUT_LENGTH:
        raise DomainError(ErrorCode.INVALID, _("Enter a valid phone number."), {"field": "phone"})
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("86") and len(text) == 13 and text[2] == "1":
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise DomainError(ErrorCode.INVALID, _("Enter a valid phone number."), {"field": "phone"}) from exc
    if not phonenumbers.is_valid_number(number):
        raise DomainError(ErrorCode.INVALID, _("Enter a valid phone number."), {"field": "phone"})
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        e164 += f";ext={number.extension}"
    return e164


def try_normalize_phone(raw: str) -> str | None:
    try:
        return normalize_phone(raw)
    except DomainError:
        return None


def phone_kind(e164: str) -> str:
    number = phonenumbers.parse(e164.split(";")[0])
    kind = phonenumbers.number_type(number)
    if kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return "mobile"
    return "home"


def national(e164: str) -> str:
    """Digits as a Chinese caller writes them: 13800138000, 02112345678 (no +86)."""
    base, _sep, ext = e164.partition(";ext=")
    number = phonenumbers.parse(base)
    if number.country_code == 86:
        digits = str(number.national_number)
        if not digits.startswith("1"):
            digits = "0" + digits
    else:
        digits = base
    return digits + (f" 转{ext}" if ext else "")


def last_four(e164: str) -> str:
    return e164.split(";")[0][-4:]


def mask_phone(e164: str) -> str:
    """138****8000 for mobiles, 021****5678 for landlines; only the last four stay readable."""
    if not e164:
        return ""
    digits = national(e164).split(" ")[0]
    if len(digits) <= 7:
        return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else "****"
    return digits[:3] + "****" + digits[-4:]
