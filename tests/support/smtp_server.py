"""A real SMTP server for tests: aiosmtpd in a thread, with scripted bad behaviour.

    with SmtpServer() as smtp:
        smtp.handler.temporary_failures = 3   # answer 451 to the next three messages
        ...
        smtp.messages                          # every accepted message, parsed

    with SmtpServer(security="starttls", certificates=certs, login=("u", "p")) as smtp:
        smtp.url("u", "p")                     # smtp://u:p@127.0.0.1:<port>?starttls=1

`security="starttls"` offers STARTTLS and refuses mail and AUTH before it; `"tls"`
speaks TLS from the first byte. Both need `certificates` (see `make_certificates`).

The port is picked first: `Controller(port=0)` fails its own start-up check, which
connects to the port it was given (through TLS when the server speaks it).
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Certificates:
    ca_file: Path  # what the client trusts
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificates(directory: Path, names: str = "DNS:localhost,IP:127.0.0.1") -> Certificates:
    """A throwaway CA, and a certificate it signed for `names` (a subjectAltName value).

    The openssl command line, so the tests need no package for it; valid for one day.
    """
    ca_key, ca_file = directory / "ca.key", directory / "ca.pem"
    key_file, request, cert_file = (
        directory / n for n in ("server.key", "server.csr", "server.pem")
    )
    extensions = directory / "server.ext"
    extensions.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        f"subjectAltName={names}\n"
    )
    new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for command in (
        # The CA: self-signed, allowed to sign certificates.
        ["req", "-x509", *new_key, "-keyout", ca_key, "-out", ca_file, "-days", "1",
         "-subj", "/CN=Tracker test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", *new_key, "-keyout", key_file, "-out", request, "-subj", "/CN=localhost"],
        ["x509", "-req", "-in", request, "-CA", ca_file, "-CAkey", ca_key, "-CAcreateserial",
         "-out", cert_file, "-days", "1", "-extfile", extensions],
    ):  # fmt: skip
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    return Certificates(ca_file, cert_file, key_file)


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: Message
    authenticated: bool = False
    encrypted: bool = False

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
        self.greylisted: dict[str, int] = {}  # 450 at RCPT this many more times, per address
        self.rcpt_attempts: list[str] = []  # every RCPT TO address, whatever the answer
        self.logins: list[tuple[str, bool]] = []  # (user name, accepted) per AUTH
        # Called with each accepted message before the server answers 250.
        self.on_message: Callable[[Received], None] | None = None
        self.released = asyncio.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts.append(address)
        if address in self.refused_addresses:
            return f"550 5.1.1 <{address}>: no such mailbox"
        with self.lock:
            greylisted = self.greylisted.get(address, 0) > 0
            if greylisted:
                self.greylisted[address] -= 1
        if greylisted:
            return f"450 4.2.0 <{address}>: greylisted, try again later"
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
            server.transport.get_extra_info("ssl_object") is not None,
        )
        if self.on_message is not None:
            self.on_message(received)
        with self.lock:
            self.messages.append(received)
        return "250 2.0.0 OK queued"


def _accept_login(expected: tuple[str, str], handler: ScriptedHandler):
    def authenticate(server, session, envelope, mechanism, auth_data):
        given = (auth_data.login.decode(), auth_data.password.decode())
        with handler.lock:
            handler.logins.append((given[0], given == expected))
        # handled=False makes aiosmtpd answer 535 itself; its default (True) means
        # "already answered", and the client would wait for a reply that never comes.
        return AuthResult(success=given == expected, handled=False)

    return authenticate


Security = Literal["none", "starttls", "tls"]


class SmtpServer:
    def __init__(
        self,
        login: tuple[str, str] | None = None,
        *,
        security: Security = "none",
        certificates: Certificates | None = None,
    ) -> None:
        self.handler = ScriptedHandler()
        self.port = free_port()
        self.security = security
        options: dict = {}
        if login:
            options["authenticator"] = _accept_login(login, self.handler)
            # Plain-text AUTH is fine on the loopback interface of a plain-SMTP test.
            # aiosmtpd 1.4.6 counts only STARTTLS as TLS: with auth_require_tls it
            # would never offer AUTH over implicit TLS, where every byte is encrypted.
            options["auth_require_tls"] = security == "starttls"
        if security != "none":
            assert certificates is not None, "a TLS server needs certificates"
            if security == "starttls":
                options["tls_context"] = certificates.server_context()
                options["require_starttls"] = True
            else:
                options["ssl_context"] = certificates.server_context()
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10, **options
        )

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def logins(self) -> list[tuple[str, bool]]:
        with self.handler.lock:
            return list(self.handler.logins)

    def url(
        self, user: str | None = None, password: str | None = None, security: Security | None = None
    ) -> str:
        """MAIL_URL for this server; `security` asks the client for another than it speaks."""
        credentials = f"{user}:{password}@" if user else ""
        security = security or self.security
        scheme = "smtps" if security == "tls" else "smtp"
        query = "?starttls=1" if security == "starttls" else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}{query}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.loop.call_soon_threadsafe(self.handler.released.set)
        self.controller.stop()


class SilentRelay:
    """Accepts TCP connections and never says a word: a relay that hangs.

    `connections` counts the connections it took, so a test sees how many times a
    sweep waited for it.
    """

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            self._open.append(connection)  # held open, never answered
            self.connections += 1

    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SilentRelay:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        for connection in self._open:
            connection.close()
        self.listener.close()
