"""The letter parser against the corpus in tests/letters/ (each letter beside its expected JSON)."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from tracker.domain.letter_parser import parse_letter
from tracker.extraction import extract_text

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
