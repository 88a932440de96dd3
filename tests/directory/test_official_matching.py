"""Names found in letters matched against the directory, allowing for how names are written."""

from __future__ import annotations

import pytest

from tracker.domain.official_matching import EXACT, SIMILAR, Match, match_official, name_key

DIRECTORY = [
    (1, "Donald J. Trump"),
    (2, "Michael Pompeo"),
    (3, "José Ramos-Horta"),
    (4, "Hadja Lahbib"),
    (5, "Dr. Hadja Lahbib"),
    (6, "Ursula von der Leyen"),
    (7, "Mary Robinson"),
    (8, "Michael Robinson"),
    (9, "Paul Robinson"),
]


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Donald J. Trump", ("donald", "trump")),
        ("H.E. Mr. Donald Trump", ("donald", "trump")),
        ("DONALD  TRUMP", ("donald", "trump")),
        ("The Honorable Michael R. Pompeo", ("michael", "pompeo")),
        ("Son Excellence Monsieur José Ramos-Horta", ("jose", "ramos", "horta")),
        ("Excmo. Sr. Don Pedro Sánchez", ("pedro", "sanchez")),
        ("Seamus O\u2019Brien", ("seamus", "obrien")),
        ("J. R. R. Tolkien", ("j", "tolkien")),
        ("Mr.", ("mr",)),  # a lone honorific is all there is: kept
        ("", ()),
    ],
)
def test_name_key_ignores_honorifics_initials_case_punctuation_and_accents(name, key):
    assert name_key(name) == key


def test_exact_match_allows_for_honorifics_middle_initials_and_case():
    assert match_official("His Excellency DONALD TRUMP", DIRECTORY) == Match(EXACT, (1,))
    assert match_official("Jose Ramos Horta", DIRECTORY).official_ids == (3,)
    assert match_official("Ms. Ursula Von Der Leyen", DIRECTORY).kind == EXACT


def test_every_exact_match_is_offered_in_directory_order():
    match = match_official("Hadja Lahbib", DIRECTORY)
    assert (match.kind, match.official_ids, match.best) == (EXACT, (4, 5), 4)


def test_surname_and_first_initial_is_a_similar_match_only_when_nothing_is_exact():
    assert match_official("D. Trump", DIRECTORY) == Match(SIMILAR, (1,))
    assert match_official("Donald John Trump", DIRECTORY) == Match(SIMILAR, (1,))
    assert match_official("Mike Pompeo", DIRECTORY).official_ids == (2,)
    # French "M." (Monsieur) reads as an initial: a proposal, never an exact match.
    assert match_official("M. Pompeo", DIRECTORY) == Match(SIMILAR, (2,))
    # Three Robinsons share the surname; only those with the same initial are proposed.
    assert match_official("Mary Robinson", DIRECTORY) == Match(EXACT, (7,))
    assert match_official("Ms. M. Robinson", DIRECTORY) == Match(SIMILAR, (7, 8))


def test_no_match_for_other_people_or_no_name():
    assert match_official("Ivanka Trump", DIRECTORY).kind is None
    assert match_official("Mike Pence", DIRECTORY).best is None
    assert match_official("", DIRECTORY).official_ids == ()
    assert match_official("Trump", DIRECTORY).kind is None  # a surname alone is too weak
