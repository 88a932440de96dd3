"""Who expects an answer: the one rule, on plain values.

A `to` recipient always expects an answer: addressing a letter to an official is
asking them for one. A `cc` expects none unless staff say so. The letter service
stores the result of `expects_answer` in `recipients.expects_answer` (a CHECK
constraint refuses a `to` stored without it), so every reader, SQL included, reads
that column and never applies the rule again.
"""

from __future__ import annotations

from datetime import date

# States in which a recipient's clock runs and reminders may go out.
RUNNING_STATES = ("awaiting", "acknowledged")


def expects_answer(role: str, chosen: bool | None) -> bool:
    """The value to store: True for every `to`; for a `cc`, staff's choice (None: no)."""
    return role == "to" or bool(chosen)


def overrides_choice(role: str, chosen: bool | None) -> bool:
    """Whether `expects_answer` would store something else than staff asked for.

    Only a `to` marked "no answer expected" is overridden; importers say so.
    """
    return chosen is not None and chosen != expects_answer(role, chosen)


def awaits_answer(expects: bool, state: str) -> bool:
    """An answer is expected (the stored value) and the clock still runs."""
    return expects and state in RUNNING_STATES


def has_clock(expects: bool, never_received: bool) -> bool:
    """The recipient has a response clock at all: an answer is expected (the stored
    value), to a letter that reached them. A letter that bounced, or that the mail
    server refused for this address, asks nothing of its recipient, whatever later
    edits of the letter recount."""
    return expects and not never_received


def clock_runs(expects: bool, state: str, never_received: bool) -> bool:
    """The recipient has a clock and it still runs (no final answer yet)."""
    return has_clock(expects, never_received) and state in RUNNING_STATES


def clock_start(sent_on: date, resent_on: date | None) -> date:
    """The day a recipient's clock counts from: the letter's sent date, or, for a
    recipient the letter reached only when staff sent it again, the day of that resend."""
    return max(sent_on, resent_on) if resent_on is not None else sent_on
