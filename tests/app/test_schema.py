"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import Campaign, Letter, User


def test_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_run_from_an_empty_database(make_app, tmp_path):
    from flask_migrate import downgrade, upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.db'}")
    with app.app_context():
        upgrade()
        assert "reminders" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "reminders" not in inspect(db.engine).get_table_names()
        upgrade()
        db.engine.dispose()


def test_database_enforces_allowed_values_and_uniqueness(app, users):
    db.session.add(User(email="x@example.org", name="X", password_hash="h", role="root"))
    try:
        db.session.commit()
        raise AssertionError("a role outside the allowed values was stored")
    except IntegrityError:
        db.session.rollback()

    db.session.add(Letter(reference="L-1", subject="A", owner_id=users["editor"].id))
    db.session.commit()
    db.session.add(Letter(reference="L-1", subject="B", owner_id=users["editor"].id))
    try:
        db.session.commit()
        raise AssertionError("a duplicate reference was stored")
    except IntegrityError:
        db.session.rollback()


def test_foreign_keys_are_enforced(app, users):
    db.session.add(Letter(reference="L-2", subject="A", owner_id=999_999))
    try:
        db.session.commit()
        raise AssertionError("a letter with a missing owner was stored")
    except IntegrityError:
        db.session.rollback()


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        return
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_campaign_names_are_unique(app):
    db.session.add_all([Campaign(name="ICC"), Campaign(name="ICC")])
    try:
        db.session.commit()
        raise AssertionError("duplicate campaign names were stored")
    except IntegrityError:
        db.session.rollback()
