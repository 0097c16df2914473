"""Signed customer links (F4): not guessable, bound to one order, expiring. Forged or expired → BadLink."""

from django.conf import settings
from django.core import signing

SALT = "anxin.rating.v1"


class BadLink(Exception):
    pass


def rating_token(order_public_id) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(order_public_id))


def rating_url(order_public_id) -> str:
    return f"{settings.SITE_URL}/rate/{rating_token(order_public_id)}/"


def order_id_from_rating_token(token: str) -> str:
    try:
        return signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.RATING_LINK_DAYS * 86400)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise BadLink() from exc
