"""What makes a sentence a demand, how sure the parser is, and in which language it read it."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from tracker.domain.letter_parsing import parse_letter
from tracker.domain.letter_parsing.extraction import extract_text

LETTERS = Path(__file__).parent / "letters"


def _demands(body: str) -> list:
    return list(parse_letter(f"Dear Minister,\n\n{body}\n\nSincerely,\n\nA. Writer").demands)


@pytest.mark.parametrize(
    "sentence",
    [
        "You should close the camp before the rains.",
        "The authorities must release the two students.",
        "It is essential that the inquiry hears the families.",
        "We expect you to reply to the committee in writing.",
        "Free the detained teachers now.",
        "Nous vous écrivons pour vous demander de rouvrir l'école du village.",
        "Le gouvernement doit retirer ce projet de loi sans attendre.",
        "El Ministerio debe publicar las cifras de detenciones de este año.",
        "Venimos a exigir que se respete el derecho de reunión en la plaza.",
    ],
)
def test_asks_in_every_form_are_demands(sentence):
    (demand,) = _demands(sentence)
    assert demand.text == sentence and demand.cue


@pytest.mark.parametrize(
    "sentence",
    [
        "Thank you for receiving our delegation last month.",
        "We hope that the new law will be applied fairly.",
        "The agency has asked governments to share their data.",
        "We have published a report on the camps.",
        "We look forward to your reply.",
        "Nous espérons que le tribunal entendra les témoins.",
        "Agradecemos la respuesta que nos envió en marzo.",
    ],
)
def test_thanks_hopes_reports_and_own_actions_are_not_demands(sentence):
    assert _demands(sentence) == []


def test_each_demand_says_how_sure_why_and_in_which_language():
    likely, possible = _demands(
        "We urge you to reopen the border crossing. The checkpoint should be moved."
    )
    assert (likely.confidence, likely.cue, likely.language) == ("likely", "We urge", "en")
    assert possible.confidence == "possible" and possible.score < likely.score


def test_third_party_asked_is_noted():
    (demand,) = _demands("We call on the donor countries to fund the clinics.")
    assert demand.addressee == "the donor countries"


def test_language_is_chosen_per_paragraph():
    letter = (LETTERS / "es-firmantes-en-ingles.txt").read_text(encoding="utf-8")
    parsed = parse_letter(letter)
    assert {d.language for d in parsed.demands} == {"es"}


def test_docx_list_items_keep_a_marker_from_their_numbering():
    document = docx.Document()
    document.add_paragraph("We ask you to:")
    document.add_paragraph("close the camp", style="List Number")
    out = io.BytesIO()
    document.save(out)
    text = extract_text("letter.docx", out.getvalue()).text
    assert text.splitlines()[-1] == "\u2022 close the camp"


def test_a_very_long_line_is_parsed_in_bounded_work():
    line = "the committee should note that " * 3_000 + "word " * 10_000
    assert len(line) > 100_000
    parse_letter(f"Dear Sir,\n\n{line}")  # no catastrophic backtracking
