"""`make run`'s server: gunicorn with the project's gunicorn.conf.py, naming no software."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.smtp_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def _headers_once_up(url: str, server: subprocess.Popen, log: Path) -> dict[str, str]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
                return {name.lower(): value for name, value in response.getheaders()}
        except OSError:
            assert server.poll() is None, log.read_text()
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer within 30 s: {log.read_text()}")


def test_gunicorn_serves_the_app_without_naming_its_software(tmp_path):
    port = free_port()
    environment = {
        "TRACKER_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "SECRET_KEY": "serving-test",
        "PATH": str(Path(sys.executable).parent),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        headers = _headers_once_up(f"http://127.0.0.1:{port}/login", server, log)
        assert "gunicorn" not in headers.get("server", "").lower()
        assert not any(char.isdigit() for char in headers.get("server", ""))
        assert "x-powered-by" not in headers
    finally:
        server.terminate()
        server.wait(timeout=30)
