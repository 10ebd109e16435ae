"""The access matrix: every route × nine actors, with the answer each must get (issue 11, item 6).

The actors: anonymous, guest of A, guest of B, staff of A, organizer of A, staff of B,
organizer of B, an event creator and an administrator; every path parameter is a real object
of event A (tests/support/access_world.py). Each route maps to an access class
(tests/support/access.py) that says who is allowed and what exactly everyone else gets.

Reads must succeed for allowed actors; writes send no valid input (a page write carries its
CSRF token, so a refusal is about authorization), so an allowed actor's write must only not be
refused (401, 403, 404, login) and never fail (5xx). Every write acts on a new object of its own.

A new route fails ``test_every_route_has_an_entry_in_the_matrix`` until it has its line in ROUTES.
Flask's ``static`` route is left out: it serves the project's own files to anyone.
"""

import pytest

from tests.support.access import (
    ACTORS,
    ADMIN,
    API_ADMIN,
    API_EVENT_CREATOR,
    API_ORGANIZER,
    API_ORGANIZER_HIDDEN,
    API_PUBLIC,
    API_PUBLISHED,
    API_SIGNED_IN,
    API_STAFF,
    API_STAFF_HIDDEN,
    EVENT_CREATOR,
    GUEST_LINK,
    GUEST_LINK_OF_A,
    OPS_FROM_LOOPBACK,
    ORGANIZER,
    ORGANIZER_AND_CREATOR,
    PUBLIC,
    PUBLISHED,
    SIGNED_IN_PAGE,
    STAFF,
    UNKNOWN_ONE_TIME_LINK,
    Browser,
    cells_of,
    in_asking_order,
    wrong_answer,
)
from tests.support.access_world import EVENT_B, build_world

