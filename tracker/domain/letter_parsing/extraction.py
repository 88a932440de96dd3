"""Turn an uploaded letter file (PDF, DOCX, TXT, EML) or pasted text into plain text.

Every problem with the input surfaces as ``UnreadableLetter`` carrying a message
that can be shown to staff as is; no other exception escapes for bad input.

Emails: the letter is the message body (text/plain, else text/html reduced to
text). Attachments that are PDF, DOCX or TXT are extracted too. When the body is
only a cover note (shorter than ``COVER_NOTE_MAX_WORDS`` words) and an attachment
could be read, the first readable attachment is taken as the letter, because
organisations usually email the signed letter as a PDF with two lines of
courtesy around it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import PurePath

from tracker.domain.letter_parsing import parse_letter

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Bounds on the work one file may cause, checked before the work starts. A long letter
# with annexes is ~100,000 characters, its DOCX body ~2 MB of XML, a PDF page's content
# stream ~50 KB; a 200 KB zip can unpack to gigabytes, a 68 KB PDF to a 23 MB stream.
MAX_LETTER_CHARS = 300_000
MAX_DOCX_XML_BYTES = 20 * 1024 * 1024
MAX_DOCX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PDF_PAGES = 300
MAX_PDF_CONTENT_BYTES = 10 * 1024 * 1024
COVER_NOTE_MAX_WORDS = 80
SUPPORTED = (".pdf", ".docx", ".txt", ".eml")
# Fewer visible characters than this on every page means nothing but images.
_MIN_TEXT_LAYER_CHARS = 20


class UnreadableLetter(Exception):
    """The file cannot be read as a letter; ``message`` is safe to show to staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Attachment:
    filename: str
    text: str | None
    error: str | None = None


@dataclass(frozen=True)
class ExtractedLetter:
    text: str
    kind: str  # "pdf", "docx", "txt", "eml" or "pasted"
    source: str  # which part the letter text came from: "body" or an attachment's name
    attachments: tuple[Attachment, ...] = ()


