"""How Tracker names the emails it sends: Message-IDs and the thread id of a letter.

Pure: the host comes from TRACKER_BASE_URL and the unique part from the caller
(`tracker.mail` passes a random uuid), so the formats live here and nowhere else.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

# What an email is: the left part of its Message-ID says so, which helps whoever
# reads the outbox or a mail server's log.
MessageKind = Literal["reminder", "digest"]


def mail_host(base_url: str) -> str:
    """The right-hand side of every Message-ID: the host Tracker is served from."""
    return urlsplit(base_url).hostname or "localhost"


def message_id(kind: MessageKind, host: str, unique: str) -> str:
    """A fresh Message-ID, e.g. `<reminder-3f2a…@tracker.example.org>`."""
    return f"<{kind}-{unique}@{host}>"


def letter_thread_id(letter_id: int, host: str) -> str:
    """The Message-ID every reminder about one letter refers to, so mail clients
    show them as one thread. Stable: the same letter always gets the same id."""
    return f"<letter-{letter_id}@{host}>"
