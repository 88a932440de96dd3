"""The letter page issues the same number of queries for 2 rows as for 40."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from tests.support.letter_helpers import NOW, editor_actor
from tracker.extensions import db
from tracker.services import directory, letters
from tracker.services.letters import DemandInput, RecipientInput
from tracker.services.responses import ResponseInput, record_response


def build_letter(users, size: int, tag: str) -> int:
    actor = editor_actor(users)
    people = [
        directory.create_official(actor, name=f"Official {tag} {i}", country="US")
        for i in range(size)
    ]
    letter = letters.create_letter(
        actor,
        letters.LetterInput(
            subject=f"Letter {tag}",
            owner_id=users["editor"].id,
            sent_on=date(2020, 3, 2),
            watcher_ids=(users["admin"].id, users["viewer"].id),
            recipients=tuple(
                RecipientInput(p.id, "to" if i % 2 else "cc") for i, p in enumerate(people)
            ),
            demands=tuple(DemandInput(f"Demand {i}", f"Text of demand {i}.") for i in range(size)),
        ),
        NOW,
    )
    for i, recipient in enumerate(letter.recipients):
        record_response(
            actor,
            letter,
            ResponseInput(
                recipient.id,
                date(2020, 4, 1),
                "substantive" if i % 2 else "acknowledgement",
                summary=f"Reply {i}",
                stances={d.id: "rejected" for d in letter.demands[: i + 1]},
            ),
            NOW,
        )
    for demand in letter.demands:
        letters.set_demand_outcome(actor, demand, "rejected", "Refused", demand.version, NOW)
    letters.create_letter(
        actor,
        letters.LetterInput(
            subject=f"Follow-up {tag}", owner_id=users["editor"].id, follows_up_id=letter.id
        ),
        NOW,
    )
    return letter.id


def count_queries(client, url: str) -> tuple[int, str]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), response.text


def test_the_letter_page_query_count_does_not_grow_with_rows(app, client, auth, users):
    small = build_letter(users, 2, "small")
    large = build_letter(users, 40, "large")
    for role in ("editor", "viewer"):
        auth.login(role)
        small_count, _ = count_queries(client, f"/letters/{small}")
        large_count, page = count_queries(client, f"/letters/{large}")
        assert page.count("Reply ") == 40
        assert "Official large 39" in page
        assert large_count == small_count, role
        assert large_count <= 20
        auth.logout()
