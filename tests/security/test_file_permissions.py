"""Files the app creates are its owner's only, even under a umask of 0."""

from __future__ import annotations

import os
import stat

from flask_migrate import upgrade

from tests.conftest import base_config
from tracker import create_app
from tracker.extensions import db
from tracker.services import files


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_wal_instance_and_uploads_are_owner_only_under_umask_0(tmp_path):
    previous = os.umask(0)
    try:
        instance = tmp_path / "instance"
        database = tmp_path / "data" / "tracker.db"
        app = create_app(base_config(f"sqlite:///{database}", instance))
        with app.app_context():
            upgrade()  # writes the schema: the database, its WAL and SHM files exist now
            stored = files.store(files.Upload("note.txt", b"Dear Minister"))
            wal, shm = f"{database}-wal", f"{database}-shm"
            assert os.path.exists(wal) and os.path.exists(shm)
            assert {mode(p) for p in (database, wal, shm)} == {0o600}
            assert mode(instance) == 0o700
            assert mode(app.config["UPLOAD_PATH"]) == 0o700
            assert mode(os.path.join(app.config["UPLOAD_PATH"], stored.key)) == 0o600
            db.engine.dispose()
    finally:
        os.umask(previous)
