"""Our own Message-IDs carry a signed reply token (SECURITY-CASES 22).

A customer's reply names our Message-ID in In-Reply-To/References; the token leads back to the order,
and nobody can make one for another order without the secret key. In workorders because the order's notices sign
their mails here and the mail intake (above) reads the replies; the salt keeps its old name so ids already sent
still lead back.
"""

import re
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

from anxin.workorders.models import WorkOrder

THREAD_SALT = "anxin.mailintake.thread"
TOKEN_ID = re.compile(r"anxin\.([0-9a-f]{32})\.([0-9a-f]{16})\.")


def _domain() -> str:
    return (settings.MAIL_ADDRESS or settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1] or "anxin.local"


def thread_message_id(order: WorkOrder, purpose: str, *, unique: bool = True) -> str:
    """A Message-ID for a mail about `order`; `unique=False` gives the order's one thread id (for References)."""
    key = order.public_id.hex
    sig = salted_hmac(THREAD_SALT, key).hexdigest()[:16]
    tail = f"{purpose}.{secrets.token_hex(4)}" if unique else purpose
    return f"<anxin.{key}.{sig}.{tail}@{_domain()}>"


def order_for_message_id(message_id: str) -> WorkOrder | None:
    match = TOKEN_ID.match(message_id[:250])
    if not match:
        return None
    key, sig = match.groups()
    if not constant_time_compare(sig, salted_hmac(THREAD_SALT, key).hexdigest()[:16]):
        return None
    return WorkOrder.objects.filter(public_id=key).select_related("customer").first()
