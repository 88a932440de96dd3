"""Which letter and recipient a received email answers, and by which rule.

The rules, strongest first (the first that decides wins):

1. `reply_address`: the message was sent to the letter's own reply address
   (`replies+<REF>.<token>@org.example`); the token is unguessable, the reference only
   helps a person read it.
2. `thread`: In-Reply-To or References names a message Tracker sent for the letter.
3. `subject_reference`: the subject names the letter's reference.
4. `sender`: the sender is the email of an official who is a recipient of exactly one
   open letter.

The first three find a letter; the recipient is then the one whose official's email is
the sender's, or (rules 1 and 2 only) the letter's only recipient. Anything else, or
anything ambiguous, goes to triage with the letters worth suggesting. A sender whose
address failed authentication at the organisation's mail server is not trusted to name
the recipient. Plain values in, a decision out.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

TOKEN_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 (no look-alikes: 0/o, 1/l)
TOKEN_LENGTH = 10
AUTO_SUBJECTS = re.compile(
    r"(out of (the )?office|auto(matic)?[ -]?(reply|response)|autoreply|on vacation|"
    r"absence du bureau|absent du bureau|r[ée]ponse automatique|message d'absence|"
    r"fuera de la oficina|respuesta autom[áa]tica|ausencia|estoy fuera)",
    re.IGNORECASE,
)
REFERENCE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.-]*\d[A-Za-z0-9/_-]*")


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def reply_address(base: str, reference: str, token: str) -> str:
    """`replies@org.example` -> `replies+L-2026-0001.k3x9q...@org.example`."""
    local, _, domain = base.partition("@")
    safe_reference = re.sub(r"[^A-Za-z0-9-]", "-", reference)[:40]
    return f"{local}+{safe_reference}.{token}@{domain}"


def token_in(base: str, address: str) -> str | None:
    """The token of a reply address built from `base`, or None."""
    local, _, domain = base.lower().partition("@")
    their_local, _, their_domain = address.lower().partition("@")
    if their_domain != domain or not their_local.startswith(local + "+"):
        return None
    tag = their_local[len(local) + 1 :]
    token = tag.rpartition(".")[2]
    return token if len(token) == TOKEN_LENGTH else None


def references_in(subject: str) -> list[str]:
    """Words of the subject that could be a letter reference (they hold a digit)."""
    return [word.strip(".") for word in REFERENCE_TOKEN.findall(subject)]


def sender_trusted(authentication_results: str) -> bool:
    """False when the organisation's own server says the From address failed a check."""
    return not re.search(r"\b(dmarc|spf|dkim)=fail\b", authentication_results or "")


def kind_of(
    subject: str, auto_submitted: str, auto_reply_headers: bool, is_delivery_report: bool
) -> str:
    """ "bounce", "auto_reply" or "reply" (RFC 3464 reports, RFC 3834 and common habits)."""
    if is_delivery_report:
        return "bounce"
    if (auto_submitted and auto_submitted != "no") or auto_reply_headers:
        return "auto_reply"
    return "auto_reply" if AUTO_SUBJECTS.search(subject or "") else "reply"


@dataclass(frozen=True)
class Candidate:
    """A letter, with (recipient id, official email) for each of its recipients."""

    letter_id: int
    reference: str
    recipients: tuple[tuple[int, str], ...]
    open: bool = True


@dataclass(frozen=True)
class Incoming:
    sender: str
    sender_trusted: bool
    delivered_to: Sequence[str]
    thread_ids: Sequence[str]
    subject: str


@dataclass(frozen=True)
class Known:
    """What the database knows that the message might point at."""

    by_token: Mapping[str, Candidate] = field(default_factory=dict)
    by_sent_message_id: Mapping[str, Candidate] = field(default_factory=dict)
    by_reference: Mapping[str, Candidate] = field(default_factory=dict)
    # Open letters on which the sender's address is an official recipient.
    by_sender: Sequence[Candidate] = ()


@dataclass(frozen=True)
class Decision:
    rule: str | None = None
    letter_id: int | None = None
    recipient_id: int | None = None
    reason: str = ""
    suggested_letter_ids: tuple[int, ...] = ()

    @property
    def matched(self) -> bool:
        return self.recipient_id is not None


def _recipient_by_sender(
    candidate: Candidate, incoming: Incoming, sole_recipient_ok: bool
) -> int | None:
    if incoming.sender_trusted and incoming.sender:
        hits = [rid for rid, email in candidate.recipients if email.lower() == incoming.sender]
        if len(hits) == 1:
            return hits[0]
    if sole_recipient_ok and len(candidate.recipients) == 1:
        return candidate.recipients[0][0]
    return None


def _letter_rules(
    incoming: Incoming, known: Known, reply_base: str | None
) -> list[tuple[str, Candidate]]:
    found: list[tuple[str, Candidate]] = []
    for address in incoming.delivered_to if reply_base else ():
        token = token_in(reply_base or "", address)
        if token and token in known.by_token:
            found.append(("reply_address", known.by_token[token]))
    for message_id in reversed(incoming.thread_ids):  # the nearest message first
        if message_id in known.by_sent_message_id:
            found.append(("thread", known.by_sent_message_id[message_id]))
    for word in references_in(incoming.subject):
        candidate = known.by_reference.get(word) or known.by_reference.get(word.upper())
        if candidate:
            found.append(("subject_reference", candidate))
    return found


def decide(incoming: Incoming, known: Known, reply_base: str | None = None) -> Decision:
    found = _letter_rules(incoming, known, reply_base)
    suggested = tuple(dict.fromkeys(c.letter_id for _rule, c in found))
    suggested += tuple(c.letter_id for c in known.by_sender if c.letter_id not in suggested)
    if any(candidate.letter_id != found[0][1].letter_id for _rule, candidate in found):
        return Decision(
            reason="The message points at more than one letter.", suggested_letter_ids=suggested
        )
    if found:
        rule, candidate = found[0]
        recipient = _recipient_by_sender(candidate, incoming, rule != "subject_reference")
        if recipient is not None:
            return Decision(rule, candidate.letter_id, recipient, suggested_letter_ids=suggested)
        return Decision(
            letter_id=candidate.letter_id,
            reason=f"Letter {candidate.reference} found ({rule.replace('_', ' ')}), but not "
            "which of its recipients answered.",
            suggested_letter_ids=suggested,
        )
    return _by_sender(incoming, known, suggested)


def _by_sender(incoming: Incoming, known: Known, suggested: tuple[int, ...]) -> Decision:
    if not incoming.sender_trusted:
        return Decision(
            reason="The sender's address failed authentication: it may be forged.",
            suggested_letter_ids=suggested,
        )
    open_letters = [c for c in known.by_sender if c.open]
    if len(open_letters) == 1:
        candidate = open_letters[0]
        recipient = _recipient_by_sender(candidate, incoming, sole_recipient_ok=False)
        if recipient is not None:
            return Decision(
                "sender", candidate.letter_id, recipient, suggested_letter_ids=suggested
            )
    if len(open_letters) > 1:
        return Decision(
            reason=f"The sender is a recipient of {len(open_letters)} open letters.",
            suggested_letter_ids=suggested,
        )
    return Decision(
        reason="Nothing in the message points at a letter.", suggested_letter_ids=suggested
    )


def bounce_recipient(failed_address: str, candidate: Candidate) -> int | None:
    """The recipient of `candidate` whose address a delivery report says failed."""
    hits = [rid for rid, email in candidate.recipients if email.lower() == failed_address]
    return hits[0] if len(hits) == 1 else None
