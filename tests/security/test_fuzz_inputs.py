"""Hostile values in every form field and query parameter of every page.

The test walks app.url_map, renders each page as an admin, reads every form on it,
and submits each form again with one field at a time replaced by a hostile value
(the others keep what the page rendered, so each value reaches the code that parses
it). GET forms and the list filters get the same values as query parameters. Any 500,
or any answer slower than a few seconds, fails the test.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest

from tests.security.test_access import routes, sample_url
from tests.security.test_bad_input import world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("world")
SLOW_SECONDS = 5.0  # generous: the test machine is shared
HOSTILE = [
    "9223372036854775808",  # 2**63: past SQLite's integers
    "-9223372036854775809",
    "2147483648",  # past PostgreSQL's integer
    "²",  # a digit to str.isdigit(), not to int()
    "\u0663",  # ARABIC-INDIC DIGIT THREE: a digit to \d and int()
    "1e309",
    "0001-01-01",
    "9999-12-31",
    "' OR 1=1 --",
    "\u202e<script>alert(1)</script>",
    "../../../etc/passwd",
    " ",
]
LONG_LINE = "x" * 100_000
# Query parameters are many (every GET route x every name): the values that found defects.
QUERY_HOSTILE = ["9223372036854775808", "2147483648", "²", "0001-01-01", "' OR 1=1 --"]
# Query parameters the lists, dashboards and forms read.
QUERY_NAMES = [
    "page",
    "campaign",
    "official",
    "owner",
    "watcher",
    "involving",
    "recipient",
    "state",
    "sort",
    "dir",
    "q",
    "sent_from",
    "sent_to",
    "responded_from",
    "responded_to",
    "overdue_min",
    "overdue_max",
    "period",
    "start",
    "end",
    "mine",
    "next",
    "user",
    "action",
]
# Posting these would end the test's own session or cannot be replayed.
SKIPPED_POSTS = {"auth.login", "auth.logout"}


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)


class FormReader(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = attributes.get("action") or self.page_url
            self.forms.append(Form(action, attributes.get("method", "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind == "file" or (kind in ("checkbox", "radio") and "checked" not in attributes):
                return
            self.forms[-1].add(attributes["name"], attributes.get("value", ""))
        elif tag == "select":
            self._select, self._select_value = attributes.get("name"), None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in attributes:
                self._select_value = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea = attributes.get("name")
            self.forms[-1].add(self._textarea or "", "")
        elif tag == "button" and attributes.get("name"):
            self.forms[-1].add(attributes["name"], attributes.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self.forms:
            self.forms[-1].add(self._select, self._select_value or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea][-1] += data


class Prober:
    """Sends one request, checks it, and logs in again when a request ended the session."""

    def __init__(self, client, auth) -> None:
        self.client, self.auth = client, auth
        self.failures: list[str] = []
        self.count = 0

    def send(self, method: str, url: str, data=None) -> None:
        started = time.monotonic()
        response = self.client.open(url, method=method, data=data)
        seconds = time.monotonic() - started
        self.count += 1
        label = f"{method} {url} {_short(data)}"
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code}: {label}")
        if seconds > SLOW_SECONDS:
            self.failures.append(f"{seconds:.1f} s: {label}")
        if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            self.auth.login("admin")


def _short(data) -> str:
    if not data:
        return ""
    return str(
        {key: (value[:40] if isinstance(value, str) else value) for key, value in data.items()}
    )


def page_forms(client, app) -> list[Form]:
    forms = []
    for rule, method in routes(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        url = sample_url(app, rule)
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        reader = FormReader(url)
        reader.feed(response.get_data(as_text=True))
        forms.extend(reader.forms)
    return forms


def _endpoint(app, url: str) -> str | None:
    adapter = app.url_map.bind("tracker.test")
    try:
        return adapter.match(urlsplit(url).path, method="POST")[0]
    except Exception:
        return None


def test_hostile_values_in_every_form_field_never_fail_or_hang(app, client, auth):
    auth.login("admin")
    prober = Prober(client, auth)
    seen: set[tuple[str, str]] = set()
    for form in page_forms(client, app):
        if form.method == "post" and _endpoint(app, form.action) in SKIPPED_POSTS:
            continue
        for name in form.fields:
            if (form.action, name) in seen or name == "csrf_token":
                continue
            seen.add((form.action, name))
            for value in [*HOSTILE, LONG_LINE]:
                data = form.fields | {name: value}
                if form.method == "post":
                    prober.send("POST", form.action, data)
                else:
                    prober.send("GET", f"{form.action}?{urlencode(data, doseq=True)}")
    assert prober.count > 500  # the walk reached the forms
    assert prober.failures == []


def test_hostile_values_in_every_query_parameter_never_fail_or_hang(app, client, auth):
    auth.login("admin")
    prober = Prober(client, auth)
    for rule, method in routes(app):
        if method != "GET" or rule.endpoint in ("static", "auth.logout"):
            continue
        url = sample_url(app, rule)
        for name in QUERY_NAMES:
            for value in QUERY_HOSTILE:
                prober.send("GET", f"{url}?{urlencode({name: value})}")
    assert prober.failures == []
