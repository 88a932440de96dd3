"""Forms of the letter intake: the upload-or-paste form and the review screen.

The review form carries the parser's whole proposal, every item editable, plus the
staged letter's random key and each item's span in the letter text (hidden fields),
so that nothing is saved before staff confirm and the highlighted passages survive a
re-render with errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.auth import current_visibility
from tracker.domain.bounds import parse_id
from tracker.domain.letter_parsing import ParsedLetter, Span
from tracker.domain.official_matching import EXACT, Match
from tracker.extensions import db
from tracker.models import Campaign, Official
from tracker.queries.access import campaign_visible
from tracker.services.errors import ServiceError
from tracker.services.intake import ReviewedLetter, ReviewedRecipient
from tracker.services.letters import DemandInput
from tracker.web.forms.bounds import SaneDate
from tracker.web.forms.common import place_field_errors
from tracker.web.forms.letters import CHANNEL_CHOICES, DAY_KIND_CHOICES, ROLE_CHOICES

NEW_OFFICIAL = "new"


class IntakeStartForm(FlaskForm):
    file = FileField("Letter file (PDF, DOCX, TXT or EML)")
    text = TextAreaField("Or paste the text of the letter")
    submit = SubmitField("Read the letter")


class RecipientRow(Form):
    span = HiddenField()
    role = SelectField("As", choices=ROLE_CHOICES, default="to")
    name = StringField("Name", validators=[Length(max=200)])
    title = StringField("Title", validators=[Length(max=200)])
    institution = StringField("Institution", validators=[Length(max=200)])
    address = TextAreaField("Postal address", validators=[Length(max=2000)])
    match = RadioField("In the directory", choices=[], validate_choice=False, default=NEW_OFFICIAL)
    remove = BooleanField("Remove")

    def is_blank(self) -> bool:
        """The spare row, left empty."""
        filled = (self.name, self.title, self.institution, self.address)
        return self.match.data == NEW_OFFICIAL and not any((f.data or "").strip() for f in filled)


class DemandRow(Form):
    """A proposed demand: kept when ticked (likely ones come ticked, possible ones not).

    ``confidence``, ``cue`` and ``addressee`` are the parser's reasons, carried in hidden
    fields so that a re-render with errors still shows them; the spare row has none and
    is kept when staff fill it in.
    """

    span = HiddenField()
    confidence = HiddenField()
    cue = HiddenField()
    addressee = HiddenField()
    keep = BooleanField("Keep")
    title = StringField("Short title", validators=[Length(max=200)])
    text = TextAreaField("Verbatim text")

    def is_kept(self) -> bool:
        return bool(self.keep.data) if self.confidence.data else True


class ReviewForm(FlaskForm):
    key = HiddenField()
    date_span = HiddenField()
    subject_span = HiddenField()
    signatory_spans = HiddenField()
    subject = StringField("Subject", validators=[DataRequired(), Length(max=500)])
    sent_on = DateField("Date sent", validators=[Optional(), SaneDate()])
    reference = StringField("Reference", validators=[Length(max=64)])
    campaign_id = SelectField("Campaign", choices=[], validate_choice=False)
    channel = SelectField("Channel", choices=CHANNEL_CHOICES, default="email")
    response_window_days = IntegerField(
        "Response window (days)", default=30, validators=[InputRequired(), NumberRange(0, 3650)]
    )
    day_kind = SelectField("Count", choices=DAY_KIND_CHOICES, default="calendar")
    recipients = FieldList(FormField(RecipientRow), max_entries=100)
    demands = FieldList(FormField(DemandRow), max_entries=200)
    signatories = TextAreaField("Signatories")
    save = SubmitField("Save letter")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        campaigns = db.session.scalars(
            select(Campaign)
            .where(Campaign.archived.is_(False), campaign_visible(current_visibility()))
            .order_by(Campaign.name)
        )
        self.campaign_id.choices = [SelectChoice("", "— none —")] + [
            SelectChoice(str(campaign.id), campaign.name) for campaign in campaigns
        ]


# --- spans and highlighting ---------------------------------------------------------


def span_text(span: Span | None) -> str:
    return f"{span[0]}-{span[1]}" if span else ""


def parse_span(raw: str | None, length: int) -> Span | None:
    """A span from a hidden field, or None when it is missing or does not fit the text."""
    raw_start, _, raw_end = (raw or "").partition("-")
    start, end = parse_id(raw_start), parse_id(raw_end)
    if start is None or end is None:
        return None
    return (start, end) if 0 <= start < end <= length else None


@dataclass(frozen=True)
class Segment:
    """A run of the letter text; `kind` and `anchor` when it is a highlighted passage."""

    text: str
    kind: str | None = None
    anchor: str | None = None


def highlight(text: str, marks: list[tuple[Span, str, str]]) -> list[Segment]:
    """Cut ``text`` into plain and marked runs; a mark overlapping an earlier one is dropped."""
    segments: list[Segment] = []
    position = 0
    for (start, end), kind, anchor in sorted(marks, key=lambda mark: mark[0]):
        if start < position:
            continue
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], kind, anchor))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def passages(form: ReviewForm, text: str) -> list[Segment]:
    """The letter text with every item's passage marked; anchors match the review rows."""
    length = len(text)
    marks: list[tuple[Span, str, str]] = []
    for raw, kind, anchor in (
        (form.date_span.data, "date", "passage-date"),
        (form.subject_span.data, "subject", "passage-subject"),
    ):
        if span := parse_span(raw, length):
            marks.append((span, kind, anchor))
    for index, raw in enumerate((form.signatory_spans.data or "").split(",")):
        if span := parse_span(raw, length):
            marks.append((span, "signatory", f"passage-s{index}"))
    for rows, kind, prefix in ((form.recipients, "recipient", "r"), (form.demands, "demand", "d")):
        for index, row in enumerate(rows):
            if span := parse_span(row.form.span.data, length):
                marks.append((span, kind, f"passage-{prefix}{index}"))
    return highlight(text, marks)


