"""Building letters for the letter, response and file tests."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from docx import Document
from pypdf import PdfWriter

from tracker.services import directory, letters
from tracker.services.audit import Actor

NOW = datetime(2020, 5, 1, 10, 0, tzinfo=UTC)
SENT = date(2020, 3, 27)


def editor_actor(users) -> Actor:
    return Actor(users["editor"].id, users["editor"].email, "127.0.0.1")


def officials(actor: Actor):
    president = directory.create_official(
        actor,
        name="Donald J. Trump",
        title="President",
        institution="The White House",
        country="US",
    )
    secretary = directory.create_official(
        actor, name="Michael R. Pompeo", title="Secretary of State", country="US"
    )
    return president, secretary


def letter_input(owner: int, president, secretary, **overrides) -> letters.LetterInput:
    values = {
        "subject": "Lift the ICC sanctions",
        "owner_id": owner,
        "sent_on": SENT,
        "recipients": (
            letters.RecipientInput(president.id, "to"),
            letters.RecipientInput(secretary.id, "cc"),
        ),
        "demands": (
            letters.DemandInput("Lift the sanctions", "Lift the sanctions on the Prosecutor."),
            letters.DemandInput("Overturn the policy", "Overturn the sanctions policy."),
            letters.DemandInput("Disavow the threats", "Disavow the threats against staff."),
        ),
    }
    return letters.LetterInput(**(values | overrides))


def make_letter(users, **overrides):
    actor = editor_actor(users)
    president, secretary = officials(actor)
    letter = letters.create_letter(
        actor, letter_input(users["editor"].id, president, secretary, **overrides), NOW
    )
    return letter, president, secretary


def pdf_bytes() -> bytes:
    """A one-page PDF a reader opens (the same bytes on every call)."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(text: str = "Dear Mr. President") -> bytes:
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def edit_form_data(letter, **overrides) -> dict[str, object]:
    """What the edit form posts when saved unchanged."""
    data: dict[str, object] = {
        "reference": letter.reference,
        "subject": letter.subject,
        "campaign_id": str(letter.campaign_id or ""),
        "sent_on": letter.sent_on.isoformat() if letter.sent_on else "",
        "channel": letter.channel,
        "body": letter.body,
        "signatories": letter.signatories,
        "owner_id": str(letter.owner_id),
        "watcher_ids": [str(user.id) for user in letter.watchers],
        "response_window_days": str(letter.response_window_days),
        "day_kind": "business" if letter.business_days else "calendar",
        "version": str(letter.version),
        "save": "Save letter",
    }
    for index, recipient in enumerate(letter.recipients):
        data[f"recipients-{index}-official_id"] = str(recipient.official_id)
        data[f"recipients-{index}-role"] = recipient.role
        if recipient.role == "cc" and recipient.expects_answer:
            data[f"recipients-{index}-expects_answer"] = "y"
    for index, demand in enumerate(letter.demands):
        data[f"demands-{index}-id"] = str(demand.id)
        data[f"demands-{index}-position"] = str(demand.position)
        data[f"demands-{index}-title"] = demand.title
        data[f"demands-{index}-text"] = demand.text
    return data | overrides
