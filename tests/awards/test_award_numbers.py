"""Certificate numbers: PREFIX-YEAR-sequence, unique and never reused, even when issued at once."""

from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from eventsvc.awards.models import Award, AwardProgram
from eventsvc.extensions import db


def _organization_ids(app, count):
    """New organizations of the demo forum (an award's recipient is one of its event's own)."""
    from eventsvc.events.models import Event
    from eventsvc.people.models import Organization

    with app.app_context():
        forum = db.session.scalar(select(Event.id))
        orgs = [Organization(event_id=forum, name=f"Station Operator {i:03d}") for i in range(count)]
        db.session.add_all(orgs)
        db.session.commit()
        return [o.id for o in orgs]


def test_numbers_follow_prefix_year_and_the_next_sequence(client, organizer_api, demo, demo_program_id):
    org_id = _organization_ids(client.application, 1)[0]
    url = f"/api/v1/events/{demo}/award-programs/{demo_program_id}/awards"
    first = client.post(url, json={"recipient_organization_id": org_id, "issue_date": "2024-05-01"},
                        headers=organizer_api)
    second = client.post(url, json={"recipient_organization_id": org_id, "issue_date": "2025-01-10"},
                         headers=organizer_api)
    assert first.status_code == 201, first.json
    # the demo issued 0001-0005 in 2023; the sequence goes on across years
    assert first.json["certificate_number"] == "SH100-2024-0006"
    assert second.json["certificate_number"] == "SH100-2025-0007"
    assert first.json["valid_until"] == "2029-04-30"  # 60 months, less one day


def test_a_failed_issue_uses_no_number_and_a_revoked_number_is_not_given_again(
        client, organizer_api, demo, demo_program_id):
    url = f"/api/v1/events/{demo}/award-programs/{demo_program_id}/awards"
    refused = client.post(url, json={"recipient_organization_id": 999999, "issue_date": "2024-05-01"},
                          headers=organizer_api)
    assert refused.status_code == 422 and refused.json["errors"] == {
        "recipient_organization_id": ["Choose an existing organization."]}
    awards = client.get(url, headers=organizer_api).json
    revoke = client.post(f"/api/v1/events/{demo}/awards/{awards[-1]['id']}/revoke",
                         json={"reason": "Issued in error."}, headers=organizer_api)
    assert revoke.status_code == 200
    org_id = _organization_ids(client.application, 1)[0]
    again = client.post(url, json={"recipient_organization_id": org_id, "issue_date": "2024-05-01"},
                        headers=organizer_api)
    assert again.json["certificate_number"] == "SH100-2024-0006"


def test_two_hundred_simultaneous_issues_get_two_hundred_different_numbers(
        app, live_server, organizer_api, demo, demo_program_id):
    """Real concurrent HTTP requests to a threaded server; the database serializes the counter."""
    org_ids = _organization_ids(app, 200)
    url = f"{live_server.url}/api/v1/events/{demo}/award-programs/{demo_program_id}/awards"

    def issue(org_id):
        with requests.Session() as session:
            response = session.post(url, json={"recipient_organization_id": org_id, "issue_date": "2024-05-01"},
                                    headers=organizer_api, timeout=60)
            return response.status_code, response.json().get("certificate_number")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(issue, org_ids))

    assert {status for status, _ in results} == {201}
    numbers = [number for _, number in results]
    assert len(set(numbers)) == 200
    assert sorted(numbers) == [f"SH100-2024-{n:04d}" for n in range(6, 206)]
    with app.app_context():
        program = db.session.get(AwardProgram, demo_program_id)
        assert program.next_sequence == 206
        assert db.session.scalar(select(func.count()).select_from(Award)) == 205
