"""A real SMTP server for tests: aiosmtpd in a thread, with scripted bad behaviour.

    with SmtpServer() as smtp:
        smtp.handler.temporary_failures = 3   # answer 451 to the next three messages
        ...
        smtp.messages                          # every accepted message, parsed

The port is picked first: `Controller(port=0)` fails its own start-up check, which
connects to the port it was given.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: Message
    authenticated: bool = False

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    def part(self, subtype: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        raise AssertionError(f"no text/{subtype} part")


class ScriptedHandler:
    """Accepts and records messages, unless told to misbehave for the next ones."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.attempts = 0  # DATA commands seen, whatever the answer
        self.temporary_failures = 0  # answer 451 to this many messages
        self.permanent_failure = False  # answer 550 to every message
        self.hangs = 0  # never answer this many messages
        self.refused_addresses: set[str] = set()  # 550 at RCPT for these
        # Called with each accepted message before the server answers 250.
        self.on_message: Callable[[Received], None] | None = None
        self.released = asyncio.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_addresses:
            return f"550 5.1.1 <{address}>: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.attempts += 1
            hang = self.hangs > 0
            self.hangs -= 1 if hang else 0
            temporary = not hang and self.temporary_failures > 0
            self.temporary_failures -= 1 if temporary else 0
        if hang:
            await self.released.wait()  # the client must give up first
            return "421 4.4.2 closing"
        if temporary:
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if self.permanent_failure:
            return "550 5.7.1 Message rejected: relaying denied"
        received = Received(
            envelope.mail_from,
            tuple(envelope.rcpt_tos),
            email.message_from_bytes(envelope.content),
            bool(session.authenticated),
        )
        if self.on_message is not None:
            self.on_message(received)
        with self.lock:
            self.messages.append(received)
        return "250 2.0.0 OK queued"


def _accept_login(expected: tuple[str, str]):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            )
            == expected
        )
        return AuthResult(success=ok)

    return authenticate


class SmtpServer:
    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.handler = ScriptedHandler()
        self.port = free_port()
        options = {}
        if login:
            # Plain-text AUTH is fine on the loopback interface of a test.
            options = {"authenticator": _accept_login(login), "auth_require_tls": False}
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10, **options
        )

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def url(self, user: str | None = None, password: str | None = None) -> str:
        credentials = f"{user}:{password}@" if user else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.loop.call_soon_threadsafe(self.handler.released.set)
        self.controller.stop()
