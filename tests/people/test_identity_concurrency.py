"""The same new person or organization created by several requests at the same instant is one row.

Threads each with their own app context and session, released together by a barrier, and
simultaneous HTTP requests to the live server. On PostgreSQL the inserts really race (the unique
indexes decide); on SQLite writers queue behind BEGIN IMMEDIATE, as requests do.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import requests
from sqlalchemy import func, select

from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.people import identity
from eventsvc.people.identity import PersonDetails
from eventsvc.people.models import Organization, Person

SPELLINGS = ["Brand New Lab", "BRAND NEW LAB", "brand new lab", "Brand new Lab"]


def _at_once(app, n, work):
    """work(i) in n threads at the same instant, each in its own app context and transaction."""
    barrier = threading.Barrier(n)

    def run(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                db.session.connection(execution_options={"sqlite_immediate": True})  # a writer, as a POST is
                result = work(i)
                db.session.commit()
                return result
            finally:
                db.session.remove()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _event(app) -> int:
    with app.app_context():
        event = Event(slug="forum", title="Forum", start_date=date(2024, 4, 1), end_date=date(2024, 4, 1))
        db.session.add(event)
        db.session.commit()
        return event.id


def _rows(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Person)),
                db.session.scalar(select(func.count()).select_from(Organization)))


def test_eight_simultaneous_creations_of_one_new_person_and_organization_give_one_row_each(app):
    event_id = _event(app)
    ids = _at_once(app, 8, lambda i: identity.find_or_create_person(db.session.get(Event, event_id), PersonDetails(
        name=f"Twin {i}", email="Twin@Example.org", organization=SPELLINGS[i % 4])).id)
    assert len(set(ids)) == 1
    assert _rows(app) == (1, 1)
    with app.app_context():
        assert db.session.get(Person, ids[0]).organization.name in SPELLINGS


def test_simultaneous_organizations_named_in_different_cases_are_one(app):
    event_id = _event(app)
    ids = _at_once(app, 8, lambda i: identity.find_or_create_organization(db.session.get(Event, event_id),
                                                                          SPELLINGS[i % 4], "全新实验室").id)
    assert len(set(ids)) == 1 and _rows(app) == (0, 1)


def test_overlapping_imports_at_the_same_instant_create_each_person_and_organization_once(app):
    event_id = _event(app)

    def import_rows(i):
        rows = [PersonDetails(name=f"Guest {n}", email=f"guest{n}@example.org", organization=f"Lab {n % 7}")
                for n in range(i * 20, i * 20 + 60)]  # each import shares 40 addresses with the next
        people = identity.find_or_create_people(db.session.get(Event, event_id), rows)
        return {email: person.id for email, person in people.items()}

    results = _at_once(app, 4, import_rows)
    merged = {}
    for result in results:
        for email, person_id in result.items():
            assert merged.setdefault(email, person_id) == person_id
    assert len(merged) == 120 and _rows(app) == (120, 7)


def test_simultaneous_api_requests_naming_a_new_organization_find_one(app, live_server, make_user, api_token):
    _event(app)
    organizer = make_user("organizer@example.org", event_slug="forum", role="organizer")
    headers = {"Authorization": f"Bearer {api_token(organizer)}"}

    def post(json):
        with requests.Session() as http:
            return http.post(f"{live_server.url}/api/v1/events/forum/people", json=json, headers=headers,
                             timeout=60)

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(post, [{"name": f"Member {i}", "organization_name": SPELLINGS[i % 4]}
                                    for i in range(8)]))
        same = list(pool.map(post, [{"name": f"Copy {i}", "email": "copy@example.org"} for i in range(6)]))
    assert [r.status_code for r in made] == [201] * 8, [r.text[:200] for r in made]
    assert len({r.json()["organization"]["id"] for r in made}) == 1
    assert sorted(r.status_code for r in same) == [201] + [422] * 5, [r.text[:200] for r in same]
    assert all(r.json()["code"] == "email_taken" for r in same if r.status_code == 422)
    assert _rows(app) == (9, 1)  # eight members and one copy
