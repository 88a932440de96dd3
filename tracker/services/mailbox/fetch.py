"""One pass over the organisation's mailbox (INBOUND_URL): take each new message once.

`imaps://user:password@host[:port]/FOLDER` speaks TLS from the first byte (port 993);
`imap://...` must upgrade with STARTTLS (port 143) and gives up rather than log in over
clear text. The certificate is always verified (INBOUND_CA_FILE, or the system's store).

After a message is taken (or found already taken), it is flagged with the keyword
`$TrackerTaken` and \\Seen (INBOUND_AFTER=flag), or moved to a folder
(INBOUND_AFTER=move:<folder>). A pass looks at every message not yet flagged (or, when
moving, every message in the folder), and skips the UIDs the database already holds, so
a pass killed anywhere leaves nothing half-done: the next one finishes it.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.models import MailboxStatus, MailMessage, utcnow
from tracker.services.mailbox import intake

log = logging.getLogger(__name__)

TAKEN_KEYWORD = b"$TrackerTaken"
SEEN = b"\\Seen"
HEADER_ITEM = b"BODY[HEADER]"
BODY_ITEM = b"BODY[]"


@dataclass(frozen=True)
class InboundSettings:
    host: str
    port: int
    tls: bool  # False: STARTTLS
    username: str
    password: str
    folder: str

    @property
    def mailbox(self) -> str:
        """The mailbox's name in the database: never the password."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"[:300]


def parse_inbound_url(url: str) -> InboundSettings:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError(f"INBOUND_URL must start with imap:// or imaps://, not {parts.scheme!r}")
    if not parts.hostname or not parts.username:
        raise ValueError("INBOUND_URL needs a user and a host: imaps://user:password@host/INBOX")
    tls = parts.scheme == "imaps"
    return InboundSettings(
        host=parts.hostname,
        port=parts.port or (993 if tls else 143),
        tls=tls,
        username=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


@dataclass
class FetchResult:
    mailbox: str = ""
    seen: int = 0
    taken: int = 0
    duplicates: int = 0
    refused: int = 0
    error: str = ""
    taken_ids: list[int] = field(default_factory=list)


def _connect(settings: InboundSettings) -> IMAPClient:
    config = current_app.config
    context = ssl.create_default_context(cafile=config.get("INBOUND_CA_FILE") or None)
    timeout = config["INBOUND_TIMEOUT"]
    client = IMAPClient(
        settings.host, port=settings.port, ssl=settings.tls, ssl_context=context, timeout=timeout
    )
    try:
        if not settings.tls:
            client.starttls(context)  # refuses to go on in clear text when not offered
        client.login(settings.username, settings.password)
    except BaseException:
        client.shutdown()
        raise
    return client


def _known_uids(mailbox: str, uidvalidity: int, uids: list[int]) -> set[int]:
    known: set[int] = set()
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        known.update(
            db.session.scalars(
                select(MailMessage.uid).where(
                    MailMessage.mailbox == mailbox,
                    MailMessage.uidvalidity == uidvalidity,
                    MailMessage.uid.in_(chunk),
                )
            )
        )
    db.session.rollback()  # each take opens its own transaction with its insert
    return known


def _done(client: IMAPClient, uid: int, after: str) -> None:
    if after.startswith("move:"):
        folder = after[len("move:") :]
        if not client.folder_exists(folder):
            client.create_folder(folder)
        client.move([uid], folder)
    else:
        client.add_flags([uid], [TAKEN_KEYWORD, SEEN], silent=True)


def _take_one(client: IMAPClient, uid: int, origin: intake.Origin, result: FetchResult) -> None:
    limit = current_app.config["INBOUND_MAX_BYTES"]
    size = client.fetch([uid], ["RFC822.SIZE"]).get(uid, {}).get(b"RFC822.SIZE", 0)
    if size > limit:
        header = client.fetch([uid], ["BODY.PEEK[HEADER]"])[uid][HEADER_ITEM]
        reason = (
            f"Too large: {size / 2**20:.1f} MB, more than the {limit / 2**20:.0f} MB Tracker "
            "takes (INBOUND_MAX_BYTES). Only its headers are kept; the message stays in the "
            "mailbox."
        )
        taken = intake.take(header, utcnow(), source="imap", origin=origin, refused=reason)
        result.refused += taken.outcome == "taken"
    else:
        raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][BODY_ITEM]
        taken = intake.take_safely(raw, utcnow(), source="imap", origin=origin)
    if taken.outcome == "taken":
        result.taken += 1
        result.taken_ids.append(taken.message_id or 0)
    else:
        result.duplicates += 1


def _pass(client: IMAPClient, settings: InboundSettings, result: FetchResult) -> None:
    after = current_app.config["INBOUND_AFTER"]
    info = client.select_folder(settings.folder)
    uidvalidity = int(info[b"UIDVALIDITY"])
    criteria = ["ALL"] if after.startswith("move:") else ["UNKEYWORD", TAKEN_KEYWORD]
    uids = sorted(client.search(criteria))
    result.seen = len(uids)
    known = _known_uids(settings.mailbox, uidvalidity, uids)
    for uid in uids:
        if uid not in known:
            try:
                _take_one(client, uid, intake.Origin(settings.mailbox, uidvalidity, uid), result)
            except (IMAPClientError, OSError):
                raise  # the server went away: the rest waits for the next pass
            except Exception:
                # Not lost: left unflagged in the mailbox, tried again next pass.
                db.session.rollback()
                log.exception("message %s of %s could not be taken", uid, settings.mailbox)
                continue
        _done(client, uid, after)


def fetch_mail(now: datetime | None = None) -> FetchResult:
    """One pass; records how it went for /healthz and the admin page; commits."""
    url = current_app.config.get("INBOUND_URL")
    if not url:
        return FetchResult(error="INBOUND_URL is not set")
    settings = parse_inbound_url(url)
    result = FetchResult(mailbox=settings.mailbox)
    try:
        client = _connect(settings)
        try:
            _pass(client, settings, result)
        finally:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                client.shutdown()
    except (IMAPClientError, OSError) as error:  # OSError covers timeouts and TLS
        db.session.rollback()
        result.error = f"{settings.host}:{settings.port}: {type(error).__name__}: {error}"[:1000]
        log.warning("mailbox pass failed: %s", result.error)
    _record_status(settings.mailbox, result, now or utcnow())
    return result


def _record_status(mailbox: str, result: FetchResult, now: datetime) -> None:
    try:
        _write_status(mailbox, result, now)
    except IntegrityError:  # another process wrote the first status row meanwhile
        db.session.rollback()
        _write_status(mailbox, result, now)


def _write_status(mailbox: str, result: FetchResult, now: datetime) -> None:
    status = db.session.get(MailboxStatus, mailbox)
    if status is None:
        status = MailboxStatus(mailbox=mailbox, checked_at=now, taken=0)
        db.session.add(status)
    status.checked_at, status.ok, status.error = now, not result.error, result.error
    if not result.error:
        status.last_ok_at = now
    status.taken = (status.taken or 0) + result.taken
    db.session.commit()
