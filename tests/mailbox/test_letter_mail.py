"""Email on the letter page and on "My work", and the clock of a recipient the letter
never reached."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from tests.letters.test_letters_page_queries import count_queries
from tests.mailbox.conftest import NOW
from tests.support import mail_samples
from tracker.extensions import db
from tracker.models import Letter, MailMessage, Recipient, Reminder
from tracker.services import directory, letters
from tracker.services.audit import Actor
from tracker.services.mailbox import applying, fetch, intake, sending


def editor(users) -> Actor:
    return Actor(users["editor"].id, users["editor"].email)


def recipient_of(letter: Letter, official) -> Recipient:
    return next(r for r in letter.recipients if r.official_id == official.id)


def reply_waiting(sent) -> MailMessage:
    """The minister answers in the thread; one pass puts it on the minister, to review."""
    sent_id = sent.message_id
    reply = mail_samples.reply(sender="minister@gov.example", in_reply_to=sent_id)
    return take(reply)


def take(raw: bytes) -> MailMessage:
    taken = intake.take_safely(raw, NOW, source="upload")
    assert taken.outcome == "taken"
    return db.session.get(MailMessage, taken.message_id)


def test_a_recipient_the_letter_never_reached_keeps_no_clock_after_an_edit(sent, imap, users):
    imap.append(mail_samples.bounce("deputy@gov.example", sent.message_id))
    assert fetch.fetch_mail().taken == 1
    letter = db.session.get(Letter, sent.letter.id)
    deputy, minister = recipient_of(letter, sent.deputy), recipient_of(letter, sent.minister)
    assert deputy.due_on is None and minister.due_on == date(2026, 4, 1)
    # A later edit recounts every clock from the (changed) sent date and window...
    data = replace(
        letters.letter_input_from(letter), sent_on=date(2026, 3, 1), response_window_days=45
    )
    letters.update_letter(editor(users), letter, data, letter.version, NOW)
    db.session.expire_all()
    deputy, minister = recipient_of(letter, sent.deputy), recipient_of(letter, sent.minister)
    assert minister.due_on == date(2026, 4, 15)
    # ...but the address that bounced never received the letter: its clock stays stopped.
    assert deputy.due_on is None
    pending = select(Reminder).where(
        Reminder.recipient_id == deputy.id, Reminder.state == "pending"
    )
    assert db.session.scalars(pending).all() == []
    assert db.session.scalars(
        select(Reminder).where(Reminder.recipient_id == minister.id, Reminder.state == "pending")
    ).all()


def test_the_letter_page_shows_failed_deliveries_and_replies_to_review(sent, client, auth):
    letter = db.session.get(Letter, sent.letter.id)
    applying.mark_delivery_failed(
        recipient_of(letter, sent.deputy), "deputy@gov.example", "550 5.1.1 User unknown", NOW
    )
    db.session.commit()
    message = reply_waiting(sent)
    assert message.review_state == "to_review"
    auth.login("editor")
    page = client.get(f"/letters/{letter.id}").text
    assert "Not delivered" in page and "Ben Deputy &lt;deputy@gov.example&gt;" in page
    assert "550 5.1.1 User unknown" in page
    review = f'href="/mailbox/messages/{message.id}/review">Review the reply from Ana Minister'
    assert review in page
    assert "Sent by email on 2026-03-02 09:00 UTC" in page
    assert "Send by email</a>" not in page  # sent already
    auth.logout()
    auth.login("viewer")
    page = client.get(f"/letters/{letter.id}").text
    assert "Ben Deputy &lt;deputy@gov.example&gt;" in page and "Replies to review" in page
    assert f"/mailbox/messages/{message.id}/review" not in page  # viewers cannot review


def test_send_by_email_is_offered_to_editors_on_an_email_letter_not_yet_sent(
    mail_app, client, auth, users
):
    actor = editor(users)
    official = directory.create_official(actor, name="Cleo Clerk", email="clerk@gov.example")
    made = {}
    for channel in ("email", "post"):
        data = letters.LetterInput(
            subject=f"By {channel}",
            owner_id=users["editor"].id,
            channel=channel,
            recipients=(letters.RecipientInput(official.id, "to"),),
        )
        made[channel] = letters.create_letter(actor, data, NOW).id
    button = f'href="/mailbox/letters/{made["email"]}/send">Send by email</a>'
    auth.login("editor")
    assert button in client.get(f"/letters/{made['email']}").text
    assert "Send by email" not in client.get(f"/letters/{made['post']}").text
    auth.logout()
    auth.login("viewer")
    assert "Send by email" not in client.get(f"/letters/{made['email']}").text
    auth.logout()
    # Once queued and sent, the button gives way to when it went.
    letter = db.session.get(Letter, made["email"])
    sending.queue(actor, letter, NOW)
    assert sending.send_due(NOW) == 1
    auth.login("editor")
    page = client.get(f"/letters/{made['email']}").text
    assert "Send by email</a>" not in page and "Sent by email on" in page


def letter_to(users, size: int, tag: str) -> Letter:
    """A letter sent from Tracker to `size` officials; every odd one bounced, every even
    one replied (waiting for review)."""
    actor = editor(users)
    people = [
        directory.create_official(actor, name=f"Official {tag} {n}", email=f"o{n}@{tag}.example")
        for n in range(size)
    ]
    data = letters.LetterInput(
        subject=f"Letter {tag}",
        owner_id=users["editor"].id,
        recipients=tuple(letters.RecipientInput(p.id, "to") for p in people),
    )
    letter = letters.create_letter(actor, data, NOW)
    sending.queue(actor, letter, NOW)
    assert sending.send_due(NOW) == 1
    for n, recipient in enumerate(letter.recipients):
        if n % 2:
            applying.mark_delivery_failed(recipient, recipient.official.email, "550 no", NOW)
    db.session.commit()
    for n, recipient in enumerate(letter.recipients):
        if not n % 2:
            take(mail_samples.reply(sender=recipient.official.email, subject=f"Re: {tag}"))
    return letter


def test_the_letter_page_reads_email_in_the_same_queries_for_2_recipients_as_for_20(
    mail_app, client, auth, users
):
    counts = []
    for size in (2, 20):
        letter = letter_to(users, size, f"size{size}")
        auth.login("editor")
        count, page = count_queries(client, f"/letters/{letter.id}")
        auth.logout()
        assert page.count("delivery failed</span>") == size // 2
        assert page.count(">Review the reply from") == size // 2
        counts.append(count)
    assert counts[0] == counts[1]


def test_my_work_lists_the_replies_to_review_on_my_letters(sent, client, auth):
    message = reply_waiting(sent)
    auth.login("editor")  # the letter's owner
    page = client.get("/").text
    link = re.search(r'href="([^"]+)">Review the reply from Ana Minister to L-2026-0001', page)
    assert link and link.group(1) == f"/mailbox/messages/{message.id}/review"
    assert client.get(link.group(1)).status_code == 200
    auth.logout()
    auth.login("admin")  # neither owns nor watches it
    assert "Replies to review" not in client.get("/").text
