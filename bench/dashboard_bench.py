"""`make bench`: the dashboard against its bare SQL, the letters list against hello-world.

On SQLite and on PostgreSQL (`--databases`), each:
1. Builds a database of N letters, 3N recipients, 5N demands and about 1.5N responses
   (default N = 100,000) by bulk insert: SQLite once per size under bench/data/, kept;
   PostgreSQL in a scratch database of its own, dropped at the end.
2. Times GET /dashboard through the Flask test client, cold (the first request after a
   change of data: the report is computed), after a reminder was sent (only the "what
   to do next" tables are computed) and cached (the report served from the per-worker
   cache), each against the very statements that request issued, captured and replayed
   bare on a DB-API cursor with the same warm page cache. Aim: cold <= 300 ms.
3. Serves the app with gunicorn (two workers, 127.0.0.1 only) and measures requests per
   second on the letters list and on a hello-world route of the same app, side by side
   in one run. Aim: >= 30%.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select, update  # noqa: E402

from bench import bench_data  # noqa: E402
from bench.scratch_postgres import scratch_database  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import DataVersion, Letter, Reminder, utcnow  # noqa: E402
from tracker.services import accounts  # noqa: E402
from tracker.services.audit import Actor  # noqa: E402
from tracker.settings import organisation_today  # noqa: E402

EMAIL = "bench@example.org"
PASSWORD = "benchmark password, long enough"


DATA = ROOT / "bench" / "data"


def settings(url: str, **overrides: object) -> dict[str, object]:
    instance = DATA / "instance"
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "benchmark-secret-key",
        "MAIL_URL": None,
        "TRACKER_BASE_URL": "http://127.0.0.1",
    } | overrides


def fill_database(url: str, letters: int) -> None:
    """Migrate an empty database and generate the data set into it."""
    app = create_app(settings(url))
    with app.app_context():
        upgrade()
        owner = accounts.create_user(
            Actor.system("bench"), email=EMAIL, name="Bench", role="admin", password=PASSWORD
        )
        started = time.perf_counter()
        bench_data.generate(letters, owner.id, organisation_today(utcnow()))
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in ("campaigns", "officials", "letters", "recipients", "demands"):
                    # The rows came with their ids: move each sequence past them.
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                        f"FROM {table}"
                    )
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"  generated {letters:,} letters in {time.perf_counter() - started:.0f} s")
        db.engine.dispose()


def sqlite_database(letters: int) -> str:
    """The SQLite file of this size, built once and kept; migrated up to date each run."""
    database = DATA / f"dashboard-{letters}.db"
    url = f"sqlite:///{database}"
    if database.exists():
        with create_app(settings(url)).app_context():
            upgrade()  # data kept from an earlier run: new indexes too
            db.engine.dispose()
        return url
    DATA.mkdir(parents=True, exist_ok=True)
    partial = database.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    fill_database(f"sqlite:///{partial}", letters)
    partial.rename(database)
    return url


def median_seconds(action, runs: int, prepare=None) -> float:
    """Median time of `action()` (after an untimed `prepare()` each time), after a warm-up."""
    timings = []
    for _ in range(runs + 1):
        if prepare:
            prepare()
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings[1:])  # the first warms pages and compiled statements


def bump_data_version() -> None:
    """A write, as any edit would make: the next dashboard request computes afresh."""
    db.session.execute(update(DataVersion).values(version=DataVersion.version + 1))
    db.session.commit()


def send_a_reminder() -> None:
    """What the scheduler writes when it sends a reminder: the grouped figures stay cached,
    "what to do next" is computed afresh."""
    oldest = select(func.min(Reminder.id)).where(Reminder.state == "pending").scalar_subquery()
    db.session.execute(
        update(Reminder).where(Reminder.id == oldest).values(attempt_at=Reminder.attempt_at)
    )
    db.session.commit()


def captured(client, before=None) -> list[tuple[str, object]]:
    """The statements (as sent to the driver) of one GET /dashboard, after `before()`."""
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    if before:
        before()
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert client.get("/dashboard").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return statements


def replay(raw, statements) -> None:
    cursor = raw.cursor()
    for statement, parameters in statements:
        cursor.execute(statement, parameters)
        cursor.fetchall()
    cursor.close()


def dashboard_against_bare_sql(url: str, runs: int, cold_runs: int) -> dict[str, float]:
    """Cold and cached requests, each against its own statements replayed bare."""
    app = create_app(settings(url, WTF_CSRF_ENABLED=False))
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Letter))
        client = app.test_client()
        assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
        cold_statements = captured(client, bump_data_version)
        served_statements = captured(client)
        reminder_statements = captured(client, send_a_reminder)

        def request():
            assert client.get("/dashboard").status_code == 200

        raw = db.engine.raw_connection()
        # Timed alike: one untimed run first, so pages and compiled statements are warm.
        figures = {
            "cold": median_seconds(request, cold_runs, prepare=bump_data_version),
            "cold_sql": median_seconds(lambda: replay(raw, cold_statements), cold_runs),
            "reminder": median_seconds(request, cold_runs, prepare=send_a_reminder),
            "reminder_sql": median_seconds(lambda: replay(raw, reminder_statements), cold_runs),
            "cached": median_seconds(request, runs),
            "cached_sql": median_seconds(lambda: replay(raw, served_statements), runs),
        }
        raw.close()
        db.engine.dispose()
    print(f"  dashboard on {count:,} letters, full request through the Flask test client:")
    for name, statements, many in (
        ("cold", cold_statements, cold_runs),
        ("reminder", reminder_statements, cold_runs),
        ("cached", served_statements, runs),
    ):
        app_ms, sql_ms = figures[name] * 1000, figures[f"{name}_sql"] * 1000
        print(
            f"    {name:8} (median of {many}): {app_ms:8.1f} ms; its {len(statements)} statements "
            f"bare: {sql_ms:8.1f} ms; ratio {app_ms / sql_ms:.2f}x"
        )
    print("    (cold: the first request after a change of data computes the report; aim 300 ms)")
    print("    (reminder: after the scheduler sent a reminder: only what to do next is computed)")
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_in(port: int) -> str:
    """Log in over HTTP as a browser would (CSRF on); return the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    body = urlencode({"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD})
    connection.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"login failed: {response.status}"
    connection.close()
    return response.getheader("Set-Cookie").split(";")[0]


def requests_per_second(port: int, path: str, cookie: str, total: int, threads: int) -> float:
    def worker(count: int) -> None:
        for _ in range(count):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            assert response.status == 200, f"{path}: {response.status}"
            connection.close()

    worker(2)  # warm up both workers' caches a little
    share = total // threads
    pool = [threading.Thread(target=worker, args=(share,)) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return share * threads / (time.perf_counter() - started)


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within 30 s")


def list_against_hello(url: str, total: int, threads: int) -> dict[str, float]:
    port = free_port()
    env = os.environ | {"BENCH_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.bench_app:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(port, process)
        cookie = log_in(port)
        hello = requests_per_second(port, "/bench/hello", cookie, total, threads)
        letters = requests_per_second(port, "/letters", cookie, total, threads)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"  letters list under gunicorn (2 workers, {threads} client threads, {total} requests):")
    print(f"    hello-world route: {hello:8.1f} requests/s")
    print(f"    /letters:          {letters:8.1f} requests/s")
    print(f"    share: {100 * letters / hello:.0f}% of hello-world (aim: at least 30%)")
    return {"hello": hello, "letters": letters}


def run(name: str, url: str, options) -> None:
    print(f"{name}:")
    if options.only != "list":
        dashboard_against_bare_sql(url, options.runs, options.cold_runs)
    if options.only != "dashboard":
        list_against_hello(url, options.requests, options.threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", choices=("dashboard", "list"), help="Run one half only.")
    parser.add_argument("--databases", default="sqlite,postgresql")
    options = parser.parse_args()
    for backend in options.databases.split(","):
        if backend == "sqlite":
            run("SQLite", sqlite_database(options.letters), options)
        elif backend == "postgresql":
            with scratch_database() as url:
                fill_database(url, options.letters)
                run("PostgreSQL (scratch database)", url, options)
        else:
            parser.error(f"unknown database {backend!r}")


if __name__ == "__main__":
    main()
