"""Uploaded letter and response files: checked, stored outside the web root, served as downloads.

A file is accepted only when its extension and its content agree: a PDF starts with
`%PDF-` and has a page tree that holds a page, a DOCX is a zip holding
`word/document.xml`, a TXT decodes as text. The name
on disk is a random key; the name the user gave is kept in the database only, so no
uploaded name ever becomes a path.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from flask import Response, abort, current_app, send_file

from tracker.services import at_rest
from tracker.services.errors import ServiceError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TXT = "text/plain"
ALLOWED = {".pdf": PDF, ".docx": DOCX, ".txt": TXT}
ALLOWED_LABEL = "PDF, DOCX or TXT"


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    content_type: str = ""


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    content_type: str
    size: int


def _looks_like_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _looks_like_pdf(data: bytes) -> bool:
    """A PDF a reader can open: the header alone, or a damaged file, is not a letter."""
    if not data.startswith(b"%PDF-"):
        return False
    from pypdf import PdfReader  # imported here: only PDF uploads pay for it

    try:
        reader = PdfReader(io.BytesIO(data))
        # An encrypted PDF is a real file whose pages open only with the password.
        return reader.is_encrypted or len(reader.pages) > 0
    except Exception:  # pypdf raises many types for damaged files
        return False


def _decode_text(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _looks_like_text(data: bytes) -> bool:
    """Decodable, and free of the control characters that only binary files hold."""
    text = _decode_text(data)
    return text is not None and not any(ord(char) < 32 and char not in "\t\n\r\f" for char in text)


_CONTENT_CHECKS = {
    ".pdf": _looks_like_pdf,
    ".docx": _looks_like_docx,
    ".txt": _looks_like_text,
}


def safe_name(filename: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    name = PurePath(filename.replace("\\", "/")).name
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[-255:] or "file"


def check_upload(upload: Upload, max_bytes: int) -> str:
    """The content type to store the upload with, or a ServiceError (too large or invalid)."""
    if len(upload.data) > max_bytes:
        limit_mb = max_bytes / (1024 * 1024)
        raise ServiceError(f"The file is too large: at most {limit_mb:g} MB.", kind="too_large")
    if not upload.data:
        raise ServiceError("The file is empty.")
    extension = PurePath(upload.filename.lower()).suffix
    if extension not in ALLOWED:
        raise ServiceError(f"Upload a {ALLOWED_LABEL} file.")
    if not _CONTENT_CHECKS[extension](upload.data):
        raise ServiceError(
            f"This file is not really a {extension[1:].upper()} file: its content does not match."
        )
    return ALLOWED[extension]


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_PATH"])


def _path_for(key: str) -> Path:
    if not key or not all(char.isalnum() or char in "-_" for char in key):
        raise ValueError(f"not a stored file key: {key!r}")
    return _upload_dir() / key


def store(upload: Upload) -> StoredFile:
    """Check and write the upload under a random key; call `check_upload` first for messages."""
    content_type = check_upload(upload, current_app.config["MAX_UPLOAD_BYTES"])
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)  # also when an older version or a parent mkdir made it wider
    key = secrets.token_urlsafe(24)
    at_rest.write_new(_path_for(key), upload.data)
    return StoredFile(key, safe_name(upload.filename), content_type, len(upload.data))


def remove(key: str | None) -> None:
    """Delete a stored file; a file already gone is not an error."""
    if key:
        _path_for(key).unlink(missing_ok=True)


def read(key: str) -> bytes:
    """A stored file's original bytes (decrypted when it was stored encrypted)."""
    return at_rest.read(_path_for(key))


def download(key: str, name: str, content_type: str) -> Response:
    """Serve a stored file as an attachment, never rendered inline by the browser.

    Only views that checked the reader's role call this; the file is decrypted here.
    """
    path = _path_for(key)
    if not path.is_file():
        abort(404)
    response = send_file(
        io.BytesIO(at_rest.read(path)),
        mimetype=content_type,
        as_attachment=True,
        download_name=name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
