"""Email pages: triage, a received message, reviewing a reply, sending a letter."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from tracker.auth import current_actor, current_visibility, requires
from tracker.domain import mail_text
from tracker.domain.mail_reading import read_message
from tracker.errors import status_for
from tracker.extensions import db
from tracker.models import (
    STANCES,
    Letter,
    LetterSend,
    MailAttachment,
    MailDelivery,
    MailMessage,
    utcnow,
)
from tracker.queries import mailbox as mail_queries
from tracker.queries.access import letter_is_visible, letter_visible
from tracker.queries.letters.page import load_letter
from tracker.services.errors import ServiceError
from tracker.services.mailbox import lookup, sending, storage, triage
from tracker.services.responses import ResponseInput
from tracker.settings import organisation_today
from tracker.web.forms.letters import STANCE_CHOICES, ResponseForm, stance_field_name

bp = Blueprint("mailbox", __name__, url_prefix="/mailbox")

# Row ids are 32-bit in the schema: anything larger names nothing (and would overflow
# SQLite's integer binding rather than find no row).
MAX_ROW_ID = 2**31 - 1


def _row_id(raw: str) -> int:
    """A submitted id, or -1 when it is not one (not digits, or out of range)."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ROW_ID else -1


def _message(message_id: int) -> MailMessage:
    """An inbound message; 404 when it is matched to a letter the user may not see."""
    message = db.session.get(MailMessage, message_id) if message_id <= MAX_ROW_ID else None
    if message is None or message.direction != "in":
        abort(404)
    if message.letter_id is not None and not letter_is_visible(
        current_visibility(), message.letter_id
    ):
        abort(404)
    return message


def _visible(letters: list[Letter]) -> list[Letter]:
    """Those of `letters` the user may see (one query), in the same order."""
    if not letters:
        return []
    seen = set(
        db.session.scalars(
            select(Letter.id).where(
                Letter.id.in_([letter.id for letter in letters]),
                letter_visible(current_visibility()),
            )
        )
    )
    return [letter for letter in letters if letter.id in seen]


@bp.route("/triage")
@requires("editor")
def triage_page():
    return render_template(
        "mailbox/triage.html",
        messages=mail_queries.triage_queue(visibility=current_visibility()),
        health=mail_queries.mailbox_health(),
        to_review=mail_queries.replies_to_review(visibility=current_visibility()),
    )


@bp.route("/upload", methods=["POST"])
@requires("editor")
def upload():
    storage_file = request.files.get("eml")
    raw = storage_file.stream.read(triage.MAX_UPLOAD + 1) if storage_file else b""
    try:
        taken = triage.upload(raw, utcnow())
    except ServiceError as error:
        flash(str(error), "error")
        return redirect(url_for("mailbox.triage_page")), status_for(error)
    if taken.outcome == "duplicate":
        flash("This message was already received.", "info")
        return redirect(url_for("mailbox.triage_page"))
    flash("Message taken.", "success")
    return redirect(url_for("mailbox.show", message_id=taken.message_id))


def _suggestions(message: MailMessage) -> list[Letter]:
    ids = [message.letter_id] if message.letter_id else []
    if message.raw_key and message.state == "triage":
        parsed = read_message(storage.read(message.raw_key))
        ids += list(lookup.decide(parsed).suggested_letter_ids)
    return _visible(list(lookup.letters_by_id(ids).values()))


@bp.route("/messages/<int:message_id>")
@requires("editor")
def show(message_id: int):
    """The message; `?reference=` adds the letter staff look for to the suggested ones."""
    message = _message(message_id)
    suggestions = _suggestions(message)
    reference = request.args.get("reference", "").strip()[:50]
    found = lookup.letter_by_reference(reference) if reference else None
    if found is not None and not _visible([found]):
        found = None  # a restricted letter is not found by whom it is hidden to
    if found is not None and found.id not in {letter.id for letter in suggestions}:
        suggestions.append(found)
    return render_template(
        "mailbox/message.html",
        message=message,
        folded=mail_text.fold(message.body_text),
        suggestions=suggestions,
        reference=reference,
        reference_missing=bool(reference) and found is None,
    ), (404 if reference and found is None else 200)


@bp.route("/messages/<int:message_id>/decide", methods=["POST"])
@requires("editor")
def decide(message_id: int):
    message = _message(message_id)
    action = request.form.get("action", "")
    try:
        if action == "attach":
            recipient_id = _row_id(request.form.get("recipient_id", ""))
            triage.attach(current_actor(), message, recipient_id, utcnow())
        else:
            triage.dismiss(current_actor(), message, action, utcnow())
    except ServiceError as error:
        flash(str(error), "error")
        return redirect(url_for("mailbox.show", message_id=message_id)), status_for(error)
    flash("Done.", "success")
    return redirect(url_for("mailbox.triage_page"))


