"""Every input has a bound on the work it can cause: the defects found from outside.

Each test here failed before its fix: a 500, a page that broke for everyone, or
seconds of work for one request.
"""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from sqlalchemy import func, select

from tests.letters.test_letters_web import new_letter_data
from tests.support.letter_helpers import (
    NOW,
    docx_bytes,
    edit_form_data,
    editor_actor,
    letter_input,
    make_letter,
    officials,
)
from tracker.extensions import db
from tracker.models import Letter
from tracker.services import letters
from tracker.services.errors import ServiceError

HUGE = "9223372036854775808"  # 2**63: SQLite raises OverflowError binding it
SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() refuses


def letter_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


@pytest.fixture
def letter(app, users):
    return make_letter(users)[0]


def test_huge_or_foreign_digits_in_a_url_are_not_found(client, auth, letter):
    auth.login("admin")
    for path in (
        f"/letters/{HUGE}",
        f"/letters/{SUPERSCRIPT_TWO}",
        "/letters/٣",
        "/officials/1" + "0" * 30,
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/letters/{letter.id}").status_code == 200


@pytest.mark.parametrize("name", ["campaign", "official", "owner", "watcher", "page"])
def test_huge_numbers_in_the_letter_list_filters_are_ignored_with_a_message(client, auth, name):
    auth.login("viewer")
    for value in (HUGE, SUPERSCRIPT_TWO, "-1", "1e9"):
        response = client.get(f"/letters?{name}={value}")
        assert response.status_code in (200, 400), (name, value)
        assert "is not valid" in response.text


def test_admin_pages_take_a_huge_page_number(client, auth):
    auth.login("admin")
    for path in ("/admin/users", "/admin/audit", "/admin/outbox", "/officials"):
        assert client.get(f"{path}?page={HUGE}").status_code == 200, path
        assert client.get(f"{path}?page={SUPERSCRIPT_TWO}").status_code == 200, path


@pytest.mark.parametrize(
    "field", ["campaign_id", "owner_id", "watcher_ids", "recipients-0-official_id"]
)
@pytest.mark.parametrize("value", [HUGE, SUPERSCRIPT_TWO])
def test_huge_or_foreign_ids_in_the_letter_form_get_a_message(
    app, client, auth, users, field, value
):
    president, secretary = officials(editor_actor(users))
    auth.login("editor")
    response = client.post(
        "/letters/new", data=new_letter_data(president, secretary, **{field: value})
    )
    assert response.status_code in (302, 400), response.status_code
    if field == "recipients-0-official_id":
        assert response.status_code == 400


@pytest.mark.parametrize("value", [HUGE, SUPERSCRIPT_TWO, "\u0661"])
def test_foreign_digits_in_version_fields_are_refused_not_a_crash(client, auth, letter, value):
    # A version that is not one we handed out is a damaged form (400), not a stale one.
    auth.login("editor")
    response = client.post(f"/letters/{letter.id}/edit", data=edit_form_data(letter, version=value))
    assert response.status_code == 400
    demand = letter.demands[0]
    prefix = f"d{demand.id}-"
    response = client.post(
        f"/letters/demands/{demand.id}/outcome",
        data={prefix + "outcome": "rejected", prefix + "version": value},
    )
    assert response.status_code == 400


def test_a_response_form_with_foreign_digits_in_the_recipient_gets_a_message(client, auth, letter):
    auth.login("editor")
    assert client.get(f"/letters/{letter.id}/responses/new?recipient={HUGE}").status_code == 200
    response = client.post(
        f"/letters/{letter.id}/responses/new",
        data={"recipient_id": SUPERSCRIPT_TWO, "received_on": "2020-04-01", "kind": "refusal"},
    )
    assert response.status_code == 400


def test_a_dashboard_over_ten_thousand_years_is_refused_quickly(client, auth):
    auth.login("viewer")
    query = "?period=custom&start=0001-01-01&end=9999-12-31"
    for path in ("/dashboard", "/dashboard/charts/monthly.svg", "/dashboard/monthly.csv"):
        started = time.monotonic()
        response = client.get(path + query)
        assert response.status_code in (400, 404), path
        assert time.monotonic() - started < 2, path
    page = client.get("/dashboard" + query)
    assert "between 1900 and 2100" in page.text


def test_a_letter_dated_in_year_0202_is_refused_with_a_clear_message(app, client, auth, users):
    president, secretary = officials(editor_actor(users))
    auth.login("editor")
    response = client.post(
        "/letters/new", data=new_letter_data(president, secretary, sent_on="0202-03-27")
    )
    assert response.status_code == 400
    assert "between 1900 and 2100" in response.text
    assert letter_count() == 0


def test_the_service_refuses_a_date_out_of_range_too(app, users):
    with pytest.raises(ServiceError) as raised:
        make_letter(users, sent_on=date(202, 3, 27))
    assert "between 1900 and 2100" in raised.value.fields["sent_on"]


def test_a_reference_with_a_superscript_digit_breaks_no_form(client, auth, users, letter):
    year = date.today().year
    president, secretary = (recipient.official for recipient in letter.recipients)
    typo = letter_input(users["editor"].id, president, secretary, reference=f"L-{year}-²")
    letters.create_letter(editor_actor(users), typo, NOW)
    auth.login("editor")
    page = client.get("/letters/new")
    assert page.status_code == 200
    assert f'value="L-{year}-0001"' in page.text
    assert client.get(f"/letters/{letter.id}/follow-up").status_code == 200


def test_a_csv_import_of_such_a_reference_leaves_the_forms_working(client, auth, users):
    from tests.letters.test_csv_import import HEADER, confirm, upload

    year = date.today().year
    content = HEADER + (
        f"L-{year}-²,Sanctions,2020-03-27,,to,Ada President,US,Lift the sanctions\n"
        "A-2,Threats,0202-03-27,,to,Bruno,FR,Disavow\n"
    )
    auth.login("editor")
    preview = upload(client, content)
    assert preview.status_code == 400
    assert "between 1900 and 2100" in preview.text
    content = content.replace("0202-03-27", "2020-03-27")
    assert upload(client, content).status_code == 200
    assert confirm(client, content).status_code == 302
    assert client.get("/letters/new").status_code == 200


def test_a_pdf_that_is_only_a_header_is_not_a_letter_file(app, client, auth, users, letter):
    auth.login("editor")
    president, secretary = (recipient.official for recipient in letter.recipients)
    for broken in (b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"):
        data = new_letter_data(president, secretary, reference="X-1") | {
            "file": (io.BytesIO(broken), "x.pdf")
        }
        response = client.post("/letters/new", data=data, content_type="multipart/form-data")
        assert response.status_code == 400
        assert "not really a PDF" in response.text
        reply = {
            "recipient_id": str(letter.recipients[0].id),
            "received_on": "2020-04-01",
            "kind": "refusal",
            "file": (io.BytesIO(broken), "reply.pdf"),
        }
        response = client.post(
            f"/letters/{letter.id}/responses/new", data=reply, content_type="multipart/form-data"
        )
        assert response.status_code == 400
        assert "not really a PDF" in response.text
    assert letter_count() == 1


def timed_intake(client, **data):
    started = time.monotonic()
    response = client.post("/letters/intake", data=data, content_type="multipart/form-data")
    return response, time.monotonic() - started


def test_a_pasted_line_of_100000_characters_is_read_in_a_moment(client, auth):
    auth.login("editor")
    for line in ("x" * 100_000, "word " * 20_000, ("a line of words " * 6 + "\n") * 1000):
        response, seconds = timed_intake(client, text="Dear Minister,\n" + line)
        assert response.status_code == 200
        assert seconds < 3


def test_text_longer_than_any_letter_is_refused_before_it_is_parsed(client, auth):
    auth.login("editor")
    response, seconds = timed_intake(client, text="Dear Minister, " * 30_000)
    assert response.status_code == 400
    assert "a letter can have at most" in response.text
    assert seconds < 3


def zip_bomb_docx() -> bytes:
    """A valid DOCX whose body unpacks to 30 MB of paragraphs from a few hundred KB."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    body = source.read("word/document.xml").decode()
    paragraph = "<w:p><w:r><w:t>We call on you to act.</w:t></w:r></w:p>"
    marker = "<w:body>"
    body = body.replace(marker, marker + paragraph * (30 * 1024 * 1024 // len(paragraph)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            content = body.encode() if item.filename == "word/document.xml" else source.read(item)
            bomb.writestr(item.filename, content)
    return buffer.getvalue()


def heavy_pdf() -> bytes:
    """A small PDF whose one page draws from a content stream of about 12 MB."""
    writer = PdfWriter()
    page = writer.add_blank_page(600, 800)
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 10 10 Td (Dear Minister) Tj ET\n" * 280_000)
    page[NameObject("/Contents")] = writer._add_object(stream)
    page.compress_content_streams()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("bomb.docx", zip_bomb_docx, "unpacks to far more than a letter holds"),
        ("heavy.pdf", heavy_pdf, "far more drawing instructions than a letter"),
    ],
)
def test_a_file_that_unpacks_to_far_more_than_a_letter_is_refused_unread(
    client, auth, name, make, message
):
    data = make()
    assert len(data) < 1024 * 1024
    auth.login("editor")
    response, seconds = timed_intake(client, file=(io.BytesIO(data), name))
    assert response.status_code == 400
    assert message in response.text
    assert seconds < 3
