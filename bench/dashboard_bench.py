"""`make bench`: the dashboard against its bare SQL, the letters list against hello-world.

1. Builds (once per size) a SQLite database of N letters, 3N recipients, 5N demands and
   about 1.5N responses under bench/data/ (default N = 100,000).
2. Times GET /dashboard through the Flask test client (median of several runs) and the
   very statements that request issued, replayed bare on a DB-API cursor. Aim: <= 1.5x.
3. Serves the app with gunicorn (two workers, 127.0.0.1 only) and measures requests per
   second on the letters list and on a hello-world route of the same app. Aim: >= 30%.
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

from sqlalchemy import event, func, select, update  # noqa: E402

from bench import bench_data  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import DataVersion, Letter, utcnow  # noqa: E402
from tracker.services import accounts  # noqa: E402
from tracker.services.audit import Actor  # noqa: E402
from tracker.services.followup import organisation_today  # noqa: E402

EMAIL = "bench@example.org"
PASSWORD = "benchmark password, long enough"


def settings(database: Path, **overrides: object) -> dict[str, object]:
    database = database.resolve()
    instance = database.parent / "instance"
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "benchmark-secret-key",
        "MAIL_URL": None,
        "TRACKER_BASE_URL": "http://127.0.0.1",
    } | overrides


def build_database(database: Path, letters: int) -> None:
    if database.exists():
        # Data kept from an earlier run: bring its schema (indexes) up to date.
        with create_app(settings(database)).app_context():
            from flask_migrate import upgrade

            upgrade()
            db.engine.dispose()
        return
    database.parent.mkdir(parents=True, exist_ok=True)
    partial = database.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    app = create_app(settings(partial))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        owner = accounts.create_user(
            Actor.system("bench"), email=EMAIL, name="Bench", role="admin", password=PASSWORD
        )
        started = time.perf_counter()
        bench_data.generate(letters, owner.id, organisation_today(utcnow()))
        print(f"  generated {letters:,} letters in {time.perf_counter() - started:.0f} s")
        db.engine.dispose()
    partial.rename(database)


def median_seconds(action, runs: int) -> float:
    action()  # warm caches (SQLite pages, compiled statements, templates)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bump_data_version() -> None:
    """A write, as any edit would make: the next dashboard request computes afresh."""
    db.session.execute(update(DataVersion).values(version=DataVersion.version + 1))
    db.session.commit()


def dashboard_against_bare_sql(database: Path, runs: int, cold_runs: int = 3) -> None:
    app = create_app(settings(database, WTF_CSRF_ENABLED=False))
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Letter))
        client = app.test_client()
        assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
        statements: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        cold_times = []
        for _ in range(cold_runs):
            bump_data_version()
            started = time.perf_counter()
            assert client.get("/dashboard").status_code == 200
            cold_times.append(time.perf_counter() - started)
        # The bare baseline replays what a served (warm) request runs, warm cache and all.
        assert client.get("/dashboard").status_code == 200
        event.listen(db.engine, "before_cursor_execute", capture)
        assert client.get("/dashboard").status_code == 200
        event.remove(db.engine, "before_cursor_execute", capture)

        def request():
            response = client.get("/dashboard")
            assert response.status_code == 200

        raw = db.engine.raw_connection()

        def bare():
            cursor = raw.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()

        full = median_seconds(request, runs)
        sql = median_seconds(bare, runs)
        raw.close()
    print(f"Dashboard on {count:,} letters ({len(statements)} queries per served request):")
    print(
        f"  first request after a write (report computed), median of {cold_runs}: "
        f"{statistics.median(cold_times) * 1000:8.1f} ms"
    )
    print(f"  full request (Flask test client), median of {runs}: {full * 1000:8.1f} ms (aim: 300)")
    print(f"  the same SQL, bare on a DB-API cursor:        {sql * 1000:8.1f} ms")
    print(f"  ratio: {full / sql:.2f}x (aim: at most 1.5x)")


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


def list_against_hello(database: Path, total: int, threads: int) -> None:
    port = free_port()
    env = os.environ | {"BENCH_DATABASE": str(database), "PYTHONPATH": str(ROOT)}
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
    print(f"Letters list under gunicorn (2 workers, {threads} client threads, {total} requests):")
    print(f"  hello-world route: {hello:8.1f} requests/s")
    print(f"  /letters:          {letters:8.1f} requests/s")
    print(f"  share: {100 * letters / hello:.0f}% of hello-world (aim: at least 30%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", choices=("dashboard", "list"), help="Run one half only.")
    options = parser.parse_args()
    database = ROOT / "bench" / "data" / f"dashboard-{options.letters}.db"
    print(f"Database: {database.relative_to(ROOT)}")
    build_database(database, options.letters)
    if options.only != "list":
        dashboard_against_bare_sql(database, options.runs)
    if options.only != "dashboard":
        list_against_hello(database, options.requests, options.threads)


if __name__ == "__main__":
    main()
