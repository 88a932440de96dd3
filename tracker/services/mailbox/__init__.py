"""Email for letters: sending them, taking replies from the mailbox, matching, triage, review.

Each public function here is one action and commits once (or, for the mailbox pass,
once per message taken). Errors for the user are `MailboxError` (a ValueError).
"""

from __future__ import annotations


class MailboxError(ValueError):
    """The action cannot be done as asked; the message is for the user."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
