"""An editor drops in the PDF of a letter, corrects a demand on the review screen, saves it,
and finds the letter tracked with its recipient's clock running."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_login_browser import log_in
from tests.conftest import PASSWORD
from tests.support.intake_helpers import LETTERS

pytestmark = pytest.mark.browser

PDF = LETTERS / "pdf-form-georgia.pdf"


def test_editor_uploads_a_pdf_corrects_a_demand_and_saves_the_letter(
    page: Page, live_server, users
):
    log_in(page, live_server.url, users["editor"].email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="New letter from a file"
    ).click()
    page.get_by_label("Letter file (PDF, DOCX, TXT or EML)").set_input_files(PDF)
    page.get_by_role("button", name="Read the letter").click()

    expect(page.get_by_role("heading", name="Review the letter")).to_be_visible()
    expect(page.get_by_label("Date sent")).to_have_value("2023-05-14")
    expect(page.get_by_label("Recipient 1 name")).to_have_value("Irakli Beridze")
    expect(page.get_by_label("Create a new official from these details").first).to_be_checked()
    passage = page.locator("mark#passage-d1")
    expect(passage).to_contain_text("We also call on your government to engage")

    # Focusing a demand picks out its passage in the letter text.
    title = page.get_by_label("Demand 2 title")
    title.click()
    expect(passage).to_have_class(re.compile(r"\bis-current\b"))
    title.fill("Consult civil society before any new regulation")
    page.get_by_label("Demand 2 text").fill(
        "We also call on your government to engage in a genuine and inclusive consultation "
        "with civil society before any new regulation of non-commercial organisations."
    )
    page.get_by_label("Subject").fill("Draft law on foreign influence")
    page.get_by_role("button", name="Save letter").click()

    expect(page).to_have_url(re.compile(r"/letters/\d+$"))
    expect(page.get_by_text("the response clocks are running")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile("Draft law on foreign influence"))
    ).to_be_visible()
    expect(
        page.get_by_role("heading", name="Consult civil society before any new regulation")
    ).to_be_visible()
    recipient = page.get_by_role("row", name=re.compile("Irakli Beridze"))
    expect(recipient).to_contain_text("2023-06-13")  # 30 calendar days after 14 May 2023
    expect(page.get_by_role("link", name="pdf-form-georgia.pdf")).to_be_visible()
