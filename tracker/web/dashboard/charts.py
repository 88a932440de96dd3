"""Dashboard charts as standalone SVG documents drawn by pygal, with no script in them.

Each chart is served as its own image/svg+xml response and shown with <img>, so the
page itself keeps its strict style policy; the page puts a text summary in `alt` and
the numbers in a table beside the image.
"""

from __future__ import annotations

import re
import sys

import pygal
from pygal.style import Style

from tracker.domain.labels import OUTCOME_LABELS
from tracker.queries.dashboard.answers import WAIT_BUCKETS
from tracker.queries.dashboard.figures import AGE_BUCKETS
from tracker.queries.dashboard.report import Report
from tracker.queries.dashboard.trends import Trends

# pygal appends a legacy import finder (no find_spec) to sys.meta_path, and Python then
# warns on every failed optional import anywhere in the process. We use no map plugins.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

# Dark enough on white for text and bars alike (WCAG AA non-text contrast).
PALETTE = ("#1f4e79", "#b35900", "#1b6e3a", "#6b3fa0", "#a4262c", "#545d6e")

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2330",
    foreground_strong="#1d2330",
    foreground_subtle="#d5d9e0",
    colors=PALETTE,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
    opacity="1",
    opacity_hover=".85",
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


def _options(title: str, width: int = 800, height: int = 400) -> dict:
    return {
        "title": title,
        "style": _STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": width,
        "height": height,
        "legend_at_bottom": True,
        "print_values": False,
        "show_y_guides": True,
        "no_data_text": "No data for these filters",
    }


def _whole_number_axis(chart, values) -> None:
    """Counts are whole numbers: ticks at 0, 1, 2... or a round step for larger counts."""
    top = max(values, default=0)
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            step = base * magnitude
            if top <= 10 * step:
                chart.y_labels = list(range(0, top + step, step))
                return
        magnitude *= 10


