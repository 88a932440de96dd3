"""Passphrase encryption of a backup file: a scrypt-derived key and AES-256-GCM in 1 MiB
chunks, so a backup of any size is encrypted without holding it in memory.

Each chunk's nonce carries its number and its associated data says whether it is the
last one, so chunks cannot be reordered, dropped or the file cut short unnoticed. A
wrong passphrase fails on the first chunk's tag.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"TRACKER-BACKUP-AESGCM-1\n"
CHUNK = 1024 * 1024
_SALT = 16
_NONCE_PREFIX = 8


class WrongPassphrase(ValueError):
    """The passphrase does not open this backup (or the file was altered)."""


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _key(passphrase: str, salt: bytes) -> bytes:
    # n=2**15 costs about 32 MB and a tenth of a second: slow for guessing, fine once a night.
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + struct.pack(">I", number)


def encrypt_file(source: Path, target: Path, passphrase: str) -> None:
    salt, prefix = os.urandom(_SALT), os.urandom(_NONCE_PREFIX)
    header = MAGIC + salt + prefix
    cipher = AESGCM(_key(passphrase, salt))
    size = source.stat().st_size
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with source.open("rb") as plain, os.fdopen(descriptor, "wb") as out:
        out.write(header)
        number, done = 0, 0
        while True:
            chunk = plain.read(CHUNK)
            done += len(chunk)
            last = done >= size
            sealed = cipher.encrypt(_nonce(prefix, number), chunk, header + bytes([last]))
            out.write(struct.pack(">I", len(sealed)) + sealed)
            number += 1
            if last:
                break


def decrypt_file(source: Path, target: Path, passphrase: str) -> None:
    size = source.stat().st_size
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with source.open("rb") as sealed_file, os.fdopen(descriptor, "wb") as out:
        header = sealed_file.read(len(MAGIC) + _SALT + _NONCE_PREFIX)
        if not header.startswith(MAGIC) or len(header) < len(MAGIC) + _SALT + _NONCE_PREFIX:
            raise WrongPassphrase("This is not an encrypted Tracker backup.")
        salt = header[len(MAGIC) : len(MAGIC) + _SALT]
        prefix = header[len(MAGIC) + _SALT :]
        cipher = AESGCM(_key(passphrase, salt))
        number = 0
        while True:
            length_bytes = sealed_file.read(4)
            if len(length_bytes) < 4:
                raise WrongPassphrase("The backup file is cut short.")
            sealed = sealed_file.read(struct.unpack(">I", length_bytes)[0])
            last = sealed_file.tell() >= size
            try:
                out.write(cipher.decrypt(_nonce(prefix, number), sealed, header + bytes([last])))
            except InvalidTag:
                if number == 0:
                    raise WrongPassphrase(
                        "Wrong passphrase: it does not open this backup (or the file was altered)."
                    ) from None
                raise WrongPassphrase("The backup file was altered or cut short.") from None
            number += 1
            if last:
                return
