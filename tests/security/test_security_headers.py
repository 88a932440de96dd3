"""Headers and cookies on every response."""

from __future__ import annotations


def test_public_page_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_behind_login_are_never_cached(client, auth):
    auth.login("viewer")
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers


def test_session_cookie_is_httponly_and_lax(client, auth):
    response = auth.login("viewer")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http base URL in tests


def test_session_cookie_is_secure_behind_https(make_app, users):
    app = make_app(TRACKER_BASE_URL="https://tracker.example.org", SESSION_COOKIE_SECURE=None)
    client = app.test_client()
    response = client.post(
        "/login", data={"email": users["viewer"].email, "password": users["viewer"].password}
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_pages_load_nothing_from_other_hosts(client, auth):
    auth.login("admin")
    for path in ("/", "/admin/users", "/admin/outbox", "/admin/audit", "/account", "/login"):
        html = client.get(path).get_data(as_text=True)
        for marker in ('src="http', 'href="http', 'src="//', 'href="//', "<script>", 'style="'):
            assert marker not in html, f"{path} contains {marker}"


def test_hsts_follows_an_https_base_url_even_behind_a_tls_proxy(make_app):
    plain = make_app().test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    https = make_app(TRACKER_BASE_URL="https://tracker.example.org").test_client()
    response = https.get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["Permissions-Policy"].startswith("camera=()")


def test_security_txt_names_a_contact_and_an_expiry(make_app):
    client = make_app(SECURITY_CONTACT="mailto:security@example.org").test_client()
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "Contact: mailto:security@example.org\n" in response.text
    assert "Expires: " in response.text
