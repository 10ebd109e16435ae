"""Every page names the site's icon, and a browser asking /favicon.ico gets it (no 404 on a first visit)."""

import re


def test_pages_name_the_icon_and_favicon_ico_leads_to_it(client):
    home = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', home).group(1)
    answer = client.get(icon)
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    assert b"<svg" in answer.data
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect.headers["Location"].endswith(icon)
