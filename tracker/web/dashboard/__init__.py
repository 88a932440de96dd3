"""The dashboard: figures, charts and tables, each table also as CSV, each chart as SVG.

"My work" (main.home) is the same report narrowed to the letters the user owns or
watches; `mine=1` on the chart and CSV URLs carries that narrowing.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from tracker.auth import requires
from tracker.domain.labels import OUTCOME_LABELS
from tracker.models import utcnow
from tracker.queries.dashboard.export import EXPORTS, to_csv
from tracker.queries.dashboard.figures import AGE_BUCKETS, demand_outcomes, headline, monthly_series
from tracker.queries.dashboard.links import ListLink
from tracker.queries.dashboard.period import PERIOD_LABELS
from tracker.queries.dashboard.report import DUE_SOON_DAYS, build_report
from tracker.queries.dashboard.scope import Scope
from tracker.services.followup import ladder_settings, organisation_today
from tracker.web.dashboard import charts
from tracker.web.forms.dashboard import DashboardFilterForm

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

# A chart is its own SVG document with pygal's inline styles and nothing else.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
CHARTS = {
    "monthly": lambda scope: charts.monthly_chart(monthly_series(scope)),
    "outcomes": lambda scope: charts.outcomes_chart(demand_outcomes(scope)),
    "overdue-ages": lambda scope: charts.overdue_age_chart(headline(scope).overdue_by_age),
}


def _form_and_scope(mine: bool) -> tuple[DashboardFilterForm, Scope | None]:
    form = DashboardFilterForm(request.args)
    if not form.validate():
        return form, None
    today = organisation_today(utcnow())
    return form, form.scope(today, current_user.id if mine else None)


def _page_args(form: DashboardFilterForm) -> dict[str, str]:
    """The current filters as query args, for links that keep them."""
    return {name: request.args[name] for name in form.data if request.args.get(name)}


def report_page(template: str, *, mine: bool, row_limit: int):
    form, scope = _form_and_scope(mine)
    if scope is None:
        return render_template(template, form=form, report=None), 400
    report = build_report(
        scope,
        ladder_settings().steps,
        official_sort=form.sort.data,
        official_descending=form.dir.data == "desc",
        row_limit=row_limit,
    )
    return render_template(
        template,
        form=form,
        report=report,
        links=ListLink(scope),
        page_args=_page_args(form),
        data_args=_page_args(form) | ({"mine": "1"} if mine else {}),
        period_label=PERIOD_LABELS[form.period.data],
        age_buckets=AGE_BUCKETS,
        outcome_labels=OUTCOME_LABELS,
        chart_alt={
            "monthly": charts.describe_monthly(report.series),
            "outcomes": charts.describe_outcomes(report.outcomes),
            "overdue_ages": charts.describe_overdue_ages(report.headline.overdue_by_age),
        },
        due_soon_days=DUE_SOON_DAYS,
        row_limit=row_limit,
    )


def _scope_or_400() -> tuple[DashboardFilterForm, Scope]:
    form, scope = _form_and_scope(request.args.get("mine") == "1")
    if scope is None:
        abort(400)
    return form, scope


@bp.route("")
@requires("viewer")
def index():
    return report_page("dashboard/index.html", mine=False, row_limit=20)


@bp.route("/<table>.csv")
@requires("viewer")
def export(table: str):
    if table not in EXPORTS:
        abort(404)
    form, scope = _scope_or_400()
    body = to_csv(
        EXPORTS[table](
            scope,
            ladder=ladder_settings().steps,
            sort=form.sort.data,
            descending=form.dir.data == "desc",
        )
    )
    filename = f"tracker-{table}-{scope.today.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/charts/<name>.svg")
@requires("viewer")
def chart(name: str):
    if name not in CHARTS:
        abort(404)
    _, scope = _scope_or_400()
    response = Response(CHARTS[name](scope), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_POLICY
    return response
