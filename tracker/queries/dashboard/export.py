"""The dashboard tables as CSV: every row (the page shows the first fifty), same figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date

from tracker.domain.csv_rows import protect
from tracker.domain.ladder import LadderStep
from tracker.queries.dashboard.figures import AGE_BUCKETS, demand_outcomes, headline, monthly_series
from tracker.queries.dashboard.report import DUE_SOON_DAYS
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.tables import (
    campaign_summary,
    due_soon,
    official_responsiveness,
    overdue_now,
)

Table = tuple[Sequence[str], Iterable[Sequence[object]]]


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _median(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def overdue_table(scope: Scope, ladder: tuple[LadderStep, ...], **_: object) -> Table:
    header = (
        "reference",
        "subject",
        "official",
        "owner",
        "due_on",
        "days_overdue",
        "next_step",
        "next_step_on",
    )
    rows = (
        (
            row.reference,
            row.subject,
            row.official,
            row.owner,
            row.due_on,
            row.days,
            row.next_step.label_for(row.official) if row.next_step else "",
            row.next_step_on,
        )
        for row in overdue_now(scope, ladder)
    )
    return header, rows


def due_soon_table(scope: Scope, **_: object) -> Table:
    header = ("reference", "subject", "official", "owner", "due_on", "days_left")
    rows = (
        (row.reference, row.subject, row.official, row.owner, row.due_on, row.days)
        for row in due_soon(scope, DUE_SOON_DAYS)
    )
    return header, rows


def officials_table(scope: Scope, sort: str = "letters", descending: bool = True, **_) -> Table:
    header = (
        "official",
        "country",
        "letters_received",
        "answers_expected",
        "answered",
        "answered_percent",
        "median_days_to_answer",
        "last_contact",
    )
    rows = (
        (
            row.name,
            row.country or "",
            row.letters,
            row.expected,
            row.answered,
            _share(row.answered_share),
            _median(row.median_days),
            row.last_contact,
        )
        for row in official_responsiveness(scope, sort, descending)
    )
    return header, rows


def campaigns_table(scope: Scope, **_: object) -> Table:
    header = (
        "campaign",
        "letters_sent",
        "answers_expected",
        "answered",
        "answered_percent",
        "awaiting",
        "overdue",
        "demands",
        "demands_met_or_accepted",
        "demands_partially_met",
        "demands_rejected",
    )
    rows = (
        (
            row.name or "(no campaign)",
            row.letters,
            row.expected,
            row.answered,
            _share(row.answered_share),
            row.awaiting,
            row.overdue,
            row.demands,
            row.demands_won,
            row.demands_partly,
            row.demands_rejected,
        )
        for row in campaign_summary(scope)
    )
    return header, rows


def figures_table(scope: Scope, **_: object) -> Table:
    figures = headline(scope)
    rows: list[tuple[object, object]] = [
        ("letters_sent", figures.letters_sent),
        ("recipients_awaiting", figures.awaiting),
        ("recipients_overdue", figures.overdue),
        ("answers_expected", figures.expected),
        ("answered", figures.answered),
        ("response_rate_percent", _share(figures.response_rate)),
        ("median_days_to_first_answer", _median(figures.median_days_to_answer)),
    ]
    rows += [
        (f"overdue_{bucket.label}", count)
        for bucket, count in zip(AGE_BUCKETS, figures.overdue_by_age, strict=True)
    ]
    rows += [(f"demands_{outcome}", count) for outcome, count in demand_outcomes(scope).items()]
    return ("figure", "value"), rows


def monthly_table(scope: Scope, **_: object) -> Table:
    series = monthly_series(scope)
    return ("month", "letters_sent", "responses_received"), zip(
        series.months, series.letters, series.responses, strict=True
    )


EXPORTS: dict[str, Callable[..., Table]] = {
    "figures": figures_table,
    "monthly": monthly_table,
    "overdue": overdue_table,
    "due-soon": due_soon_table,
    "officials": officials_table,
    "campaigns": campaigns_table,
}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return protect(str(value))


def to_csv(table: Table) -> str:
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()
