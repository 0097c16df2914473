"""Attachment checks and storage (SECURITY-CASES 9–14).

The type is decided by the file's bytes, never its name; images are re-encoded without EXIF
(GPS of a customer's home is personal data); files land under a random server-made name.
"""

import errno
import io
import logging
import secrets
import warnings
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import User
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.workorders import events
from anxin.workorders.errors import WorkOrderErrorCode
from anxin.workorders.models import Attachment, WorkOrder

ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _clean_image(data: bytes, content_type: str) -> bytes:
    """Re-encode without EXIF, no larger than ATTACHMENT_MAX_SIDE; memory bounded before anything is decoded."""
    from PIL import Image  # loaded on the first upload, not in every worker at start (issue 14)

    Image.MAX_IMAGE_PIXELS = settings.ATTACHMENT_MAX_PIXELS
    side = settings.ATTACHMENT_MAX_SIDE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > settings.ATTACHMENT_MAX_PIXELS:
                    raise DomainError(WorkOrderErrorCode.ATTACHMENT_SIZE, _("The image has too many pixels."),
                                      {"field": "file"})
                # a JPEG is decoded at 1/2…1/8 scale below; anything else decodes whole, so bound it first
                if content_type != "image/jpeg" and width * height * len(probe.getbands()) > \
                        settings.ATTACHMENT_MAX_DECODED_BYTES:
                    raise DomainError(WorkOrderErrorCode.ATTACHMENT_SIZE, _("The image has too many pixels."),
                                      {"field": "file"})
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                if content_type == "image/jpeg":
                    image.draft("RGB", (side, side))  # libjpeg decodes straight at the smaller scale
                image.load()
                if max(image.size) > side:
                    image.thumbnail((side, side))
                out = io.BytesIO()
                fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[content_type]
                # Saving without `exif=` drops EXIF, GPS included.
                image.save(out, format=fmt)  # lint: allow-write (a Pillow image, not a model)
                return out.getvalue()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError(WorkOrderErrorCode.ATTACHMENT_SIZE, _("The image has too many pixels."),
                          {"field": "file"}) from exc
    except Exception as exc:  # noqa: BLE001 — any decoder failure means "not a usable image"
        raise DomainError(WorkOrderErrorCode.ATTACHMENT_TYPE, _("The file is not a valid image."),
                          {"field": "file"}) from exc


def _check_quota(actor: User, size: int) -> None:
    """Issue 13 / SECURITY-CASES 13: a staff member's uploads per day are bounded (10,000 files by one user)."""
    if not actor.has_usable_password():
        return  # a channel account (portal, mailbox) is limited per order, per phone and per sender instead
    since = timezone.now() - timedelta(days=1)
    used = Attachment.objects.filter(uploaded_by=actor, created_at__gte=since).aggregate(
        n=Count("id"), bytes=Sum("size"))
    if used["n"] >= settings.ATTACHMENT_DAILY_QUOTA_FILES or \
            (used["bytes"] or 0) + size > settings.ATTACHMENT_DAILY_QUOTA_BYTES:
        raise DomainError(WorkOrderErrorCode.ATTACHMENT_SIZE,
                          _("You have reached today's upload limit; ask an administrator if you need more."),
                          {"field": "file"})


def safe_display_name(name: str) -> str:
    # Keep the name readable but harmless: no paths, control or bidi characters, bounded length.
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    return (base or "file")[:120]