# One line per route: its access class for every method, or {method: class}. ``.at(...)`` names
# the world value (or gives the literal) for a parameter or the query string where the default
# (tests/support/access_world.py) would not reach the route.
ROUTES = {
    # --- the site ---
    "/": PUBLIC,
    "/healthz": PUBLIC,
    "/readyz": PUBLIC,
    # operations: every actor of the matrix asks from loopback, which may read it (see tests/ops/test_metrics.py
    # for the refusals to other networks and the bearer token)
    "/metrics": OPS_FROM_LOOPBACK,
    "/favicon.ico": PUBLIC,
    "/language/<code>": PUBLIC.at(code="language"),
    "/login": PUBLIC,
    "/logout": SIGNED_IN_PAGE,
    "/manage": SIGNED_IN_PAGE,
    "/manage/e/new": EVENT_CREATOR,
    "/checkin/sw.js": PUBLIC,
    "/verify": PUBLIC.at(query={"number": "certificate_number"}),
    "/verify.json": PUBLIC.at(query={"number": "certificate_number"}),
    "/verify/<code>": PUBLIC.at(code="verification_code"),
    "/verify/<code>.json": PUBLIC.at(code="verification_code"),

    # --- an event's public pages ---
    "/e/<slug>": PUBLISHED,
    "/e/<slug>/agenda": PUBLISHED,
    "/e/<slug>/agenda.ics": PUBLISHED,
    "/e/<slug>/awards": PUBLISHED,
    "/e/<slug>/proceedings": PUBLISHED,
    "/e/<slug>/register": PUBLISHED,
    "/e/<slug>/s/<int:item_id>": PUBLISHED,
    "/e/<slug>/s/<int:item_id>.ics": PUBLISHED,
    "/e/<slug>/slides/<int:speech_id>.pdf": PUBLISHED,
    "/e/<slug>/speakers": PUBLISHED,
    "/e/<slug>/speakers/<int:person_id>": PUBLISHED.at(person_id="speaker_id"),
    "/e/<slug>/people/<int:person_id>/photo/<name>": PUBLISHED.at(person_id="speaker_id", name="photo_name"),

    # --- the guest portal ---
    "/g/<token>": GUEST_LINK,
    "/g/<token>/accept": GUEST_LINK,
    "/g/<token>/agenda.ics": GUEST_LINK,
    "/g/<token>/badge": GUEST_LINK,
    "/g/<token>/badge.pdf": GUEST_LINK,
    "/g/<token>/badge/qr.<any(png, svg):kind>": GUEST_LINK,
    "/g/<token>/cancel": GUEST_LINK,
    "/g/<token>/certificates/<int:award_id>.pdf": GUEST_LINK_OF_A,
    "/g/<token>/attendance-certificates/<int:certificate_id>.pdf":
        GUEST_LINK_OF_A.at(certificate_id="attendance_certificate_id"),
    "/g/<token>/decline": GUEST_LINK,
    "/g/<token>/details": GUEST_LINK,
    "/g/<token>/rejoin": GUEST_LINK,
    "/g/<token>/answers": GUEST_LINK,
    "/g/<token>/seats.json": GUEST_LINK,
    "/g/<token>/sessions": GUEST_LINK,

    # --- the doors ---
    "/checkin/e/<slug>": STAFF,
    "/checkin/e/<slug>/walk-in": STAFF,
    "/checkin/e/<slug>/kiosk": STAFF,
    "/checkin/e/<slug>/kiosk/start": STAFF,
    "/checkin/e/<slug>/walk-in/<int:registration_id>": STAFF.at(registration_id="walk_in_registration_id"),

    # --- managing an event ---
    "/manage/e/<slug>": ORGANIZER,
    "/manage/e/<slug>/edit": ORGANIZER,
    "/manage/e/<slug>/copy": ORGANIZER_AND_CREATOR,
    "/manage/e/<slug>/status/<status>": ORGANIZER,
    "/manage/e/<slug>/rooms": ORGANIZER,
    "/manage/e/<slug>/rooms/<int:room_id>": ORGANIZER,
    "/manage/e/<slug>/rooms/<int:room_id>/delete": ORGANIZER,
    "/manage/e/<slug>/people": ORGANIZER,
    "/manage/e/<slug>/people/new": ORGANIZER,
    "/manage/e/<slug>/people/<int:person_id>": ORGANIZER,
    "/manage/e/<slug>/people/<int:person_id>/photo/delete": ORGANIZER,
    "/manage/e/<slug>/audit": ORGANIZER,
    "/manage/e/<slug>/audit.<fmt>": ORGANIZER,
    "/manage/e/<slug>/agenda": ORGANIZER,
    "/manage/e/<slug>/sessions/new": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>/cancel": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>/restore": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>/delete": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>/people": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>/speeches/new": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>/attendance": ORGANIZER,
    "/manage/e/<slug>/sessions/<int:item_id>/attendance.<fmt>": ORGANIZER,
    "/manage/e/<slug>/speeches/<int:speech_id>": ORGANIZER,
    "/manage/e/<slug>/speeches/<int:speech_id>/delete": ORGANIZER,
    "/manage/e/<slug>/participations/<int:part_id>/delete": ORGANIZER,
    "/manage/e/<slug>/team": ORGANIZER,
    "/manage/e/<slug>/team/<int:member_id>/role": ORGANIZER,
    "/manage/e/<slug>/team/<int:member_id>/remove": ORGANIZER,
    "/manage/e/<slug>/team/<int:member_id>/link": ORGANIZER,
    "/admin/accounts": ADMIN,
    "/admin/accounts/<int:user_id>/creator": ADMIN,
    "/account/password/<token>": UNKNOWN_ONE_TIME_LINK.at(token="unknown_link"),
    "/manage/e/<slug>/categories": ORGANIZER,
    "/manage/e/<slug>/categories/<int:category_id>": ORGANIZER,
    "/manage/e/<slug>/categories/<int:category_id>/delete": ORGANIZER,
    "/manage/e/<slug>/registration-settings": ORGANIZER,
    "/manage/e/<slug>/questions": ORGANIZER,
    "/manage/e/<slug>/questions/<int:question_id>": ORGANIZER,
    "/manage/e/<slug>/questions/<int:question_id>/move": ORGANIZER,
    "/manage/e/<slug>/questions/<int:question_id>/delete": ORGANIZER,
    "/manage/e/<slug>/emails": ORGANIZER,
    "/manage/e/<slug>/emails/<kind>/<language>": ORGANIZER.at(kind="invitation"),
    "/manage/e/<slug>/emails/<kind>/<language>/reset": ORGANIZER.at(kind="invitation"),
    "/manage/e/<slug>/emails/<kind>/<language>/test": ORGANIZER.at(kind="invitation"),
    "/manage/e/<slug>/reminders": ORGANIZER,
    "/manage/e/<slug>/reminders/<int:reminder_id>/delete": ORGANIZER,
    "/manage/e/<slug>/outbox": ORGANIZER,
    "/manage/e/<slug>/outbox/<int:message_id>/resend": ORGANIZER,
    "/manage/e/<slug>/webhooks": ORGANIZER,
    "/manage/e/<slug>/webhooks/new": ORGANIZER,
    "/manage/e/<slug>/webhooks/<int:endpoint_id>": ORGANIZER,
    "/manage/e/<slug>/webhooks/<int:endpoint_id>/test": ORGANIZER,
    "/manage/e/<slug>/webhooks/<int:endpoint_id>/delete": ORGANIZER,
    "/manage/e/<slug>/invitations": ORGANIZER,
    "/manage/e/<slug>/invitations/new": ORGANIZER,
    "/manage/e/<slug>/invitations/import": ORGANIZER,
    "/manage/e/<slug>/invitations/import-jobs/<job_id>": ORGANIZER.at(job_id="import_job_id"),
    "/manage/e/<slug>/invitations/import-jobs/<job_id>/status": ORGANIZER.at(job_id="import_job_id"),
    "/manage/e/<slug>/invitations/import-jobs/<job_id>/confirm": ORGANIZER.at(job_id="import_job_id"),
    "/manage/e/<slug>/invitations/remind": ORGANIZER,
    "/manage/e/<slug>/invitations/<int:invitation_id>/<action>": ORGANIZER.at(action="invitation_action"),
    "/manage/e/<slug>/registrations": ORGANIZER,
    "/manage/e/<slug>/registrations/<int:registration_id>/<action>": ORGANIZER.at(action="registration_action"),
    "/manage/e/<slug>/badges": ORGANIZER,
    "/manage/e/<slug>/badges/print": ORGANIZER,
    "/manage/e/<slug>/badges/jobs/<job_id>": ORGANIZER,
    "/manage/e/<slug>/badges/jobs/<job_id>/status": ORGANIZER,
    "/manage/e/<slug>/badges/jobs/<job_id>/badges.pdf": ORGANIZER,
    "/manage/e/<slug>/badges/<int:registration_id>/badge.pdf": STAFF,
    "/manage/e/<slug>/badges/<int:registration_id>/qr.<any(png, svg):kind>": ORGANIZER,
    "/manage/e/<slug>/badges/<int:registration_id>/reissue": ORGANIZER,
    "/manage/e/<slug>/print-stations": ORGANIZER,
    "/manage/e/<slug>/print-stations/<int:station_id>": ORGANIZER,
    "/manage/e/<slug>/print-stations/<int:station_id>/delete": ORGANIZER,
    "/manage/e/<slug>/print-stations/<int:station_id>/labels/<int:registration_id>.<any(html, pdf):fmt>":
        STAFF.at(fmt="pdf"),
    "/manage/e/<slug>/print-stations/labels.css": STAFF,
    "/manage/e/<slug>/arrivals": ORGANIZER,
    "/manage/e/<slug>/checkins.<fmt>": ORGANIZER,
    "/manage/e/<slug>/attendance.<fmt>": ORGANIZER,
    "/manage/e/<slug>/awards": ORGANIZER,
    "/manage/e/<slug>/awards/<int:award_id>/representatives": ORGANIZER.at(award_id="org_award_id"),
    "/manage/e/<slug>/awards/<int:award_id>/representatives/<int:registration_id>/remove":
        ORGANIZER.at(award_id="org_award_id"),
    "/manage/e/<slug>/awards/run-sheet": STAFF,
    "/manage/e/<slug>/awards/run-sheet.pdf": STAFF,
    "/manage/e/<slug>/awards/export.<any(csv, xlsx):fmt>": ORGANIZER,
    "/manage/e/<slug>/awards/programs/new": ORGANIZER,
    "/manage/e/<slug>/awards/programs/<int:program_id>": ORGANIZER,
    "/manage/e/<slug>/awards/programs/<int:program_id>/edit": ORGANIZER,
    "/manage/e/<slug>/awards/programs/<int:program_id>/awards/new": ORGANIZER,
    "/manage/e/<slug>/awards/programs/<int:program_id>/certificates": ORGANIZER,
    "/manage/e/<slug>/awards/certificate-jobs/<job_id>": ORGANIZER.at(job_id="certificate_job_id"),
    "/manage/e/<slug>/awards/certificate-jobs/<job_id>/status": ORGANIZER.at(job_id="certificate_job_id"),
    "/manage/e/<slug>/awards/certificate-jobs/<job_id>/certificates.pdf": ORGANIZER.at(job_id="certificate_job_id"),
    "/manage/e/<slug>/awards/programs/<int:program_id>/import": ORGANIZER,
    "/manage/e/<slug>/awards/<int:award_id>/edit": ORGANIZER,
    "/manage/e/<slug>/awards/<int:award_id>/certificate.pdf": ORGANIZER,
    "/manage/e/<slug>/awards/<int:award_id>/presented": STAFF,
    "/manage/e/<slug>/awards/<int:award_id>/revoke": ORGANIZER,
    "/manage/e/<slug>/attendance-certificates": ORGANIZER,
    "/manage/e/<slug>/attendance-certificates/<int:rule_id>": ORGANIZER.at(rule_id="attendance_rule_id"),
    "/manage/e/<slug>/attendance-certificates/<int:rule_id>/issue": ORGANIZER.at(rule_id="attendance_rule_id"),
    "/manage/e/<slug>/attendance-certificates/<int:rule_id>/delete": ORGANIZER.at(rule_id="attendance_rule_id"),
    "/manage/e/<slug>/attendance-certificates/<int:rule_id>/certificates/<int:certificate_id>/revoke":
        ORGANIZER.at(rule_id="attendance_rule_id", certificate_id="attendance_certificate_id"),

    # --- the API ---
    "/api/v1/openapi.json": API_PUBLIC,
    "/api/v1/events": {"GET": API_SIGNED_IN, "POST": API_EVENT_CREATOR},
    "/api/v1/events/<slug>": {"GET": API_PUBLISHED, "PATCH": API_ORGANIZER},
    "/api/v1/events/<slug>/sessions": {"GET": API_PUBLISHED, "POST": API_ORGANIZER},
    "/api/v1/events/<slug>/sessions/<int:item_id>": {"GET": API_PUBLISHED, "PATCH": API_ORGANIZER,
                                                     "DELETE": API_ORGANIZER},
    "/api/v1/events/<slug>/sessions/<int:item_id>/participations": {"GET": API_PUBLISHED, "POST": API_ORGANIZER},
    "/api/v1/events/<slug>/sessions/<int:item_id>/speeches": {"GET": API_PUBLISHED, "POST": API_ORGANIZER},
    "/api/v1/events/<slug>/speeches/<int:speech_id>": {"GET": API_PUBLISHED, "PATCH": API_ORGANIZER,
                                                       "DELETE": API_ORGANIZER},
    "/api/v1/events/<slug>/participations/<int:part_id>": {"GET": API_PUBLISHED, "PATCH": API_ORGANIZER,
                                                           "DELETE": API_ORGANIZER},
    "/api/v1/events/<slug>/invitations": API_ORGANIZER,
    "/api/v1/events/<slug>/invitations/import": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations": API_ORGANIZER,
    "/api/v1/events/<slug>/outbox": API_ORGANIZER,
    "/api/v1/events/<slug>/outbox/<int:message_id>/resend": API_ORGANIZER,
    "/api/v1/events/<slug>/webhooks": API_ORGANIZER,
    "/api/v1/events/<slug>/webhooks/<int:endpoint_id>": API_ORGANIZER,
    "/api/v1/events/<slug>/emails/<kind>/<language>": API_ORGANIZER.at(kind="invitation"),
    "/api/v1/events/<slug>/registrations/<int:registration_id>": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/approve": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/cancel": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/confirm": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/reject": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/waitlist": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/badge": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/badge/reissue": API_ORGANIZER,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/badge.pdf": API_STAFF,
    "/api/v1/events/<slug>/print-stations/<int:station_id>/prints": API_STAFF,
    "/api/v1/events/<slug>/registrations/<int:registration_id>/answers": API_ORGANIZER,
    "/api/v1/events/<slug>/questions": API_ORGANIZER,
    "/api/v1/events/<slug>/questions/<int:question_id>": API_ORGANIZER,
    "/api/v1/events/<slug>/badge-keys": API_STAFF,
    "/api/v1/events/<slug>/scans": API_STAFF,
    "/api/v1/events/<slug>/scans/batch": API_STAFF,
    "/api/v1/events/<slug>/scans/<int:checkin_id>/undo": API_STAFF,
    "/api/v1/events/<slug>/checkin/keys": API_STAFF,
    "/api/v1/events/<slug>/checkin/roster": API_STAFF,
    "/api/v1/events/<slug>/checkin/count": API_STAFF.at(query={"gate": "gate"}),
    "/api/v1/events/<slug>/checkin/search": API_STAFF.at(query={"q": "Guest"}),
    "/api/v1/events/<slug>/checkin/arrivals": API_ORGANIZER,
    "/api/v1/events/<slug>/kiosk/checkin": API_STAFF,
    "/api/v1/events/<slug>/kiosk/exit": API_STAFF,
    "/api/v1/events/<slug>/award-programs": {"GET": API_STAFF_HIDDEN, "POST": API_ORGANIZER_HIDDEN},
    "/api/v1/events/<slug>/award-programs/<int:program_id>": {"GET": API_STAFF_HIDDEN,
                                                              "PATCH": API_ORGANIZER_HIDDEN},
    "/api/v1/events/<slug>/award-programs/<int:program_id>/awards": {"GET": API_STAFF_HIDDEN,
                                                                     "POST": API_ORGANIZER_HIDDEN},
    "/api/v1/events/<slug>/award-programs/<int:program_id>/import": API_ORGANIZER_HIDDEN,
    "/api/v1/events/<slug>/awards": API_STAFF_HIDDEN,
    "/api/v1/events/<slug>/awards/<int:award_id>": {"GET": API_STAFF_HIDDEN, "PATCH": API_ORGANIZER_HIDDEN},
    "/api/v1/events/<slug>/awards/<int:award_id>/presented": API_STAFF_HIDDEN,
    "/api/v1/events/<slug>/awards/<int:award_id>/revoke": API_ORGANIZER_HIDDEN,
    "/api/v1/events/<slug>/awards/<int:award_id>/certificate.pdf": API_ORGANIZER,
    "/api/v1/events/<slug>/attendance-rules": API_ORGANIZER_HIDDEN,
    "/api/v1/events/<slug>/attendance-rules/<int:rule_id>": API_ORGANIZER_HIDDEN.at(rule_id="attendance_rule_id"),
    "/api/v1/events/<slug>/attendance-rules/<int:rule_id>/issue": API_ORGANIZER_HIDDEN.at(rule_id="attendance_rule_id"),
    "/api/v1/events/<slug>/attendance-rules/<int:rule_id>/certificates":
        API_ORGANIZER_HIDDEN.at(rule_id="attendance_rule_id"),
    "/api/v1/events/<slug>/attendance-rules/<int:rule_id>/certificates/<int:certificate_id>/revoke":
        API_ORGANIZER_HIDDEN.at(rule_id="attendance_rule_id", certificate_id="attendance_certificate_id"),
    # the site-wide directory of people and organizations is the administrators' (issue 11, item 1)
    "/api/v1/events/<slug>/people": {"GET": API_STAFF_HIDDEN.at(query={"q": "Guest"}),
                                      "POST": API_ORGANIZER_HIDDEN},
    "/api/v1/events/<slug>/people/<int:person_id>": {"GET": API_STAFF_HIDDEN, "PATCH": API_ORGANIZER_HIDDEN,
                                                     "DELETE": API_ORGANIZER_HIDDEN},
    "/api/v1/events/<slug>/organizations": {"GET": API_STAFF_HIDDEN.at(query={"q": "Alpha"}),
                                            "POST": API_ORGANIZER_HIDDEN},
    "/api/v1/events/<slug>/organizations/<int:org_id>": {"GET": API_STAFF_HIDDEN, "PATCH": API_ORGANIZER_HIDDEN,
                                                         "DELETE": API_ORGANIZER_HIDDEN},
    "/api/v1/people": API_ADMIN.at(query={"q": "Guest"}),
    "/api/v1/people/<int:person_id>": API_ADMIN.at(person_id="directory_person_id"),
    "/api/v1/organizations": API_ADMIN.at(query={"q": "Alpha"}),
    "/api/v1/organizations/<int:org_id>": API_ADMIN.at(org_id="directory_org_id"),
}

