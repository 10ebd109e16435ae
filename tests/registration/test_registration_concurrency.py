"""Hundreds of simultaneous requests against gunicorn with 4 worker processes never over-book."""

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from bench.registration_rush import Gunicorn
from eventsvc.events.models import AgendaItem
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.registration.enums import RegistrationStatus, SeatStatus
from eventsvc.registration.models import Registration, SessionSeat
from tests.registration.helpers import seminar_id


def _fire(calls, threads=24):
    def run(call):
        method, url, kwargs = call
        with requests.Session() as http:
            return http.request(method, url, timeout=60, **kwargs)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, calls))


def _status_counts(app, slug):
    with app.app_context():
        event = event_by_slug(slug)
        rows = db.session.execute(select(Registration.status, func.count()).where(
            Registration.event_id == event.id).group_by(Registration.status)).all()
        return {status.value: n for status, n in rows}, event.confirmed_count


def test_simultaneous_registrations_and_cancellations_never_exceed_capacity(
        app, open_event, make_user, api_token):
    slug = open_event(capacity=40, seminar_seats=15)
    seminar = seminar_id(app, slug)
    token = api_token(make_user("rush@example.org", "organizer-password-1", event_slug=slug, role="organizer"))
    auth = {"Authorization": f"Bearer {token}"}
    with Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], workers=4) as server:
        url = f"{server.url}/api/v1/events/{slug}/registrations"
        responses = _fire([("POST", url, {"headers": auth, "json": {
            "name": f"Rush {i}", "email": f"rush{i}@example.org", "notify": False, "session_ids": [seminar]}})
            for i in range(200)])
        assert [r.status_code for r in responses] == [201] * 200, {r.status_code: r.text[:200] for r in responses}
        counts, counter = _status_counts(app, slug)
        assert counts == {"confirmed": 40, "waitlisted": 160} and counter == 40

        confirmed_ids = [r.json()["id"] for r in responses if r.json()["status"] == "confirmed"]
        responses = _fire([("POST", f"{url}/{rid}/cancel", {"headers": auth}) for rid in confirmed_ids[:20]])
        assert [r.status_code for r in responses] == [200] * 20
    counts, counter = _status_counts(app, slug)
    assert counts == {"confirmed": 40, "waitlisted": 140, "cancelled": 20} and counter == 40
    with app.app_context():
        # promoted strictly in waitlist order: nobody still waiting joined before a promoted guest
        event = event_by_slug(slug)
        def line(status, *where):
            return db.session.execute(select(Registration.waitlisted_at, Registration.id).where(
                Registration.event_id == event.id, Registration.status == status, *where)).all()

        waiting = line(RegistrationStatus.WAITLISTED)
        promoted = line(RegistrationStatus.CONFIRMED, Registration.id.not_in(confirmed_ids))
        assert len(promoted) == 20 and max(promoted) < min(waiting)
        seats = db.session.scalar(select(func.count()).select_from(SessionSeat).where(
            SessionSeat.agenda_item_id == seminar, SessionSeat.status == SeatStatus.CONFIRMED))
        assert seats == db.session.get(AgendaItem, seminar).seats_taken == 15


def test_the_same_email_submitted_at_once_from_many_browsers_registers_once_within_the_address_limit(app, open_event):
    import re

    slug = open_event(capacity=5)
    with Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], workers=4) as server:
        form_url = f"{server.url}/e/{slug}/register"
        browsers = []
        for _ in range(12):  # each browser loads the form (session cookie + CSRF token) first
            http = requests.Session()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', http.get(form_url).text).group(1)
            browsers.append((http, token))

        def submit(browser):
            http, token = browser
            return http.post(form_url, allow_redirects=False, timeout=60, data={
                "csrf_token": token, "name": "Same Person", "email": "same@example.org", "language": "en"})

        with ThreadPoolExecutor(12) as pool:
            responses = list(pool.map(submit, browsers))
    answers = sorted(r.status_code for r in responses)
    limit = app.config["SELF_REGISTRATION_LIMIT_PER_ADDRESS"]  # counted in the database, across the workers
    assert answers == [200] * limit + [429] * (12 - limit), answers
    assert all("Check your e-mail" in r.text for r in responses if r.status_code == 200)
    assert not any("/g/" in r.text for r in responses)  # nobody lands on the portal: the link is in the mail
    counts, counter = _status_counts(app, slug)
    assert counts == {"confirmed": 1} and counter == 1
    with app.app_context():
        kinds = sorted(db.session.scalars(select(OutgoingMessage.kind).where(
            OutgoingMessage.to_address == "same@example.org")))
    assert kinds == ["access_link"] * (limit - 1) + ["registration_confirmed"]  # none for the refused ones
