"""`flask tracker demo`: the CICC letter and three years of generated history.

A new user of `make run` should see a living dashboard at once. The history is drawn
from a fixed random seed, so two runs on the same day give the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import AuditEvent, Letter
from tracker.services.audit import Actor, record
from tracker.services.demo.history import generate_history
from tracker.services.demo.real_letter import add_real_letter
from tracker.services.errors import ServiceError
from tracker.services.transaction import transaction

DEMO_SEED = 20200327


@dataclass(frozen=True)
class DemoSummary:
    letters: int
    recipients: int
    responses: int
    demands: int


def cicc_letter_text() -> str:
    return (
        files("tracker.services.demo")
        .joinpath("cicc-to-us-president-2020-03-27.txt")
        .read_text("utf-8")
    )


def load_demo(
    now: datetime, today: date, *, force: bool = False, letters: int = 360
) -> DemoSummary:
    """Add the demo history in one transaction; refuse (a conflict) on a database that
    has letters unless `force`."""
    existing = db.session.scalar(select(func.count()).select_from(Letter))
    if existing and not force:
        raise ServiceError(
            f"The database already has {existing} letters; demo data would mix with them. "
            "Use --force to add it anyway.",
            kind="conflict",
        )
    # A forced second run needs references of its own: they are unique.
    runs = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "demo.load")
    )
    suffix = f"-{runs + 1}" if runs else ""
    with transaction():
        real = add_real_letter(cicc_letter_text(), now, suffix)
        summary = generate_history(DEMO_SEED, today, now, letters, suffix)
        totals = DemoSummary(
            letters=summary.letters + 1,
            recipients=summary.recipients + len(real.recipients),
            responses=summary.responses,
            demands=summary.demands + len(real.demands),
        )
        record(
            Actor.system("demo"),
            "demo.load",
            summary=(
                f"Demo data: {totals.letters} letters, {totals.recipients} recipients, "
                f"{totals.responses} responses, {totals.demands} demands"
            ),
        )
    return totals
