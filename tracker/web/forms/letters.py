"""Forms for the letter page: the letter with its recipients and demands, responses, outcomes.

The recipient and demand lists are FieldLists of sub-forms. Rows are added without
JavaScript by a submit button that re-renders the form with one more empty row;
demands are reordered by their "Order" number; a ticked "Remove" drops a row.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.auth import current_visibility
from tracker.domain.labels import CHANNEL_LABELS, OUTCOME_LABELS, STANCE_LABELS
from tracker.extensions import db
from tracker.models import Campaign, Demand, Letter, Official, Recipient, User
from tracker.queries.access import campaign_visible
from tracker.web.forms.bounds import SaneDate

CHANNEL_CHOICES = [SelectChoice(value, label) for value, label in CHANNEL_LABELS.items()]
ROLE_CHOICES = [SelectChoice("to", "to"), SelectChoice("cc", "cc")]
DAY_KIND_CHOICES = [
    SelectChoice("calendar", "Calendar days"),
    SelectChoice("business", "Business days (weekends and public holidays skipped)"),
]
KIND_CHOICES = [
    SelectChoice("acknowledgement", "Acknowledgement (the clock keeps running)"),
    SelectChoice("substantive", "Substantive reply"),
    SelectChoice("refusal", "Refusal"),
]
STANCE_CHOICES = [SelectChoice(value, label) for value, label in STANCE_LABELS.items()]
OUTCOME_CHOICES = [SelectChoice(value, label) for value, label in OUTCOME_LABELS.items()]


class RecipientRow(Form):
    # Typed (with a datalist of suggestions), resolved by name when the form is saved;
    # the hidden id keeps the chosen official when several share that name.
    official = StringField("Official", validators=[Length(max=300)])
    official_id = HiddenField()
    role = SelectField("As", choices=ROLE_CHOICES, default="to")
    expects_answer = BooleanField("A cc expects an answer")
    remove = BooleanField("Remove")


class DemandRow(Form):
    id = HiddenField()
    position = IntegerField("Order", validators=[Optional(), NumberRange(min=0, max=10_000)])
    title = StringField("Short title", validators=[Length(max=200)])
    text = TextAreaField("Verbatim text")
    remove = BooleanField("Remove")


class LetterForm(FlaskForm):
    reference = StringField("Reference", validators=[Length(max=64)])
    subject = StringField("Subject", validators=[DataRequired(), Length(max=500)])
    campaign_id = SelectField("Campaign", choices=[], validate_choice=False)
    sent_on = DateField("Date sent", validators=[Optional(), SaneDate()])
    channel = SelectField("Channel", choices=CHANNEL_CHOICES, default="email")
    body = TextAreaField("Full text")
    file = FileField("Original file")
    signatories = TextAreaField("Signatories")
    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    watcher_ids = SelectMultipleField("Watchers", choices=[], validate_choice=False)
    response_window_days = IntegerField(
        "Response window (days)", default=30, validators=[InputRequired(), NumberRange(0, 3650)]
    )
    day_kind = SelectField("Count", choices=DAY_KIND_CHOICES, default="calendar")
    follows_up_id = HiddenField()
    version = HiddenField()
    recipients = FieldList(FormField(RecipientRow), min_entries=1, max_entries=200)
    demands = FieldList(FormField(DemandRow), min_entries=1, max_entries=200)
    new_official_name = StringField("Name", validators=[Length(max=200)])
    new_official_title = StringField("Title", validators=[Length(max=200)])
    new_official_institution = StringField("Institution", validators=[Length(max=200)])
    new_official_country = StringField("Country (two letters, e.g. US)", validators=[Length(max=2)])
    new_official_email = StringField("Email", validators=[Length(max=254)])
    new_official_role = SelectField("As", choices=ROLE_CHOICES, default="to")
    add_official = SubmitField("Create official and add as recipient")
    add_recipient = SubmitField("Add another recipient")
    add_demand = SubmitField("Add another demand")
    save = SubmitField("Save letter")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.campaign_id.choices = [SelectChoice("", "— none —")] + [
            SelectChoice(str(campaign.id), campaign.name) for campaign in _campaigns()
        ]
        users = _staff()
        self.owner_id.choices = [SelectChoice(str(user.id), user.name) for user in users]
        self.watcher_ids.choices = [SelectChoice(str(user.id), user.name) for user in users]

    def clear_new_official(self) -> None:
        for name in ("name", "title", "institution", "country", "email"):
            field = getattr(self, f"new_official_{name}")
            field.data = ""
            field.raw_data = []


def official_label(official: Official) -> str:
    detail = ", ".join(part for part in (official.title, official.institution) if part)
    return f"{official.name} ({detail})" if detail else official.name


def _campaigns() -> list[Campaign]:
    """The campaigns the user may file a letter into: a restricted one only if granted."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(campaign_visible(current_visibility()))
            .order_by(Campaign.archived, Campaign.name)
        )
    )


