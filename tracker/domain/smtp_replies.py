"""What an SMTP server's error reply means for a reminder: retry later, or give up.

Pure, next to `tracker.mail`, which sends and reports each failure through here.
"""

from __future__ import annotations

from typing import Literal

SmtpVerdict = Literal["retry", "fail"]


def classify_smtp_reply(code: int) -> SmtpVerdict:
    """4xx is transient, 5xx permanent.

    Anything else that arrives as an error (smtplib reports -1 for a garbled reply)
    is retried: MAX_ATTEMPTS bounds the cost of being wrong. A 2xx or 3xx is not a
    failure at all, so passing one is a caller bug.
    """
    if 500 <= code <= 599:
        return "fail"
    if 200 <= code <= 399:
        raise ValueError(f"SMTP reply {code} is not an error")
    return "retry"


def verdict(code: int) -> SmtpVerdict:
    """`classify_smtp_reply` for a code smtplib raised as an error, whatever it is."""
    try:
        return classify_smtp_reply(code)
    except ValueError:  # a 2xx/3xx reply where an error was expected: try again later
        return "retry"


def reply_text(code: int, message: bytes | str) -> str:
    """The reply as one line, e.g. "550 5.1.1 no such user", for the reminder's error."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()
