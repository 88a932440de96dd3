"""The letters CSV format: one row per letter, recipients and demands in numbered columns.

Pure: turns plain cell values into typed rows with per-cell error messages, and typed
rows back into cells. Nothing here knows about the database; checks that need it
(does the owner exist? is the reference taken?) live in tracker.services.letters.csv_import.

Cells that a spreadsheet would run as a formula (starting with = + - @ or a tab)
are written with a leading apostrophe, which spreadsheets hide and the import removes,
so the round trip stays exact and opening an export never runs a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.domain.bounds import DateOutOfRange, parse_date

LETTER_COLUMNS = (
    "reference",
    "subject",
    "campaign",
    "status",
    "sent_on",
    "channel",
    "owner",
    "watchers",
    "response_window_days",
    "business_days",
    "follows_up",
    "signatories",
    "body",
)
RECIPIENT_FIELDS = ("role", "name", "title", "institution", "country", "email", "expects_answer")
DEMAND_FIELDS = ("title", "text", "outcome")
# Figures of the letters list, exported for reading; the import ignores them.
INFO_COLUMNS = ("state", "next_due_on", "days_overdue", "demands_open", "demands_total")
REQUIRED_COLUMNS = ("reference", "subject")

STATUSES = ("draft", "sent", "closed")
CHANNELS = ("email", "post", "fax", "hand_delivery", "portal", "other")
ROLES = ("to", "cc")
OUTCOMES = ("open", "accepted", "partially_met", "met", "rejected", "withdrawn")
TRUE_WORDS = ("yes", "y", "true", "1")
FALSE_WORDS = ("no", "n", "false", "0")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"
MAX_ROWS = 5000

_NUMBERED = re.compile(r"^(recipient|demand)_(\d{1,3})_([a-z_]+)$")


@dataclass(frozen=True)
class RecipientCells:
    role: str
    name: str
    title: str = ""
    institution: str = ""
    country: str = ""
    email: str = ""
    expects_answer: bool | None = None


@dataclass(frozen=True)
class DemandCells:
    title: str
    text: str
    outcome: str = "open"


@dataclass(frozen=True)
class LetterCells:
    reference: str
    subject: str
    campaign: str = ""
    status: str = ""
    sent_on: date | None = None
    channel: str = "email"
    owner: str = ""
    watchers: tuple[str, ...] = ()
    response_window_days: int = 30
    business_days: bool = False
    follows_up: str = ""
    signatories: str = ""
    body: str = ""
    recipients: tuple[RecipientCells, ...] = ()
    demands: tuple[DemandCells, ...] = ()


@dataclass
class ParsedRow:
    """One data row: `line` as a spreadsheet numbers it (the header is line 1)."""

    line: int
    letter: LetterCells | None
    errors: dict[str, str] = field(default_factory=dict)


class HeaderError(ValueError):
    """The file's first row is not a header this format can read."""


# --- writing ---------------------------------------------------------------------------


