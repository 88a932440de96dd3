"""Helpers for the letter intake tests: submit a rendered form as a browser would."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

LETTERS = Path(__file__).resolve().parent.parent / "intake" / "letters"


class _FormFields(HTMLParser):
    """The values a browser would submit from the first form posting to `action`."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.values.setdefault(self._select, value)
            if "selected" in attrs:
                self.values[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_fields(html: str, action: str = "/letters/intake/confirm") -> dict[str, str]:
    parser = _FormFields(action)
    parser.feed(html)
    # Browsers drop the line break that follows <textarea>.
    return {
        key: value.removeprefix("\r\n").removeprefix("\n") for key, value in parser.values.items()
    }


def upload(client, name: str, data: bytes | None = None, **fields):
    content = data if data is not None else (LETTERS / name).read_bytes()
    return client.post(
        "/letters/intake",
        data={"file": (io.BytesIO(content), name), **fields},
        content_type="multipart/form-data",
    )
