"""Reading a received email into plain values, whatever state its MIME is in.

`read_message` never raises: a header it cannot decode is left empty and the reason is
added to `problems`, so a malformed message still reaches triage with what could be read.
HTML is never kept as HTML: it is reduced to text (no scripts, no styles, no images), so
nothing a sender wrote can run or load anything in a browser.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from tracker.domain import mail_files

MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
TEXT_MAX = 200_000


@dataclass(frozen=True)
class Attachment:
    name: str
    declared_type: str
    data: bytes


@dataclass(frozen=True)
class DeliveryFailure:
    """One failed address of a delivery status notification (RFC 3464)."""

    address: str
    status: str
    diagnostic: str


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    from_name: str = ""
    from_address: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    # Every address the message was delivered to (To, Cc, Delivered-To, X-Original-To).
    delivered_to: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    from_html: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    auto_submitted: str = ""
    auto_reply_headers: bool = False
    authentication_results: str = ""
    is_delivery_report: bool = False
    failures: list[DeliveryFailure] = field(default_factory=list)
    # Message-IDs of the message a delivery report is about.
    reported_message_ids: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(match.lower() for match in MESSAGE_ID.findall(value or ""))


def _header(message: Message, name: str, problems: list[str]) -> str:
    try:
        value = message.get(name)
    except Exception as error:  # the email package raises many kinds on bad headers
        problems.append(f"The {name} header cannot be read ({type(error).__name__}).")
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _addresses(message: Message, names: tuple[str, ...], problems: list[str]) -> tuple[str, ...]:
    values = [_header(message, name, problems) for name in names]
    found = [address.lower() for _name, address in getaddresses([v for v in values if v])]
    return tuple(address for address in found if "@" in address)


def _date(message: Message, problems: list[str]) -> datetime | None:
    raw = _header(message, "Date", problems)
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        problems.append("The Date header is not a date.")
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse(raw: bytes, problems: list[str]) -> Message:
    try:
        return email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as error:
        problems.append(f"The message's structure cannot be read ({type(error).__name__}).")
        return email.message_from_bytes(raw, policy=email.policy.compat32)


def read_message(raw: bytes, max_attachments: int = 50) -> ParsedMail:
    problems: list[str] = []
    message = _parse(raw, problems)
    name, address = parseaddr(_header(message, "From", problems))
    parsed = ParsedMail(
        message_id=(message_ids(_header(message, "Message-ID", problems)) or ("",))[0],
        in_reply_to=message_ids(_header(message, "In-Reply-To", problems)),
        references=message_ids(_header(message, "References", problems)),
        from_name=" ".join(name.split())[:200],
        from_address=address.lower()[:254] if "@" in address else "",
        to=_addresses(message, ("To",), problems),
        cc=_addresses(message, ("Cc",), problems),
        delivered_to=_addresses(
            message, ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"), problems
        ),
        subject=_header(message, "Subject", problems)[:500],
        date=_date(message, problems),
        auto_submitted=_header(message, "Auto-Submitted", problems).lower(),
        auto_reply_headers=any(
            _header(message, h, problems) for h in ("X-Autoreply", "X-Autorespond")
        ),
        authentication_results=_header(message, "Authentication-Results", problems).lower(),
        problems=problems,
    )
    for defect in getattr(message, "defects", [])[:5]:
        problems.append(f"Malformed MIME: {type(defect).__name__}.")
    _read_parts(message, parsed, max_attachments)
    return parsed


def _payload(part: Message, problems: list[str]) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as error:
        problems.append(f"A part cannot be decoded ({type(error).__name__}).")
        return b""
    return data if isinstance(data, bytes) else b""


def _text_of(part: Message, problems: list[str]) -> str:
    data = _payload(part, problems)
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        problems.append(f"Unknown character set {charset[:40]!r}; read as UTF-8.")
        return data.decode("utf-8", "replace")


def _is_attachment(part: Message) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
    except Exception:
        return True
    return disposition == "attachment" or bool(filename)


def _read_parts(message: Message, parsed: ParsedMail, max_attachments: int) -> None:
    plain: list[str] = []
    html: list[str] = []
    parsed.is_delivery_report = message.get_content_type() == "multipart/report"
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            parsed.failures.extend(_failures(part, parsed.problems))
        elif (
            content_type in ("text/rfc822-headers", "message/rfc822") and parsed.is_delivery_report
        ):
            parsed.reported_message_ids += _reported_ids(part)
        elif part.is_multipart():
            continue
        elif _is_attachment(part):
            _add_attachment(part, parsed, max_attachments)
        elif content_type == "text/plain":
            plain.append(_text_of(part, parsed.problems))
        elif content_type == "text/html":
            html.append(_text_of(part, parsed.problems))
    if any(text.strip() for text in plain):
        parsed.text = "\n\n".join(plain)
    elif html:
        parsed.text = html_to_text("\n".join(html))
        parsed.from_html = True
    parsed.text = parsed.text.replace("\r\n", "\n").replace("\x00", "")[:TEXT_MAX]


def _add_attachment(part: Message, parsed: ParsedMail, max_attachments: int) -> None:
    if len(parsed.attachments) >= max_attachments:
        if len(parsed.attachments) == max_attachments:
            parsed.problems.append(
                f"More than {max_attachments} attachments: only the first {max_attachments}"
                " are kept (the raw message holds them all)."
            )
            parsed.attachments.append(Attachment("", "", b""))  # marks the limit reached
        return
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    parsed.attachments.append(
        Attachment(
            mail_files.safe_name(name or f"attachment-{len(parsed.attachments) + 1}"),
            part.get_content_type()[:100],
            _payload(part, parsed.problems),
        )
    )


def kept_attachments(parsed: ParsedMail) -> list[Attachment]:
    return [attachment for attachment in parsed.attachments if attachment.name]


def _status_fields(text: str) -> list[dict[str, str]]:
    """The per-recipient blocks of a message/delivery-status body, as lower-cased fields."""
    blocks: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip().lower()] = value.strip()
        blocks.append(fields)
    return blocks


def _failures(part: Message, problems: list[str]) -> list[DeliveryFailure]:
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parsed the blocks as messages
        text = "\n\n".join(str(block) for block in payload)
    else:
        text = _text_of(part, problems)
    failures = []
    for fields in _status_fields(text):
        recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
        address = recipient.rpartition(";")[2].strip().strip("<>").lower()
        if address and fields.get("action", "").lower() == "failed":
            failures.append(
                DeliveryFailure(
                    address, fields.get("status", ""), fields.get("diagnostic-code", "")
                )
            )
    return failures


def _reported_ids(part: Message) -> tuple[str, ...]:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return message_ids(str(payload[0].get("Message-ID", "")))
    text = str(payload) if not isinstance(payload, bytes) else payload.decode("utf-8", "replace")
    found = re.search(r"^message-id:\s*(.+)$", text, re.IGNORECASE | re.MULTILINE)
    return message_ids(found.group(1)) if found else ()


# --- HTML to text --------------------------------------------------------------------

BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
SKIPPED_TAGS = {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")
        elif tag == "img":
            # Never fetched: a remote image would tell the sender the message was read.
            alt = dict(attrs).get("alt") or ""
            self.parts.append(f"[image{': ' + alt if alt else ''}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html[: TEXT_MAX * 5])
        extractor.close()
    except Exception:  # noqa: S110 (HTMLParser is lenient; what it still chokes on is dropped)
        pass
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
