"""Every answer carries the security headers: pages, API answers, static files, 404s and 500s.

The policy allows nothing inline and no other site; only the scanner page may compile WebAssembly
(its QR decoder). Strict-Transport-Security is sent only when the site runs on HTTPS.
"""

import pytest
from flask import Config

from eventsvc import CONFIG_DIR, create_app

ALWAYS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request.path}"
    return dict((part.strip() + " ").split(" ", 1) for part in header.split(";"))


def assert_secured(response, wasm: bool = False):
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (response.request.path, name)
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "microphone=()" in response.headers["Permissions-Policy"]
    csp = {name: value.strip() for name, value in policy(response).items()}
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'" and csp["form-action"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["script-src"] == ("'self' 'wasm-unsafe-eval'" if wasm else "'self'")
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # the tests run on plain HTTP


def test_a_page_an_api_answer_and_a_static_file_carry_the_headers(client, demo, organizer_api):
    page = client.get(f"/e/{demo}")
    assert page.status_code == 200
    assert_secured(page)
    answer = client.get(f"/api/v1/events/{demo}", headers=organizer_api)
    assert answer.status_code == 200 and answer.is_json
    assert_secured(answer)
    refused = client.get(f"/api/v1/events/{demo}")
    assert refused.status_code == 401
    assert_secured(refused)
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert_secured(static)
    static.close()


def test_not_found_pages_and_answers_carry_the_headers(client, make_user, api_token):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert_secured(page)
    api = client.get("/api/v1/no-such-thing", headers={"Authorization": f"Bearer {api_token(make_user())}"})
    assert api.status_code == 404 and api.is_json
    assert_secured(api)
    static = client.get("/static/css/no-such.css")
    assert static.status_code == 404
    assert_secured(static)


def test_a_500_page_and_a_500_answer_carry_the_headers(database_url, make_user, api_token):
    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @fresh.get("/_boom")
    def boom_page():
        raise RuntimeError("secret detail")

    @fresh.get("/api/v1/_boom")
    def boom_api():
        raise RuntimeError("secret detail")

    client = fresh.test_client()
    page = client.get("/_boom")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "secret detail" not in page.get_data(as_text=True)
    assert_secured(page)
    token = api_token(make_user())
    api = client.get("/api/v1/_boom", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 500 and api.is_json
    assert_secured(api)


def test_only_the_scanner_page_may_compile_webassembly(app, demo, staff_client):
    scanner = staff_client.get(f"/checkin/e/{demo}")
    assert scanner.status_code == 200
    assert_secured(scanner, wasm=True)
    worker = staff_client.get("/checkin/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert_secured(worker)
    assert "wasm" not in staff_client.get(f"/checkin/e/{demo}/walk-in").headers["Content-Security-Policy"]
    # an outsider is refused before the scanner's policy applies
    outsider = app.test_client().get(f"/checkin/e/{demo}")
    assert outsider.status_code in (302, 401, 403)
    assert "wasm" not in outsider.headers["Content-Security-Policy"]


@pytest.mark.parametrize("scheme, secure, sent", [
    ("http", False, False),   # a site on plain HTTP never sends it
    ("http", True, True),     # this request came over HTTPS (directly or through the proxy)
    ("https", False, True),   # the site says it is served over HTTPS
])
def test_hsts_is_sent_only_when_the_site_runs_on_https(database_url, scheme, secure, sent):
    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "HSTS_SECONDS": 31536000,
                                   "PREFERRED_URL_SCHEME": scheme})
    response = fresh.test_client().get("/login", base_url="https://localhost" if secure else "http://localhost")
    assert response.status_code == 200
    assert response.headers.get("Strict-Transport-Security") == ("max-age=31536000" if sent else None)


def test_hsts_is_off_unless_configured_and_on_in_production(database_url):
    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PREFERRED_URL_SCHEME": "https"})
    assert "Strict-Transport-Security" not in fresh.test_client().get("/login").headers
    production = Config(str(CONFIG_DIR))
    production.from_pyfile("default.py")
    production.from_pyfile("production.py")
    assert production["HSTS_SECONDS"] >= 180 * 24 * 3600 and production["PREFERRED_URL_SCHEME"] == "https"


def test_a_view_that_sets_a_stricter_header_keeps_it(database_url):
    fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

    @fresh.get("/_private")
    def private():
        return "secret link", 200, {"Referrer-Policy": "no-referrer"}

    response = fresh.test_client().get("/_private")
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert response.headers["X-Frame-Options"] == "DENY"
