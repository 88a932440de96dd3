"""Ways in: "New letter" is one click from the navigation, My work and the letters list,
and empty pages say what to do first."""

from __future__ import annotations

import re

from tests.support.letter_helpers import make_letter


def _nav(html: str) -> str:
    return html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]


def test_editors_find_new_letter_in_the_navigation_my_work_and_the_list(client, auth, users):
    auth.login("editor")
    for path in ("/", "/letters"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/letters/new">New letter</a>' in _nav(html)
        assert 'href="/letters/intake">New letter from a file</a>' in _nav(html)
        main = html.split('<main id="main"', 1)[1]
        assert re.search(r'<a class="button" href="/letters/new">New letter</a>', main), path


def test_only_the_page_itself_is_marked_current_in_the_navigation(client, auth, users):
    auth.login("editor")
    nav = _nav(client.get("/letters/new").get_data(as_text=True))
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', nav) == ["/letters/new"]
    nav = _nav(client.get("/letters?q=x").get_data(as_text=True))
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', nav) == ["/letters"]


def test_viewers_get_no_new_letter_link(client, auth, users):
    auth.login("viewer")
    html = client.get("/letters").get_data(as_text=True)
    assert "/letters/new" not in html
    assert "Letters appear here once an editor enters them." in html


def test_empty_pages_say_what_to_do_first(client, auth, users):
    auth.login("editor")
    home = client.get("/").get_data(as_text=True)
    assert "No letter of yours was sent in this period" in home
    assert 'href="/letters/new">type it in</a>' in home
    listing = client.get("/letters").get_data(as_text=True)
    assert "No letters yet" in listing and 'href="/letters/import">import a spreadsheet' in listing
    filtered = client.get("/letters?q=nothing-matches").get_data(as_text=True)
    assert "No letter matches these filters." in filtered and "No letters yet" not in filtered


def test_the_empty_state_leaves_once_there_is_a_letter(app, client, auth, users):
    make_letter(users)
    auth.login("editor")
    assert "No letters yet" not in client.get("/letters").get_data(as_text=True)
