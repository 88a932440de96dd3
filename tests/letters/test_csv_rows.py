"""The CSV row format, pure: parsing, per-cell errors, formula protection, ordering."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain import csv_rows

HEADER = csv_rows.header(2, 2)


def row(**cells: str) -> list[str]:
    return [cells.get(name, "") for name in HEADER]


def parse(*rows: list[str]) -> list[csv_rows.ParsedRow]:
    return csv_rows.parse_rows([HEADER, *rows])


def test_a_full_row_parses_to_typed_values():
    [parsed] = parse(
        row(
            reference="L-1",
            subject="Sanctions",
            campaign="ICC  2020",
            sent_on="2020-03-27",
            channel="Hand delivery",
            owner="Owner@Example.org",
            watchers="a@example.org; b@example.org",
            response_window_days="20",
            business_days="yes",
            recipient_1_role="to",
            recipient_1_name="Donald  Trump",
            recipient_1_country="us",
            recipient_2_role="cc",
            recipient_2_name="Mike Pompeo",
            recipient_2_expects_answer="yes",
            demand_1_text="Lift the sanctions",
            demand_2_title="Investigate",
            demand_2_text="Investigate the threats",
            demand_2_outcome="partially met",
        )
    )
    assert parsed.errors == {}
    letter = parsed.letter
    assert (letter.status, letter.sent_on, letter.channel) == (
        "sent",
        date(2020, 3, 27),
        "hand_delivery",
    )
    assert letter.campaign == "ICC 2020" and letter.owner == "owner@example.org"
    assert letter.watchers == ("a@example.org", "b@example.org")
    assert (letter.response_window_days, letter.business_days) == (20, True)
    assert letter.recipients[0] == csv_rows.RecipientCells("to", "Donald Trump", country="US")
    assert letter.recipients[1].expects_answer is True
    assert [d.outcome for d in letter.demands] == ["open", "partially_met"]


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"subject": ""}, "subject", "empty"),
        ({"sent_on": "27/03/2020"}, "sent_on", "YYYY-MM-DD"),
        ({"status": "sent"}, "sent_on", "needs its date sent"),
        ({"status": "draft", "sent_on": "2020-01-01"}, "status", "not a draft"),
        ({"status": "lost"}, "status", "not one of"),
        ({"channel": "pigeon"}, "channel", "not one of"),
        ({"business_days": "maybe"}, "business_days", "not yes or no"),
        ({"response_window_days": "-3"}, "response_window_days", "whole number"),
        ({"recipient_1_role": "bcc", "recipient_1_name": "X"}, "recipient_1_role", "to, cc"),
        ({"recipient_1_title": "Minister"}, "recipient_1_name", "official's name"),
        ({"demand_1_title": "Only a title"}, "demand_1_text", "needs its text"),
        ({"demand_1_text": "t", "demand_1_outcome": "won"}, "demand_1_outcome", "not one of"),
        (
            {"recipient_1_name": "Ada", "recipient_2_name": "ADA"},
            "recipient_2_name",
            "named twice",
        ),
    ],
)
def test_each_bad_cell_gets_a_message_under_its_column(cells, column, message):
    [parsed] = parse(row(**({"reference": "L-1", "subject": "S"} | cells)))
    assert message in parsed.errors[column]


def test_lines_are_numbered_as_in_a_spreadsheet_and_blank_rows_skipped():
    rows = parse(
        row(reference="A", subject="s"),
        [""] * len(HEADER),
        row(reference="a", subject="s"),
    )
    assert [r.line for r in rows] == [2, 4]
    assert rows[1].errors["reference"] == "Reference a is also on line 2."


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["subject"], "missing: reference"),
        (["reference", "subject", "colour"], "Unknown columns: colour"),
        (["reference", "subject", "recipient_1_shoe"], "Unknown columns"),
        (["reference", "subject", "Subject"], "Columns named twice: subject"),
    ],
)
def test_unusable_headers_are_refused(header, message):
    with pytest.raises(csv_rows.HeaderError, match=message):
        csv_rows.parse_rows([header])


def test_a_row_with_more_cells_than_columns_is_an_error():
    [parsed] = csv_rows.parse_rows([["reference", "subject"], ["L-1", "S", "stray"]])
    assert "3 cells" in parsed.errors["row"]


def test_follow_ups_are_created_after_the_letter_they_follow_and_cycles_refused():
    rows = parse(
        row(reference="C", subject="s", follows_up="B"),
        row(reference="B", subject="s", follows_up="A"),
        row(reference="A", subject="s"),
    )
    assert [r.letter.reference for r in csv_rows.creation_order(rows)] == ["A", "B", "C"]
    cycle = parse(
        row(reference="X", subject="s", follows_up="Y"),
        row(reference="Y", subject="s", follows_up="X"),
    )
    csv_rows.creation_order(cycle)
    assert all("follow up each other" in r.errors["follows_up"] for r in cycle)


def test_cells_a_spreadsheet_would_run_are_protected_and_restored():
    assert csv_rows.protect('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert csv_rows.protect("- first demand") == "'- first demand"
    assert csv_rows.unprotect("'=1+1") == "=1+1"
    assert csv_rows.unprotect("'quoted") == "'quoted"  # an ordinary apostrophe stays


text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
    max_size=40,
).map(str.strip)


@given(
    subject=text.filter(bool),
    body=st.text(max_size=80).map(str.strip),
    demand_text=text.filter(bool),
    name=text.filter(bool).map(lambda value: " ".join(value.split())).filter(bool),
)
def test_any_text_survives_writing_and_reading(subject, body, demand_text, name):
    letter = csv_rows.LetterCells(
        reference="R-1",
        subject=subject,
        status="draft",
        body=body.replace("\x00", ""),
        recipients=(csv_rows.RecipientCells("cc", name, expects_answer=False),),
        demands=(csv_rows.DemandCells("", demand_text, "rejected"),),
    )
    cells = csv_rows.to_cells(letter, 1, 1)
    [parsed] = csv_rows.parse_rows([csv_rows.header(1, 1), cells])
    assert parsed.errors == {}
    assert parsed.letter == letter
