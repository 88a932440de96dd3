"""Importing letters from CSV: a per-row plan first, then all of it or nothing.

`plan_import` reads the file and checks every row against the database without
writing anything; the preview shows its report. `run_import` refuses a plan with any
error, then creates the new campaigns, the new officials and the letters through the
directory and letter services, all inside ONE transaction that those services join:
nobody else sees any of it before the whole file is in, and when a write fails
half-way (someone took a reference meanwhile), nothing of it was ever committed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from tracker.domain import csv_rows
from tracker.domain import recipients as recipient_rules
from tracker.extensions import db
from tracker.models import Campaign, Letter, Official, User
from tracker.queries.access import EVERYTHING, Visibility, hidden_campaigns, letter_visible
from tracker.services import directory, letters
from tracker.services.audit import Actor, record
from tracker.services.errors import ServiceError
from tracker.services.letters.checks import REFERENCE_MAX, SUBJECT_MAX, TITLE_MAX, WINDOW_MAX_DAYS
from tracker.services.transaction import transaction


@dataclass
class RowReport:
    line: int
    reference: str
    subject: str
    creates: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPlan:
    reports: list[RowReport]
    file_error: str | None = None
    rows: list[csv_rows.ParsedRow] = field(default_factory=list)
    new_campaigns: dict[str, str] = field(default_factory=dict)
    new_officials: dict[str, csv_rows.RecipientCells] = field(default_factory=dict)
    owners: dict[str, int] = field(default_factory=dict)
    default_owner_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and bool(self.reports) and not self.error_count

    @property
    def error_count(self) -> int:
        return sum(1 for report in self.reports if report.errors)


@dataclass(frozen=True)
class ImportResult:
    letters: int
    officials: int
    campaigns: int


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise csv_rows.HeaderError(
            "The file is not UTF-8 text. In your spreadsheet, save as “CSV UTF-8”."
        ) from error


def read_records(text: str) -> list[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise csv_rows.HeaderError(f"The file is not valid CSV: {error}.") from error


def _check_limits(letter: csv_rows.LetterCells, errors: dict[str, str], today: date) -> None:
    if len(letter.reference) > REFERENCE_MAX:
        errors["reference"] = f"The reference is too long (at most {REFERENCE_MAX} characters)."
    if len(letter.subject) > SUBJECT_MAX:
        errors["subject"] = f"The subject is too long (at most {SUBJECT_MAX} characters)."
    if letter.sent_on and letter.sent_on > today:
        errors["sent_on"] = "The date sent cannot be in the future."
    if letter.response_window_days > WINDOW_MAX_DAYS:
        errors["response_window_days"] = f"At most {WINDOW_MAX_DAYS} days."
    for index, demand in enumerate(letter.demands, start=1):
        if len(demand.title) > TITLE_MAX:
            errors[f"demand_{index}_title"] = f"At most {TITLE_MAX} characters."


class _Checker:
    """Checks rows against the database, loading each kind of record once."""

    def __init__(
        self, rows: list[csv_rows.ParsedRow], default_owner: User | None, visibility: Visibility
    ) -> None:
        letters_ = [row.letter for row in rows if row.letter]
        self.default_owner = default_owner
        self.users = {
            user.email.lower(): user
            for user in db.session.scalars(
                select(User).where(
                    func.lower(User.email).in_(
                        {c.owner for c in letters_} | {w for c in letters_ for w in c.watchers}
                    )
                )
            )
        }
        self.campaigns = {name.lower() for name in db.session.scalars(select(Campaign.name)).all()}
        # Restricted campaigns the importing user is not granted: no letters go into them.
        self.hidden_campaigns = {
            name.lower()
            for name in db.session.scalars(
                select(Campaign.name).where(Campaign.id.in_(hidden_campaigns(visibility)))
            )
        }
        names = {r.name.lower() for c in letters_ for r in c.recipients}
        self.officials = {
            name.lower()
            for name in db.session.scalars(
                select(Official.name).where(func.lower(Official.name).in_(names))
            )
        }
        references = {c.reference.lower() for c in letters_} | {
            c.follows_up.lower() for c in letters_
        }
        self.taken = {
            reference.lower()
            for reference in db.session.scalars(
                select(Letter.reference).where(func.lower(Letter.reference).in_(references))
            )
        }
        # The letters a row may follow up: those the importing user may see.
        self.followable = {
            reference.lower()
            for reference in db.session.scalars(
                select(Letter.reference).where(
                    func.lower(Letter.reference).in_(references), letter_visible(visibility)
                )
            )
        }
        self.in_file = {c.reference.lower() for c in letters_}

    def owner(self, letter: csv_rows.LetterCells, errors: dict[str, str]) -> User | None:
        if not letter.owner:
            if self.default_owner is None:
                errors["owner"] = "Give the owner's email (or choose a default owner)."
            return self.default_owner
        user = self.users.get(letter.owner)
        if user is None or not user.is_active:
            errors["owner"] = f"No active staff member has the email {letter.owner}."
        return user

    def check(self, row: csv_rows.ParsedRow, plan: ImportPlan, today: date) -> RowReport:
        letter = row.letter
        report = RowReport(row.line, letter.reference, letter.subject, errors=row.errors)
        errors = report.errors
        _check_limits(letter, errors, today)
        if letter.reference.lower() in self.taken and "reference" not in errors:
            errors["reference"] = f"A letter with the reference {letter.reference} exists already."
        owner = self.owner(letter, errors)
        if owner is not None:
            plan.owners[letter.owner or ""] = owner.id
        unknown = [email for email in letter.watchers if email not in self.users]
        if unknown:
            errors["watchers"] = "No staff member has the email " + ", ".join(unknown) + "."
        follows = letter.follows_up.lower()
        if follows and follows not in self.followable and follows not in self.in_file:
            errors["follows_up"] = f"No letter has the reference {letter.follows_up}."
        if letter.campaign and letter.campaign.lower() in self.hidden_campaigns:
            errors["campaign"] = f"You may not file letters into the campaign {letter.campaign}."
        elif letter.campaign and letter.campaign.lower() not in self.campaigns:
            self._new_campaign(letter.campaign, plan, report)
        for index, recipient in enumerate(letter.recipients, start=1):
            if recipient.name.lower() not in self.officials:
                self._new_official(index, recipient, plan, report)
            if recipient_rules.overrides_choice(recipient.role, recipient.expects_answer):
                report.creates.append(
                    f"recipient_{index}_expects_answer: {recipient.name} is `to`, so an answer"
                    " is expected all the same (only a `cc` can expect none)"
                )
        sent = f"sent {letter.sent_on}" if letter.sent_on else "draft"
        report.creates.insert(
            0,
            f"Letter {letter.reference} ({letter.status}, {sent}): "
            f"{len(letter.recipients)} recipients, {len(letter.demands)} demands",
        )
        return report

    def _new_campaign(self, name: str, plan: ImportPlan, report: RowReport) -> None:
        key = name.lower()
        if key in plan.new_campaigns:
            return
        try:
            directory.clean_campaign_values(name, "")
        except ServiceError as error:
            report.errors["campaign"] = error.message
            return
        plan.new_campaigns[key] = name
        report.creates.append(f"New campaign {name}")

    def _new_official(
        self, index: int, recipient: csv_rows.RecipientCells, plan: ImportPlan, report: RowReport
    ) -> None:
        key = recipient.name.lower()
        if key in plan.new_officials:
            return  # the first row that names a new official gives its details
        try:
            directory.clean_official_values(
                name=recipient.name,
                title=recipient.title,
                institution=recipient.institution,
                country=recipient.country,
                email=recipient.email,
                postal_address="",
                notes="",
            )
        except ServiceError as error:
            field_name = next(iter(error.fields), "name")
            report.errors[f"recipient_{index}_{field_name}"] = error.message
            return
        plan.new_officials[key] = recipient
        report.creates.append(f"New official {recipient.name}")


def plan_import(
    data: bytes, default_owner: User | None, today: date, visibility: Visibility = EVERYTHING
) -> ImportPlan:
    """What importing this file would create, and every problem, row by row; with the
    importing user's `visibility`, restricted campaigns and letters hidden to them are
    refused (the command line imports as the system, which sees everything)."""
    try:
        rows = csv_rows.parse_rows(read_records(decode(data)))
    except csv_rows.HeaderError as error:
        return ImportPlan(reports=[], file_error=str(error))
    if not rows:
        return ImportPlan(reports=[], file_error="The file has a header but no letters.")
    plan = ImportPlan(reports=[], default_owner_id=default_owner.id if default_owner else None)
    checker = _Checker(rows, default_owner, visibility)
    plan.rows = csv_rows.creation_order(rows)  # marks follow-up cycles as errors first
    plan.reports = sorted(
        (checker.check(row, plan, today) for row in rows), key=lambda report: report.line
    )
    return plan


def _official_ids() -> dict[str, int]:
    return {
        name.lower(): official_id
        for official_id, name in db.session.execute(select(Official.id, Official.name))
    }


def _letter_input(
    cells: csv_rows.LetterCells, plan: ImportPlan, ids: dict[str, dict[str, int]]
) -> letters.LetterInput:
    return letters.LetterInput(
        subject=cells.subject,
        owner_id=plan.owners[cells.owner or ""],
        reference=cells.reference,
        campaign_id=ids["campaign"].get(cells.campaign.lower()) if cells.campaign else None,
        sent_on=cells.sent_on,
        channel=cells.channel,
        body=cells.body,
        signatories=cells.signatories,
        watcher_ids=tuple(sorted(ids["user"][email] for email in cells.watchers)),
        response_window_days=cells.response_window_days,
        business_days=cells.business_days,
        follows_up_id=ids["letter"].get(cells.follows_up.lower()) if cells.follows_up else None,
        recipients=tuple(
            letters.RecipientInput(ids["official"][r.name.lower()], r.role, r.expects_answer)
            for r in cells.recipients
        ),
        demands=tuple(letters.DemandInput(d.title, d.text) for d in cells.demands),
    )


def _create_letter(actor: Actor, cells: csv_rows.LetterCells, data, now: datetime) -> Letter:
    letter = letters.create_letter(actor, data, now)
    for demand, wanted in zip(letter.demands, cells.demands, strict=True):
        if wanted.outcome != "open":
            letters.set_demand_outcome(actor, demand, wanted.outcome, "", demand.version, now)
    if cells.status == "closed":
        letters.close_letter(actor, letter, now)
    return letter


def _create_directory(actor: Actor, plan: ImportPlan) -> tuple[int, int]:
    for name in plan.new_campaigns.values():
        directory.create_campaign(actor, name=name)
    for cells in plan.new_officials.values():
        directory.create_official(
            actor,
            name=cells.name,
            title=cells.title,
            institution=cells.institution,
            country=cells.country,
            email=cells.email,
        )
    return len(plan.new_campaigns), len(plan.new_officials)


def _ids() -> dict[str, dict[str, int]]:
    return {
        "campaign": {
            name.lower(): i for i, name in db.session.execute(select(Campaign.id, Campaign.name))
        },
        "official": _official_ids(),
        "user": {email.lower(): i for i, email in db.session.execute(select(User.id, User.email))},
        "letter": {},
    }


def run_import(actor: Actor, plan: ImportPlan, now: datetime, source: str = "") -> ImportResult:
    """Create everything in the plan in one transaction: all of it, or nothing.

    A write refused half-way (a reference taken since the check, say) is a ServiceError
    of kind conflict naming the line; nothing of the import was committed.
    """
    if not plan.ok:
        raise ServiceError("The file has errors; nothing was imported.")
    where = ""
    try:
        with transaction():
            campaigns, officials = _create_directory(actor, plan)
            ids = _ids()
            for row in plan.rows:
                where = f" at line {row.line}, letter {row.letter.reference}"
                data = _letter_input(row.letter, plan, ids)
                letter = _create_letter(actor, row.letter, data, now)
                ids["letter"][letter.reference.lower()] = letter.id
            record(
                actor,
                "csv.import",
                entity_type="letter",
                summary=f"Imported {len(plan.rows)} letters from {source or 'a CSV file'}",
                changes={"letters": [None, len(plan.rows)]},
                at=now,
            )
    except ServiceError as error:
        raise ServiceError(
            f"The import stopped{where} ({error.message}); nothing was imported. "
            "Check the file again.",
            kind="conflict",
        ) from error
    return ImportResult(len(plan.rows), officials, campaigns)