@bp.route("/attachments/<int:attachment_id>")
@requires("viewer")
def attachment(attachment_id: int):
    found = db.session.get(MailAttachment, attachment_id) if attachment_id <= MAX_ROW_ID else None
    if found is None or not found.file_key:
        abort(404)
    letter_id = found.message.letter_id
    if letter_id is not None and not letter_is_visible(current_visibility(), letter_id):
        abort(404)
    path = storage.path_of(found.file_key)
    if not path.is_file():
        abort(404)
    # Saved, never rendered: a file that lies about its type stays inert.
    response = send_file(
        io.BytesIO(storage.read(found.file_key)),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=found.file_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _review_data(message: MailMessage, form: ResponseForm) -> ResponseInput:
    stances = {}
    for demand in message.recipient.letter.demands:
        value = request.form.get(stance_field_name(demand), "not_addressed")
        stances[demand.id] = value if value in STANCES else value[:20]
    return ResponseInput(
        recipient_id=message.recipient_id or -1,
        received_on=form.received_on.data,
        kind=form.kind.data,
        channel="email",
        summary=form.summary.data or "",
        body=form.body.data or "",
        stances=stances,
    )


@bp.route("/messages/<int:message_id>/review", methods=["GET", "POST"])
@requires("editor")
def review(message_id: int):
    message = _message(message_id)
    if message.recipient is None or message.review_state != "to_review":
        flash("This message has no reply waiting for review.", "info")
        return redirect(url_for("mailbox.show", message_id=message_id))
    letter = message.recipient.letter
    form = ResponseForm()
    form.set_recipients(letter)
    status, errors = 200, {}
    if request.method == "GET":
        folded = mail_text.fold(message.body_text)
        form.recipient_id.data = str(message.recipient_id)
        form.received_on.data = organisation_today(message.date_header or utcnow())
        form.summary.data = folded.written[:1000]
        form.body.data = message.body_text
    elif request.form.get("recipient_id", str(message.recipient_id)) != str(message.recipient_id):
        # The reply is on its recipient; a form naming someone else was tampered with or stale.
        name = message.recipient.official.name
        status, errors = 400, {"recipient_id": f"This reply is recorded on {name} only."}
    elif form.validate():
        try:
            triage.review(current_actor(), message, _review_data(message, form), utcnow())
        except ServiceError as error:
            errors = error.fields or {"review": error.message}
            status = status_for(error)
        else:
            flash("Reply reviewed and recorded as a response.", "success")
            return redirect(url_for("letters.show", letter_id=letter.id, _anchor="responses"))
    else:
        status = 400
    return render_template(
        "mailbox/review.html",
        message=message,
        letter=letter,
        form=form,
        errors=errors,
        stance_choices=STANCE_CHOICES,
        stance_field_name=stance_field_name,
        stances={},
    ), status


@bp.route("/letters/<int:letter_id>/send", methods=["GET", "POST"])
@requires("editor")
def send_letter(letter_id: int):
    letter = load_letter(letter_id if letter_id <= MAX_ROW_ID else -1, current_visibility())
    if request.method == "POST":
        try:
            sending.queue(current_actor(), letter, utcnow())
        except ServiceError as error:
            flash(str(error), "error")
            return redirect(url_for("mailbox.send_letter", letter_id=letter_id)), status_for(error)
        sending.send_due(utcnow(), limit=1)
        flash("The letter was handed to the mail server.", "success")
        return redirect(url_for("letters.show", letter_id=letter_id))
    send, email = sending.preview(letter)
    return render_template(
        "mailbox/send.html",
        letter=letter,
        send=send,
        email=email,
        problems=sending.problems(letter),
        user=current_user,
    )


def _delivery(delivery_id: int) -> MailDelivery:
    """A recipient's delivery; 404 when there is none or its letter is hidden to the user."""
    found = db.session.get(MailDelivery, delivery_id) if delivery_id <= MAX_ROW_ID else None
    if found is None or not letter_is_visible(current_visibility(), found.recipient.letter_id):
        abort(404)
    return found


def _back(delivery: MailDelivery):
    """Back to where the button was: the delivery problems page, or the letter's."""
    if request.form.get("back") == "problems" and current_user.has_role("admin"):
        return redirect(url_for("delivery.problems"))
    anchor = f"delivery-{delivery.recipient_id}"
    return redirect(url_for("letters.show", letter_id=delivery.recipient.letter_id, _anchor=anchor))


@bp.route("/deliveries/<int:delivery_id>/resend", methods=["POST"])
@requires("editor")
def resend_delivery(delivery_id: int):
    """Send the letter again to a recipient it did not reach, at their current address."""
    delivery = _delivery(delivery_id)
    failed_for = delivery.address
    try:
        send = sending.resend(current_actor(), delivery, utcnow())
    except ServiceError as error:
        flash(str(error), "error")  # shown where the button was, as on delivery problems
        return _back(delivery)
    address = delivery.recipient.official.email or ""
    name = delivery.recipient.official.name
    same = address.lower() == failed_for.lower()
    note = (
        " This is the address it failed for: if it is wrong, correct it in Officials first."
        if same
        else ""
    )
    sending.send_due(utcnow(), limit=1)
    db.session.expire_all()
    send, delivery = db.session.get(LetterSend, send.id), db.session.get(MailDelivery, delivery_id)
    if send.state == "sent" and delivery.state == "delivered":
        flash(f"The letter was sent again to {name} <{address}>; their clock counts from now.",
              "success")  # fmt: skip
    elif delivery.state == "failed" and send.state in ("sent", "failed"):
        flash(f"The mail server refused the letter again for {name} <{address}>: "
              f"{delivery.error}.{note}", "error")  # fmt: skip
    else:
        flash(f"The letter will be sent again to {name} <{address}> as soon as the mail server "
              f"answers.{note}", "info")  # fmt: skip
    return _back(delivery)


@bp.route("/deliveries/<int:delivery_id>/dismiss", methods=["POST"])
@requires("editor")
def dismiss_delivery(delivery_id: int):
    delivery = _delivery(delivery_id)
    try:
        sending.dismiss_failure(current_actor(), delivery, utcnow())
    except ServiceError as error:
        flash(str(error), "error")  # shown where the button was, as on delivery problems
        return _back(delivery)
    flash("The failed delivery is dismissed: it stays on the letter's page and leaves the "
          "delivery problems.", "success")  # fmt: skip
    return _back(delivery)
