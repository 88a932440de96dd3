"""`flask tracker extract PATH` prints what the parser found, as JSON, or a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LETTERS = Path(__file__).parent / "letters"
EXPECTED_CICC = """\
{
  "date": "2020-03-27",
  "subject": null,
  "addressees": [
    {
      "name": "Donald J. Trump",
      "title": "President",
      "institution": "The White House",
      "address": "1600 Pennsylvania Avenue NW, Washington, D.C. 20500"
    }
  ],
  "cc": [
    {
      "name": "Michael R. Pompeo",
      "title": "Secretary of State",
      "institution": null,
      "address": null
    }
  ],
  "signatories": [
    {
      "name": "Ricardo Izquierdo",
      "title": "Legal Officer",
      "organisation": "Coalition for the International Criminal Court"
    }
  ],
  "demands": [
    {
      "text": "The Coalition for the International Criminal Court (CICC), a global network of \
over 2,500 civil society organizations from 150 countries, urges you to lift the sanctions \
that your administration placed on the ICC Prosecutor in April 2019.",
      "title": "Lift the sanctions"
    },
    {
      "text": "We also ask you to overturn your administration\u2019s ICC sanctions policy, which \
treats the Court as if it were a hostile foreign power.",
      "title": "Overturn your administration\u2019s ICC sanctions policy"
    },
    {
      "text": "We implore you to fulfill the global promise of \u201cnever again\u201d \
and to lift all sanctions against the ICC Prosecutor and disavow the increasing threats \
against other ICC staff and their families made by Secretary of State Michael R. Pompeo.",
      "title": "Fulfill the global promise of \u201cnever again\u201d"
    },
    {
      "text": "We further urge the U.S. to investigate and prosecute U.S. nationals against \
whom there is credible evidence of their involvement in war crimes and crimes against \
humanity in Afghanistan.",
      "title": "Investigate and prosecute U.S. nationals"
    },
    {
      "text": "Since the U.S. is one of the Permanent Members of the UN Security Council, we \
call on your administration to adopt a responsible foreign policy that promotes peace, \
security, and justice in the world.",
      "title": "Adopt a responsible foreign policy"
    }
  ]
}
"""


def extract(app, path: Path):
    return app.test_cli_runner().invoke(args=["tracker", "extract", str(path)])


REVIEW_FIELDS = ("confidence", "score", "cue", "language", "addressee")


def test_extract_prints_the_cicc_letter_exactly(app):
    result = extract(app, LETTERS / "cicc-to-us-president-2020-03-27.txt")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    # Each demand also says how sure the parser is, why, and in which language it read it.
    for demand in found["demands"]:
        review = {field: demand.pop(field) for field in REVIEW_FIELDS}
        assert review["confidence"] == "likely" and review["score"] >= 0.7
        assert review["language"] == "en" and review["cue"]
    assert json.dumps(found, ensure_ascii=False, indent=2) + "\n" == EXPECTED_CICC
    expected = json.loads((LETTERS / "cicc-to-us-president-2020-03-27.expected.json").read_text())
    assert found == expected


def test_extract_notes_a_third_party_asked(app, tmp_path):
    letter = tmp_path / "letter.txt"
    letter.write_text(
        "Dear Minister,\n\nWe call on the international community to fund the shelters.\n"
    )
    result = extract(app, letter)
    (demand,) = json.loads(result.output)["demands"]
    assert demand["addressee"] == "the international community"
    assert (demand["confidence"], demand["language"]) == ("likely", "en")


def test_extract_reads_a_pdf_and_prints_empty_lists_where_nothing_was_found(app):
    result = extract(app, LETTERS / "pdf-form-georgia.pdf")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert list(found) == ["date", "subject", "addressees", "cc", "signatories", "demands"]
    assert (found["date"], found["subject"], found["cc"]) == ("2023-05-14", None, [])
    assert found["addressees"][0]["name"] == "Irakli Beridze"
    assert len(found["demands"]) == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("encrypted.pdf", "This PDF is password-protected."),
        ("scanned.pdf", "This PDF has no text layer"),
        ("really-text.pdf", "This file is named .pdf but is not a PDF."),
        ("empty.txt", "This file is empty."),
    ],
)
def test_extract_refuses_bad_files_with_a_message_and_no_traceback(app, name, message):
    result = extract(app, LETTERS / "bad" / name)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "Traceback" not in result.output


def test_extract_refuses_a_file_over_the_upload_limit(make_app, tmp_path):
    app = make_app(MAX_UPLOAD_BYTES=1024)
    big = tmp_path / "big.txt"
    big.write_text("Dear Minister,\n" + "We urge you to act. " * 200)
    result = extract(app, big)
    assert result.exit_code == 1
    assert "the limit is" in result.output


def test_extract_needs_an_existing_file(app, tmp_path):
    result = extract(app, tmp_path / "missing.pdf")
    assert result.exit_code == 2
    assert "does not exist" in result.output
