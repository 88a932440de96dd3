"""Uploads that keep the user's work: a file over the limit never loses the form.

Werkzeug refuses a body over MAX_CONTENT_LENGTH before any view runs, and with it every
field the user typed. On the forms that take a file, the body is read whatever its size,
but each uploaded file keeps at most MAX_UPLOAD_BYTES + 1 bytes (the rest is dropped as
it arrives, so neither memory nor disk grows with the body). The view then sees a file one
byte too long and re-renders the form, everything kept, with the message next to the file
field (tracker.services.files refuses it as too large).
"""

from __future__ import annotations

import io
from typing import IO

from flask import Flask, Request, current_app

# The forms whose views re-render themselves with a "too large" message.
FORMS_WITH_A_FILE = frozenset(
    {"letters.new", "letters.edit", "letters.follow_up", "responses.new", "intake.start"}
)


class CappedFile(io.BytesIO):
    """A file part kept up to `keep` bytes; what comes after is counted and dropped."""

    def __init__(self, keep: int) -> None:
        super().__init__()
        self.keep = keep

    def write(self, data) -> int:  # type: ignore[override]
        room = self.keep - self.tell()
        if room > 0:
            super().write(bytes(data[:room]))
        return len(data)


class UploadRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        if self.endpoint in FORMS_WITH_A_FILE:
            return None  # each file is capped instead (_get_file_stream)
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self.endpoint in FORMS_WITH_A_FILE:
            return CappedFile(current_app.config["MAX_UPLOAD_BYTES"] + 1)
        return super()._get_file_stream(
            total_content_length, content_type, filename, content_length
        )


def init_app(app: Flask) -> None:
    app.request_class = UploadRequest