# Cells that fail today, one line each, by the hole they show. When a fix lands its cells pass,
# and the test fails (naming them) until their lines are removed here.
KNOWN_HOLES = {
}


def test_every_route_has_an_entry_in_the_matrix(app):
    cells, missing, stale = cells_of(app, ROUTES)
    assert missing == [], f"routes without a line in ROUTES (tests/foundation/test_access_matrix.py): {missing}"
    assert stale == [], f"lines in ROUTES for routes the app no longer has: {stale}"
    assert len(cells) > 150


def test_known_holes_name_real_cells(app):
    cells, _, _ = cells_of(app, ROUTES)
    names = {f"{actor} {cell.name}" for actor in ACTORS for cell in cells}
    assert sorted(set(KNOWN_HOLES) - names) == []


@pytest.mark.parametrize("actor", ACTORS)
def test_each_route_answers_each_actor_as_the_matrix_says(app, actor):
    world = build_world(app)
    browser = Browser(app, world, actor)
    cells, _, _ = cells_of(app, ROUTES)
    wrong = {}
    for cell in in_asking_order(cells):
        answer = browser.ask(cell)
        expected = wrong_answer(cell.access.expected(actor), answer, cell)
        if expected is not None:
            wrong[f"{actor} {cell.name}"] = f"got {answer}, expected {expected} ({cell.access.name})"
    _compare_with_known_holes(actor, wrong)


