"""Signatures: a real, non-blank PNG, stored with signer, time and a SHA-256 over image + text + signer + time."""

import base64
import binascii
import hashlib
import io

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.core.errors import DomainError
from anxin.field.models import (
    Signature,
)
from anxin.field.services.errors import invalid
from anxin.workorders.models import WorkOrder


def _signature_png(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise invalid(_("The customer has not signed."), "signature")
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid(_("The signature could not be read; ask the customer to sign again."), "signature") from exc
    if len(raw) > settings.SIGNATURE_MAX_BYTES or not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise invalid(_("The signature could not be read; ask the customer to sign again."), "signature")
    from PIL import Image  # loaded on the first signature, not in every worker at start

    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > 4_000_000:
                raise invalid(_("The signature could not be read; ask the customer to sign again."), "signature")
            image.load()
            ink = image.getchannel("A").getbbox() if "A" in image.getbands() else \
                Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    except DomainError:
        raise
    except Exception as exc:  # any decoder failure is a bad signature, not a crash
        raise invalid(_("The signature could not be read; ask the customer to sign again."), "signature") from exc
    if ink is None:
        raise invalid(_("The customer has not signed."), "signature")
    return raw


def signature_take(*, order: WorkOrder, actor: User, purpose: str, signer_name: str, data_url: str,
                   content: str) -> Signature:
    """Store a drawn signature with a SHA-256 binding the image, the signed text, the signer and the time."""
    if not signer_name.strip():
        raise invalid(_("Enter the name of the person signing."), "signer_name")
    raw = _signature_png(data_url)
    signed_at = timezone.now()
    digest = hashlib.sha256(raw + b"\n" + content.encode() + b"\n" + signer_name.strip().encode() + b"\n"
                            + signed_at.isoformat().encode()).hexdigest()
    return Signature.objects.create(work_order=order, purpose=purpose, signer_name=signer_name.strip()[:50],
                                    image=raw, content=content[:5000], sha256=digest, signed_at=signed_at,
                                    collected_by=actor)


def signature_verify(signature: Signature) -> bool:
    digest = hashlib.sha256(bytes(signature.image) + b"\n" + signature.content.encode() + b"\n"
                            + signature.signer_name.encode() + b"\n" + signature.signed_at.isoformat().encode())
    return digest.hexdigest() == signature.sha256

