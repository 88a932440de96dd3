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

from tracker.extensions import db
from tracker.models import (
    CHANNELS,
    RESPONSE_KINDS,
    STANCES,
    DemandAnswer,
    Letter,
    Recipient,
    Response,
)
from tracker.services import files
from tracker.services.audit import Actor, record
from tracker.services.errors import EditConflict, ServiceError
from tracker.services.followup import planning
from tracker.services.transaction import on_rollback, transaction
from tracker.settings import organisation_today

SUMMARY_MAX = 5000
CLOSING_KINDS = ("substantive", "refusal")


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
    too_large = False
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
            errors[f"stances[{demand_id}]"] = "Choose one of the listed stances."
    if upload is not None:
        try:
            files.check_upload(upload, current_app.config["MAX_UPLOAD_BYTES"])
        except ServiceError as rejected:
            errors["file"] = rejected.message
            too_large = rejected.kind == "too_large"
    if errors:
        raise ServiceError.invalid(errors, too_large=too_large)
    return recipient


def _earliest(current: date | None, new: date) -> date:
    return new if current is None or new < current else current


def _attach(response: Response, stored: files.StoredFile) -> None:
    response.file_key = stored.key
    response.file_name = stored.name
    response.file_type = stored.content_type
    response.file_size = stored.size


def _audit(actor: Actor, response: Response, old_state: str, data: ResponseInput) -> None:
    letter, recipient = response.letter, response.recipient
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
        at=response.created_at,
    )


def _add(
    actor: Actor,
    letter: Letter,
    recipient: Recipient,
    data: ResponseInput,
    now: datetime,
    stored: files.StoredFile | None,
) -> Response:
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
        _attach(response, stored)
    db.session.add(response)
    old_state = recipient.state
    if data.kind in CLOSING_KINDS:
        recipient.state = "responded"
        recipient.responded_on = _earliest(recipient.responded_on, data.received_on)
    else:
        recipient.acknowledged_on = _earliest(recipient.acknowledged_on, data.received_on)
    db.session.flush()
    _audit(actor, response, old_state, data)
    planning.sync_recipient_reminders(recipient, now)
    return response


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
    return _add(actor, letter, recipient, data, now, stored)


def record_response(
    actor: Actor,
    letter: Letter,
    data: ResponseInput,
    now: datetime,
    upload: files.Upload | None = None,
) -> Response:
    """Validate, store the response and its file, update the recipient, re-plan: one
    transaction. A concurrent change of the recipient is a conflict on `recipient_id`."""
    recipient = _check(letter, data, organisation_today(now), upload)
    try:
        with transaction(current=recipient):
            stored = files.store(upload) if upload is not None else None
            if stored is not None:
                on_rollback(lambda: files.remove(stored.key))
            response = _add(actor, letter, recipient, data, now, stored)
    except EditConflict as conflict:
        message = "Someone changed this recipient meanwhile. Check and save again."
        raise ServiceError(kind="conflict", fields={"recipient_id": message}) from conflict
    return response
