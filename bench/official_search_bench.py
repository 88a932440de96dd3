"""`make bench`: the directory search (/officials/search.json) on 10,000 officials.

    .venv/bin/python bench/official_search_bench.py [--officials 10000] [--database-url URL]

Builds a database of N officials (names from a fixed seed, some with accents), then for
a set of typed searches (partial, several words, accents, no match) times the request
through the Flask test client (median of several runs: server time, no network) and the
very statements it issued, bare on a DB-API cursor. Aim: under 50 ms per search.

Without --database-url it uses SQLite in a temporary folder; with a PostgreSQL server URL
(e.g. postgresql+psycopg://postgres@127.0.0.1/postgres) it creates a database there and
drops it afterwards. `make bench` runs both when the local PostgreSQL answers.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.dashboard_bench import EMAIL, PASSWORD, median_seconds, settings  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Official  # noqa: E402
from tracker.services import accounts  # noqa: E402
from tracker.services.audit import Actor  # noqa: E402

FIRST = ["José", "Ana", "Michael", "Nguyễn", "Zoë", "Olusegun", "Chloé", "Dmitri", "Aisha", "Li"]
LAST = ["Ramos-Horta", "Pompeo", "Bachelet", "Okonjo", "Müller", "Sørensen", "García", "Kim"]
TITLES = ["President", "Minister of Justice", "Ambassador", "Special Rapporteur", ""]
SEARCHES = ["jose", "ramos horta", "MULLER", "sorensen kim", "amb", "zoe garcia 12", "nobody"]


def fill(count: int) -> None:
    chooser = random.Random(10)
    rows = [
        {
            "name": f"{chooser.choice(FIRST)} {chooser.choice(LAST)} {number}",
            "title": chooser.choice(TITLES),
            "country": chooser.choice(["US", "FR", "KE", "VN", None]),
        }
        for number in range(count)
    ]
    db.session.execute(insert(Official), rows)
    accounts.create_user(
        Actor.system("bench"), email=EMAIL, name="Bench", role="viewer", password=PASSWORD
    )
    db.session.commit()


def run(url: str, count: int, runs: int, label: str) -> None:
    app = create_app(settings(Path(tempfile.mkdtemp()) / "x.db", SQLALCHEMY_DATABASE_URI=url,
                              WTF_CSRF_ENABLED=False))  # fmt: skip
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        fill(count)
        client = app.test_client()
        assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
        print(f"Official search on {count:,} officials, {label}:")
        worst = 0.0
        for typed in SEARCHES:
            statements: list[tuple[str, object]] = []

            def capture(conn, cursor, statement, parameters, context, many, into=statements):
                into.append((statement, parameters))

            event.listen(db.engine, "before_cursor_execute", capture)
            assert (
                client.get("/officials/search.json", query_string={"q": typed}).status_code == 200
            )
            event.remove(db.engine, "before_cursor_execute", capture)

            def request(typed=typed):
                client.get("/officials/search.json", query_string={"q": typed})

            raw = db.engine.raw_connection()

            def bare(raw=raw, statements=statements):
                cursor = raw.cursor()
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                cursor.close()

            full, sql = median_seconds(request, runs), median_seconds(bare, runs)
            raw.close()
            worst = max(worst, full)
            print(f"  {typed!r:16} {full * 1000:6.1f} ms  (bare SQL {sql * 1000:5.1f} ms,"
                  f" ratio {full / sql:4.1f}x)")  # fmt: skip
        print(f"  slowest search: {worst * 1000:.1f} ms (aim: under 50 ms)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    args = parser.parse_args()
    if args.database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="tracker-search-bench-"))
        run(f"sqlite:///{folder / 'search.db'}", args.officials, args.runs, "SQLite")
        return
    name = f"tracker_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
        run(url, args.officials, args.runs, "PostgreSQL")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
