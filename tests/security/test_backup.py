"""Backups that restore: taken while 8 writers write, restored into an empty instance
(SQLite and PostgreSQL), checksums verified, a wrong passphrase refused clearly."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.conftest import _create_postgres_database, _drop_postgres_database
from tracker import scheduler
from tracker.extensions import db
from tracker.models import AuditEvent, LoginFailure, utcnow
from tracker.services import backup
from tracker.services.audit import Actor, record
from tracker.services.backup import restore as restoring
from tracker.services.mailbox import storage

WRITERS = 8


@pytest.fixture
def empty_instance(make_app, app, tmp_path):
    """A second instance with an empty database of the same kind and empty folders."""
    dropped: list[str] = []

    def build():
        folder = tmp_path / f"restored-{len(dropped)}"
        if db.engine.dialect.name == "sqlite":
            url = f"sqlite:///{folder / 'tracker.db'}"
            dropped.append("")
        else:
            url, name = _create_postgres_database()
            dropped.append(name)
        return make_app(
            SQLALCHEMY_DATABASE_URI=url,
            INSTANCE_PATH=str(folder),
            UPLOAD_PATH=str(folder / "uploads"),
            MAIL_STORE_PATH=str(folder / "mail"),
        )

    yield build
    for name in dropped:
        if name:
            _drop_postgres_database(name)


def write_files(app) -> dict[str, bytes]:
    uploads = Path(app.config["UPLOAD_PATH"])
    uploads.mkdir(parents=True, exist_ok=True)
    kept = {}
    for number in range(3):
        data = f"letter {number} %PDF-1.4 ".encode() * 100
        (uploads / f"key{number}").write_bytes(data)
        kept[f"uploads/key{number}"] = data
    raw = b"From: minister@example.gov\r\nSubject: Re: detention\r\n\r\nWe reply."
    kept[f"mail/{storage.write(raw)}"] = raw
    return kept


def write_pairs(app, writer: int, stop: threading.Event, written: list[int]) -> None:
    """Each transaction writes an audit event and a counter row: a consistent copy has both
    or neither."""
    with app.app_context():
        number = 0
        while not stop.is_set() or number < 5:
            record(Actor.system(f"writer-{writer}"), "test.write", summary=f"{writer}-{number}")
            db.session.add(
                LoginFailure(key=f"w{writer}-{number}", failures=1, window_started_at=utcnow())
            )
            db.session.commit()
            number += 1
        written.append(number)


def rows(table: str) -> set[tuple]:
    """Every row as a tuple (JSON values as sorted text, to compare them in sets)."""
    return {
        tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row)
        for row in db.session.execute(text(f'SELECT * FROM "{table}"'))
    }


def all_rows() -> dict[str, set[tuple]]:
    return {table.name: rows(table.name) for table in db.metadata.sorted_tables}


def test_a_backup_taken_during_8_writers_restores_into_an_empty_instance(
    app, empty_instance, tmp_path
):
    files = write_files(app)
    stop, written = threading.Event(), []
    threads = [
        threading.Thread(target=write_pairs, args=(app, writer, stop, written))
        for writer in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    try:
        while db.session.scalar(select(db.func.count()).select_from(LoginFailure)) < 40:
            db.session.rollback()
        summary = backup.create(tmp_path / "during.tar", None, utcnow())
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    db.session.rollback()
    source = all_rows()
    assert summary.files == 1 + len(files)

    target = empty_instance()
    with target.app_context():
        restored = restoring.restore(tmp_path / "during.tar", None)
        assert restored.files == summary.files
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        copy = all_rows()
        events = {e.summary for e in db.session.scalars(select(AuditEvent)) if e.summary}
        counters = {key[1:] for key in db.session.scalars(select(LoginFailure.key))}
        for name, folder in backup.folders().items():
            for inside, data in files.items():
                if inside.startswith(f"{name}/"):
                    assert (folder / inside.partition("/")[2]).read_bytes() == data
    for table, restored_rows in copy.items():
        assert restored_rows <= source[table], table  # every row as it was written
    assert events == counters  # each transaction whole or not at all
    assert 40 <= len(counters) < sum(written)  # taken mid-way: writers went on after


def test_a_quiet_backup_restores_every_row_and_file(app, users, empty_instance, tmp_path):
    files = write_files(app)
    backup.create(tmp_path / "quiet.tar", "a long backup passphrase", utcnow())
    source = all_rows()
    target = empty_instance()
    with target.app_context():
        restoring.restore(tmp_path / "quiet.tar", "a long backup passphrase")
        assert all_rows() == source
        folders = backup.folders()
        for inside, data in files.items():
            name, _, rest = inside.partition("/")
            assert (folders[name] / rest).read_bytes() == data
            assert (folders[name] / rest).stat().st_mode & 0o077 == 0


def test_an_encrypted_backup_refuses_a_wrong_or_missing_passphrase(app, empty_instance, tmp_path):
    write_files(app)
    path = tmp_path / "secret.tar.enc"
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["tracker", "backup", str(path)], env={"TRACKER_BACKUP_PASSPHRASE": "right phrase"}
    )
    assert done.exit_code == 0, done.output
    assert "encrypted" in done.output
    assert b"minister@example.gov" not in path.read_bytes()

    target = empty_instance()
    runner = target.test_cli_runner()
    with target.app_context():  # the command runs in the app whose context is pushed
        wrong = runner.invoke(
            args=["tracker", "restore", str(path)],
            env={"TRACKER_BACKUP_PASSPHRASE": "wrong phrase"},
        )
        assert wrong.exit_code == 1
        assert "Wrong passphrase" in wrong.output
        missing = runner.invoke(args=["tracker", "restore", str(path)], env={})
        assert "This backup is encrypted" in missing.output
        assert backup.database.is_empty()  # nothing was written before the refusal


def test_restore_refuses_a_non_empty_instance_and_a_damaged_backup(app, empty_instance, tmp_path):
    import tarfile

    write_files(app)
    path = tmp_path / "plain.tar"
    backup.create(path, None, utcnow())
    with pytest.raises(backup.BackupError, match="not empty"):
        restoring.restore(path, None)

    unpacked = tmp_path / "unpacked"
    with tarfile.open(path) as tar:
        tar.extractall(unpacked, filter="data")
    (unpacked / "uploads" / "key1").write_bytes(b"altered")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        for entry in sorted(unpacked.iterdir()):
            tar.add(entry, arcname=entry.name)
    target = empty_instance()
    with target.app_context():
        with pytest.raises(backup.BackupError, match="checksum of uploads/key1 does not match"):
            restoring.restore(damaged, None)
        assert backup.database.is_empty()


def test_the_scheduler_backs_up_nightly_and_keeps_n_copies(make_app, app, tmp_path):
    folder = tmp_path / "nightly"
    folder.mkdir()
    for day in range(1, 5):
        (folder / f"tracker-backup-2026010{day}-020000.tar").write_bytes(b"old")
    (folder / "someone-elses-file.tar").write_bytes(b"keep")
    nightly = make_app(TRACKER_BACKUP_DIR=str(folder), TRACKER_BACKUP_KEEP=2)
    assert "backup" in {job.id for job in scheduler.build_scheduler(nightly).get_jobs()}
    scheduler.backup_tick(nightly)
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == 3
    assert names[0] == "someone-elses-file.tar"
    assert names[1] == "tracker-backup-20260104-020000.tar"
    assert names[2].startswith(f"tracker-backup-{utcnow():%Y%m%d}")
