"""Helpers to act like a browser in the Flask test client: CSRF tokens, logins."""

import re

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_META.search(page) or re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, email: str, password: str):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def post_form(client, path: str, data: dict, *, from_path: str | None = None, **kwargs):
    """Submit a form the way a browser would: take the CSRF token from the page first."""
    token = csrf_token(client, from_path or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)