def protect(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def header(recipient_slots: int, demand_slots: int) -> list[str]:
    columns = list(LETTER_COLUMNS)
    for slot in range(1, recipient_slots + 1):
        columns += [f"recipient_{slot}_{name}" for name in RECIPIENT_FIELDS]
    for slot in range(1, demand_slots + 1):
        columns += [f"demand_{slot}_{name}" for name in DEMAND_FIELDS]
    return columns + list(INFO_COLUMNS)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return LIST_SEPARATOR.join(value)
    return protect(str(value))


def to_cells(
    letter: LetterCells, recipient_slots: int, demand_slots: int, info: Sequence[object] = ()
) -> list[str]:
    cells = [_cell(getattr(letter, name)) for name in LETTER_COLUMNS]
    for slot in range(recipient_slots):
        item = letter.recipients[slot] if slot < len(letter.recipients) else None
        cells += [_cell(getattr(item, name)) if item else "" for name in RECIPIENT_FIELDS]
    for slot in range(demand_slots):
        item = letter.demands[slot] if slot < len(letter.demands) else None
        cells += [_cell(getattr(item, name)) if item else "" for name in DEMAND_FIELDS]
    info_cells = [_cell(value) for value in info]
    return cells + info_cells + [""] * (len(INFO_COLUMNS) - len(info_cells))


# --- reading ---------------------------------------------------------------------------


def check_header(columns: Sequence[str]) -> list[str]:
    """The column names, trimmed and lower-cased; HeaderError when unusable."""
    names = [unprotect(column).strip().lower().lstrip("\ufeff") for column in columns]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise HeaderError(
            "The first row must name the columns; missing: " + ", ".join(missing) + "."
        )
    known = set(LETTER_COLUMNS) | set(INFO_COLUMNS)
    unknown = []
    for name in names:
        match = _NUMBERED.match(name)
        numbered_ok = match and (
            match[3] in (RECIPIENT_FIELDS if match[1] == "recipient" else DEMAND_FIELDS)
        )
        if name and name not in known and not numbered_ok:
            unknown.append(name)
    if unknown:
        raise HeaderError("Unknown columns: " + ", ".join(unknown) + ". See the README.")
    duplicates = sorted({name for name in names if name and names.count(name) > 1})
    if duplicates:
        raise HeaderError("Columns named twice: " + ", ".join(duplicates) + ".")
    return names


def _choice(value: str, allowed: tuple[str, ...], column: str, errors: dict[str, str]) -> str:
    cleaned = value.strip().lower().replace(" ", "_")
    if cleaned not in allowed:
        errors[column] = f"{value!r} is not one of: {', '.join(allowed)}."
    return cleaned


def _boolean(value: str, column: str, errors: dict[str, str]) -> bool | None:
    cleaned = value.strip().lower()
    if not cleaned:
        return None
    if cleaned in TRUE_WORDS:
        return True
    if cleaned in FALSE_WORDS:
        return False
    errors[column] = f"{value!r} is not yes or no."
    return None


def _date(value: str, column: str, errors: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    try:
        return parse_date(value)
    except DateOutOfRange as error:
        errors[column] = f"{value!r}: {error}"
    except ValueError:
        errors[column] = f"{value!r} is not a date written YYYY-MM-DD."
    return None


def _window(value: str, errors: dict[str, str]) -> int:
    if not value.strip():
        return 30
    if not value.strip().isdigit():
        errors["response_window_days"] = f"{value!r} is not a whole number of days."
        return 30
    return int(value.strip())


def _slots(cells: dict[str, str], kind: str) -> list[int]:
    found = {
        int(match[2]) for name in cells if (match := _NUMBERED.match(name)) and match[1] == kind
    }
    return sorted(found)


def _recipients(cells: dict[str, str], errors: dict[str, str]) -> tuple[RecipientCells, ...]:
    items = []
    for slot in _slots(cells, "recipient"):
        prefix = f"recipient_{slot}_"
        values = {name: cells.get(prefix + name, "").strip() for name in RECIPIENT_FIELDS}
        if not any(values.values()):
            continue
        if not values["name"]:
            errors[prefix + "name"] = "Give the official's name, or empty the whole recipient."
        role = _choice(values["role"] or "to", ROLES, prefix + "role", errors)
        expects = _boolean(values["expects_answer"], prefix + "expects_answer", errors)
        items.append(
            RecipientCells(
                role=role,
                name=" ".join(values["name"].split()),
                title=values["title"],
                institution=values["institution"],
                country=values["country"].upper(),
                email=values["email"],
                expects_answer=expects,
            )
        )
    return tuple(items)


def _demands(cells: dict[str, str], errors: dict[str, str]) -> tuple[DemandCells, ...]:
    items = []
    for slot in _slots(cells, "demand"):
        prefix = f"demand_{slot}_"
        title, text, outcome = (cells.get(prefix + name, "").strip() for name in DEMAND_FIELDS)
        if not (title or text or outcome):
            continue
        if not text:
            errors[prefix + "text"] = "A demand needs its text."
        outcome = _choice(outcome or "open", OUTCOMES, prefix + "outcome", errors)
        items.append(DemandCells(title=title, text=text, outcome=outcome))
    return tuple(items)


def parse_row(line: int, names: Sequence[str], values: Sequence[str]) -> ParsedRow:
    errors: dict[str, str] = {}
    if len(values) > len(names):
        extra = [value for value in values[len(names) :] if value.strip()]
        if extra:
            errors["row"] = f"{len(values)} cells but only {len(names)} named columns."
    cells = {name: unprotect(value) for name, value in zip(names, values, strict=False) if name}
    text = {name: cells.get(name, "").strip() for name in LETTER_COLUMNS}
    for column in REQUIRED_COLUMNS:
        if not text[column]:
            errors[column] = f"The {column} is empty."
    status = _choice(text["status"], STATUSES, "status", errors) if text["status"] else ""
    sent_on = _date(text["sent_on"], "sent_on", errors)
    if status in ("sent", "closed") and sent_on is None and "sent_on" not in errors:
        errors["sent_on"] = f"A {status} letter needs its date sent."
    if status == "draft" and sent_on is not None:
        errors["status"] = "A letter with a date sent is not a draft: empty one of them."
    letter = LetterCells(
        reference=text["reference"],
        subject=text["subject"],
        campaign=" ".join(text["campaign"].split()),
        status=status or ("sent" if sent_on else "draft"),
        sent_on=sent_on,
        channel=_choice(text["channel"] or "email", CHANNELS, "channel", errors),
        owner=text["owner"].lower(),
        watchers=tuple(
            email.strip().lower()
            for email in text["watchers"].split(LIST_SEPARATOR)
            if email.strip()
        ),
        response_window_days=_window(text["response_window_days"], errors),
        business_days=bool(_boolean(text["business_days"], "business_days", errors)),
        follows_up=text["follows_up"],
        signatories=cells.get("signatories", "").strip(),
        body=cells.get("body", "").strip(),
        recipients=_recipients(cells, errors),
        demands=_demands(cells, errors),
    )
    seen: set[str] = set()
    for index, recipient in enumerate(letter.recipients, start=1):
        key = recipient.name.lower()
        if key and key in seen:
            errors[f"recipient_{index}_name"] = f"{recipient.name} is named twice on this letter."
        seen.add(key)
    return ParsedRow(line=line, letter=letter, errors=errors)


def parse_rows(records: Iterable[Sequence[str]]) -> list[ParsedRow]:
    """Rows of a CSV file (header first); references must be unique within the file.

    Raises HeaderError for a file that cannot be read at all.
    """
    iterator = iter(records)
    try:
        names = check_header(next(iterator))
    except StopIteration:
        raise HeaderError("The file is empty.") from None
    rows = []
    first_line_of: dict[str, int] = {}
    for line, values in enumerate(iterator, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise HeaderError(f"At most {MAX_ROWS} letters per file; split it.")
        row = parse_row(line, names, values)
        reference = row.letter.reference.lower() if row.letter else ""
        if reference in first_line_of:
            row.errors["reference"] = (
                f"Reference {row.letter.reference} is also on line {first_line_of[reference]}."
            )
        elif reference:
            first_line_of[reference] = line
        rows.append(row)
    return rows


def creation_order(rows: Sequence[ParsedRow]) -> list[ParsedRow]:
    """Letters that others follow up come before them; cycles are marked as errors."""
    by_reference = {row.letter.reference.lower(): row for row in rows if row.letter}
    ordered: list[ParsedRow] = []
    placed: set[int] = set()
    for row in rows:
        chain: list[ParsedRow] = []
        current: ParsedRow | None = row
        while current is not None and current.line not in placed:
            if any(member.line == current.line for member in chain):
                for member in chain:
                    member.errors["follows_up"] = "Letters in this file follow up each other."
                break
            chain.append(current)
            parent_ref = current.letter.follows_up.lower() if current.letter else ""
            current = by_reference.get(parent_ref)
        for member in reversed(chain):
            if member.line not in placed:
                placed.add(member.line)
                ordered.append(member)
    return ordered
