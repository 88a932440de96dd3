"""A large generated database for the dashboard benchmark, bulk-inserted in chunks.

Per letter: three recipients (two `to`, one `cc` expecting nothing), five demands and,
on average, 1.5 responses. Due dates come from the same rule the app uses; every
recipient still awaiting has the default ladder's three reminder rows (sent once due).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert

from tracker.domain.deadlines import due_date
from tracker.extensions import db
from tracker.models import (
    Campaign,
    Demand,
    Letter,
    Official,
    Recipient,
    Reminder,
    Response,
    utcnow,
)

CHUNK = 5_000
OUTCOMES = ("open", "open", "accepted", "partially_met", "met", "rejected", "withdrawn")
COUNTRIES = ("FR", "DE", "KE", "BR", "IN", "US", "GB", "MX", "ZA", "JP", None)


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


LADDER = (("no_response", 0), ("follow_up", 14), ("escalate", 44))


def _ladder(recipient_id: int, due_on: date, now: datetime) -> list[dict]:
    rows = []
    for step, (kind, offset) in enumerate(LADDER):
        due_at = datetime.combine(due_on + timedelta(days=offset), time(9), tzinfo=UTC)
        sent = due_at <= now
        rows.append(
            {
                "recipient_id": recipient_id,
                "step": step,
                "kind": kind,
                "due_at": due_at,
                "attempt_at": due_at,
                "state": "sent" if sent else "pending",
                "attempts": 1 if sent else 0,
                "sent_at": due_at if sent else None,
                "message_id": f"<bench-{recipient_id}-{step}@bench.invalid>",
                "last_error": "",
                "refused_recipients": "",
                "created_at": now,
            }
        )
    return rows


def generate(letters: int, owner_id: int, today: date, seed: int = 7) -> None:
    pick = random.Random(seed)
    now = utcnow()
    _bulk(Campaign, [{"id": n, "name": f"Campaign {n}", "created_at": now} for n in range(1, 21)])
    officials = max(50, letters // 50)
    _bulk(
        Official,
        [
            {
                "id": n,
                "name": f"Official {n:05d}",
                "country": COUNTRIES[n % len(COUNTRIES)],
                "created_at": now,
            }
            for n in range(1, officials + 1)
        ],
    )
    letter_rows, recipient_rows, demand_rows, response_rows = [], [], [], []
    reminder_rows: list[dict] = []
    recipient_id = 0
    for letter_id in range(1, letters + 1):
        sent_on = today - timedelta(days=pick.randint(1, 3 * 365))
        letter_rows.append(
            {
                "id": letter_id,
                "reference": f"B-{letter_id:07d}",
                "subject": f"Letter {letter_id}",
                "campaign_id": pick.randint(1, 20),
                "sent_on": sent_on,
                "owner_id": owner_id,
                "status": "sent",
                "channel": "email",
                "created_at": now,
                "updated_at": now,
            }
        )
        addressed = pick.sample(range(1, officials + 1), 3)
        due_on = due_date(sent_on, 30, False, None)
        answered_first = False
        for slot, official_id in enumerate(addressed):
            recipient_id += 1
            role = "cc" if slot == 2 else "to"
            row = {
                "id": recipient_id,
                "letter_id": letter_id,
                "official_id": official_id,
                "role": role,
                "expects_answer": role == "to",
                "state": "awaiting",
                "due_on": due_on,
            }
            # Each `to` answers three times in four: 1.5 responses per letter.
            if role == "to" and pick.random() < 0.75:
                received_on = min(today, sent_on + timedelta(days=pick.randint(3, 120)))
                kind = pick.choice(("substantive", "substantive", "refusal", "acknowledgement"))
                response_rows.append(
                    {
                        "letter_id": letter_id,
                        "recipient_id": recipient_id,
                        "received_on": received_on,
                        "kind": kind,
                        "channel": "email",
                        "created_at": now,
                    }
                )
                if kind == "acknowledgement":
                    row["acknowledged_on"] = received_on
                else:
                    row["state"] = "responded"
                    row["responded_on"] = received_on
                    answered_first = True
            recipient_rows.append(row)
            if role == "to" and row["state"] == "awaiting":
                reminder_rows.extend(_ladder(recipient_id, due_on, now))
        for position in range(1, 6):
            outcome = pick.choice(OUTCOMES) if answered_first else "open"
            demand_rows.append(
                {
                    "letter_id": letter_id,
                    "position": position,
                    "title": f"Demand {position}",
                    "text": "Demand text.",
                    "outcome": outcome,
                }
            )
    _bulk(Letter, letter_rows)
    _bulk(Recipient, recipient_rows)
    _bulk(Demand, demand_rows)
    _bulk(Response, response_rows)
    _bulk(Reminder, reminder_rows)
    db.session.commit()
