"""SECURITY-CASES 42 / issue 13: the disk for attachments is full — a clear answer, nothing half-written, no
customer request lost. A real full filesystem: a 64 KiB tmpfs mounted over MEDIA_ROOT (needs root, as in CI)."""

import io
import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from anxin.devtools.testing.field import build_field
from anxin.workorders.models import Attachment, WorkOrder, WorkOrderEvent
from anxin.workorders.tests.factories import make_order


@pytest.fixture
def full_disk(settings, tmp_path):
    media = tmp_path / "tiny"
    media.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(media)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = media
    filler = media / "filler"
    with open(filler, "wb") as fh:  # take all but a few KiB
        try:
            fh.write(b"\0" * (60 * 1024))
        except OSError:
            pass
    yield media
    subprocess.run(["umount", str(media)], check=False)


def _photo(kb: int = 40) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(out, format="PNG")  # noise: PNG stays large
    assert len(out.getvalue()) > kb * 1024
    return out.getvalue()


def test_an_upload_to_a_full_disk_is_a_clear_507_and_leaves_nothing_behind(world, client_for, full_disk):
    order = make_order(world)
    events = order.events.count()
    upload = SimpleUploadedFile("报价单.pdf", b"%PDF-1.4\n" + b"0" * 30_000, content_type="application/pdf")
    response = client_for(world.agent_a).post(f"/api/workorders/{order.public_id}/attachments", {"file": upload})
    assert response.status_code == 507
    assert response.json()["code"] == "storage_full" and "存储空间已满" in response.json()["message"]
    assert not Attachment.objects.exists() and order.events.count() == events
    assert sorted(p.name for p in full_disk.rglob("*") if p.is_file()) == ["filler"]  # no partial file
    # room again: the same upload goes through
    (full_disk / "filler").unlink()
    upload.seek(0)
    again = client_for(world.agent_a).post(f"/api/workorders/{order.public_id}/attachments", {"file": upload})
    assert again.status_code == 201 and Attachment.objects.count() == 1


def test_a_customer_request_with_photos_is_filed_even_when_the_photos_cannot_be_stored(world, full_disk):
    from anxin.portal import services

    build_field(world)
    photo = services.photos_checked([SimpleUploadedFile("漏水.png", _photo(), content_type="image/png")])
    order = services.repair_file(phone="+8613800138000", category=world.category, description="厨房水管漏水，一直在滴",
                                 customer_id=world.customer_a.pk, photos=photo, idempotency_key="disk-full")
    assert WorkOrder.objects.filter(pk=order.pk).exists() and order.photos_not_saved == 1
    note = order.events.get(type=WorkOrderEvent.Type.NOTE_ADDED)
    assert "存储空间已满" in note.body and "漏水" in note.body and not note.is_public
    assert not Attachment.objects.exists()
