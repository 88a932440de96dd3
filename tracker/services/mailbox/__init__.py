"""Email for letters: sending them, taking replies from the mailbox, matching, triage, review.

Each public function here is one action and commits once (or, for the mailbox pass,
once per message taken). Errors for the user are `ServiceError`s.
"""

from __future__ import annotations