def extract_text(
    filename: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ExtractedLetter:
    """The letter's text from an uploaded file."""
    if len(data) > max_bytes:
        raise UnreadableLetter(
            f"This file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB. Upload a smaller file or paste the text."
        )
    if not data.strip():
        raise UnreadableLetter("This file is empty.")
    suffix = PurePath(filename or "").suffix.lower()
    readers = {".pdf": _read_pdf, ".docx": _read_docx, ".txt": _read_txt, ".text": _read_txt}
    if suffix in readers:
        text = _require_text(readers[suffix](data))
        return ExtractedLetter(text, suffix.lstrip(".").replace("text", "txt"), "body")
    if suffix == ".eml":
        return _read_eml(data, max_bytes)
    hint = " (save it as DOCX first)" if suffix in (".doc", ".odt", ".rtf", ".pages") else ""
    raise UnreadableLetter(
        f"Files of type {suffix or 'without extension'} are not supported{hint}. "
        "Upload a PDF, DOCX, TXT or EML file, or paste the text."
    )


def extract_pasted_text(text: str) -> ExtractedLetter:
    return ExtractedLetter(_require_text(text), "pasted", "body")


def extract_letter_json(filename: str, data: bytes) -> dict:
    """The parser's proposal for an uploaded letter, as the JSON-ready dict."""
    return parse_letter(extract_text(filename, data).text).to_dict()


def _require_text(text: str) -> str:
    if not text.strip():
        raise UnreadableLetter("No text could be found in this file.")
    return _bounded_text(text)


def _bounded_text(text: str) -> str:
    if len(text) > MAX_LETTER_CHARS:
        raise UnreadableLetter(
            f"This text has {len(text):,} characters; a letter can have at most "
            f"{MAX_LETTER_CHARS:,}. Keep the letter itself and leave out the annexes."
        )
    return text


# --------------------------------------------------------------------------- PDF


def _read_pdf(data: bytes) -> str:
    if b"%PDF-" not in data[:1024]:
        raise UnreadableLetter("This file is named .pdf but is not a PDF.")
    from pypdf import PdfReader  # imported here: only PDF uploads pay for it

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableLetter(
                "This PDF is password-protected. Remove the password and upload it again."
            )
        pages = [page.extract_text() or "" for page in _bounded_pages(reader)]
    except UnreadableLetter:
        raise
    except Exception as error:  # pypdf raises many types for damaged files
        raise UnreadableLetter("This PDF is damaged and cannot be read.") from error
    if sum(len("".join(page.split())) for page in pages) < _MIN_TEXT_LAYER_CHARS:
        raise UnreadableLetter(
            "This PDF has no text layer; it looks scanned. Upload the original document "
            "(DOCX or a PDF exported from a word processor) or paste the text."
        )
    return "\f".join(pages)


def _bounded_pages(reader) -> list:
    """The pages, once their count and content streams are known to be of letter size."""
    pages = list(reader.pages)
    if len(pages) > MAX_PDF_PAGES:
        raise UnreadableLetter(
            f"This PDF has {len(pages)} pages; a letter can have at most {MAX_PDF_PAGES}."
        )
    content_bytes = 0
    for page in pages:
        contents = page.get_contents()
        content_bytes += len(contents.get_data()) if contents is not None else 0
        if content_bytes > MAX_PDF_CONTENT_BYTES:
            raise UnreadableLetter(
                "This PDF holds far more drawing instructions than a letter does, so it "
                "is not read. Export the letter again from the word processor, or paste the text."
            )
    return pages


# --------------------------------------------------------------------------- DOCX


def _check_docx_sizes(data: bytes) -> None:
    """Refuse a zip bomb from its directory, before anything is unpacked."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    body = sum(info.file_size for info in infos if info.filename == "word/document.xml")
    if body > MAX_DOCX_XML_BYTES or sum(info.file_size for info in infos) > (
        MAX_DOCX_UNPACKED_BYTES
    ):
        raise UnreadableLetter(
            "This Word document unpacks to far more than a letter holds, so it is not read. "
            "Save the letter alone as a new document, or paste the text."
        )


def _read_docx(data: bytes) -> str:
    if not data.startswith(b"PK\x03\x04"):
        raise UnreadableLetter("This file is named .docx but is not a Word document.")
    import docx

    try:
        _check_docx_sizes(data)
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_docx_blocks(document))
    except UnreadableLetter:
        raise
    except Exception as error:  # python-docx and zipfile raise many types for damaged files
        raise UnreadableLetter("This Word document is damaged and cannot be read.") from error


def _docx_blocks(document) -> list[str]:
    """Paragraphs and table cells in reading order, cells as separate blocks."""
    from docx.table import Table

    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            seen: set[int] = set()
            for row in item.rows:
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat the same element
                        continue
                    seen.add(id(cell._tc))
                    blocks.extend(["", *(p.text for p in cell.paragraphs), ""])
        else:
            blocks.append(_list_marker(item) + item.text)
    return blocks


# Word keeps a list item's bullet or number in its numbering properties (w:numPr),
# not in its text; the parser needs a marker to see the item.
_DOCX_BULLET = "\u2022 "


def _list_marker(paragraph) -> str:
    if not paragraph.text.strip():
        return ""
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return _DOCX_BULLET
    style = paragraph.style
    while style is not None:  # "List Number" and the like number through the style
        style_properties = style.element.pPr
        if style_properties is not None and style_properties.numPr is not None:
            return _DOCX_BULLET
        style = style.base_style
    return ""


# --------------------------------------------------------------------------- TXT


def _read_txt(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16")
    if b"\x00" in data:
        raise UnreadableLetter("This file is named .txt but contains binary data.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows editors still save letters in cp1252; undefined bytes are rare.
        return data.decode("cp1252", errors="replace")


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise UnreadableLetter("This text file's encoding could not be read.") from error


# --------------------------------------------------------------------------- EML


class _HtmlToText(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style", "head"):
            self._hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")
            if tag == "li":
                self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(" ".join(data.split("\n")))


def html_to_text(html: str) -> str:
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def _read_eml(data: bytes, max_bytes: int) -> ExtractedLetter:
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        if not isinstance(message, EmailMessage) or not message.keys():
            raise UnreadableLetter("This file is named .eml but is not an email.")
        body = _email_body(message)
        attachments = tuple(_email_attachments(message, max_bytes))
    except UnreadableLetter:
        raise
    except Exception as error:  # malformed MIME trips the email package in many ways
        raise UnreadableLetter("This email is damaged and cannot be read.") from error
    readable = [a for a in attachments if a.text]
    if readable and len(body.split()) < COVER_NOTE_MAX_WORDS:
        return ExtractedLetter(readable[0].text or "", "eml", readable[0].filename, attachments)
    if not body.strip():
        failed = next((a.error for a in attachments if a.error), None)
        raise UnreadableLetter(failed or "This email has no text.")
    return ExtractedLetter(_bounded_text(body), "eml", "body", attachments)


def _email_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return html_to_text(content) if part.get_content_subtype() == "html" else content


def _email_attachments(message: EmailMessage, max_bytes: int):
    for part in message.iter_attachments():
        filename = part.get_filename() or ""
        if PurePath(filename).suffix.lower() not in (".pdf", ".docx", ".txt"):
            continue
        payload = part.get_payload(decode=True) or b""
        try:
            yield Attachment(filename, extract_text(filename, payload, max_bytes=max_bytes).text)
        except UnreadableLetter as error:
            yield Attachment(filename, None, error.message)


__all__ = [
    "SUPPORTED",
    "Attachment",
    "ExtractedLetter",
    "UnreadableLetter",
    "extract_letter_json",
    "extract_pasted_text",
    "extract_text",
]
