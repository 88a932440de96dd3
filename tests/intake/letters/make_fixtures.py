"""Write the PDF, DOCX and EML forms of some corpus letters, and the bad files.

Run from the repository root: ``.venv/bin/python tests/intake/letters/make_fixtures.py``.
The outputs are committed so the tests never regenerate them. A binary form of a
letter shares its source letter's expected JSON (copied beside it).
"""

from __future__ import annotations

import copy
import io
import re
import shutil
from email.message import EmailMessage
from pathlib import Path

import docx
from pypdf import PdfReader, PdfWriter

HERE = Path(__file__).parent
BAD = HERE / "bad"
PAGE_HEIGHT, MARGIN, LEADING = 842, 56, 13


def _pdf_string(line: str) -> bytes:
    raw = line.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _page_stream(lines: list[str]) -> bytes:
    parts = [b"BT /F1 10 Tf"]
    y = PAGE_HEIGHT - MARGIN
    for line in lines:
        parts.append(b"1 0 0 1 %d %d Tm " % (MARGIN, y) + _pdf_string(line) + b" Tj")
        y -= LEADING
    parts.append(b"ET")
    return b"\n".join(parts)


def minimal_pdf(pages: list[bytes]) -> bytes:
    """A PDF with one content stream per page and Helvetica as the only font."""
    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count)).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, stream in enumerate(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def text_pdf(text: str) -> bytes:
    """Each form-feed-separated page of ``text`` drawn line by line."""
    return minimal_pdf([_page_stream(page.split("\n")) for page in text.split("\f")])


def letter_docx(text: str, signature_table: list[str] | None = None, after: str = "") -> bytes:
    """One paragraph per line; signature blocks side by side in a table when given."""
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    if signature_table:
        table = document.add_table(rows=1, cols=len(signature_table))
        for cell, block in zip(table.rows[0].cells, signature_table, strict=True):
            cell.text = block
    for line in after.split("\n") if after else []:
        document.add_paragraph(line)
    document.core_properties.author = "Tracker tests"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_LIST_MARKER = re.compile(r"^(?:\d{1,2}[.)]|[-\u2022])\s+")


def numbered_docx(text: str, *, style: str, direct: bool) -> bytes:
    """List items as Word list paragraphs: no marker in their text, numbering in w:numPr.

    ``direct`` puts the numbering in the paragraph's own properties (as Word does when
    a list is started by hand), otherwise only the list style carries it.
    """
    document = docx.Document()
    for line in text.split("\n"):
        marker = _LIST_MARKER.match(line)
        if not marker:
            document.add_paragraph(line)
            continue
        paragraph = document.add_paragraph(line[marker.end() :], style=style)
        if direct:
            style_numbering = paragraph.style.element.pPr.numPr
            paragraph._p.get_or_add_pPr().append(copy.deepcopy(style_numbering))
    document.core_properties.author = "Tracker tests"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def email(body: str, attachments: tuple[tuple[str, bytes, str], ...] = (), html: bool = False):
    message = EmailMessage()
    message["From"] = "campaigns@example.org"
    message["To"] = "records@example.org"
    message["Subject"] = "Letter as sent"
    message["Date"] = "Mon, 12 Jun 2023 09:00:00 +0000"
    if html:
        message.set_content(body, subtype="html")
    else:
        message.set_content(body)
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def _write(name: str, data: bytes, source: str | None = None) -> None:
    (HERE / name).write_bytes(data)
    if source:
        stem = name.rsplit(".", 1)[0]
        shutil.copyfile(HERE / f"{source}.expected.json", HERE / f"{stem}.expected.json")


def _read(stem: str) -> str:
    return (HERE / f"{stem}.txt").read_text(encoding="utf-8")


def _as_html(text: str) -> str:
    paragraphs = "".join(f"<p>{block.replace(chr(10), '<br>')}</p>" for block in text.split("\n\n"))
    return f"<html><head><style>p {{margin: 0}}</style></head><body>{paragraphs}</body></html>"


def main() -> None:
    georgia = "en-pdf-layout-hyphenation-georgia"
    _write("pdf-form-georgia.pdf", text_pdf(_read(georgia)), georgia)
    belgium = "fr-pdf-coupures-bas-de-page"
    _write("pdf-form-belgique.pdf", text_pdf(_read(belgium)), belgium)

    norway = "en-several-addressees-ministers"
    body, _, rest = _read(norway).partition("Yours faithfully,")
    _write(
        "docx-form-norway.docx",
        letter_docx(
            body.rstrip() + "\n\nYours faithfully,\n",
            [
                "Kari Nordmann\nSecretary General\nNorwegian Peace Association",
                "Ahmed Al-Sayed\nDirector\nYemeni Coalition for Accountability",
            ],
            after=rest[rest.index("cc:") :].strip(),
        ),
        norway,
    )
    _write("docx-form-colombia.docx", letter_docx(_read("es-vinetas-varias-organizaciones")))
    shutil.copyfile(
        HERE / "es-vinetas-varias-organizaciones.expected.json",
        HERE / "docx-form-colombia.expected.json",
    )

    ambassador = "en-weekday-date-ambassador"
    _write("eml-form-body-ambassador.eml", email(_read(ambassador)), ambassador)
    thanks = "en-no-demand-thanks"
    _write("eml-form-html-thanks.eml", email(_as_html(_read(thanks)), html=True), thanks)
    bulgaria = "en-numbered-demands-interior-minister"
    cover = "Dear colleagues,\n\nPlease find attached the letter we sent today.\n\nBest,\nMaria"
    attachment = ("letter.pdf", text_pdf(_read(bulgaria)), "application/pdf")
    _write("eml-form-cover-note-bulgaria.eml", email(cover, (attachment,)), bulgaria)

    _write_bad_files()
    write_list_fixtures()
    write_signature_fixtures()


def write_list_fixtures() -> None:
    """Lists as PDFs and Word documents lay them out, beyond the TXT forms."""
    lone = "en-lone-bullets-minister"  # bullet glyphs on lines of their own
    _write("pdf-form-lone-bullets.pdf", text_pdf(_read(lone)), lone)
    senator = "en-numbered-docx-senator"
    data = numbered_docx(_read(senator), style="List Number", direct=True)
    _write("docx-form-numbered-senator.docx", data, senator)
    quito = "es-vinetas-docx-alcaldesa"
    data = numbered_docx(_read(quito), style="List Bullet", direct=False)
    _write("docx-form-vinetas-quito.docx", data, quito)


def _write_bad_files() -> None:
    BAD.mkdir(exist_ok=True)
    (BAD / "empty.txt").write_bytes(b"")
    (BAD / "really-text.pdf").write_text("Dear Minister, this is not a PDF.\n", encoding="utf-8")
    (BAD / "scanned.pdf").write_bytes(minimal_pdf([b"0 0 m 400 400 l S", b"10 10 200 300 re f"]))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(_read("en-no-demand-thanks")))))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    (BAD / "encrypted.pdf").write_bytes(out.getvalue())
    (BAD / "corrupt.docx").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 40)
    (BAD / "damaged.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R")


if __name__ == "__main__":
    main()


def write_signature_fixtures() -> None:
    """A PDF whose signature lines are as long as its body lines, with a cc line under them."""
    copies = "en-pdf-cc-in-signature"
    _write("pdf-form-cc-in-signature.pdf", text_pdf(_read(copies)), copies)
