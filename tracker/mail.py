"""Outgoing email: compose from templates/email/, send over SMTP or keep in the outbox.

`MAIL_URL` chooses the transport:

- unset: no email leaves the machine; every message is kept in the outbox
  (OutboxMessage), which admins read at /admin/outbox.
- `smtp://[user:password@]host[:port]`: plain SMTP (port 25 by default);
  add `?starttls=1` to require STARTTLS (port 587 by default).
- `smtps://[user:password@]host[:port]`: SMTP over TLS from the first byte (port 465).

User name and password are percent-decoded, so `p%40ss` means `p@ss`. The server's
certificate is always verified, against the system's trust store or, when
`MAIL_CA_FILE` names one, against the CA certificates in that file. Every socket
operation gives up after `MAIL_TIMEOUT` seconds (30 by default). A sweep sends all its
emails over one connection. Each email that is
delivered (to the server, or to the outbox when there is none) is also kept in the
outbox; an attempt that failed is not, its error is kept on the reminder instead.

A delivery has one of four outcomes: sent (to every address, or to some while the
others were refused for good), retry (the server answered 4xx, for the message or for
some addresses: try those again later), fail (5xx for the message or every address),
and unreachable (no connection, a timeout, a dropped connection, a refused login or
TLS set-up, or 421 "closing"): the server never judged the message, so nothing counts
against it, and the caller stops sending until the server is back.

Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr
from functools import cache
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import Connection, insert

from tracker.domain import message_ids
from tracker.domain.smtp_replies import reply_text, verdict
from tracker.extensions import db
from tracker.models import OutboxMessage

Outcome = Literal["sent", "retry", "fail", "unreachable"]


@dataclass(frozen=True)
class Email:
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    # Message-IDs this email follows, oldest first (In-Reply-To is the last one).
    references: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    reply_to: str = ""
    # (file name, content type, bytes)
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    # Reminders are machine mail (Auto-Submitted); a letter to an official is not.
    automatic: bool = True


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    error: str = ""
    # Addresses the server refused for good: {address: "550 reason"}.
    refused: dict[str, str] = field(default_factory=dict)
    # Addresses refused for now (greylisting): {address: "450 reason"}; retry those only.
    deferred: dict[str, str] = field(default_factory=dict)
    # Addresses the server accepted the message for.
    accepted: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: Literal["none", "starttls", "tls"]
    username: str | None
    password: str | None


def parse_mail_url(url: str) -> SmtpSettings:
    parts = urlsplit(url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = options.get("starttls", "").lower() in {"1", "true", "yes", "on"}
    if parts.scheme == "smtps":
        security, default_port = "tls", 465
    elif parts.scheme == "smtp":
        security, default_port = ("starttls", 587) if starttls else ("none", 25)
    else:
        raise ValueError(f"MAIL_URL must start with smtp:// or smtps://, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("MAIL_URL has no host name")
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,  # type: ignore[arg-type]
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


# --- composing -----------------------------------------------------------------------


def render(template: str, **context: Any) -> str:
    """Render templates/email/<template> (autoescaped when it ends in .html).

    The app's Jinja environment, not render_template: the sweep runs outside any
    request, and the web UI's context processors need a logged-in user.
    """
    return current_app.jinja_env.get_template(f"email/{template}").render(**context)


def sender_domain() -> str:
    """The domain of MAIL_FROM, which Message-IDs carry (RFC 5322 3.6.4: unique by domain)."""
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    domain = address.rpartition("@")[2]
    return domain or urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"


def one_line(text: str) -> str:
    """Header-safe text: a name or subject with a line break must not add headers."""
    return " ".join(text.split())


def compose(
    template: str,
    *,
    to: tuple[str, ...],
    subject: str,
    message_id: str,
    references: tuple[str, ...] = (),
    **context: Any,
) -> Email:
    return Email(
        sender=current_app.config["MAIL_FROM"],
        to=to,
        subject=one_line(subject),
        text=render(f"{template}.txt", **context),
        html=render(f"{template}.html", **context),
        message_id=message_id,
        references=references,
    )


def to_message(email: Email, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = ", ".join(email.to)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = email.message_id
    if email.references:
        message["In-Reply-To"] = email.references[-1]
        message["References"] = " ".join(email.references)
    if email.automatic:  # keeps out-of-office replies from answering a machine
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for name, content_type, data in email.attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=name
        )
    return message


def new_message_id(kind: message_ids.MessageKind) -> str:
    """A fresh, unique Message-ID for an email of `kind` (format: `message_ids`)."""
    return message_ids.message_id(kind, sender_domain(), uuid.uuid4().hex)


# --- delivering ----------------------------------------------------------------------


class Mailer:
    """Delivers emails through MAIL_URL, or keeps them in the outbox when there is none.

    One SMTP connection serves a whole batch (a sweep): opened on the first email,
    checked with NOOP before each next one, dropped after any error and reopened for
    the next email. Never raises for a mail problem: each result says whether to
    retry or give up. Use as a context manager so the connection is closed.
    """

    def __init__(self) -> None:
        mail_url = current_app.config.get("MAIL_URL")
        self.settings = parse_mail_url(mail_url) if mail_url else None
        self.timeout = current_app.config["MAIL_TIMEOUT"]
        self.ca_file = current_app.config.get("MAIL_CA_FILE") or None
        self._client: smtplib.SMTP | None = None
        # Whether a server answered about a message in this batch: it is reachable.
        self.answered = False

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            _close(self._client)
            self._client = None

    def deliver(
        self,
        email: Email,
        now: datetime,
        *,
        reminder_id: int | None = None,
        digest_id: int | None = None,
        connection: Connection | None = None,
    ) -> Delivery:
        """Send `email`; keep it in the outbox through `connection` (or the session)."""
        delivery = Delivery("sent", accepted=email.to)
        if self.settings is not None:
            delivery = self._send(to_message(email, now))
            self.answered = self.answered or delivery.outcome != "unreachable"
        if delivery.accepted:
            keep_in_outbox(email, now, reminder_id, connection, digest_id)
        return delivery

    def _connection(self) -> smtplib.SMTP:
        if self._client is not None:
            try:
                if self._client.noop()[0] == 250:
                    return self._client
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        assert self.settings is not None
        client = _connect(self.settings, self.timeout, _tls_context(self.ca_file))
        try:
            if self.settings.username:
                client.login(self.settings.username, self.settings.password or "")
        except BaseException:
            _close(client)
            raise
        self._client = client
        return client

    def _send(self, message: EmailMessage) -> Delivery:
        """4xx replies are worth retrying, 5xx are final; no answer is an outage."""
        assert self.settings is not None
        headers = [message["To"], *([message["Cc"]] if message["Cc"] else [])]
        recipients = [address for _name, address in getaddresses(headers)]
        sender = parseaddr(message["From"])[1]
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            client = self._connection()
        except smtplib.SMTPAuthenticationError as error:
            return _unreachable(f"{where} refused the login: {_reply_of(error)}")
        except smtplib.SMTPResponseException as error:  # refused us before any message
            return _unreachable(f"{where}: {_reply_of(error)}")
        except smtplib.SMTPNotSupportedError as error:
            # Not sent rather than sent in clear: the offer may come back, or have been
            # stripped on the way.
            return _unreachable(f"{where}: {error}")
        except ssl.SSLCertVerificationError as error:
            return _unreachable(f"{where} presented a certificate that is not trusted: {error}")
        except (smtplib.SMTPException, OSError) as error:
            return _unreachable(f"cannot reach {where}: {error}")
        try:
            refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as error:
            return _per_address(error.recipients, ())
        except smtplib.SMTPResponseException as error:
            self.close()
            if _is_outage_reply(error.smtp_code):
                return _unreachable(f"{where}: {_reply_of(error)}")
            return _reply_delivery(error)
        except smtplib.SMTPNotSupportedError as error:
            self.close()
            return Delivery("fail", f"the mail server does not support this: {error}")
        except (smtplib.SMTPException, OSError) as error:  # timeouts, dropped connections
            self.close()
            return _unreachable(f"{where}: {type(error).__name__}: {error}")
        return _per_address(refused, tuple(r for r in recipients if r not in refused))


def keep_in_outbox(
    email: Email,
    now: datetime,
    reminder_id: int | None,
    connection: Connection | None = None,
    digest_id: int | None = None,
) -> None:
    headers = [f"Message-ID: {email.message_id}"]
    if email.references:
        headers += [
            f"In-Reply-To: {email.references[-1]}",
            f"References: {' '.join(email.references)}",
        ]
    # A Core INSERT built once: nothing reads the row back, and a sweep writes thousands.
    (connection or db.session).execute(
        _outbox_insert(),
        {
            "reminder_id": reminder_id,
            "digest_id": digest_id,
            "message_id": email.message_id,
            "sender": email.sender,
            "recipients": ", ".join(email.to),
            "subject": email.subject,
            "headers": "\n".join(headers),
            "body_text": email.text,
            "body_html": email.html,
            "created_at": now,
        },
    )


@cache
def _outbox_insert():
    return insert(OutboxMessage.__table__)


def _reply_delivery(error: smtplib.SMTPResponseException) -> Delivery:
    return Delivery(verdict(error.smtp_code), reply_text(error.smtp_code, error.smtp_error))


def _reply_of(error: smtplib.SMTPResponseException) -> str:
    return reply_text(error.smtp_code, error.smtp_error)


def _is_outage_reply(code: int) -> bool:
    """421: the server is closing the connection, whatever the message; not a verdict."""
    return code == 421


def _unreachable(error: str) -> Delivery:
    return Delivery("unreachable", error)


def _per_address(replies: dict[str, tuple[int, bytes]], accepted: tuple[str, ...]) -> Delivery:
    """Each refused address by its own reply: 4xx ones are retried, 5xx ones recorded."""
    if any(_is_outage_reply(code) for code, _text in replies.values()):
        return _unreachable("; ".join(reply_text(c, t) for c, t in replies.values()))
    refused: dict[str, str] = {}
    deferred: dict[str, str] = {}
    for address, (code, text) in replies.items():
        permanent = verdict(code) == "fail"
        (refused if permanent else deferred)[address] = reply_text(code, text)
    if deferred:
        outcome: Outcome = "retry"
        error = "; ".join(deferred.values())
    else:
        outcome, error = ("sent", "") if accepted else ("fail", "; ".join(refused.values()))
    return Delivery(outcome, error, refused, deferred, accepted)


@cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verifies the server's certificate and name, against `ca_file` or the system's store."""
    # Loading certificates takes tens of milliseconds: once per process and file.
    try:
        return ssl.create_default_context(cafile=ca_file)
    except OSError as error:  # includes ssl.SSLError: a file that is not PEM
        raise OSError(f"MAIL_CA_FILE {ca_file} cannot be used: {error}") from error


def _connect(settings: SmtpSettings, timeout: float, context: ssl.SSLContext) -> smtplib.SMTP:
    if settings.security == "tls":
        return smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    if settings.security == "starttls":
        try:
            client.ehlo()
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError(
                    "the server does not offer STARTTLS, which MAIL_URL requires; "
                    "nothing was sent in clear text"
                )
            client.starttls(context=context)
        except BaseException:
            _close(client)
            raise
    return client


def _close(client: smtplib.SMTP) -> None:
    """Say goodbye if the server still listens; a failed QUIT must not undo a send."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
