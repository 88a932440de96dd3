"""Backups that restore: the database, the uploaded files and the received mail, with a
manifest of SHA-256 checksums, in one tar file, optionally encrypted with a passphrase.

The database copy is one consistent moment (see backup.database); the files are copied
after it, so every file a row of the copy names is there unless it was deleted in the
seconds between (a file written meanwhile comes along unreferenced, which is harmless).
A restore goes only into an empty instance and checks every checksum before it writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from tracker.extensions import db
from tracker.services.backup import crypto, database

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
NAME_PREFIX = "tracker-backup-"


class BackupError(ValueError):
    """A backup or restore that cannot go ahead; the message is for the operator."""


@dataclass(frozen=True)
class Summary:
    path: Path
    files: int
    encrypted: bool
    created_at: str


def folders() -> dict[str, Path]:
    """The instance's folders a backup carries, by their name inside the backup."""
    config = current_app.config
    mail = config.get("MAIL_STORE_PATH") or Path(config["INSTANCE_PATH"]) / "mail"
    return {"uploads": Path(config["UPLOAD_PATH"]), "mail": Path(mail)}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_owner_only(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as plain, os.fdopen(descriptor, "wb") as out:
        shutil.copyfileobj(plain, out)


def _schema_revision() -> str | None:
    return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _collect(work: Path, now: datetime) -> dict[str, object]:
    """Fill `work` with the database copy and the files; return the manifest."""
    database_name = DATABASE_FILES[database.kind()]
    revision = _schema_revision()
    db.session.rollback()  # no transaction of ours stays open during the copy
    database.dump(work / database_name)
    checksums = {database_name: sha256_of(work / database_name)}
    for name, folder in folders().items():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                inside = f"{name}/{path.relative_to(folder).as_posix()}"
                copy_owner_only(path, work / inside)
                checksums[inside] = sha256_of(work / inside)
    return {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "database": database.kind(),
        "schema_revision": revision,
        "files": checksums,
    }


def create(target: Path, passphrase: str | None, now: datetime) -> Summary:
    """Write a backup to `target` (replaced only once complete)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as temporary:
        work = Path(temporary) / "content"
        work.mkdir(mode=0o700)
        manifest = _collect(work, now)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        archive = Path(temporary) / "backup.tar"
        with tarfile.open(archive, "w") as tar:
            for entry in sorted(work.iterdir()):
                tar.add(entry, arcname=entry.name)
        partial = target.with_name(target.name + ".part")
        partial.unlink(missing_ok=True)  # left by a backup that was killed
        if passphrase:
            crypto.encrypt_file(archive, partial, passphrase)
        else:
            copy_owner_only(archive, partial)
        partial.replace(target)
    return Summary(target, len(manifest["files"]), bool(passphrase), manifest["created_at"])


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups this app wrote into `folder` (names sort by
    time); return what was deleted."""
    ours = sorted(
        path
        for path in folder.glob(f"{NAME_PREFIX}*")
        if path.is_file() and not path.name.endswith(".part")
    )
    stale = ours[: max(0, len(ours) - max(keep, 1))]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def nightly(now: datetime) -> Summary | None:
    """The scheduler's backup into TRACKER_BACKUP_DIR, keeping TRACKER_BACKUP_KEEP copies."""
    config = current_app.config
    if not config.get("TRACKER_BACKUP_DIR"):
        return None
    folder = Path(config["TRACKER_BACKUP_DIR"])
    passphrase = config.get("TRACKER_BACKUP_PASSPHRASE") or None
    suffix = ".tar.enc" if passphrase else ".tar"
    summary = create(folder / f"{NAME_PREFIX}{now:%Y%m%d-%H%M%S}{suffix}", passphrase, now)
    prune(folder, config.get("TRACKER_BACKUP_KEEP", 7))
    return summary
