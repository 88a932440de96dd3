"""A reply comes back by itself: appended to the real Dovecot mailbox, taken by one
`flask tracker fetch-mail`, reviewed by the letter's owner from My work. And hostile
messages opened in triage run no script and load nothing remote."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.test_accessibility import assert_accessible, prepare_axe
from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD, serving
from tests.mailbox.conftest import NOW, mail_settings, make_sent_letter
from tests.support import mail_samples
from tracker.extensions import db
from tracker.models import MailMessage, Recipient, Reminder
from tracker.services import letters
from tracker.services.audit import Actor
from tracker.services.mailbox import applying, intake

pytestmark = pytest.mark.browser


@pytest.fixture
def app(make_app, imap, smtp):
    """One app for the test body and the served pages: the mailbox, SMTP, and CSRF on."""
    app = make_app(WTF_CSRF_ENABLED=True, **mail_settings(imap, smtp))
    with app.app_context():
        yield app


@pytest.fixture
def mail_server(app):
    with serving(app) as server:
        yield server


def no_favicon(page: Page) -> None:
    """Answer the favicon in the browser: these tests move on from page to page fast, and
    a favicon download cut short by the next navigation leaves the development server's
    file unclosed (a ResourceWarning, an error in this suite)."""
    page.context.route("**/favicon.svg", lambda route: route.fulfill(status=204))


def fetch_mail_once(app) -> str:
    result = app.test_cli_runner().invoke(args=["tracker", "fetch-mail"])
    assert result.exit_code == 0, result.output
    return result.output


def reminders_of(recipient_id: int) -> list[Reminder]:
    db.session.expire_all()
    return list(db.session.scalars(select(Reminder).where(Reminder.recipient_id == recipient_id)))


def test_the_owner_reviews_a_reply_from_my_work_and_the_reminders_are_cancelled(
    page: Page, app, mail_server, imap, users
):
    sent = make_sent_letter(users)
    minister = next(r for r in sent.letter.recipients if r.official_id == sent.minister.id)
    planned = reminders_of(minister.id)
    assert planned and {reminder.state for reminder in planned} == {"pending"}
    imap.append(
        mail_samples.reply(
            sender="minister@gov.example",
            in_reply_to=sent.message_id,
            text="We reject demands one and two.\n\n> Our letter, quoted",
        )
    )
    assert "taken 1" in fetch_mail_once(app)

    no_favicon(page)
    log_in(page, mail_server.url, users["editor"].email, PASSWORD)  # the letter's owner
    replies = page.get_by_role("region", name="Replies to review")
    link = replies.get_by_role("link", name="Review the reply from Ana Minister to L-2026-0001")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review the reply")
    expect(page.get_by_label("Summary")).to_have_value("We reject demands one and two.")
    page.get_by_label("Kind").select_option(label="Refusal")
    page.get_by_label("1. Release them").select_option("rejected")
    page.get_by_label("2. Open an inquiry").select_option("rejected")
    page.get_by_role("button", name="Record the response").click()

    expect(page.get_by_text("Reply reviewed and recorded as a response.")).to_be_visible()
    response = page.locator("#responses article").first
    expect(response).to_contain_text("Refusal from Ana Minister")
    ladder = page.locator(f"#ladder-{minister.id}")
    expect(ladder).to_contain_text("cancelled")
    expect(ladder).not_to_contain_text("planned")
    for number in (1, 2):
        demand = page.locator(f"#demand-{sent.letter.demands[number - 1].id}")
        expect(demand).to_contain_text("Ana Minister (refusal, 2026-03-02): Rejected")
    expect(page.locator("#email")).not_to_contain_text("Replies to review")

    states = {reminder.state for reminder in reminders_of(minister.id)}
    assert states == {"cancelled"}
    assert db.session.get(Recipient, minister.id).state != "awaiting"
    message = db.session.scalar(select(MailMessage).where(MailMessage.direction == "in"))
    assert message.review_state == "reviewed" and message.response.kind == "refusal"
    page.goto(mail_server.url + "/")
    expect(page.get_by_role("region", name="Replies to review")).to_have_count(0)


HOSTILE = {
    "hostile_html": mail_samples.hostile_html,
    "hostile_headers": mail_samples.hostile_headers,
    "malformed": mail_samples.malformed,
    "fake_pdf": mail_samples.fake_pdf,
    "many_attachments": mail_samples.many_attachments,
    "huge": mail_samples.huge,
    "forged": mail_samples.forged,
}


def test_hostile_messages_open_in_triage_without_running_anything(
    page: Page, app, mail_server, imap, users
):
    for make in HOSTILE.values():
        imap.append(make())
    assert "taken 7" in fetch_mail_once(app)
    messages = list(db.session.scalars(select(MailMessage).where(MailMessage.direction == "in")))
    assert len(messages) == len(HOSTILE) and {m.state for m in messages} == {"triage"}

    events: list[str] = []
    remote: list[str] = []
    page.on("dialog", lambda dialog: (events.append(f"dialog {dialog.message}"), dialog.dismiss()))
    page.on("console", lambda message: events.append(f"console {message.text}"))
    page.on("pageerror", lambda error: events.append(f"error {error}"))

    def only_local(route):
        if route.request.url.endswith("/favicon.svg"):
            route.fulfill(status=204)  # as no_favicon does
        elif urlsplit(route.request.url).hostname != "127.0.0.1":
            remote.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.context.route("**/*", only_local)
    log_in(page, mail_server.url, users["editor"].email, PASSWORD)
    page.goto(mail_server.url + "/mailbox/triage")
    rows = page.locator("section", has_text="Triage").locator("tbody tr")
    expect(rows).to_have_count(len(HOSTILE))
    for message in messages:
        page.goto(f"{mail_server.url}/mailbox/messages/{message.id}")
        expect(page.locator("#mail-text")).to_be_attached()
        page.locator("body").hover()  # an onmouseover would fire here
        assert page.evaluate("typeof window.pwned") == "undefined", message.subject
        assert page.title() != "pwned"
        # Shown as text, and nothing missing: the subject, the reason, each attachment.
        if message.subject:
            expect(page.get_by_role("heading", level=1)).to_have_text(message.subject)
        if message.problem:
            expect(page.locator("#problem")).to_contain_text(message.problem.splitlines()[0])
        attachments = page.locator("section", has_text="Attachments").locator("li")
        expect(attachments).to_have_count(len(message.attachments))
        for attachment in message.attachments:
            expect(page.get_by_role("link", name=attachment.file_name, exact=True)).to_be_attached()
    by_subject = {m.subject: m for m in messages}
    page.goto(f"{mail_server.url}/mailbox/messages/{by_subject['Please read'].id}")
    expect(page.locator("#mail-text")).to_contain_text("<script>window.pwned=3</script> we refuse")
    page.goto(f"{mail_server.url}/mailbox/messages/{by_subject['Five hundred files'].id}")
    expect(page.locator("#problem")).to_contain_text("More than 50 attachments")
    assert events == [] and remote == []


def test_the_pages_showing_email_are_accessible(page: Page, app, mail_server, users):
    csp_errors = prepare_axe(page)
    no_favicon(page)
    sent = make_sent_letter(users)
    deputy = next(r for r in sent.letter.recipients if r.official_id == sent.deputy.id)
    applying.mark_delivery_failed(deputy, "deputy@gov.example", "550 5.1.1 User unknown", NOW)
    db.session.commit()
    reply = mail_samples.reply(sender="minister@gov.example", in_reply_to=sent.message_id)
    waiting = intake.take_safely(reply, NOW, source="upload").message_id
    stranger = mail_samples.reply(sender="someone@elsewhere.example", subject="Hello")
    unmatched = intake.take_safely(stranger, NOW, source="upload").message_id
    draft = letters.create_letter(
        Actor(users["editor"].id, "editor"),
        letters.LetterInput(
            subject="Not sent yet",
            owner_id=users["editor"].id,
            recipients=(letters.RecipientInput(sent.minister.id, "to"),),
        ),
        NOW,
    )
    log_in(page, mail_server.url, users["editor"].email, PASSWORD)
    for path in [
        "/",
        f"/letters/{sent.letter.id}",
        f"/letters/{draft.id}",
        f"/mailbox/letters/{draft.id}/send",
        "/mailbox/triage",
        f"/mailbox/messages/{unmatched}?reference=L-2026-0001",
        f"/mailbox/messages/{waiting}/review",
    ]:
        assert_accessible(page, mail_server.url + path, csp_errors)
    page.goto(f"{mail_server.url}/letters/{sent.letter.id}")
    expect(page.locator("#email")).to_contain_text("Not delivered")
    expect(page.locator("#email")).to_contain_text("Replies to review")
