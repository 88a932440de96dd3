"""The letter parser against our corpus, tests/intake/letters/ (each letter beside its JSON)."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from tracker.domain.letter_parsing import parse_letter
from tracker.domain.letter_parsing.extraction import extract_text

LETTERS = Path(__file__).parent / "letters"
CICC = "cicc-to-us-president-2020-03-27"
SOURCE_SUFFIXES = (".txt", ".pdf", ".docx", ".eml")
MIN_RECALL, MIN_PRECISION = 0.95, 0.90


def _corpus() -> list[tuple[Path, dict]]:
    letters = []
    for expected in sorted(LETTERS.glob("*.expected.json")):
        stem = expected.name.removesuffix(".expected.json")
        sources = [LETTERS / f"{stem}{suffix}" for suffix in SOURCE_SUFFIXES]
        source = next(path for path in sources if path.exists())
        letters.append((source, json.loads(expected.read_text(encoding="utf-8"))))
    return letters


def _parsed(source: Path) -> dict:
    return parse_letter(extract_text(source.name, source.read_bytes()).text).to_dict()


def _normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _same_demand(found: str, expected: str) -> bool:
    found, expected = _normalised(found), _normalised(expected)
    return found == expected or SequenceMatcher(None, found, expected).ratio() >= 0.9


def test_corpus_is_large_enough_and_varied():
    corpus = _corpus()
    assert len(corpus) >= 20
    assert {path.suffix for path, _ in corpus} == set(SOURCE_SUFFIXES)


def test_cicc_letter_matches_expected_exactly():
    expected = json.loads((LETTERS / f"{CICC}.expected.json").read_text(encoding="utf-8"))
    assert parse_letter((LETTERS / f"{CICC}.txt").read_text(encoding="utf-8")).to_dict() == expected


@pytest.mark.parametrize(
    ("source", "expected"), _corpus(), ids=lambda value: getattr(value, "name", "")
)
def test_fields_other_than_demands_match_exactly(source, expected):
    parsed = _parsed(source)
    for field in ("date", "subject", "addressees", "cc", "signatories"):
        assert parsed[field] == expected[field], field


def test_demand_recall_and_precision_over_the_corpus():
    expected_total = found_total = matched_expected = matched_found = 0
    misses = []
    for source, expected in _corpus():
        wanted = [d["text"] for d in expected["demands"]]
        found = [d["text"] for d in _parsed(source)["demands"]]
        expected_total += len(wanted)
        found_total += len(found)
        hits = [w for w in wanted if any(_same_demand(f, w) for f in found)]
        matched_expected += len(hits)
        matched_found += sum(any(_same_demand(f, w) for w in wanted) for f in found)
        misses += [(source.name, "missed", w) for w in wanted if w not in hits]
        misses += [
            (source.name, "spurious", f)
            for f in found
            if not any(_same_demand(f, w) for w in wanted)
        ]
    recall = matched_expected / expected_total
    precision = matched_found / found_total if found_total else 1.0
    print(f"\ndemands: {expected_total} expected, {found_total} found")
    print(f"recall {recall:.1%}, precision {precision:.1%}")
    for miss in misses:
        print(*miss, sep=" | ")
    assert recall >= MIN_RECALL and precision >= MIN_PRECISION


@pytest.mark.parametrize(
    "written",
    [
        "March 27, 2020",
        "Friday, March 27, 2020",
        "27 March 2020",
        "27th March 2020",
        "27th of March, 2020",
        "2020-03-27",
        "27 mars 2020",
        "Paris, le 27 mars 2020",
        "vendredi 27 mars 2020",
        "27 de marzo de 2020",
        "Madrid, 27 de marzo del 2020",
    ],
)
def test_date_formats(written):
    assert parse_letter(f"{written}\n\nDear Minister,\n\nText.").to_dict()["date"] == "2020-03-27"


def test_first_of_the_month_in_french_and_impossible_dates():
    assert parse_letter("1er juillet 2022\n\nMadame,").to_dict()["date"] == "2022-07-01"
    assert parse_letter("31 February 2022\n\nDear Sir,").to_dict()["date"] is None


@pytest.mark.parametrize(
    ("line", "name", "title"),
    [
        (
            "H.E. Ms. Jane Doe, Minister of Foreign Affairs",
            "Jane Doe",
            "Minister of Foreign Affairs",
        ),
        (
            "The Honorable Michael R. Pompeo, Secretary of State",
            "Michael R. Pompeo",
            "Secretary of State",
        ),
        ("S.E. M. Jean Dupont, Ministre de l'Intérieur", "Jean Dupont", "Ministre de l'Intérieur"),
        ("Mme Claire Petit, Directrice", "Claire Petit", "Directrice"),
        ("Excmo. Sr. Pedro Gómez, Ministro del Interior", "Pedro Gómez", "Ministro del Interior"),
        ("Sra. Ana Ruiz, Canciller", "Ana Ruiz", "Canciller"),
    ],
)
def test_honorifics_are_not_part_of_the_name(line, name, title):
    for marker in ("cc:", "CC", "Copy to:", "Copie :", "c.c.:", "Con copia a:"):
        letter = f"1 May 2021\n\nDear Sir,\n\nText.\n\nSincerely,\n\nA Person\n\n{marker} {line}"
        (official,) = parse_letter(letter).to_dict()["cc"]
        assert (official["name"], official["title"]) == (name, title), marker


@pytest.mark.parametrize("marker", ["Re:", "RE:", "Subject:", "Objet :", "Asunto:"])
def test_subject_markers(marker):
    letter = f"1 May 2021\n\n{marker} Detention of journalists\n\nDear Sir,\n\nText."
    assert parse_letter(letter).to_dict()["subject"] == "Detention of journalists"


def test_spans_point_into_the_normalised_text():
    letter = parse_letter((LETTERS / f"{CICC}.txt").read_text(encoding="utf-8"))
    source = letter.source_text
    assert source[slice(*letter.date.span)] == "March 27, 2020"
    assert source[slice(*letter.addressees[0].span)].startswith("President Donald J. Trump")
    assert (
        source[slice(*letter.cc[0].span)] == "The Honorable Michael R. Pompeo, Secretary of State"
    )
    assert source[slice(*letter.signatories[0].span)].endswith("Criminal Court")
    for demand in letter.demands:
        assert source[slice(*demand.span)] == demand.text


@pytest.mark.parametrize(
    ("source", "language"),
    [
        (f"{CICC}.txt", "en"),
        ("fr-lettre-ministre-justice.txt", "fr"),
        ("es-carta-presidente.txt", "es"),
    ],
)
def test_language_is_detected(source, language):
    assert parse_letter((LETTERS / source).read_text(encoding="utf-8")).language == language


def test_every_lexicon_has_the_same_keys():
    from tracker.domain.lexicons import all_lexicons

    lexicons = all_lexicons()
    assert {"en", "fr", "es"} <= set(lexicons)
    assert all(lexicon.demand_patterns and lexicon.months for lexicon in lexicons.values())


def test_empty_and_shapeless_text_gives_empty_proposal():
    assert parse_letter("").to_dict() == {
        "date": None,
        "subject": None,
        "addressees": [],
        "cc": [],
        "signatories": [],
        "demands": [],
    }
    assert parse_letter("hello").to_dict()["demands"] == []
