"""Debian's Chromium driven by Playwright (no browser download: executable_path)."""

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def launch(playwright, extra_args=()):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=[*CHROMIUM_ARGS, *extra_args])


def sign_out(page) -> None:
    """Click "Sign out" and wait until it has happened: static/js/sign-out.js first wipes the
    device's offline check-in data, then submits the form, so the sign-out is a moment later."""
    with page.expect_navigation():
        page.locator("#sign-out-form button").click()
    page.wait_for_load_state()
