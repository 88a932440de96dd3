"""Score the letter parser on a folder of labelled letters nobody here wrote.

    .venv/bin/python bench/intake_real.py ../shared/letters-real

The folder holds letters (TXT, PDF, DOCX, EML) and one ``expected.json`` keyed by file
name (see that folder's README for the labelling conventions). Prints:

- demand recall and precision: an expected demand is found when a proposed demand's text
  contains its key phrase, ignoring case, spacing and punctuation; a proposed demand is
  right when it contains some expected key phrase;
- each other field's accuracy: ``date`` and ``subject`` right or wrong, and for the
  lists of names (addressees, cc, signatories) the share of letters where the set of
  names is exactly right, beside the mean F1 of the names;
- the same figures per language and per file form;
- parse time per letter and for a ten-page letter made by repeating the longest one.

The labels are read only here; nothing from the folder ever goes into the repository.
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.domain.letter_parsing import parse_letter
from tracker.domain.letter_parsing.extraction import extract_text

NAME_FIELDS = ("addressees", "cc", "signatories")
SCALAR_FIELDS = ("date", "subject")
TEN_PAGES_CHARS = 30_000


def normalised(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\W+", " ", text).strip().lower()


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    expected_hit: int = 0
    found_right: int = 0
    letters: int = 0
    field_right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    field_f1: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def recall(self) -> float:
        return self.expected_hit / self.expected if self.expected else 1.0

    def precision(self) -> float:
        return self.found_right / self.found if self.found else 1.0


def same_person(found: str, wanted: str) -> bool:
    """The same name, or one the other's surname alone ("Guterres")."""
    found_words, wanted_words = normalised(found).split(), normalised(wanted).split()
    if not found_words or not wanted_words:
        return False
    if found_words == wanted_words:
        return True
    shorter, longer = sorted((found_words, wanted_words), key=len)
    return len(shorter) == 1 and shorter[0] == longer[-1]


def names_f1(found: list[str], wanted: list[str]) -> tuple[bool, float]:
    if not found and not wanted:
        return True, 1.0
    hits_wanted = sum(any(same_person(f, w) for f in found) for w in wanted)
    hits_found = sum(any(same_person(f, w) for w in wanted) for f in found)
    recall = hits_wanted / len(wanted) if wanted else 0.0
    precision = hits_found / len(found) if found else 0.0
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    exact = hits_wanted == len(wanted) and hits_found == len(found)
    return exact, f1


def proposed_names(parsed: dict, name_field: str) -> list[str]:
    # A signatory line that names only an organisation is labelled by that name.
    people = parsed[name_field]
    return (
        [
            p["name"] or p.get("organisation") or ""
            for p in people
            if p["name"] or p.get("organisation")
        ]
        if name_field == "signatories"
        else [p["name"] for p in people if p["name"]]
    )


def score_letter(parsed: dict, expected: dict, tallies: list[Tally], misses: list[str]) -> None:
    found = [normalised(d["text"]) for d in parsed["demands"]]
    wanted = [normalised(k) for k in expected["demands"]]
    hit = [w for w in wanted if any(w in f for f in found)]
    right = [f for f in found if any(w in f for w in wanted)]
    misses += [f"  missed: {w}" for w in wanted if w not in hit]
    misses += [f"  extra:  {f[:110]}" for f in found if f not in right]
    results = {}
    for name in SCALAR_FIELDS:
        ok = normalised(parsed[name]) == normalised(expected[name])
        results[name] = (ok, float(ok))
        if not ok:
            misses.append(f"  {name}: {parsed[name]!r} != {expected[name]!r}")
    for name in NAME_FIELDS:
        results[name] = names_f1(proposed_names(parsed, name), expected[name])
        if not results[name][0]:
            misses.append(f"  {name}: {proposed_names(parsed, name)[:8]} != {expected[name][:8]}")
    for tally in tallies:
        tally.letters += 1
        tally.expected += len(wanted)
        tally.found += len(found)
        tally.expected_hit += len(hit)
        tally.found_right += len(right)
        for name, (exact, f1) in results.items():
            tally.field_right[name] += exact
            tally.field_f1[name] += f1


def print_tally(label: str, tally: Tally) -> None:
    fields = "  ".join(
        f"{name} {tally.field_right[name] / tally.letters:.2f}"
        + (f" (F1 {tally.field_f1[name] / tally.letters:.2f})" if name in NAME_FIELDS else "")
        for name in (*SCALAR_FIELDS, *NAME_FIELDS)
    )
    print(
        f"{label:<10} letters {tally.letters:>3}  demands {tally.expected:>3}  "
        f"recall {tally.recall():.2f}  precision {tally.precision():.2f}\n{'':<10} {fields}"
    )


def time_ten_pages(texts: list[str]) -> float:
    longest = max(texts, key=len)
    letter = "\n\n".join([longest] * (TEN_PAGES_CHARS // max(len(longest), 1) + 1))
    start = time.perf_counter()
    parse_letter(letter)
    return time.perf_counter() - start


def main(folder: Path, verbose: bool) -> None:
    labels = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    overall = Tally()
    by_language: dict[str, Tally] = defaultdict(Tally)
    by_form: dict[str, Tally] = defaultdict(Tally)
    texts, seconds = [], 0.0
    for name, expected in sorted(labels.items()):
        path = folder / name
        text = extract_text(path.name, path.read_bytes()).text
        start = time.perf_counter()
        parsed = parse_letter(text).to_dict()
        seconds += time.perf_counter() - start
        texts.append(text)
        misses: list[str] = []
        form = path.suffix.lstrip(".")
        score_letter(
            parsed, expected, [overall, by_language[expected["lang"]], by_form[form]], misses
        )
        if verbose and misses:
            print(name, *misses, sep="\n")
    print_tally("overall", overall)
    for language, tally in sorted(by_language.items()):
        print_tally(language, tally)
    for form, tally in sorted(by_form.items()):
        print_tally(form, tally)
    print(
        f"parse time: {seconds / len(labels) * 1000:.1f} ms per letter; "
        f"a ten-page letter ({TEN_PAGES_CHARS:,} chars): {time_ten_pages(texts):.3f} s"
    )


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "-v"]
    if len(arguments) != 1:
        sys.exit("usage: intake_real.py [-v] FOLDER")
    main(Path(arguments[0]), verbose="-v" in sys.argv[1:])
