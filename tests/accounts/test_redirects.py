"""Every ``next`` parameter stays on the site (core.clients.safe_next_url)."""

from urllib.parse import quote, urljoin, urlsplit

import pytest

from eventsvc.core.clients import safe_next_url
from tests.support.web import csrf_token

#: raw query text after ``next=``, as an attacker would put it in a link
BYPASSES = [
    "/%09/evil.example/", "//evil.example", "/\\evil.example", "https://evil.example", "\\/evil",
    "/%2F%2Fevil", "/%252F%252Fevil", "%2F%2Fevil.example", "/%0D%0A/evil.example", "/%5Cevil.example",
    "///evil.example", "http:/evil.example", "javascript:alert(1)", " //evil.example",
]


def _as_query(attack: str) -> str:
    # keep what the attacker encoded as it is, encode only what a URL cannot carry raw
    return quote(attack, safe="%/:\\")


def _where_a_browser_goes(location: str) -> str:
    """The host a browser visits for this Location: it drops tabs and newlines and reads \\ as /."""
    cleaned = "".join(c for c in location if c not in "\t\r\n").replace("\\", "/").strip()
    return urlsplit(urljoin("http://localhost/here", cleaned)).netloc


@pytest.mark.parametrize("attack", BYPASSES)
def test_the_language_switch_never_sends_the_browser_off_site(client, attack):
    response = client.get(f"/language/en?next={_as_query(attack)}")
    assert response.status_code == 302
    assert _where_a_browser_goes(response.headers["Location"]) == "localhost"
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("attack", BYPASSES)
def test_signing_in_never_sends_the_browser_off_site(client, make_user, attack):
    make_user("owner@example.org", "owner-password-1")
    response = client.post(f"/login?next={_as_query(attack)}", data={
        "email": "owner@example.org", "password": "owner-password-1", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert _where_a_browser_goes(response.headers["Location"]) == "localhost"
    assert response.headers["Location"] == "/manage"


def test_a_path_on_the_site_is_where_one_comes_back_to(client, make_user):
    make_user("owner@example.org", "owner-password-1")
    response = client.post("/login?next=/manage%3Ftab%3Dteam", data={
        "email": "owner@example.org", "password": "owner-password-1", "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/manage?tab=team"
    assert client.get("/language/zh?next=/e/forum-2023%3Fq%3Da%2Fb").headers["Location"] == "/e/forum-2023?q=a/b"


def test_only_same_site_paths_pass_the_one_check():
    assert safe_next_url("/e/forum/agenda?day=1") == "/e/forum/agenda?day=1"
    for value in [None, "", "e/forum", "/\t/evil.example/", "//evil.example", "/\\evil.example",
                  "https://evil.example", "\\/evil", "/%2F%2Fevil", "/%09/evil", "/x\x00", "/" + "a" * 3000]:
        assert safe_next_url(value) is None, value
