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
from tracker.queries.dashboard.figures import AGE_BUCKETS, MonthlySeries

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


def monthly_chart(series: MonthlySeries) -> str:
    chart = pygal.Bar(**_options("Letters sent and responses received per month"))
    chart.x_labels = list(series.months)
    chart.x_label_rotation = 45 if len(series.months) > 12 else 0
    chart.show_minor_x_labels = False
    chart.x_labels_major_every = max(1, len(series.months) // 12)
    chart.add("Letters sent", list(series.letters))
    chart.add("Responses received", list(series.responses))
    _whole_number_axis(chart, series.letters + series.responses)
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


def describe_monthly(series: MonthlySeries) -> str:
    if not series.months:
        return "Bar chart of letters sent and responses received per month: none for these filters."
    busiest = max(range(len(series.months)), key=lambda index: series.letters[index])
    return (
        f"Bar chart of letters sent and responses received per month, {series.months[0]} to "
        f"{series.months[-1]}: {sum(series.letters)} letters sent and {sum(series.responses)} "
        f"responses received; most letters in {series.months[busiest]} "
        f"({series.letters[busiest]}). The numbers are in the table that follows."
    )


def describe_outcomes(outcomes: dict[str, int]) -> str:
    pairs = ((OUTCOME_LABELS[outcome], count) for outcome, count in outcomes.items())
    return f"Bar chart of demands by outcome: {_listing(pairs)}."


def describe_overdue_ages(counts: tuple[int, ...]) -> str:
    pairs = zip((bucket.label for bucket in AGE_BUCKETS), counts, strict=True)
    return f"Bar chart of overdue recipients by days overdue: {_listing(pairs)}."
