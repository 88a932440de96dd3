"""How Tracker names the emails it sends: their Message-IDs.

Pure: the domain (MAIL_FROM's) and the random part come from the caller
(`tracker.mail.new_message_id`), so the format lives here and nowhere else. A random
part makes an id unique across installations and rebuilt databases, which database
ids alone never are. Reminders about one letter thread on the first one that went out
(kept on the letter), not on an id that no email carries.
"""

from __future__ import annotations

from typing import Literal

# What an email is: the id says so, which helps whoever reads the outbox or a mail
# server's log.
MessageKind = Literal["reminder", "digest", "letter", "security"]


def message_id(kind: MessageKind, domain: str, unique: str) -> str:
    """A Message-ID, e.g. `<3f2a….reminder@org.example>` (RFC 5322 3.6.4)."""
    return f"<{unique}.{kind}@{domain}>"
