"""The one real letter in the demo: the CICC to the US President, 27 March 2020."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tracker.domain.deadlines import due_date
from tracker.domain.letter_parsing import parse_letter
from tracker.domain.recipients import expects_answer
from tracker.extensions import db
from tracker.models import Demand, Letter, Recipient, User
from tracker.services.demo.directory import campaign_named, official_named

REFERENCE = "CICC-2020-001"


def add_real_letter(text: str, now: datetime, suffix: str = "") -> Letter:
    """Parsed as staff would import it; nobody answered, so it shows as long overdue."""
    parsed = parse_letter(text)
    owner = db.session.scalar(select(User).order_by(User.id).limit(1))
    campaign = campaign_named(
        "ICC sanctions",
        "Coalition letters against the sanctions on the International Criminal Court",
    )
    sent_on = parsed.date.value
    letter = Letter(
        reference=REFERENCE + suffix,
        subject="Lift the sanctions on the ICC Prosecutor",
        campaign=campaign,
        sent_on=sent_on,
        channel="email",
        body=text,
        signatories="; ".join(
            ", ".join(part for part in (s.name, s.title, s.organisation) if part)
            for s in parsed.signatories
        ),
        owner=owner,
        status="sent",
        response_window_days=30,
        created_at=now,
        updated_at=now,
    )
    for role, people in (("to", parsed.addressees), ("cc", parsed.cc)):
        for person in people:
            official = official_named(
                person.name, person.title or "", person.institution or "", "US"
            )
            letter.recipients.append(
                Recipient(
                    official=official,
                    role=role,
                    expects_answer=expects_answer(role, None),
                    due_on=due_date(sent_on, 30, False, official.country),
                )
            )
    for position, demand in enumerate(parsed.demands, start=1):
        letter.demands.append(Demand(position=position, title=demand.title[:200], text=demand.text))
    db.session.add(letter)
    db.session.flush()
    return letter
