"""Restoring a backup into an empty instance, every checksum verified before writing."""

from __future__ import annotations

import json
import tarfile
import tempfile
from pathlib import Path

from tracker.services.backup import (
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    BackupError,
    Summary,
    copy_owner_only,
    crypto,
    database,
    folders,
    sha256_of,
)


def _refuse_unless_empty() -> None:
    if not database.is_empty():
        raise BackupError(
            "This instance's database is not empty. Restore only into an empty instance: "
            "a new database (or a new SQLite file), without running the migrations first."
        )
    for name, folder in folders().items():
        if folder.is_dir() and any(folder.iterdir()):
            raise BackupError(f"The {name} folder {folder} is not empty; restore needs it empty.")


def _open(source: Path, passphrase: str | None, work: Path) -> Path:
    """The plain tar file: the backup itself, or its decrypted copy in `work`."""
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if not crypto.is_encrypted(source):
        return source
    if not passphrase:
        raise BackupError(
            "This backup is encrypted: give its passphrase (TRACKER_BACKUP_PASSPHRASE or "
            "--passphrase-file)."
        )
    plain = work / "backup.tar"
    try:
        crypto.decrypt_file(source, plain, passphrase)
    except crypto.WrongPassphrase as error:
        raise BackupError(str(error)) from None
    return plain


def _unpack(archive: Path, content: Path) -> dict:
    try:
        with tarfile.open(archive) as tar:
            # "data": no absolute paths, no "..", no links out, no devices.
            tar.extractall(content, filter="data")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"Not a readable Tracker backup: {error}") from None
    try:
        manifest = json.loads((content / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError("Not a Tracker backup: it has no readable manifest.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"Backup format {manifest.get('format')!r} is not one this version reads."
        )
    return manifest


def _verify(content: Path, manifest: dict) -> dict[str, str]:
    checksums: dict[str, str] = manifest.get("files") or {}
    present = {
        path.relative_to(content).as_posix() for path in content.rglob("*") if path.is_file()
    } - {MANIFEST}
    if present - set(checksums):
        raise BackupError(f"Files not in the manifest: {sorted(present - set(checksums))[:5]}")
    for inside, expected in checksums.items():
        path = content / inside
        if not path.is_file():
            raise BackupError(f"{inside} is missing from the backup.")
        if sha256_of(path) != expected:
            raise BackupError(f"The checksum of {inside} does not match: the backup is damaged.")
    return checksums


def restore(source: Path, passphrase: str | None) -> Summary:
    """Check everything first, then load the database, then put the files in place."""
    _refuse_unless_empty()
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as temporary:
        work = Path(temporary)
        content = work / "content"
        content.mkdir(mode=0o700)
        manifest = _unpack(_open(source, passphrase, work), content)
        checksums = _verify(content, manifest)
        if manifest.get("database") != database.kind():
            raise BackupError(
                f"This backup holds a {manifest.get('database')} database; this instance "
                f"uses {database.kind()}."
            )
        database.load(content / DATABASE_FILES[database.kind()])
        problems = database.integrity_problems()
        if problems:
            raise BackupError(f"The restored database fails its integrity check: {problems[:3]}")
        targets = folders()
        for inside in checksums:
            name, _, rest = inside.partition("/")
            if name in targets and rest:
                copy_owner_only(content / inside, targets[name] / rest)
    return Summary(source, len(checksums), crypto.is_encrypted(source), manifest["created_at"])
