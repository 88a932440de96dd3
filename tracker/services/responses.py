"""Recording what an addressee sent back, and its stance on each demand of the letter.

An acknowledgement stops nothing: the recipient stays "awaiting", so an overdue answer
still counts as overdue and the reminders keep coming; only `acknowledged_on` is set.
(The "acknowledged" state is left for staff who decide an acknowledgement is enough.)
A substantive reply or a refusal marks the recipient "responded", which cancels its
unsent reminders. A demand that no response took a stance on (or only "not addressed")
stays unanswered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy.orm.exc import StaleDataError

from tracker.extensions import db
from tracker.models import CHANNELS, RESPONSE_KINDS, STANCES, DemandAnswer, Letter, Response
from tracker.services import files
from tracker.services.audit import Actor, record
from tracker.services.followup import planning
from tracker.settings import organisation_today

SUMMARY_MAX = 5000
CLOSING_KINDS = ("substantive", "refusal")


class ResponseError(ValueError):
    """The response cannot be recorded as given; `errors` maps each field to a message."""

    def __init__(self, errors: dict[str, str], status: int = 400) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
        self.status = status


@dataclass(frozen=True)
class ResponseInput:
    recipient_id: int
    received_on: date
    kind: str
    channel: str = "email"
    summary: str = ""
    body: str = ""
    # demand id -> stance; demands left out get no answer from this response
    stances: Mapping[int, str] = field(default_factory=dict)


def _check(letter: Letter, data: ResponseInput, today: date, upload: files.Upload | None):
    errors: dict[str, str] = {}
    status = 400
    recipient = next((r for r in letter.recipients if r.id == data.recipient_id), None)
    if recipient is None:
        errors["recipient_id"] = "Choose one of this letter's recipients."
    if letter.sent_on is None:
        errors["received_on"] = "This letter has no date sent yet: record when it was sent first."
    elif data.received_on < letter.sent_on:
        errors["received_on"] = (
            f"The response cannot arrive before the letter was sent ({letter.sent_on})."
        )
    if data.received_on > today:
        errors["received_on"] = "The date received cannot be in the future."
    if data.kind not in RESPONSE_KINDS:
        errors["kind"] = "Choose acknowledgement, substantive or refusal."
    if data.channel not in CHANNELS:
        errors["channel"] = "Choose one of the listed channels."
    if len(data.summary.strip()) > SUMMARY_MAX:
        errors["summary"] = f"The summary is too long (at most {SUMMARY_MAX} characters)."
    demand_ids = {demand.id for demand in letter.demands}
    for demand_id, stance in data.stances.items():
        if demand_id not in demand_ids:
            errors["stances"] = "A stance was given for a demand that is not in this letter."
        elif stance not in STANCES:
            errors[f"stance-{demand_id}"] = "Choose one of the listed stances."
    if upload is not None:
        try:
            files.check_upload(upload, current_app.config["MAX_UPLOAD_BYTES"])
        except files.FileRejected as rejected:
            errors["file"] = str(rejected)
            status = 413 if rejected.too_large else 400
    if errors:
        raise ResponseError(errors, status)
    return recipient


def _earliest(current: date | None, new: date) -> date:
    return new if current is None or new < current else current


def add_response(
    actor: Actor,
    letter: Letter,
    data: ResponseInput,
    now: datetime,
    stored: files.StoredFile | None = None,
) -> Response:
    """Validate and add the response inside the caller's transaction: updates the
    recipient, audits, re-plans its reminders and flushes; never commits."""
    recipient = _check(letter, data, organisation_today(now), None)
    response = Response(
        letter=letter,
        recipient=recipient,
        received_on=data.received_on,
        channel=data.channel,
        kind=data.kind,
        summary=data.summary.strip(),
        body=data.body.strip(),
        created_by_id=actor.user_id,
        created_at=now,
        answers=[DemandAnswer(demand_id=d, stance=s) for d, s in data.stances.items()],
    )
    if stored:
        response.file_key = stored.key
        response.file_name = stored.name
        response.file_type = stored.content_type
        response.file_size = stored.size
    db.session.add(response)
    old_state = recipient.state
    if data.kind in CLOSING_KINDS:
        recipient.state = "responded"
        recipient.responded_on = _earliest(recipient.responded_on, data.received_on)
    else:
        recipient.acknowledged_on = _earliest(recipient.acknowledged_on, data.received_on)
    db.session.flush()
    titles = {demand.id: demand.title for demand in letter.demands}
    changes: dict[str, list] = {"kind": [None, data.kind], "received_on": [None, data.received_on]}
    if recipient.state != old_state:
        changes["recipient state"] = [old_state, recipient.state]
    for demand_id, stance in data.stances.items():
        changes[f"stance on “{titles[demand_id]}”"] = [None, stance.replace("_", " ")]
    record(
        actor,
        "response.record",
        entity_type="response",
        entity_id=response.id,
        letter_id=letter.id,
        summary=f"Recorded a {data.kind} from {recipient.official.name}"
        f" received {data.received_on.isoformat()}",
        changes=changes,
        at=now,
    )
    planning.sync_recipient_reminders(recipient, now)
    return response


def record_response(
    actor: Actor,
    letter: Letter,
    data: ResponseInput,
    now: datetime,
    upload: files.Upload | None = None,
) -> Response:
    """Validate, store the response and its file, update the recipient, re-plan, commit."""
    _check(letter, data, organisation_today(now), upload)
    stored = files.store(upload) if upload else None
    try:
        response = add_response(actor, letter, data, now, stored)
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        files.remove(stored and stored.key)
        raise ResponseError(
            {"recipient_id": "Someone changed this recipient meanwhile. Check and save again."},
            409,
        ) from error
    except BaseException:
        db.session.rollback()
        files.remove(stored and stored.key)
        raise
    return response
