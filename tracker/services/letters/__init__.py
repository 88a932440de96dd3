"""Letters: create, edit, close, and demand outcomes, with validation, audit and clocks.

Every function validates everything before it writes anything and is one
transaction (joined when a caller, such as the CSV import, already opened one). Bad
input raises ServiceError with a message per field, named after LetterInput
(`reference`, `recipients[0].official_id`, `demands[2].text`); a save based on a stale
version raises EditConflict carrying what the database holds now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from tracker.domain import recipients as recipient_rules
from tracker.domain.bounds import trailing_number
from tracker.extensions import db
from tracker.models import DEMAND_OUTCOMES, Demand, Letter, Recipient
from tracker.services import files
from tracker.services.audit import Actor, apply_changes, changes_between, record
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.followup import planning
from tracker.services.letters.checks import Resolved, check_letter
from tracker.services.transaction import on_commit, on_rollback, transaction
from tracker.settings import organisation_today

NOTE_MAX = 5000


@dataclass(frozen=True)
class RecipientInput:
    official_id: int
    role: str = "to"
    # Staff's choice, for a `cc` (None: no); a `to` always expects an answer.
    expects_answer: bool | None = None

    @property
    def expects(self) -> bool:
        """What is stored: the one rule of `tracker.domain.recipients`."""
        return recipient_rules.expects_answer(self.role, self.expects_answer)


@dataclass(frozen=True)
class DemandInput:
    title: str
    text: str
    id: int | None = None


@dataclass(frozen=True)
class LetterInput:
    subject: str
    owner_id: int
    reference: str | None = None
    campaign_id: int | None = None
    sent_on: date | None = None
    channel: str = "email"
    body: str = ""
    signatories: str = ""
    watcher_ids: tuple[int, ...] = ()
    response_window_days: int = 30
    business_days: bool = False
    follows_up_id: int | None = None
    recipients: tuple[RecipientInput, ...] = ()
    demands: tuple[DemandInput, ...] = ()


def next_reference(today: date) -> str:
    """The next free reference of the year, e.g. "L-2026-0042"."""
    prefix = f"L-{today.year}-"
    taken = db.session.scalars(
        select(Letter.reference).where(Letter.reference.like(f"{prefix}%"))
    ).all()
    # ASCII digits only: "L-2026-²" is a typo to skip, not a number (`isdigit()` says it is).
    numbers = [n for ref in taken if (n := trailing_number(ref, prefix)) is not None]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def letter_input_from(letter: Letter) -> LetterInput:
    """The letter as the form would submit it unchanged."""
    return LetterInput(
        subject=letter.subject,
        owner_id=letter.owner_id,
        reference=letter.reference,
        campaign_id=letter.campaign_id,
        sent_on=letter.sent_on,
        channel=letter.channel,
        body=letter.body,
        signatories=letter.signatories,
        watcher_ids=tuple(sorted(user.id for user in letter.watchers)),
        response_window_days=letter.response_window_days,
        business_days=letter.business_days,
        follows_up_id=letter.follows_up_id,
        recipients=tuple(
            RecipientInput(r.official_id, r.role, r.expects_answer) for r in letter.recipients
        ),
        demands=tuple(DemandInput(d.title, d.text, d.id) for d in letter.demands),
    )


# --- writing -------------------------------------------------------------------------


def _scalar_values(data: LetterInput, resolved: Resolved) -> dict[str, object]:
    return {
        "reference": resolved.reference,
        "subject": data.subject.strip(),
        "campaign_id": data.campaign_id,
        "sent_on": data.sent_on,
        "channel": data.channel,
        "body": data.body.strip(),
        "signatories": data.signatories.strip(),
        "owner_id": data.owner_id,
        "response_window_days": data.response_window_days,
        "business_days": data.business_days,
        "follows_up_id": data.follows_up_id,
    }


def _status_for(letter: Letter, sent_on: date | None) -> str:
    """A letter with a date sent is sent, one without is a draft; closing is final."""
    if letter.status == "closed":
        return "closed"
    return "sent" if sent_on else "draft"


def _recipient_label(recipient: Recipient, resolved: Resolved) -> str:
    name = resolved.officials[recipient.official_id].name
    if recipient.role == "cc":
        return f"{name} (cc{', expects an answer' if recipient.expects_answer else ''})"
    return f"{name} (to)"  # every `to` expects an answer


def _apply_recipients(letter: Letter, wanted: tuple[RecipientInput, ...]) -> None:
    existing = {recipient.official_id: recipient for recipient in letter.recipients}
    kept = []
    for item in wanted:
        recipient = existing.pop(item.official_id, None) or Recipient(
            official_id=item.official_id, state="awaiting"
        )
        recipient.role = item.role
        # The one place a recipient's expectation is written: normalised, so that SQL
        # (and the CHECK constraint) can read the column as the truth.
        recipient.expects_answer = item.expects
        kept.append(recipient)
    letter.recipients = kept  # delete-orphan removes the ones left out


def _apply_demands(letter: Letter, wanted: tuple[DemandInput, ...]) -> None:
    existing = {demand.id: demand for demand in letter.demands}
    kept = []
    for position, item in enumerate(wanted, start=1):
        demand = existing.pop(item.id, None) if item.id else None
        demand = demand or Demand(outcome="open")
        demand.position = position
        demand.title = item.title.strip() or _title_from(item.text)
        demand.text = item.text.strip()
        kept.append(demand)
    letter.demands = kept


def _expectations(letter: Letter) -> dict[int, bool]:
    return {r.official_id: r.expects_answer for r in letter.recipients}


def _timing_changed(changes: dict, before_expects: dict[int, bool], letter: Letter) -> bool:
    """Whether due dates must be counted again: new timing, or an answer now (not) expected."""
    after = _expectations(letter)
    kept = before_expects.keys() & after.keys()
    return any(field in changes for field in CLOCK_FIELDS) or any(
        before_expects[key] != after[key] for key in kept
    )


def _title_from(text: str) -> str:
    words = text.split()
    title = " ".join(words[:8])
    return title if len(words) <= 8 else title + "…"


def _describe(letter: Letter, resolved: Resolved) -> dict[str, list[str]]:
    return {
        "recipients": [_recipient_label(r, resolved) for r in letter.recipients],
        "demands": [f"{d.position}. {d.title}: {d.text}" for d in letter.demands],
        "watchers": sorted(user.email for user in letter.watchers),
    }


CLOCK_FIELDS = ("sent_on", "response_window_days", "business_days")


def _update_clocks(letter: Letter, now: datetime, recount: bool) -> None:
    """Due dates for new recipients; recounted for all when the letter's timing changed.

    Recounting only when needed keeps what a resumed pause did to a running clock.
    """
    if recount:
        planning.restart_clocks(letter)
    planning.start_clocks(letter, organisation_today(now))
    planning.sync_letter_reminders(letter, now)


def _reference_taken(error: IntegrityError) -> ServiceError | None:
    if "reference" not in str(error.orig).lower():
        return None
    return ServiceError.invalid(
        {"reference": "Another letter took this reference meanwhile; choose another."}
    )


def _store(upload: files.Upload | None) -> files.StoredFile | None:
    """Keep the upload; it is removed again if the transaction rolls back."""
    if upload is None:
        return None
    stored = files.store(upload)
    on_rollback(lambda: files.remove(stored.key))
    return stored


def _attach(letter: Letter, stored: files.StoredFile) -> None:
    letter.file_key = stored.key
    letter.file_name = stored.name
    letter.file_type = stored.content_type
    letter.file_size = stored.size


def create_letter(
    actor: Actor, data: LetterInput, now: datetime, upload: files.Upload | None = None
) -> Letter:
    today = organisation_today(now)
    reference = (data.reference or "").strip() or next_reference(today)
    resolved = check_letter(data, reference, None, today, upload, actor_id=actor.user_id)
    with transaction(on_integrity=_reference_taken):
        stored = _store(upload)
        values = _scalar_values(data, resolved)
        letter = Letter(**values, created_at=now, updated_at=now)
        letter.status = "sent" if data.sent_on else "draft"
        letter.watchers = list(resolved.watchers)
        if stored:
            _attach(letter, stored)
        db.session.add(letter)
        _apply_recipients(letter, data.recipients)
        _apply_demands(letter, data.demands)
        db.session.flush()
        changes = {
            field: [None, value] for field, value in values.items() if value not in (None, "")
        }
        changes |= {name: [None, value] for name, value in _describe(letter, resolved).items()}
        if stored:
            changes["file"] = [None, stored.name]
        record(
            actor,
            "letter.create",
            entity_type="letter",
            entity_id=letter.id,
            letter_id=letter.id,
            summary=f"Created letter {letter.reference}: {letter.subject}",
            changes=changes,
            at=now,
        )
        _update_clocks(letter, now, recount=False)
    return letter


def update_letter(
    actor: Actor,
    letter: Letter,
    data: LetterInput,
    expected_version: int,
    now: datetime,
    upload: files.Upload | None = None,
) -> Letter:
    if letter.version != expected_version:
        raise EditConflict(letter)
    today = organisation_today(now)
    reference = letter.reference if data.reference is None else data.reference.strip()
    resolved = check_letter(data, reference, letter, today, upload, actor_id=actor.user_id)
    values = _scalar_values(data, resolved)
    changes = changes_between(letter, values)
    before = _describe(letter, resolved)
    before_expects = _expectations(letter)
    old_file = (letter.file_key, letter.file_name)
    with transaction(current=letter, on_integrity=_reference_taken):
        stored = _store(upload)
        for field, value in values.items():
            setattr(letter, field, value)
        letter.status = _status_for(letter, data.sent_on)
        letter.watchers = list(resolved.watchers)
        _apply_recipients(letter, data.recipients)
        _apply_demands(letter, data.demands)
        after = _describe(letter, resolved)
        changes |= {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if stored:
            _attach(letter, stored)
            changes["file"] = [old_file[1], stored.name]
            on_commit(lambda: files.remove(old_file[0]))
        if not changes:
            return letter
        # Touch the row even when only demands or recipients changed: the letter's
        # version guards them too, so a concurrent edit of any of them is refused.
        letter.updated_at = now
        flag_modified(letter, "updated_at")
        record(
            actor,
            "letter.update",
            entity_type="letter",
            entity_id=letter.id,
            letter_id=letter.id,
            summary=f"Edited letter {letter.reference}",
            changes=changes,
            at=now,
        )
        _update_clocks(letter, now, recount=_timing_changed(changes, before_expects, letter))
    return letter


def close_letter(actor: Actor, letter: Letter, now: datetime) -> Letter:
    """Close the letter: nobody is waited on any more and pending reminders are cancelled."""
    if letter.status == "closed":
        return letter
    with transaction(current=letter):
        previous = letter.status
        letter.status = "closed"
        letter.closed_at = now
        stopped = []
        for recipient in letter.recipients:
            if recipient.state == "awaiting":
                recipient.state = "closed"
                stopped.append(recipient.official.name)
        record(
            actor,
            "letter.close",
            entity_type="letter",
            entity_id=letter.id,
            letter_id=letter.id,
            summary=f"Closed letter {letter.reference}",
            changes={"status": [previous, "closed"], "no longer awaited": [stopped, []]},
            at=now,
        )
        planning.sync_letter_reminders(letter, now)
    return letter


def set_demand_outcome(
    actor: Actor,
    demand: Demand,
    outcome: str,
    note: str,
    expected_version: int,
    now: datetime,
) -> Demand:
    if demand.version != expected_version:
        raise EditConflict(demand)
    note = (note or "").strip()
    if outcome not in DEMAND_OUTCOMES:
        raise ServiceError.invalid({"outcome": "Choose one of the listed outcomes."})
    if len(note) > NOTE_MAX:
        raise ServiceError.invalid(
            {"note": f"The note is too long (at most {NOTE_MAX} characters)."}
        )
    with transaction(current=demand):
        changes = apply_changes(demand, {"outcome": outcome, "outcome_note": note})
        if not changes:
            return demand
        demand.outcome_changed_at = now
        record(
            actor,
            "demand.outcome",
            entity_type="demand",
            entity_id=demand.id,
            letter_id=demand.letter_id,
            summary=f"Demand {demand.position} ({demand.title}): {outcome.replace('_', ' ')}",
            changes=changes,
            at=now,
        )
    return demand