def checked_upload(file) -> tuple[bytes, str, str]:
    """The bytes of an upload that passed the checks (size, type by content, image re-encoded), its type and name.

    Raises DomainError(attachment_type | attachment_size).
    """
    size = getattr(file, "size", None)
    if size is None or size > settings.ATTACHMENT_MAX_BYTES:
        raise DomainError(WorkOrderErrorCode.ATTACHMENT_SIZE,
                          _("The file is too large (at most %(mb)d MB).") % {"mb": settings.ATTACHMENT_MAX_BYTES // 2**20},
                          {"field": "file"})
    data = file.read(settings.ATTACHMENT_MAX_BYTES + 1)
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise DomainError(WorkOrderErrorCode.ATTACHMENT_SIZE, _("The file is too large."), {"field": "file"})
    content_type = sniff(data[:16])
    if content_type is None:
        raise DomainError(WorkOrderErrorCode.ATTACHMENT_TYPE,
                          _("Only photos (JPEG, PNG, WebP) and PDF files can be attached."), {"field": "file"})
    if content_type.startswith("image/"):
        data = _clean_image(data, content_type)
    return data, content_type, safe_display_name(getattr(file, "name", ""))


class StorageFull(DomainError):
    """The disk for files refused the write (full, over quota, failing): nothing of the file is kept."""

    def __init__(self):
        super().__init__(WorkOrderErrorCode.STORAGE_FULL,
                         _("The server's file storage is full, so the file was not saved. Everything else was "
                           "saved; please tell your administrator."), {"field": "file"}, status=507)


@contextmanager
def stored_file(data: bytes, content_type: str, folder: str):
    """Write checked bytes under a random server-made name in MEDIA_ROOT/folder; removed again if the block fails.

    A disk that refuses the write raises StorageFull with the partial file removed (SECURITY-CASES 42)."""
    stored_name = f"{secrets.token_hex(16)}.{ALLOWED[content_type]}"
    root = settings.MEDIA_ROOT / folder
    path = root / stored_name
    try:
        root.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        path.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS):
            logging.getLogger("anxin.storage").error("file storage refused a write in %s: %s", root, exc)
            raise StorageFull() from exc
        raise
    try:
        yield stored_name
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def attachment_add(*, order: WorkOrder, actor: User, file=None, checked: tuple[bytes, str, str] | None = None,
                   is_public: bool = False) -> Attachment:
    """Check, clean and store an upload on an order; writes ATTACHMENT_ADDED on the timeline.

    `checked` takes what `checked_upload` returned, for callers that check every file before their first write.
    Raises DomainError(attachment_type | attachment_size).
    """
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    data, content_type, name = checked or checked_upload(file)
    _check_quota(actor, len(data))
    with stored_file(data, content_type, "attachments") as stored_name, transaction.atomic():
        attachment = Attachment.objects.create(
            work_order=order, original_name=name, stored_name=stored_name,
            content_type=content_type, size=len(data), uploaded_by=actor, is_public=is_public,
        )
        events.attachment_added_event(order=order, actor=actor, name=attachment.original_name,
                                      attachment_id=str(attachment.public_id))
        audit_record(actor=actor, action="update", object_type="workorders.workorder",
                     object_id=order.public_id, summary=f"{order.number} +attachment",
                     data={"attachment": str(attachment.public_id), "size": attachment.size})
    return attachment


def attachments_add_keeping_order(*, order: WorkOrder, actor: User, checked: list, is_public: bool = False) -> int:
    """Attach files to an order that must not be lost for them (a customer's request by portal or mail): a file the
    disk refuses is left out and an internal note says so, so staff can ask for it again. Returns how many were
    left out."""
    missing = []
    for item in checked:
        try:
            attachment_add(order=order, actor=actor, checked=item, is_public=is_public)
        except StorageFull:
            missing.append(item[2] or "—")
    if missing:
        events.note_added_event(order=order, actor=actor, is_public=False, body=str(
            _("Not saved because the server's file storage is full: %(names)s. Ask the customer to send them again.")
            % {"names": "、".join(missing)}))
    return len(missing)


def download_response(path, *, content_type: str, name: str):
    """A stored file as a download, never rendered inline on our origin (SECURITY-CASES 9–10)."""
    from urllib.parse import quote

    from django.http import FileResponse

    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"download\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment_path(attachment: Attachment):
    return settings.MEDIA_ROOT / "attachments" / attachment.stored_name
