"""What an email attachment really is, judged by its bytes rather than by what it claims."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Leading bytes of the types worth naming; anything else is "application/octet-stream".
SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
)
EXTENSIONS = {".pdf": PDF, ".docx": DOCX, ".png": "image/png", ".jpg": "image/jpeg"}


def safe_name(filename: str) -> str:
    """The last path component, printable characters only, at most 255 of them."""
    name = PurePath(filename.replace("\\", "/")).name
    return "".join(char for char in name if char.isprintable()).strip()[-255:] or "attachment"


def detect_type(data: bytes) -> str:
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            if content_type == "application/zip" and _is_docx(data):
                return DOCX
            return content_type
    return "application/octet-stream"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def mismatch(name: str, declared_type: str, data: bytes) -> str:
    """Why the attachment is not what its name or declared type says; "" when it is."""
    detected = detect_type(data)
    claimed = EXTENSIONS.get(PurePath(name.lower()).suffix)
    if declared_type in EXTENSIONS.values() and declared_type != detected:
        claimed = declared_type
    if claimed and claimed != detected:
        return f"Claims to be {claimed} but its content is {detected}: offered as raw bytes only."
    return ""
