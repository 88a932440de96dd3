"""The dashboard's tables as CSV: the same figures as the page, every row of each table."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, tzinfo

from tracker.domain.csv_rows import protect
from tracker.domain.ladder import LadderStep
from tracker.models import DEMAND_OUTCOMES
from tracker.queries.dashboard.act_now import StepTable, act_now, every_step_passed
from tracker.queries.dashboard.answers import WAIT_BUCKETS
from tracker.queries.dashboard.figures import AGE_BUCKETS
from tracker.queries.dashboard.report import Report

Table = tuple[Sequence[str], Iterable[Sequence[object]]]


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _steps(table: StepTable) -> Table:
    header = (
        "reference",
        "subject",
        "official",
        "owner",
        "due_on",
        "days_overdue",
        "step",
        "step_on",
        "reminder_state",
        "snoozed",
    )
    rows = (
        (
            row.reference,
            row.subject,
            row.official,
            row.owner,
            row.due_on,
            row.days_overdue,
            row.step_label,
            row.step_on,
            row.state or "",
            "yes" if row.snoozed else "",
        )
        for row in table.rows
    )
    return header, rows


def act_now_table(report: Report, ladder: tuple[LadderStep, ...], tz: tzinfo) -> Table:
    return _steps(act_now(report.scope, ladder, tz))


def passed_table(report: Report, ladder: tuple[LadderStep, ...], tz: tzinfo) -> Table:
    return _steps(every_step_passed(report.scope, ladder, tz))


def whom_table(dimension: str) -> Callable[..., Table]:
    def table(report: Report, **_: object) -> Table:
        whom = report.whom[dimension]
        header = (
            dimension,
            "country",
            "ranked",
            "recipients_expected",
            "answered",
            "answered_percent",
            "on_time",
            "on_time_percent",
            "acknowledged_only",
            "median_days_to_answer",
            "last_contact",
        )
        ranked = [(row, "yes") for row in whom.ranked] + [(row, "") for row in whom.small]
        rows = (
            (
                row.name,
                row.country or "",
                flag,
                row.expected,
                row.answered,
                _share(row.answer_rate),
                row.on_time,
                _share(row.on_time_rate),
                row.acknowledged_only,
                _number(row.median_days),
                row.last_contact,
            )
            for row, flag in ranked
        )
        return header, rows

    return table


def campaigns_table(report: Report, **_: object) -> Table:
    header = (
        "campaign",
        "letters_sent",
        "recipients_expected",
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
        for row in report.campaigns
    )
    return header, rows


def figures_table(report: Report, **_: object) -> Table:
    figures, times = report.headline, report.answer_times
    quartiles = times.quartiles or (None, None, None)
    rows: list[tuple[object, object]] = [
        ("letters_sent", figures.letters_sent),
        ("recipients_awaiting", figures.awaiting),
        ("recipients_overdue", figures.overdue),
        ("recipients_expected", figures.expected),
        ("recipients_answered", figures.answered),
        ("response_rate_percent", _share(figures.response_rate)),
        ("days_to_answer_25th_percentile", _number(quartiles[0])),
        ("days_to_answer_median", _number(quartiles[1])),
        ("days_to_answer_75th_percentile", _number(quartiles[2])),
        ("demands", report.demands),
        ("demands_met_or_accepted", report.demands_won),
    ]
    rows += [
        (f"overdue_{bucket.label}", count)
        for bucket, count in zip(AGE_BUCKETS, figures.overdue_by_age, strict=True)
    ]
    rows += [
        (f"answered_after_{bucket.label}", count)
        for bucket, count in zip(WAIT_BUCKETS, times.histogram, strict=True)
    ]
    rows += [(f"demands_{outcome}", count) for outcome, count in report.outcomes.items()]
    return ("figure", "value"), rows


def trends_table(report: Report, **_: object) -> Table:
    trends = report.trends
    header = (
        trends.unit,
        "from",
        "to",
        "letters_sent",
        "responses_received",
        "recipients_expected",
        "answered",
        "answered_on_time",
        *(f"demands_{outcome}" for outcome in DEMAND_OUTCOMES),
    )
    rows = (
        (
            bucket.label,
            bucket.start,
            bucket.end,
            trends.letters[index],
            trends.responses[index],
            trends.expected[index],
            trends.answered[index],
            trends.on_time[index],
            *(trends.outcomes[index][outcome] for outcome in DEMAND_OUTCOMES),
        )
        for index, bucket in enumerate(trends.buckets)
    )
    return header, rows


EXPORTS: dict[str, Callable[..., Table]] = {
    "figures": figures_table,
    "trends": trends_table,
    "act-now": act_now_table,
    "every-step-passed": passed_table,
    "officials": whom_table("official"),
    "institutions": whom_table("institution"),
    "countries": whom_table("country"),
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
