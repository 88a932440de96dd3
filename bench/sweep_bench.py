"""Sweep benchmark: one sweep over a large generated database, against bare SQL.

    .venv/bin/python bench/sweep_bench.py [--recipients 1000000] [--database-url URL] [--reuse]

Builds a database of N recipients (bulk inserts, one pending reminder each; 1% due),
then prints:

- the time of one sweep that claims the due reminders and delivers them to the local
  outbox, and the time of hand-written SQL doing the same per reminder (claim with
  one UPDATE ... RETURNING, read what the email needs, insert the outbox row, mark it
  sent, commit), and their ratio; then the same hand-written SQL plus the sweep's own
  email rendering (open demands read, text and HTML templates, links, headers), so
  the reader sees how much of the gap is the email itself;
- the digest path: the same due reminders for an owner who reads digests, as one sweep
  that puts them in the digest, then the sweep at 08:00 that sends the digest;
- the time of an idle sweep (nothing due) on 10,000 and on N rows;
- peak memory (the process's peak RSS, and Python's peak allocation during the sweep).

Without --database-url it uses SQLite files in a temporary folder. With a PostgreSQL
URL it creates (and drops) scratch databases on that server. With --reuse (SQLite
only) the large database is kept under bench/data/ (git-ignored) and reused by the
next run with the same size, which skips the minutes of building it.
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Boolean, Date, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from tracker import create_app, mail
from tracker.domain import ladder
from tracker.extensions import db
from tracker.models import Digest, Letter, Official, Recipient, Reminder, User
from tracker.services.reminders.email import describe, open_demand_titles, reminder_email
from tracker.services.reminders.sweep import run_sweep

CHUNK = 20_000
PER_LETTER = 10
NOW = datetime.now(UTC).replace(microsecond=0)


@contextmanager
def scratch_database(server_url: str | None, folder: Path, name: str) -> Iterator[str]:
    if server_url is None:
        yield f"sqlite:///{folder / (name + '.db')}"
        return
    database = f"tracker_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(server_url).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def large_database(args, folder: Path, due_every: int) -> Iterator[tuple[str, bool]]:
    """The large database's URL, and whether it is already built (--reuse)."""
    if not args.reuse:
        with scratch_database(args.database_url, folder, "large") as url:
            yield url, False
        return
    kept = Path(__file__).resolve().parent / "data"
    kept.mkdir(exist_ok=True)
    path = kept / f"sweep-{args.recipients}-every-{due_every}.db"
    if path.exists():
        yield f"sqlite:///{path}", True
        return
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    yield f"sqlite:///{partial}", False
    partial.rename(path)  # only a complete build is reused


