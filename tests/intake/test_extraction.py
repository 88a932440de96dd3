"""Reading uploaded letter files, and refusing bad ones with a clear message."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from tracker.domain.letter_parsing.extraction import (
    UnreadableLetter,
    extract_letter_json,
    extract_pasted_text,
    extract_text,
    html_to_text,
)

LETTERS = Path(__file__).parent / "letters"
BAD = LETTERS / "bad"


def _read(name: str) -> bytes:
    return (LETTERS / name).read_bytes()


def test_pdf_text_layer_keeps_pages_apart():
    letter = extract_text("pdf-form-georgia.pdf", _read("pdf-form-georgia.pdf"))
    assert letter.kind == "pdf"
    assert letter.text.count("\f") == 1
    assert "Irakli Beridze" in letter.text


def test_docx_reads_paragraphs_and_table_cells_in_order():
    text = extract_text("docx-form-norway.docx", _read("docx-form-norway.docx")).text
    closing, table, cc = (text.index(s) for s in ("Yours faithfully", "Kari Nordmann", "cc:"))
    assert closing < table < text.index("Ahmed Al-Sayed") < cc


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Cher Ministre, très préoccupés".encode(), "très"),
        (b"\xef\xbb\xbfDear Minister", "Dear Minister"),
        ("Dear Minister, très".encode("cp1252"), "très"),
        ("Estimada Señora".encode("utf-16"), "Señora"),
    ],
)
def test_txt_encodings(data, expected):
    text = extract_text("letter.txt", data).text
    assert expected in text
    assert not text.startswith("\ufeff")


def test_eml_body_is_the_letter_when_it_is_not_a_cover_note():
    letter = extract_text("x.eml", _read("eml-form-body-ambassador.eml"))
    assert (letter.kind, letter.source) == ("eml", "body")
    assert "Ilham Tohti" in letter.text


def test_eml_html_body_is_reduced_to_text():
    text = extract_text("x.eml", _read("eml-form-html-thanks.eml")).text
    assert "<p>" not in text and "margin" not in text
    assert "Dear Minister," in text


def test_eml_cover_note_gives_way_to_the_attached_letter():
    letter = extract_text("x.eml", _read("eml-form-cover-note-bulgaria.eml"))
    assert letter.source == "letter.pdf"
    assert [a.filename for a in letter.attachments] == ["letter.pdf"]
    assert "Adrian Velkov" in letter.text


def test_html_to_text_separates_blocks_and_skips_styles():
    text = html_to_text("<style>p{}</style><p>One</p><p>Two<br>three</p><ul><li>item</li></ul>")
    assert [line for line in text.split("\n") if line] == ["One", "Two", "three", "- item"]


def test_pasted_text():
    assert extract_pasted_text("Dear Minister,").kind == "pasted"
    with pytest.raises(UnreadableLetter):
        extract_pasted_text("   \n")


def test_extract_letter_json_for_the_cli():
    result = extract_letter_json("cicc.txt", _read("cicc-to-us-president-2020-03-27.txt"))
    assert result["date"] == "2020-03-27"
    assert len(result["demands"]) == 5


def _corrupt_docx_inside() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-xml")
    return out.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.txt", (BAD / "empty.txt").read_bytes(), "empty"),
        ("blank.docx", b"   \n", "empty"),
        ("really-text.pdf", (BAD / "really-text.pdf").read_bytes(), "not a PDF"),
        ("encrypted.pdf", (BAD / "encrypted.pdf").read_bytes(), "password"),
        ("scanned.pdf", (BAD / "scanned.pdf").read_bytes(), "no text layer; it looks scanned"),
        ("damaged.pdf", (BAD / "damaged.pdf").read_bytes(), "PDF"),
        ("corrupt.docx", (BAD / "corrupt.docx").read_bytes(), "damaged"),
        ("inside.docx", _corrupt_docx_inside(), "damaged"),
        ("not-word.docx", b"Dear Minister", "not a Word document"),
        ("letter.doc", b"\xd0\xcf\x11\xe0 old word", "DOCX"),
        ("letter.xlsx", b"PK\x03\x04", "not supported"),
        ("noextension", b"Dear Minister", "not supported"),
        ("binary.txt", b"Dear\x00\x01\x02", "binary"),
        ("broken.eml", b"\x00\x00\x00", "email"),
    ],
)
def test_bad_files_raise_one_clear_exception(filename, data, message):
    with pytest.raises(UnreadableLetter) as raised:
        extract_text(filename, data)
    assert message in raised.value.message


def test_size_limit_is_checked_before_parsing():
    huge = b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(UnreadableLetter, match="limit is 10 MB"):
        extract_text("huge.pdf", huge)
    assert time.perf_counter() - started < 0.5
    with pytest.raises(UnreadableLetter, match="limit"):
        extract_text("small.txt", b"x" * 2000, max_bytes=1000)
