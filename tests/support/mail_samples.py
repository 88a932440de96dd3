"""Emails as officials, their mail servers and attackers send them, as raw bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


def reply(
    *,
    sender: str = "minister@gov.example",
    to: str = "replies@org.example",
    subject: str = "Re: Our letter",
    text: str = "Thank you for your letter. We reject demands one and two.",
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    message_id: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"The Minister <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    message["Message-ID"] = message_id or make_msgid(domain="gov.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def bounce(failed: str, original_message_id: str, to: str = "replies@org.example") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix sends one."""
    boundary = "bounce-boundary-1"
    return (
        f"From: MAILER-DAEMON@mx.gov.example\r\nTo: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
        "Message-ID: <bounce-1@mx.gov.example>\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        f"\r\n--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"\r\n--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.gov.example\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        f"\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_message_id}\r\nSubject: Our letter\r\n"
        f"\r\n--{boundary}--\r\n"
    ).encode()


def malformed() -> bytes:
    return (
        b"From: =?utf-8?q?broken?= <<<@@>\r\nSubject: =?bogus-charset?b?!!!?=\r\n"
        b"Date: not a date\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        b"--never-closed\r\nContent-Type: text/plain; charset=x-unknown-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64@@@\r\n"
        b"--never-closed\r\nContent-Type: text/html\r\n\r\n<p>half"
    )


def huge(megabytes: int = 30) -> bytes:
    return reply(
        subject="A very large message",
        attachments=[("big.bin", "application/octet-stream", b"\0" * (megabytes << 20))],
    )


def many_attachments(count: int = 500) -> bytes:
    return reply(
        subject="Five hundred files",
        attachments=[(f"f{n}.txt", "text/plain", f"file {n}".encode()) for n in range(count)],
    )


def fake_pdf() -> bytes:
    return reply(
        subject="Our answer (PDF)",
        attachments=[("answer.pdf", "application/pdf", b"MZ\x90\x00 this is no PDF")],
    )


def hostile_html() -> bytes:
    return reply(
        subject="Please read",
        text="",
        html=(
            "<html><head><script>window.pwned=1</script><style>p{}</style></head><body>"
            '<p onclick="window.pwned=2">Dear all,</p><img src="http://tracker-remote.test/'
            'pixel.gif" alt="logo"><script>document.title="pwned"</script>'
            "<p>&lt;script&gt;window.pwned=3&lt;/script&gt; we refuse.</p></body></html>"
        ),
    )


def forged(sender: str = "minister@gov.example") -> bytes:
    return reply(
        sender=sender,
        subject="Re: Our letter",
        headers={"Authentication-Results": "mx.org.example; dmarc=fail header.from=gov.example"},
    )


def hostile_headers() -> bytes:
    """Markup where a page might print it as is: the sender's name, the subject, a file name."""
    return reply(
        sender="attacker@elsewhere.example",
        subject='<script>window.pwned=4</script><img src="http://tracker-remote.test/s.gif">',
        headers={"Reply-To": '"<img src=x onerror=window.pwned=5>" <x@elsewhere.example>'},
        attachments=[('<svg onload="window.pwned=6">.pdf', "application/pdf", b"%PDF-1.4\n")],
    ).replace(b"From: The Minister", b'From: "<b onmouseover=alert(7)>Minister</b>"')