def _render(chart) -> str:
    # js=[] drops pygal's external scripts but it still writes an inline config script;
    # an image never runs it, and removing it keeps the document free of any script.
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def _over_time(chart, trends: Trends):
    labels = [bucket.label for bucket in trends.buckets]
    chart.x_labels = labels
    chart.x_label_rotation = 45 if len(labels) > 12 else 0
    chart.show_minor_x_labels = False
    chart.x_labels_major_every = max(1, len(labels) // 12)
    return chart


def activity_chart(trends: Trends) -> str:
    title = f"Letters sent and responses received per {trends.unit}"
    chart = _over_time(pygal.Bar(**_options(title)), trends)
    chart.add("Letters sent", list(trends.letters))
    chart.add("Responses received", list(trends.responses))
    _whole_number_axis(chart, trends.letters + trends.responses)
    return _render(chart)


def _percent(shares) -> list[float | None]:
    return [None if share is None else round(100 * share, 1) for share in shares]


def rates_chart(trends: Trends) -> str:
    title = f"Response rate and on-time rate per {trends.unit}, by month sent"
    chart = _over_time(pygal.Line(**_options(title), range=(0, 100)), trends)
    chart.y_labels = list(range(0, 101, 20))
    chart.value_formatter = lambda value: f"{value:.0f}%"
    chart.add("Answered (%)", _percent(trends.response_rates))
    chart.add("Answered on time (%)", _percent(trends.on_time_rates))
    return _render(chart)


def outcomes_over_time_chart(trends: Trends) -> str:
    title = f"Demands by outcome per {trends.unit} sent"
    chart = _over_time(pygal.StackedBar(**_options(title)), trends)
    for outcome, label in OUTCOME_LABELS.items():
        chart.add(label, [counts[outcome] for counts in trends.outcomes])
    _whole_number_axis(chart, [sum(counts.values()) for counts in trends.outcomes])
    return _render(chart)


def answer_times_chart(histogram: tuple[int, ...]) -> str:
    chart = pygal.Bar(**_options("Days from sending to answer", 600), show_legend=False)
    chart.x_labels = [bucket.label for bucket in WAIT_BUCKETS]
    chart.add("Recipients answered", list(histogram))
    _whole_number_axis(chart, histogram)
    return _render(chart)


def outcomes_chart(outcomes: dict[str, int]) -> str:
    chart = pygal.HorizontalBar(**_options("Demands by outcome", 600), show_legend=False)
    chart.x_labels = [OUTCOME_LABELS[outcome] for outcome in outcomes]
    chart.add("Demands", list(outcomes.values()))
    _whole_number_axis(chart, outcomes.values())
    return _render(chart)


def overdue_age_chart(counts: tuple[int, ...]) -> str:
    chart = pygal.Bar(**_options("Overdue recipients by days overdue", 600), show_legend=False)
    chart.x_labels = [bucket.label for bucket in AGE_BUCKETS]
    chart.add("Overdue recipients", list(counts))
    _whole_number_axis(chart, counts)
    return _render(chart)


# --- text alternatives: what a screen reader hears in place of each chart ----------


def _listing(pairs) -> str:
    return ", ".join(f"{label} {count}" for label, count in pairs)


def _range(trends: Trends) -> str:
    return f"{trends.buckets[0].label} to {trends.buckets[-1].label}"


def describe_activity(trends: Trends) -> str:
    what = f"Bar chart of letters sent and responses received per {trends.unit}"
    if not trends.buckets:
        return f"{what}: none for these filters."
    busiest = max(range(len(trends.buckets)), key=lambda index: trends.letters[index])
    return (
        f"{what}, {_range(trends)}: {sum(trends.letters)} letters sent and "
        f"{sum(trends.responses)} responses received; most letters in "
        f"{trends.buckets[busiest].label} ({trends.letters[busiest]}). "
        "The numbers are in the table that follows."
    )


def describe_rates(trends: Trends) -> str:
    what = f"Line chart of the response rate and on-time rate per {trends.unit} sent"
    if not trends.buckets:
        return f"{what}: none for these filters."
    return (
        f"{what}, {_range(trends)}: {sum(trends.answered)} of {sum(trends.expected)} "
        f"recipients answered, {sum(trends.on_time)} on time. "
        "The rates of each period are in the table that follows."
    )


def describe_outcomes_over_time(trends: Trends) -> str:
    what = f"Stacked bar chart of demands by outcome per {trends.unit} sent"
    if not trends.buckets:
        return f"{what}: none for these filters."
    totals = {
        OUTCOME_LABELS[outcome]: sum(counts[outcome] for counts in trends.outcomes)
        for outcome in OUTCOME_LABELS
    }
    return f"{what}, {_range(trends)}: {_listing(totals.items())}. The table follows."


def describe_answer_times(report: Report) -> str:
    times = report.answer_times
    pairs = zip((bucket.label for bucket in WAIT_BUCKETS), times.histogram, strict=True)
    if times.quartiles is None:
        return "Bar chart of days from sending to answer: no answers for these filters."
    low, median, high = (f"{value:g}" for value in times.quartiles)
    return (
        f"Bar chart of days from sending to answer over {times.answered} recipients "
        f"answered: median {median} days, half between {low} and {high}; {_listing(pairs)}."
    )


def describe_outcomes(outcomes: dict[str, int]) -> str:
    pairs = ((OUTCOME_LABELS[outcome], count) for outcome, count in outcomes.items())
    return f"Bar chart of demands by outcome: {_listing(pairs)}."


def describe_overdue_ages(counts: tuple[int, ...]) -> str:
    pairs = zip((bucket.label for bucket in AGE_BUCKETS), counts, strict=True)
    return f"Bar chart of overdue recipients by days overdue: {_listing(pairs)}."


# name: (draw the SVG from a report, describe it in words)
CHARTS = {
    "activity": (lambda r: activity_chart(r.trends), lambda r: describe_activity(r.trends)),
    "rates": (lambda r: rates_chart(r.trends), lambda r: describe_rates(r.trends)),
    "outcomes-over-time": (
        lambda r: outcomes_over_time_chart(r.trends),
        lambda r: describe_outcomes_over_time(r.trends),
    ),
    "answer-times": (lambda r: answer_times_chart(r.answer_times.histogram), describe_answer_times),
    "outcomes": (lambda r: outcomes_chart(r.outcomes), lambda r: describe_outcomes(r.outcomes)),
    "overdue-ages": (
        lambda r: overdue_age_chart(r.headline.overdue_by_age),
        lambda r: describe_overdue_ages(r.headline.overdue_by_age),
    ),
}