def test_a_drafts_public_pages_and_api_answer_only_its_team(app):
    """The draft of organizer A: its public pages are 404 to everyone else (the API: 401 without an account)."""
    world = build_world(app)
    cells = [c for c in cells_of(app, ROUTES)[0] if c.access.draft is not None and "<slug>" in c.rule]
    assert len(cells) > 10
    wrong = {}
    for actor in ACTORS:
        browser = Browser(app, world, actor)
        for cell in in_asking_order(cells):
            answer = browser.ask(cell, draft=True)
            expected = wrong_answer(cell.access.draft.expected(actor), answer, cell)
            if expected is not None:
                wrong[f"{actor} {cell.name}"] = f"expected {expected}, got {answer}"
    assert wrong == {}, _listing(wrong)


def _compare_with_known_holes(actor: str, wrong: dict) -> None:
    holes = {cell for cell in KNOWN_HOLES if cell.split(" ", 1)[0] == actor}
    unexpected = {cell: text for cell, text in wrong.items() if cell not in holes}
    fixed = sorted(holes - set(wrong))
    assert unexpected == {}, f"{len(unexpected)} cells answer {actor} wrongly:\n" + _listing(unexpected)
    assert fixed == [], f"fixed: remove these lines from KNOWN_HOLES: {fixed}"
    if holes:
        reasons = "\n".join(f"  - {reason}" for reason in sorted({KNOWN_HOLES[cell] for cell in holes}))
        pytest.xfail(f"{len(holes)} known holes still open:\n"
                     + _listing({cell: wrong[cell].split(",")[0] for cell in holes}) + "\nbecause\n" + reasons)


def _listing(cells: dict) -> str:
    return "\n".join(f"  {cell}: {text}" for cell, text in sorted(cells.items()))


#: path parameters that name an object of an event (the others name a format, an action, a link)
OBJECT_PARAMETERS = ("<int:", "<job_id>")


def test_event_bs_organizer_reaches_no_object_of_event_a_through_event_b(app):
    """Organizer B asks event B's routes for objects of event A: a read is 404, as if they did not
    exist; a write is 404, or the API's 422 for a body it refuses before it looks anything up."""
    world = build_world(app)
    browser = Browser(app, world, "organizer_b")
    cells = [c for c in cells_of(app, ROUTES)[0]
             if "<slug>" in c.rule and any(p in c.rule for p in OBJECT_PARAMETERS)]
    assert len(cells) > 60
    wrong = {}
    for cell in in_asking_order(cells):
        answer = browser.ask(cell, slug=EVENT_B)
        if answer.status != 404 and not (cell.is_api and cell.is_write and answer.status == 422):
            wrong[cell.name] = f"expected 404, got {answer}"
    assert wrong == {}, _listing(wrong)
