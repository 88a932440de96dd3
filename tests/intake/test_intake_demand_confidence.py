"""The review screen proposes likely demands ticked and possible ones unticked, with why."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.support.intake_helpers import form_fields, upload
from tracker.extensions import db
from tracker.models import Letter

# "The authorities should ..." (likely), then three modal asks of others (possible).
MIXED = "en-authorities-should-release.txt"
THIRD_PARTY = "en-third-party-call.txt"


def confirm(client, fields: dict[str, str]):
    return client.post("/letters/intake/confirm", data=fields)


def _review_page(client, name: str) -> str:
    response = upload(client, name)
    assert response.status_code == 200, response.text
    return response.text


def _demand_row(html: str, index: int) -> str:
    match = re.search(rf'<li[^>]*id="demand-{index}".*?</li>', html, re.DOTALL)
    assert match, f"no demand row {index}"
    return match.group(0)


def test_likely_demands_come_ticked_possible_ones_unticked_each_with_its_cue(client, auth):
    auth.login("editor")
    html = _review_page(client, MIXED)
    fields = form_fields(html)
    assert fields.get("demands-0-keep") == "y"
    assert [fields.get(f"demands-{i}-keep") for i in (1, 2, 3)] == [None, None, None]
    first, second = _demand_row(html, 0), _demand_row(html, 1)
    assert "Likely demand" in first and "Why: the letter says “should”." in first
    assert "Possible demand: check it" in second and "Why: the letter says “must”." in second
    # The free row carries no proposal and no keep box.
    spare = _demand_row(html, 4)
    assert "demands-4-keep" not in spare and "Free row" in spare
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0  # nothing saved yet


def test_confirming_saves_only_the_ticked_demands_and_a_typed_free_row(client, auth):
    auth.login("editor")
    fields = form_fields(_review_page(client, MIXED))
    fields["demands-2-keep"] = "y"  # staff confirm one possible demand
    fields["demands-4-title"] = "Return his equipment"
    fields["demands-4-text"] = "Return the equipment seized from the journalist."
    response = confirm(client, fields)
    assert response.status_code == 302, response.text
    letter = db.session.scalars(select(Letter)).one()
    texts = [d.text for d in letter.demands]
    assert len(texts) == 3
    assert texts[0] == fields["demands-0-text"]
    assert texts[1] == fields["demands-2-text"]
    assert texts[2] == "Return the equipment seized from the journalist."


def test_a_demand_put_to_a_third_party_names_whom_it_asks(client, auth):
    auth.login("editor")
    html = _review_page(client, THIRD_PARTY)
    asked = re.findall(r'<span class="asked">Asked of: ([^<]+)\.</span>', html)
    assert "the international community" in asked


def test_a_rerender_with_errors_keeps_the_reasons_and_the_choices(client, auth):
    auth.login("editor")
    fields = form_fields(_review_page(client, MIXED))
    fields["demands-1-keep"] = "y"
    fields["subject"] = ""  # required: the form comes back with an error
    response = confirm(client, fields)
    assert response.status_code == 400
    again = form_fields(response.text)
    assert again.get("demands-1-keep") == "y" and again.get("demands-2-keep") is None
    assert "Possible demand: check it" in _demand_row(response.text, 2)
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