# --- filling the form from the parser's proposal -----------------------------------


def _signatory_line(signatory) -> str:
    return ", ".join(p for p in (signatory.name, signatory.title, signatory.organisation) if p)


def fill_review(form: ReviewForm, key: str, parsed: ParsedLetter, window_days: int) -> None:
    form.key.data = key
    form.date_span.data = span_text(parsed.date.span if parsed.date else None)
    form.subject_span.data = span_text(parsed.subject.span if parsed.subject else None)
    form.signatory_spans.data = ",".join(span_text(s.span) for s in parsed.signatories)
    form.subject.data = parsed.subject.text if parsed.subject else _proposed_subject(parsed)
    form.sent_on.data = parsed.date.value if parsed.date else None
    form.response_window_days.data = window_days
    form.signatories.data = "\n".join(_signatory_line(s) for s in parsed.signatories)
    people = [("to", o) for o in parsed.addressees] + [("cc", o) for o in parsed.cc]
    for role, official in people:
        form.recipients.append_entry(
            {
                "span": span_text(official.span),
                "role": role,
                "name": official.name or "",
                "title": official.title or "",
                "institution": official.institution or "",
                "address": official.address or "",
            }
        )
    for demand in parsed.demands:
        form.demands.append_entry(
            {
                "span": span_text(demand.span),
                "confidence": demand.confidence,
                "cue": demand.cue,
                "addressee": demand.addressee or "",
                "keep": demand.confidence == "likely",
                "title": demand.title,
                "text": demand.text,
            }
        )
    form.recipients.append_entry({"role": "to"})  # room for one more
    form.demands.append_entry({})


def _proposed_subject(parsed: ParsedLetter) -> str:
    named = next((o.name or o.title for o in parsed.addressees if o.name or o.title), None)
    return f"Letter to {named}" if named else ""


# --- directory matches --------------------------------------------------------------


@dataclass(frozen=True)
class RowMatch:
    """What the directory holds for one recipient row, for the template."""

    kind: str | None
    officials: tuple[Official, ...]


def _official_label(official: Official) -> str:
    detail = ", ".join(part for part in (official.title, official.institution) if part)
    return f"Use existing: {official.name}" + (f" ({detail})" if detail else "")


