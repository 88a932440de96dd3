"""The dashboard's filter form (a GET form: campaign and period) and the scope it gives."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from tracker.extensions import db
from tracker.models import Campaign
from tracker.queries.access import UNRESTRICTED_ONLY, Visibility, campaign_visible
from tracker.queries.dashboard.period import PERIOD_LABELS, PERIODS, period_bounds
from tracker.queries.dashboard.scope import Scope
from tracker.queries.dashboard.whom import WHOM_SORTS
from tracker.web.forms.bounds import SaneDate


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    campaign = SelectField("Campaign", choices=[], validate_choice=True, default="")
    period = SelectField(
        "Period",
        choices=[SelectChoice(value, PERIOD_LABELS[value]) for value in PERIODS],
        default="all",
    )
    start = DateField("From", validators=[Optional(), SaneDate()])
    end = DateField("To", validators=[Optional(), SaneDate()])
    # Least responsive first by default: the ones a director needs to see.
    sort = SelectField(
        "Sort by", choices=[SelectChoice(value) for value in WHOM_SORTS], default="rate"
    )
    dir = SelectField("Order", choices=[SelectChoice("asc"), SelectChoice("desc")], default="asc")

    def __init__(self, *args, visibility: Visibility = UNRESTRICTED_ONLY, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.visibility = visibility
        campaigns = db.session.execute(
            select(Campaign.id, Campaign.name)
            .where(campaign_visible(visibility))
            .order_by(Campaign.archived, Campaign.name)
        ).all()
        self.campaign.choices = [SelectChoice("", "All campaigns")] + [
            SelectChoice(str(campaign_id), name) for campaign_id, name in campaigns
        ]

    def validate_end(self, field) -> None:
        start, end = self.start.data, field.data
        if self.period.data == "custom" and start and end and start > end:
            raise ValidationError("The end date is before the start date.")

    def scope(self, today: date, user_id: int | None = None) -> Scope:
        """The scope of valid input; call after validate()."""
        custom = self.period.data == "custom"
        start, end = period_bounds(
            self.period.data,
            today,
            self.start.data if custom else None,
            self.end.data if custom else None,
        )
        campaign = int(self.campaign.data) if self.campaign.data else None
        return Scope(
            today=today,
            campaign_id=campaign,
            period_start=start,
            period_end=end,
            user_id=user_id,
            visibility=self.visibility,
        )
