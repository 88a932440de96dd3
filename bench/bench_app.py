"""The app gunicorn serves for the benchmark, plus a hello-world route to compare with."""

from __future__ import annotations

import os

from bench.dashboard_bench import settings
from tracker import create_app
from tracker.auth import PUBLIC, requires

app = create_app(settings(os.environ["BENCH_DATABASE_URL"]))


@requires(PUBLIC)
def hello():
    return "Hello, world!"


app.add_url_rule("/bench/hello", "bench_hello", hello)
