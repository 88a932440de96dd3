"""A real IMAP server for tests: Debian's Dovecot, configured in a folder of its own.

    with ImapServer(tmp_path) as imap:
        imap.append(raw_bytes)                 # IMAP APPEND into INBOX
        imap.url()                             # imaps://tracker:secret@localhost:<port>/INBOX
        imap.url(starttls=True)                # imap://...  (the client must STARTTLS)
        imap.ca_file                           # what the client trusts

The server runs as `dovecot -F -c <folder>/dovecot.conf` on free ports of 127.0.0.1,
with a passwd-file user whose maildir is in the folder, and a certificate for
`localhost` signed by a throwaway CA (tests/smtp_server.make_certificates). A missing
Dovecot fails the test loudly: `.ci/run` and `make test` install it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.support.smtp_server import free_port, make_certificates

DOVECOT = os.environ.get("TRACKER_DOVECOT", "/usr/sbin/dovecot")
USER, PASSWORD = "tracker", "secret-pass"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain login
disable_plaintext_auth = no
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
# The passwd-file and the maildir sit in the test's private temporary folder.
service auth {{
  user = {me}
}}
service auth-worker {{
  user = {me}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


def _system_user(preferred: str, fallback: str) -> str:
    try:
        return pwd.getpwnam(preferred).pw_name
    except KeyError:
        return fallback


class ImapServer:
    def __init__(self, folder: Path) -> None:
        if not Path(DOVECOT).exists():
            pytest.fail(
                f"Dovecot is missing at {DOVECOT}: `.ci/run` installs Debian's dovecot-imapd "
                "(apt-get install dovecot-imapd).",
                pytrace=False,
            )
        del folder  # pytest's own folders are private to root; the mail user must enter this one
        self.root = Path(tempfile.mkdtemp(prefix="tracker-dovecot-"))
        self.root.chmod(0o711)
        (self.root / "certs").mkdir()
        self.certificates = make_certificates(self.root / "certs")
        self.ca_file = self.certificates.ca_file
        self.imap_port, self.imaps_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None

    def _write_config(self) -> Path:
        me = pwd.getpwuid(os.getuid())
        internal = _system_user("dovecot", me.pw_name)
        # Dovecot never gives mail to UID 0: as root, the mail belongs to its own user.
        owner = pwd.getpwnam(internal) if me.pw_uid == 0 else me
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", owner.pw_uid, owner.pw_gid)
        (self.root / "users").write_text(
            f"{USER}:{{PLAIN}}{PASSWORD}:{owner.pw_uid}:{owner.pw_gid}::{self.root}/mail::\n"
        )
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                cert=self.certificates.cert_file,
                key=self.certificates.key_file,
                internal=internal,
                internal_group=internal,
                login=_system_user("dovenull", me.pw_name),
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                me=me.pw_name,
            )
        )
        return config

    def __enter__(self) -> ImapServer:
        config = self._write_config()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"dovecot exited: {output}{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.imaps_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start listening: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()

    def url(self, *, starttls: bool = False, password: str = PASSWORD, folder: str = "INBOX"):
        if starttls:
            return f"imap://{USER}:{password}@localhost:{self.imap_port}/{folder}"
        return f"imaps://{USER}:{password}@localhost:{self.imaps_port}/{folder}"

    def client(self) -> IMAPClient:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = IMAPClient("localhost", port=self.imaps_port, ssl=True, ssl_context=context)
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def uids(self, folder: str = "INBOX", criteria: str | list = "ALL") -> list[int]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return list(client.search(criteria))

    def flags(self, folder: str = "INBOX") -> dict[int, tuple]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search("ALL"), ["FLAGS"])
            return {uid: data[b"FLAGS"] for uid, data in fetched.items()}
