"""Between the letter form and the letter service: parsing rows, placing errors, conflicts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from tracker.domain.bounds import parse_id
from tracker.domain.labels import CHANNEL_LABELS
from tracker.extensions import db
from tracker.models import Campaign, Official, User
from tracker.services.directory import clean_name
from tracker.services.errors import ServiceError
from tracker.services.letters import DemandInput, LetterInput, RecipientInput
from tracker.web.forms.common import add_error, place_field_errors
from tracker.web.forms.letters import LetterForm, official_label


@dataclass(frozen=True)
class ParsedLetter:
    data: LetterInput
    # The form row each recipient / demand of `data` came from, to place errors.
    recipient_rows: tuple[int, ...]
    demand_rows: tuple[int, ...]


def officials_named(typed: str) -> list[Official]:
    """Officials whose name, or "name (title, institution)" label, is `typed`, any case."""
    typed = clean_name(typed)
    name = typed.rsplit(" (", 1)[0] if typed.endswith(")") else typed
    found = db.session.scalars(
        select(Official)
        .where(func.lower(Official.name).in_({typed.lower(), name.lower()}))
        .order_by(Official.id)
    ).all()
    by_label = [o for o in found if official_label(o).lower() == typed.lower()]
    return by_label or [o for o in found if o.name.lower() == typed.lower()]


def _resolve_official(typed: str, chosen_id: int | None) -> int | str:
    """The official a recipient row names, or why none does (no one, or several)."""
    matches = officials_named(typed)
    ids = [official.id for official in matches]
    if chosen_id in ids:
        return chosen_id
    if len(matches) == 1:
        return matches[0].id
    if not matches:
        return (
            f"No official is named {clean_name(typed)!r}. Check the spelling, "
            "or create the official below."
        )
    labels = "; ".join(official_label(official) for official in matches)
    return f"Several officials are named {clean_name(typed)!r}: type one of {labels}."


def _official_of(fields) -> int | str | None:
    """The row's official id, or why the typed name names none; None for a blank row.

    A row posted without the name field at all (a script posting ids) keeps its id.
    """
    raw_id = (fields.official_id.data or "").strip()
    chosen_id = parse_id(raw_id)
    if not fields.official.raw_data:
        return (chosen_id or -1) if raw_id else None  # -1: the service names it unknown
    typed = (fields.official.data or "").strip()
    return _resolve_official(typed, chosen_id) if typed else None


def resolve_recipient_names(form: LetterForm) -> bool:
    """Resolve each row's typed name to its official's id, or put the error next to it."""
    resolved = True
    for row in form.recipients:
        fields = row.form
        if fields.remove.data:
            continue
        official_id = _official_of(fields)
        if isinstance(official_id, str):
            add_error(fields.official, official_id)
            resolved = False
            continue
        fields.official_id.data = "" if official_id is None else str(official_id)
    return resolved


def _recipients(form: LetterForm) -> tuple[list[RecipientInput], list[int]]:
    """The rows `resolve_recipient_names` resolved."""
    inputs, rows = [], []
    for index, row in enumerate(form.recipients):
        fields = row.form
        raw = (fields.official_id.data or "").strip()
        if fields.remove.data or not raw:
            continue
        # The service applies the rule: the checkbox only counts for a `cc`.
        inputs.append(
            RecipientInput(
                official_id=parse_id(raw) or -1,
                role=fields.role.data,
                expects_answer=bool(fields.expects_answer.data),
            )
        )
        rows.append(index)
    return inputs, rows


def _demands(form: LetterForm) -> tuple[list[DemandInput], list[int]]:
    candidates = []
    for index, row in enumerate(form.demands):
        fields = row.form
        demand_id = parse_id(fields.id.data)
        title, text = (fields.title.data or "").strip(), (fields.text.data or "").strip()
        if fields.remove.data or (demand_id is None and not title and not text):
            continue  # a blank new row is just the spare row
        # A row without an order number stays where it is on the form.
        order = fields.position.data if fields.position.data is not None else index + 1
        candidates.append((order, index, DemandInput(title=title, text=text, id=demand_id)))
    candidates.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in candidates], [item[1] for item in candidates]


def parse_letter_form(
    form: LetterForm, follows_up_id: int | None, default_owner_id: int
) -> ParsedLetter:
    recipients, recipient_rows = _recipients(form)
    demands, demand_rows = _demands(form)
    data = LetterInput(
        subject=form.subject.data or "",
        owner_id=parse_id(form.owner_id.data) or default_owner_id,
        reference=(form.reference.data or "").strip(),
        campaign_id=parse_id(form.campaign_id.data),
        sent_on=form.sent_on.data,
        channel=form.channel.data,
        body=form.body.data or "",
        signatories=form.signatories.data or "",
        watcher_ids=tuple(sorted({parse_id(v) or -1 for v in form.watcher_ids.data or []})),
        response_window_days=form.response_window_days.data or 0,
        business_days=form.day_kind.data == "business",
        follows_up_id=follows_up_id,
        recipients=tuple(recipients),
        demands=tuple(demands),
    )
    return ParsedLetter(data, tuple(recipient_rows), tuple(demand_rows))


# The letter service names a row's inputs after RecipientInput / DemandInput.
_ROW_INPUTS = {"official_id": "official"}  # the hidden id's messages show by the typed name


def place_errors(form: LetterForm, parsed: ParsedLetter, error: ServiceError) -> list[str]:
    """Put each message of the letter service next to its input; return the others."""

    def row_field(list_name: str, index: int, name: str):
        if list_name not in ("recipients", "demands"):
            return None
        rows = parsed.recipient_rows if list_name == "recipients" else parsed.demand_rows
        if index >= len(rows):
            return None
        entry = getattr(form, list_name).entries[rows[index]].form
        return entry._fields.get(_ROW_INPUTS.get(name, name))

    return place_field_errors(
        form, error, rename={"recipients": "", "demands": ""}, row_field=row_field
    )


# --- edit conflicts ----------------------------------------------------------------


def _names(model, ids) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _readable(data: LetterInput, officials, users, campaigns) -> dict[str, str]:
    return {
        "Reference": data.reference or "",
        "Subject": data.subject.strip(),
        "Campaign": campaigns.get(data.campaign_id, "none"),
        "Date sent": data.sent_on.isoformat() if data.sent_on else "not sent",
        "Channel": CHANNEL_LABELS.get(data.channel, data.channel),
        "Full text": data.body.strip(),
        "Signatories": data.signatories.strip(),
        "Owner": users.get(data.owner_id, "?"),
        "Watchers": ", ".join(sorted(users.get(i, "?") for i in data.watcher_ids)),
        "Response window": f"{data.response_window_days} "
        f"{'business' if data.business_days else 'calendar'} days",
        "Recipients": "; ".join(
            f"{officials.get(r.official_id, 'unknown')} ({r.role}"
            f"{', expects an answer' if r.role == 'cc' and r.expects else ''})"
            for r in data.recipients
        ),
        "Demands": "\n".join(
            f"{position}. {d.title.strip()}: {d.text.strip()}"
            for position, d in enumerate(data.demands, start=1)
        ),
    }


def differences(theirs: LetterInput, mine: LetterInput) -> list[tuple[str, str, str]]:
    """(label, saved value, your value) for every field where the two versions differ."""
    officials = _names(Official, [r.official_id for r in theirs.recipients + mine.recipients])
    users = _names(User, [theirs.owner_id, mine.owner_id, *theirs.watcher_ids, *mine.watcher_ids])
    campaigns = _names(Campaign, [i for i in (theirs.campaign_id, mine.campaign_id) if i])
    saved = _readable(theirs, officials, users, campaigns)
    yours = _readable(mine, officials, users, campaigns)
    return [(label, saved[label], yours[label]) for label in saved if saved[label] != yours[label]]