def offer_matches(
    form: ReviewForm, matches: list[Match], officials: dict[int, Official], *, first: bool
) -> list[RowMatch]:
    """Give each recipient row its "use existing X / create new" choices.

    On the first render a row takes an exact match, else "create new": a similar name is
    only proposed. Later, each row keeps the choice staff made.
    """
    offered = []
    for row, match in zip(form.recipients, matches, strict=True):
        field = row.form.match
        chosen = parse_id(field.data)
        ids = list(match.official_ids)
        if chosen is not None and chosen not in ids and chosen in officials:
            ids.insert(0, chosen)
        row_officials = tuple(officials[i] for i in ids if i in officials)
        field.choices = [SelectChoice(str(o.id), _official_label(o)) for o in row_officials] + [
            SelectChoice(NEW_OFFICIAL, "Create a new official from these details")
        ]
        if first and match.kind == EXACT:
            field.data = str(match.best)
        elif field.data not in {choice.value for choice in field.choices}:
            field.data = NEW_OFFICIAL
        offered.append(RowMatch(match.kind, row_officials))
    return offered


def row_names(form: ReviewForm) -> list[str]:
    return [row.form.name.data or "" for row in form.recipients]


# --- reading the confirmed form -----------------------------------------------------


@dataclass(frozen=True)
class Review:
    letter: ReviewedLetter
    # The form row each recipient / demand of `letter` came from, to place errors.
    recipient_rows: tuple[int, ...]
    demand_rows: tuple[int, ...]


def _recipients(form: ReviewForm) -> tuple[list[ReviewedRecipient], list[int]]:
    reviewed, rows = [], []
    for index, row in enumerate(form.recipients):
        fields = row.form
        if fields.remove.data or fields.is_blank():
            continue
        choice = fields.match.data or NEW_OFFICIAL
        reviewed.append(
            ReviewedRecipient(
                role=fields.role.data,
                official_id=parse_id(choice),
                name=fields.name.data or "",
                title=(fields.title.data or "").strip(),
                institution=(fields.institution.data or "").strip(),
                postal_address=(fields.address.data or "").strip(),
            )
        )
        rows.append(index)
    return reviewed, rows


def _demands(form: ReviewForm) -> tuple[list[DemandInput], list[int]]:
    demands, rows = [], []
    for index, row in enumerate(form.demands):
        title, text = (row.form.title.data or "").strip(), (row.form.text.data or "").strip()
        if not row.form.is_kept() or not (title or text):
            continue
        demands.append(DemandInput(title=title, text=text))
        rows.append(index)
    return demands, rows


def read_review(form: ReviewForm) -> Review:
    recipients, recipient_rows = _recipients(form)
    demands, demand_rows = _demands(form)
    letter = ReviewedLetter(
        key=form.key.data or "",
        subject=form.subject.data or "",
        sent_on=form.sent_on.data,
        reference=(form.reference.data or "").strip() or None,
        campaign_id=parse_id(form.campaign_id.data),
        channel=form.channel.data,
        signatories=form.signatories.data or "",
        response_window_days=form.response_window_days.data or 0,
        business_days=form.day_kind.data == "business",
        recipients=tuple(recipients),
        demands=tuple(demands),
    )
    return Review(letter, tuple(recipient_rows), tuple(demand_rows))


# The intake service names a row's choice of official after ReviewedRecipient.
_ROW_INPUTS = {"official_id": "match"}


def place_errors(form: ReviewForm, review: Review, error: ServiceError) -> list[str]:
    """Put each message of the intake service next to its input; return the others."""

    def row_field(list_name: str, index: int, name: str):
        if list_name == "recipients" and index < len(review.recipient_rows):
            entry = form.recipients.entries[review.recipient_rows[index]].form
            return entry._fields.get(_ROW_INPUTS.get(name, name)) or entry.match
        if list_name == "demands" and index < len(review.demand_rows):
            entry = form.demands.entries[review.demand_rows[index]].form
            return entry._fields.get(name) or entry.text
        return None

    return place_field_errors(
        form, error, rename={"recipients": "", "demands": ""}, row_field=row_field
    )