def _staff() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_active_account).order_by(User.name)))


SUGGESTED_OFFICIALS = 50


def suggested_officials(limit: int = SUGGESTED_OFFICIALS) -> list[Official]:
    """The officials most recently addressed (then most recently added), for the datalist.

    A bounded list: the form must not grow with the directory.
    """
    last_addressed = (
        select(Recipient.official_id, func.max(Recipient.id).label("last"))
        .group_by(Recipient.official_id)
        .subquery()
    )
    query = (
        select(Official)
        .outerjoin(last_addressed, last_addressed.c.official_id == Official.id)
        .order_by(last_addressed.c.last.desc().nulls_last(), Official.id.desc())
        .limit(limit)
    )
    return sorted(db.session.scalars(query), key=lambda official: official.name.lower())


def fill_letter_form(form: LetterForm, letter: Letter) -> None:
    """Load a letter into a freshly built form (GET)."""
    form.reference.data = letter.reference
    form.subject.data = letter.subject
    form.campaign_id.data = str(letter.campaign_id or "")
    form.sent_on.data = letter.sent_on
    form.channel.data = letter.channel
    form.body.data = letter.body
    form.signatories.data = letter.signatories
    form.owner_id.data = str(letter.owner_id)
    form.watcher_ids.data = [str(user.id) for user in letter.watchers]
    form.response_window_days.data = letter.response_window_days
    form.day_kind.data = "business" if letter.business_days else "calendar"
    form.follows_up_id.data = str(letter.follows_up_id or "")
    form.version.data = str(letter.version)
    set_rows(form, letter.recipients, letter.demands)


def set_rows(form: LetterForm, recipients, demands, with_ids: bool = True) -> None:
    """Replace the recipient and demand rows (each list keeps at least one empty row)."""
    while form.recipients.entries:
        form.recipients.pop_entry()
    while form.demands.entries:
        form.demands.pop_entry()
    for recipient in recipients:
        form.recipients.append_entry(
            {
                "official": official_label(recipient.official),
                "official_id": str(recipient.official_id),
                "role": recipient.role,
                "expects_answer": recipient.role == "cc" and recipient.expects_answer,
            }
        )
    for position, demand in enumerate(demands, start=1):
        form.demands.append_entry(
            {
                "id": str(demand.id) if with_ids else "",
                "position": position,
                "title": demand.title,
                "text": demand.text,
            }
        )
    if not form.recipients.entries:
        form.recipients.append_entry()
    if not form.demands.entries:
        form.demands.append_entry({"position": 1})


class ResponseForm(FlaskForm):
    recipient_id = SelectField("From", choices=[], validate_choice=False)
    received_on = DateField("Date received", validators=[InputRequired(), SaneDate()])
    channel = SelectField("Channel", choices=CHANNEL_CHOICES, default="email")
    kind = SelectField("Kind", choices=KIND_CHOICES, default="substantive")
    summary = TextAreaField("Summary")
    body = TextAreaField("Full text")
    file = FileField("File")
    save = SubmitField("Record response")

    def set_recipients(self, letter: Letter) -> None:
        self.recipient_id.choices = [SelectChoice("", "— choose —")] + [
            SelectChoice(str(r.id), f"{r.official.name} ({r.role})") for r in letter.recipients
        ]


def stance_field_name(demand: Demand) -> str:
    return f"stance-{demand.id}"


class DemandOutcomeForm(FlaskForm):
    outcome = SelectField("Outcome", choices=OUTCOME_CHOICES)
    note = TextAreaField("Note", validators=[Length(max=5000)])
    version = HiddenField()
    save = SubmitField("Set outcome")
