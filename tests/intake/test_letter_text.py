"""Normalising the raw text of letters."""

from __future__ import annotations

import pytest

from tracker.domain.letter_parsing.text import (
    fold_whitespace,
    is_page_number,
    normalise_letter_text,
)

BODY = (
    "The Coalition for the International Criminal Court, a global network of over 2,500 civil\n"
    "society organizations from 150 countries, urges you to lift the sanctions that were placed\n"
    "on the ICC Prosecutor in April 2019 and to overturn the policy that treats the Court as if\n"
    "it were a hostile foreign power rather than a partner in the fight against impunity today.\n"
)


def test_hard_wrapped_paragraph_becomes_one_line_but_address_lines_stay():
    raw = "President Donald J. Trump\nThe White House\n1600 Pennsylvania Avenue NW\n\n" + BODY
    lines = normalise_letter_text(raw).split("\n")
    assert lines[:3] == [
        "President Donald J. Trump",
        "The White House",
        "1600 Pennsylvania Avenue NW",
    ]
    assert lines[4] == fold_whitespace(BODY)


def test_one_paragraph_per_line_text_is_not_joined():
    raw = "Dear Minister,\n" + "We write about the law. " * 8 + "\nWe also note this.\nSincerely,"
    assert normalise_letter_text(raw).split("\n")[2] == "We also note this."


def test_dehyphenates_words_split_at_line_end_only():
    raw = BODY.replace("civil\nsociety", "civil so-\nciety").replace("well", "") + (
        "A well-known court that the adminis-\ntration attacks with its well-\nknown zeal and "
        "more words to make the line long enough for the width of the others here.\n"
    )
    text = normalise_letter_text(raw)
    assert "civil society" in text
    assert "administration" in text
    assert "A well-known court" in text
    assert "its well-known zeal" in text  # the compound is written with a hyphen elsewhere


@pytest.mark.parametrize(
    "line",
    ["Page 2 of 3", "page 2", "- 2 -", "— 12 —", "2", "2/3", "Página 2 de 3", "Page 1 sur 2"],
)
def test_page_numbers(line):
    assert is_page_number(line)
    assert (
        normalise_letter_text(f"Dear Minister,\n{line}\nWe urge you.")
        == "Dear Minister,\nWe urge you."
    )


@pytest.mark.parametrize("line", ["2021", "20500", "1. Release them", "Page turner"])
def test_not_page_numbers(line):
    assert not is_page_number(line)


def test_running_headers_and_footers_repeated_on_pages_are_dropped():
    page = "Joint letter on Libya - {n}\n{body}\nHRW | 350 Fifth Avenue | New York\n"
    raw = "\f".join(
        page.format(n=n, body=body) for n, body in ((1, "First."), (2, "Second."), (3, "Third."))
    )
    assert normalise_letter_text(raw).split("\n") == [
        "First.",
        "Second.",
        "Third.",
    ]


def test_a_paragraph_continues_across_a_form_feed():
    second_page = (
        "Given this history, we are appalled that your administration has decided to undermine\n"
        "the Court, an international criminal tribunal that expanded upon the principles and the\n"
        "legacy of Nuremberg, with sanctions designed to impede investigations into crimes that\n"
        "were committed in Afghanistan by all parties to the conflict and that remain unpunished\n"
    ).replace("unpunished", "still")
    raw = BODY + "\fHeader\n" + second_page + "\fHeader\nthe end."
    text = normalise_letter_text(raw)
    assert "\f" not in text and "Header" not in text
    assert text.endswith("remain still the end.")


def test_spaces_invisible_characters_and_blank_lines_are_folded():
    raw = "\ufeff   March 27,\u00a0 2020   \r\n\r\n\r\n\tDear   Sir,\u00ad\r\n\n"
    assert normalise_letter_text(raw) == "March 27, 2020\n\nDear Sir,"


def test_list_items_are_not_joined_to_the_lead_in():
    raw = (
        BODY.replace("today.", "we urge you to:")
        + "1. Release the defenders;\n2. Repeal the law.\n"
    )
    assert normalise_letter_text(raw).split("\n")[1:] == [
        "1. Release the defenders;",
        "2. Repeal the law.",
    ]
