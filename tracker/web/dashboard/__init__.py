"""The dashboard: figures, charts and tables, each table also as CSV, each chart as SVG.

"My work" (main.home) is the same report narrowed to the letters the user owns or
watches; `mine=1` on the chart and CSV URLs carries that narrowing. The chart images
and CSV files read the same cached report as the page (tracker.queries.dashboard.cache).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from tracker.auth import current_visibility, requires
from tracker.domain.labels import OUTCOME_LABELS
from tracker.models import utcnow
from tracker.queries.dashboard.act_now import ACT_NOW_DAYS, ladder_span
from tracker.queries.dashboard.answers import WAIT_BUCKETS
from tracker.queries.dashboard.export import EXPORTS, to_csv
from tracker.queries.dashboard.figures import AGE_BUCKETS
from tracker.queries.dashboard.links import ListLink
from tracker.queries.dashboard.period import PERIOD_LABELS
from tracker.queries.dashboard.report import Report, ReportOptions, build_report
from tracker.queries.dashboard.scope import Scope
from tracker.settings import ladder_settings, organisation_today
from tracker.web.dashboard import charts
from tracker.web.forms.dashboard import DashboardFilterForm

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

# A chart is its own SVG document with pygal's inline styles and nothing else.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _form_and_scope(mine: bool) -> tuple[DashboardFilterForm, Scope | None]:
    form = DashboardFilterForm(request.args, visibility=current_visibility())
    if not form.validate():
        return form, None
    today = organisation_today(utcnow())
    return form, form.scope(today, current_user.id if mine else None)


def _page_args(form: DashboardFilterForm) -> dict[str, str]:
    """The current filters as query args, for links that keep them."""
    return {name: request.args[name] for name in form.data if request.args.get(name)}


def _report(form: DashboardFilterForm, scope: Scope) -> Report:
    settings = ladder_settings()
    options = ReportOptions(
        ladder=settings.steps,
        tz=settings.tz,
        min_sample=current_app.config["TRACKER_MIN_SAMPLE"],
        sort=form.sort.data,
        descending=form.dir.data == "desc",
    )
    return build_report(scope, options)


def report_page(template: str, *, mine: bool, row_limit: int, **extra):
    form, scope = _form_and_scope(mine)
    if scope is None:
        return render_template(template, form=form, report=None, **extra), 400
    report = _report(form, scope)
    return render_template(
        template,
        form=form,
        report=report,
        row_limit=row_limit,
        links=ListLink(scope),
        page_args=_page_args(form),
        data_args=_page_args(form) | ({"mine": "1"} if mine else {}),
        period_label=PERIOD_LABELS[form.period.data],
        campaign_label=next(
            (c.label for c in form.campaign.choices if c.value == (form.campaign.data or "")),
            "All campaigns",
        ),
        age_buckets=AGE_BUCKETS,
        wait_buckets=WAIT_BUCKETS,
        outcome_labels=OUTCOME_LABELS,
        chart_alt={name: describe(report) for name, (_, describe) in charts.CHARTS.items()},
        act_now_days=ACT_NOW_DAYS,
        ladder_span=ladder_span(ladder_settings().steps),
        **extra,
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
    settings = ladder_settings()
    body = to_csv(EXPORTS[table](_report(form, scope), ladder=settings.steps, tz=settings.tz))
    filename = f"tracker-{table}-{scope.today.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/charts/<name>.svg")
@requires("viewer")
def chart(name: str):
    if name not in charts.CHARTS:
        abort(404)
    form, scope = _scope_or_400()
    draw, _ = charts.CHARTS[name]
    response = Response(draw(_report(form, scope)), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_POLICY
    return response