def build_app(url: str, folder: Path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "bench",
            "MAIL_URL": None,
            "TRACKER_BASE_URL": "http://tracker.bench",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    return app


def chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def populate(recipients: int, due_every: int | None) -> int:
    """Bulk-insert `recipients` recipients with one reminder each; every `due_every`-th
    is due now. Ids are 1..n on a fresh database, which the rows rely on."""
    today = NOW.date()
    db.session.execute(
        insert(User),
        [{"email": "owner@bench.test", "name": "Owner", "password_hash": "-", "role": "editor"}],
    )
    db.session.execute(insert(Official), [{"name": f"Official {i}"} for i in range(PER_LETTER)])
    letters = (recipients + PER_LETTER - 1) // PER_LETTER
    for batch in chunks(
        {
            "reference": f"B-{i}",
            "subject": f"Bench letter {i}",
            "owner_id": 1,
            "status": "sent",
            "sent_on": today - timedelta(days=31),
        }
        for i in range(1, letters + 1)
    ):
        db.session.execute(insert(Letter), batch)

    def is_due(i: int) -> bool:
        return due_every is not None and i % due_every == 0

    for batch in chunks(
        {
            "letter_id": (i - 1) // PER_LETTER + 1,
            "official_id": (i - 1) % PER_LETTER + 1,
            "due_on": today - timedelta(days=1) if is_due(i) else today + timedelta(days=i % 60),
        }
        for i in range(1, recipients + 1)
    ):
        db.session.execute(insert(Recipient), batch)
    for batch in chunks(
        {
            "recipient_id": i,
            "step": 0,
            "kind": "no_response",
            "due_at": (
                when := NOW - timedelta(hours=1) if is_due(i) else NOW + timedelta(days=1 + i % 60)
            ),
            "attempt_at": when,
            "message_id": f"<reminder-{i}@tracker.bench>",
        }
        for i in range(1, recipients + 1)
    ):
        db.session.execute(insert(Reminder), batch)
    db.session.commit()
    # Planner statistics, as autovacuum (PostgreSQL) or a maintenance run (SQLite) would
    # have them on a database that grew over months rather than in one bulk insert.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return sum(1 for i in range(1, recipients + 1) if is_due(i))


CLAIM_SQL = """
UPDATE reminders SET state = 'sending', attempts = attempts + 1, lease_until = :lease,
    attempt_at = :lease, claimed_by = 'bare-sql'
WHERE id = (SELECT id FROM reminders WHERE state = 'pending' AND attempt_at <= :now
            ORDER BY attempt_at LIMIT 1 {lock})
  AND state = 'pending'
RETURNING id
"""
READ_SQL = """
SELECT r.message_id, o.name, l.reference, l.subject, l.sent_on, rc.due_on, u.email
FROM reminders r JOIN recipients rc ON rc.id = r.recipient_id
JOIN letters l ON l.id = rc.letter_id JOIN officials o ON o.id = rc.official_id
JOIN users u ON u.id = l.owner_id WHERE r.id = :id
"""
OUTBOX_SQL = """
INSERT INTO outbox_messages (reminder_id, message_id, sender, recipients, subject, headers,
    body_text, body_html, created_at)
VALUES (:id, :message_id, 'Tracker <tracker@localhost>', :email, :subject, '', :body, '', :now)
"""
RENDER_READ_SQL = """
SELECT r.message_id, r.kind, rc.id AS recipient_id, rc.due_on, l.id AS letter_id, l.reference,
    l.subject, l.sent_on, l.business_days, o.name, o.country, u.email
FROM reminders r JOIN recipients rc ON rc.id = r.recipient_id
JOIN letters l ON l.id = rc.letter_id JOIN officials o ON o.id = rc.official_id
JOIN users u ON u.id = l.owner_id WHERE r.id = :id
"""
SENT_SQL = "UPDATE reminders SET state = 'sent', sent_at = :now, lease_until = NULL WHERE id = :id"


def bare_sql_sweep(now: datetime) -> int:
    """The same work in hand-written SQL: claim, read, insert, mark sent, commit."""
    naive = now.replace(tzinfo=None)
    lease = naive + timedelta(minutes=5)
    lock = "FOR UPDATE SKIP LOCKED" if db.engine.dialect.name == "postgresql" else ""
    claim = text(CLAIM_SQL.format(lock=lock))
    sent = 0
    with db.engine.connect() as connection:
        while True:
            claimed = connection.execute(claim, {"lease": lease, "now": naive}).scalar()
            connection.commit()
            if claimed is None:
                return sent
            message_id, official, reference, subject, sent_on, due_on, email = connection.execute(
                text(READ_SQL), {"id": claimed}
            ).one()
            body = (
                f"No response from {official}\nLetter {reference}, {subject}\n"
                f"Sent on {sent_on}; due on {due_on}.\n"
            )
            connection.execute(
                text(OUTBOX_SQL),
                {
                    "id": claimed,
                    "message_id": message_id,
                    "email": email,
                    "subject": f"[{reference}] No response from {official}",
                    "body": body,
                    "now": naive,
                },
            )
            connection.execute(text(SENT_SQL), {"now": naive, "id": claimed})
            connection.commit()
            sent += 1


def rendered_sql_sweep(now: datetime) -> int:
    """`bare_sql_sweep` plus the email the sweep renders: the same reads of the letter and
    its open demands, the same templates, links and headers, the outbox row with both
    parts. No plan re-check, no addressee query, no result compare-and-set."""
    naive = now.replace(tzinfo=None)
    lease = naive + timedelta(minutes=5)
    lock = "FOR UPDATE SKIP LOCKED" if db.engine.dialect.name == "postgresql" else ""
    claim = text(CLAIM_SQL.format(lock=lock))
    render_read = text(RENDER_READ_SQL).columns(due_on=Date, sent_on=Date, business_days=Boolean)
    sent = 0
    with db.engine.connect() as connection:
        while True:
            claimed = connection.execute(claim, {"lease": lease, "now": naive}).scalar()
            connection.commit()
            if claimed is None:
                return sent
            row = connection.execute(render_read, {"id": claimed}).one()
            about = describe(
                kind=row.kind,
                recipient_id=row.recipient_id,
                due_on=row.due_on,
                letter_id=row.letter_id,
                reference=row.reference,
                subject=row.subject,
                sent_on=row.sent_on,
                business_days=row.business_days,
                official=row.name,
                country=row.country,
                open_demands=open_demand_titles(connection, row.letter_id),
                now=now,
            )
            mail.keep_in_outbox(
                reminder_email(about, (row.email,), row.message_id, None), now, claimed, connection
            )
            connection.execute(text(SENT_SQL), {"now": naive, "id": claimed})
            connection.commit()
            sent += 1


def reset_due(due_ids: list[int]) -> None:
    reminders = Reminder.__table__
    db.session.execute(text("DELETE FROM outbox_messages"))
    db.session.execute(text("DELETE FROM digests"))  # and their items, by cascade
    db.session.execute(text("DELETE FROM digest_items"))
    # Each due reminder is the first of its letter: the sweep starts every thread.
    db.session.execute(text("UPDATE letters SET thread_message_id = NULL"))
    for start in range(0, len(due_ids), CHUNK):
        db.session.execute(
            reminders.update()
            .where(reminders.c.id.in_(due_ids[start : start + CHUNK]))
            .values(
                state="pending",
                attempts=0,
                attempt_at=NOW - timedelta(hours=1),
                lease_until=None,
                claimed_by=None,
                sent_at=None,
                delivered_to="",
            )
        )
    db.session.commit()


def digest_path_seconds(due_ids: list[int]) -> tuple[float, float]:
    """The same due reminders for an owner who reads digests: the sweep that queues them
    into the digest, and the sweep at 08:00 that sends it (one digest, all of them)."""
    reset_due(due_ids)
    db.session.execute(User.__table__.update().values(reminder_delivery="digest", timezone="UTC"))
    db.session.commit()
    started = time.perf_counter()
    assert run_sweep(NOW).queued == len(due_ids)
    queued = time.perf_counter() - started
    started = time.perf_counter()
    assert run_sweep(ladder.next_digest_at(NOW, "UTC", 8)).digests == 1
    sent = time.perf_counter() - started
    [count] = db.session.scalars(select(Digest.reminder_count)).all()
    assert count == len(due_ids)
    db.session.execute(User.__table__.update().values(reminder_delivery="immediate"))
    db.session.commit()
    return queued, sent


def idle_sweep_seconds(repeats: int = 21) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run_sweep(NOW)
        times.append(time.perf_counter() - started)
        assert result.claimed == 0
    return statistics.median(times)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the large SQLite database under bench/data/ and reuse it next time",
    )
    args = parser.parse_args()
    if args.reuse and args.database_url:
        parser.error("--reuse keeps SQLite files only")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    due_every = round(100 / args.due_percent)
    folder = Path(tempfile.mkdtemp(prefix="tracker-sweep-bench-"))
    kind = "PostgreSQL" if args.database_url else "SQLite"
    print(f"Sweep benchmark on {kind}: {args.recipients:,} recipients, 1 in {due_every} due")

    with scratch_database(args.database_url, folder, "small") as url:
        app = build_app(url, folder / "small")
        with app.app_context():
            populate(10_000, None)
            idle_small = idle_sweep_seconds()
            db.session.remove()
            db.engine.dispose()

    with large_database(args, folder, due_every) as (url, built):
        app = build_app(url, folder / "large")
        with app.app_context():
            due_ids = [i for i in range(due_every, args.recipients + 1, due_every)]
            due = len(due_ids)
            if built:
                reset_due(due_ids)  # a kept database may hold the last run's sweep
                print(f"  reused {url.removeprefix('sqlite:///')} ({due:,} due)")
            else:
                started = time.perf_counter()
                assert populate(args.recipients, due_every) == due
                print(f"  built in {time.perf_counter() - started:.1f} s ({due:,} due)")
            rss_built = peak_rss_mb()

            started = time.perf_counter()
            bare_sent = bare_sql_sweep(NOW)
            bare = time.perf_counter() - started
            assert bare_sent == due, (bare_sent, due)
            reset_due(due_ids)

            started = time.perf_counter()
            rendered_sent = rendered_sql_sweep(NOW)
            rendered = time.perf_counter() - started
            assert rendered_sent == due, (rendered_sent, due)
            reset_due(due_ids)

            started = time.perf_counter()
            result = run_sweep(NOW)
            ours = time.perf_counter() - started
            assert result.sent == due, result
            rss_swept = peak_rss_mb()

            reset_due(due_ids)
            tracemalloc.start()
            assert run_sweep(NOW).sent == due
            _, python_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

            idle_large = idle_sweep_seconds()
            digest_queued, digest_sent = digest_path_seconds(due_ids)
            db.session.remove()
            db.engine.dispose()

    print(
        f"  sweep of {due:,} due reminders to the outbox: {ours:8.2f} s"
        f"  ({ours / due * 1000:.2f} ms each)"
    )
    print(
        f"  hand-written SQL, same claim/read/insert:     {bare:8.2f} s"
        f"  ({bare / due * 1000:.2f} ms each)"
    )
    print(
        f"  hand-written SQL + the same email rendering:  {rendered:8.2f} s"
        f"  ({rendered / due * 1000:.2f} ms each)"
    )
    print(f"  ratio sweep / bare SQL: {ours / bare:.2f}x (aim: at most 2x)")
    print(f"  ratio sweep / bare SQL + rendering: {ours / rendered:.2f}x")
    print(
        f"  digest path: queuing {due:,} into a digest {digest_queued:8.2f} s"
        f"  ({digest_queued / due * 1000:.2f} ms each); sending it {digest_sent:8.2f} s"
        f"  ({digest_sent / due * 1000:.2f} ms per reminder it carries)"
    )
    print(f"  idle sweep on 10,000 rows:   {idle_small * 1000:7.2f} ms (median of 21)")
    print(
        f"  idle sweep on {args.recipients:,} rows: {idle_large * 1000:7.2f} ms"
        f"  (ratio {idle_large / idle_small:.2f}x; aim: same order)"
    )
    print(
        f"  peak RSS: {rss_built:.0f} MB after building, {rss_swept:.0f} MB after the sweep;"
        f" Python peak allocation during a sweep: {python_peak / 2**10:,.0f} KB"
    )


if __name__ == "__main__":
    main()
