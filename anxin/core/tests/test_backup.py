"""Issue 13: `anxin backup` / `anxin restore` — a consistent copy taken while the desk writes, restored into a
fresh directory and compared row for row and byte for byte."""

import io
import sqlite3
import tarfile
import threading

import pytest
from django.db import connection

from anxin.core import backup

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded database is SQLite")


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_orders_are_written_restores_to_the_same_rows_and_files(tmp_path, settings):
    from anxin.devtools.testing.personas import build_world
    from anxin.workorders.models import WorkOrder
    from anxin.workorders.tests.factories import make_order

    world = build_world()
    for i in range(20):
        make_order(world, title=f"备份前{i}")
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "photo.jpg").write_bytes(b"\xff\xd8" + bytes(range(256)) * 40)
    key = tmp_path / "secret_key"
    key.write_text("k" * 50)

    stop = threading.Event()

    def writer():  # the desk keeps working during the backup
        from django.db import connection as thread_connection

        n = 0
        while not stop.is_set() and n < 30:
            make_order(world, title=f"备份中{n}")
            n += 1
        thread_connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    connection.ensure_connection()
    try:
        manifest = backup.backup(source=connection.connection, media_root=media, secret_key_file=key,
                                 target=tmp_path / "out" / "b.tar.gz")
    finally:
        stop.set()
        thread.join()
    assert manifest["tables"]["workorders_workorder"] >= 20

    fresh = tmp_path / "fresh"
    restored = backup.restore(archive=tmp_path / "out" / "b.tar.gz", var_dir=fresh)
    db = sqlite3.connect(fresh / "anxin.sqlite3")
    orders = db.execute("SELECT COUNT(*) FROM workorders_workorder").fetchone()[0]
    events = db.execute("SELECT COUNT(*) FROM workorders_workorderevent").fetchone()[0]
    db.close()
    # consistent: every order in the copy has its CREATED event, whatever the writer was doing
    assert orders == restored["tables"]["workorders_workorder"] and events >= orders
    assert orders <= WorkOrder.objects.count()
    assert (fresh / "media" / "attachments" / "photo.jpg").read_bytes() == (media / "attachments" /
                                                                             "photo.jpg").read_bytes()
    assert (fresh / "secret_key").read_text() == "k" * 50


def test_restore_refuses_an_existing_database_a_damaged_file_and_a_foreign_archive(tmp_path):
    source = sqlite3.connect(":memory:")
    source.execute("CREATE TABLE t (x)")
    source.execute("INSERT INTO t VALUES (1)")
    source.commit()
    archive = tmp_path / "b.tar.gz"
    backup.backup(source=source, media_root=tmp_path / "none", secret_key_file=None, target=archive)
    backup.restore(archive=archive, var_dir=tmp_path / "one")
    with pytest.raises(backup.BackupError, match="exists"):
        backup.restore(archive=archive, var_dir=tmp_path / "one")

    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("db/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.restore(archive=damaged, var_dir=tmp_path / "two")

    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as out:
        out.add(archive, arcname="whatever")
    with pytest.raises(backup.BackupError, match="not an Anxin backup"):
        backup.restore(archive=foreign, var_dir=tmp_path / "three")
