"""`anxin backup` / `anxin restore` (issue 13) for the embedded database and the files.

A backup is one .tar.gz: the SQLite database copied with SQLite's online backup API (a consistent snapshot while
the desk keeps working), the media folder (attachments, signatures, stored mail), the secret key (signed customer
links keep working after a restore) and a manifest with the row counts of every table and a SHA-256 per file.
`restore` unpacks into an empty data directory and checks every file against the manifest and every table's rows
against its count before it says "restored". PostgreSQL installations back up with pg_dump (docs/operations.md).
"""

import hashlib
import io
import json
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from django.utils import timezone

MANIFEST = "manifest.json"
DB_NAME = "anxin.sqlite3"


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _table_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                                       " AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}


def backup(*, source: sqlite3.Connection, media_root: Path, secret_key_file: Path | None, target: Path) -> dict:
    """Write the backup to `target` (.tar.gz) and return its manifest."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = Path(tmp) / DB_NAME
        dest = sqlite3.connect(snapshot)
        try:
            source.backup(dest)  # online and consistent: pages copied under SQLite's own locking
            counts = _table_counts(dest)
        finally:
            dest.close()
        files = {f"db/{DB_NAME}": snapshot}
        if media_root.exists():
            files.update({f"media/{p.relative_to(media_root).as_posix()}": p
                          for p in sorted(media_root.rglob("*")) if p.is_file()})
        if secret_key_file is not None and secret_key_file.exists():
            files["secret_key"] = secret_key_file
        manifest = {"format": 1, "created_at": timezone.now().isoformat(), "tables": counts,
                    "files": {name: {"sha256": _sha256(path), "size": path.stat().st_size}
                              for name, path in files.items()}}
        partial = target.with_suffix(target.suffix + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for name, path in files.items():
                tar.add(path, arcname=name, recursive=False)
        partial.replace(target)  # a backup cut short never looks complete
    return manifest


def restore(*, archive: Path, var_dir: Path, force: bool = False) -> dict:
    """Unpack `archive` into `var_dir` (its database must not exist, unless `force`) and verify it."""
    db_path = var_dir / DB_NAME
    if db_path.exists() and not force:
        raise BackupError(f"{db_path} exists: restore into an empty data directory (or pass --force)")
    with tarfile.open(archive, "r:gz") as tar:
        try:
            manifest = json.load(tar.extractfile(MANIFEST))
        except (KeyError, ValueError) as exc:
            raise BackupError(f"{archive} is not an Anxin backup (no manifest)") from exc
        names = set(manifest.get("files", {}))
        members = [m for m in tar.getmembers() if m.name in names and m.isfile()]
        if {m.name for m in members} != names:
            raise BackupError("the backup is incomplete: " + ", ".join(sorted(names - {m.name for m in members})))
        with tempfile.TemporaryDirectory(dir=var_dir if var_dir.exists() else None) as tmp:
            tar.extractall(tmp, members=members, filter="data")  # no absolute paths, links or devices
            for name, meta in manifest["files"].items():
                if _sha256(Path(tmp) / name) != meta["sha256"]:
                    raise BackupError(f"{name} does not match the backup's checksum: the file is damaged")
            var_dir.mkdir(parents=True, exist_ok=True)
            media = var_dir / "media"
            for name in manifest["files"]:
                dest = db_path if name.startswith("db/") else (var_dir / "secret_key" if name == "secret_key"
                                                               else media / name.removeprefix("media/"))
                dest.parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / name).replace(dest)
    db = sqlite3.connect(db_path)
    try:
        counts = _table_counts(db)
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the restored database fails SQLite's integrity check")
    finally:
        db.close()
    if counts != manifest["tables"]:
        differ = sorted(t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t))
        raise BackupError("row counts differ from the backup in: " + ", ".join(differ[:10]))
    return manifest
