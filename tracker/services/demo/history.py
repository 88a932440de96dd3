"""Three years of generated letters, answers and outcomes, from a fixed random seed.

Each official has a responsiveness and a typical delay, so the per-official table
tells a story; older letters have had more time to be answered, acknowledged, closed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tracker.domain.deadlines import ClockState, due_date, pause
from tracker.domain.recipients import expects_answer
from tracker.extensions import db
from tracker.models import Demand, DemandAnswer, Letter, Official, Recipient, Response
from tracker.services.demo.cast import CAMPAIGNS, OFFICIALS
from tracker.services.demo.directory import campaign_named, demo_staff, official_named

YEARS = 3
CHANNELS = ("email", "email", "email", "post", "portal", "hand_delivery", "fax")
STANCE_FOR_OUTCOME = {
    "accepted": "accepted",
    "met": "accepted",
    "partially_met": "partially",
    "rejected": "rejected",
    "open": "noted",
    "withdrawn": "not_addressed",
}


@dataclass(frozen=True)
class HistorySummary:
    letters: int
    recipients: int
    responses: int
    demands: int


@dataclass(frozen=True)
class Habit:
    """How an official answers: the chance of an answer and its typical delay."""

    official: Official
    responsiveness: float
    typical_days: int


class _Generator:
    def __init__(self, seed: int, today: date, now: datetime, suffix: str) -> None:
        self.suffix = suffix
        self.random = random.Random(seed)  # noqa: S311  (reproducible demo data, not secrets)
        self.today = today
        self.now = now
        self.staff = demo_staff()
        self.habits = [
            Habit(official_named(name, title, institution, country), chance, days)
            for name, title, institution, country, chance, days in OFFICIALS
        ]
        self.campaigns = [(campaign_named(name), titles) for name, titles in CAMPAIGNS.items()]
        self.counts = {"recipients": 0, "responses": 0, "demands": 0}

    def letter(self, number: int, sent_on: date) -> Letter:
        pick = self.random
        campaign, titles = pick.choice(self.campaigns)
        # The first account (usually the admin who ran `make run`) owns a good share,
        # so "My work" has something to show.
        owner = self.staff[0] if pick.random() < 0.35 else pick.choice(self.staff)
        window = pick.choice((30, 30, 30, 45, 60))
        letter = Letter(
            reference=f"DEMO-{sent_on.year}-{number:04d}{self.suffix}",
            subject=f"{pick.choice(titles)} ({campaign.name})",
            campaign=campaign,
            sent_on=sent_on,
            channel=pick.choice(CHANNELS),
            owner=owner,
            status="sent",
            response_window_days=window,
            business_days=pick.random() < 0.25,
            body="Generated demo letter.",
            created_at=self.now,
            updated_at=self.now,
        )
        others = [user for user in self.staff if user is not owner]
        letter.watchers = pick.sample(others, k=min(len(others), pick.choice((0, 0, 1, 2))))
        chosen = pick.sample(titles, k=pick.randint(2, len(titles)))
        letter.demands = [
            Demand(position=position, title=title, text=f"We urge you to {title.lower()}.")
            for position, title in enumerate(chosen, start=1)
        ]
        self.counts["demands"] += len(chosen)
        how_many = pick.choice((1, 1, 1, 2, 3)) + pick.choice((0, 0, 1))
        addressed = pick.sample(self.habits, k=how_many)
        self.responses: list[Response] = []
        for index, habit in enumerate(addressed):
            role = "to" if index == 0 or pick.random() < 0.5 else "cc"
            letter.recipients.append(self.recipient(letter, habit, role))
        self.counts["recipients"] += len(addressed)
        self.settle(letter)
        return letter

    def recipient(self, letter: Letter, habit: Habit, role: str) -> Recipient:
        pick = self.random
        official = habit.official
        due_on = due_date(
            letter.sent_on, letter.response_window_days, letter.business_days, official.country
        )
        recipient = Recipient(
            official=official, role=role, expects_answer=expects_answer(role, None), due_on=due_on
        )
        if role == "cc":
            return recipient
        roll = pick.random()
        if roll < 0.02:
            recipient.state = "withdrawn"
            return recipient
        if roll < 0.05 and due_on > self.today - timedelta(days=60):
            clock = ClockState(due_on, business_days=letter.business_days, country=official.country)
            paused = pause(clock, min(self.today, due_on - timedelta(days=5)))
            recipient.paused_on, recipient.remaining_days = paused.paused_on, paused.remaining_days
            return recipient
        if pick.random() < 0.3:
            self.respond(letter, recipient, pick.randint(3, 12), "acknowledgement")
        if pick.random() < habit.responsiveness:
            delay = max(4, int(pick.gammavariate(2.0, habit.typical_days / 2)))
            kind = "refusal" if pick.random() < 0.2 else "substantive"
            self.respond(letter, recipient, delay, kind)
        return recipient

    def respond(self, letter: Letter, recipient: Recipient, delay: int, kind: str) -> None:
        received_on = letter.sent_on + timedelta(days=delay)
        if received_on > self.today:
            return
        response = Response(
            letter=letter,
            recipient=recipient,
            received_on=received_on,
            channel=self.random.choice(("email", "email", "post")),
            kind=kind,
            summary={
                "acknowledgement": "Receipt acknowledged; a reply will follow.",
                "substantive": "Detailed reply addressing the demands.",
                "refusal": "The government declines to act on the letter.",
            }[kind],
            created_at=self.now,
        )
        db.session.add(response)
        self.responses.append(response)
        self.counts["responses"] += 1
        if kind == "acknowledgement":
            recipient.acknowledged_on = received_on
            return
        recipient.state = "responded"
        recipient.responded_on = received_on

    def settle(self, letter: Letter) -> None:
        """Demand outcomes follow the answers; old, fully answered letters get closed."""
        pick = self.random
        answers = [r for r in letter.recipients if r.responded_on is not None]
        substantive = any(r.state == "responded" for r in answers)
        age = (self.today - letter.sent_on).days
        for demand in letter.demands:
            if substantive:
                demand.outcome = pick.choices(
                    ("accepted", "partially_met", "met", "rejected", "open"),
                    weights=(20, 25, 10, 30, 15),
                )[0]
            elif age > 400 and pick.random() < 0.15:
                demand.outcome = "withdrawn"
            if demand.outcome != "open":
                demand.outcome_changed_at = self.now
        for response in self.responses:
            if response.kind != "acknowledgement":
                response.answers = [
                    DemandAnswer(demand=demand, stance=STANCE_FOR_OUTCOME[demand.outcome])
                    for demand in letter.demands
                ]
        expected = [r for r in letter.recipients if r.expects_answer and r.state != "withdrawn"]
        answered_long_ago = expected and all(r.responded_on for r in expected) and age > 180
        if answered_long_ago and pick.random() < 0.6:
            letter.status = "closed"
            letter.closed_at = self.now
            for recipient in letter.recipients:
                recipient.state = "closed"


def _sending_days(pick: random.Random, today: date, count: int) -> list[date]:
    start = today - timedelta(days=365 * YEARS)
    span = (today - start).days
    # Busier lately: later days are a little more likely.
    days = sorted(start + timedelta(days=int(span * pick.random() ** 0.85)) for _ in range(count))
    return [day for day in days if day < today]


def generate_history(
    seed: int, today: date, now: datetime, letters: int, suffix: str = ""
) -> HistorySummary:
    generator = _Generator(seed, today, now, suffix)
    sent = _sending_days(generator.random, today, letters)
    for number, sent_on in enumerate(sent, start=1):
        db.session.add(generator.letter(number, sent_on))
    db.session.flush()
    return HistorySummary(letters=len(sent), **generator.counts)
