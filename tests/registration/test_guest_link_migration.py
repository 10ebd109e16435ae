"""Migration 0006 (guest links, shared rate limits, representatives) loses no guest either way,
and a link a guest holds keeps working across it."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from eventsvc import PROJECT_ROOT
from eventsvc.core.tokens import hash_token
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.links import issue_link
from eventsvc.registration.models import Invitation, Registration

MIGRATIONS = str(PROJECT_ROOT / "migrations")
TABLES = ("people", "invitations", "registrations", "session_seats", "awards", "checkins")


def _counts():
    return {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in TABLES}


def test_going_down_and_up_again_keeps_every_guest_and_each_guests_newest_link(app, client, demo):
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).join(Person)
                                       .where(Person.email == "guest001@guests.example"))
        issue_link(invitation)
        newest = issue_link(invitation)
        registration = db.session.scalar(select(Registration).where(Registration.invitation_id.is_(None)))
        own = issue_link(registration)
        db.session.commit()
        invitation_id, registration_id, before = invitation.id, registration.id, _counts()
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0005")  # to just before 0006, whatever came after it
        assert _counts() == before
        assert db.session.scalar(text("SELECT token_hash FROM invitations WHERE id = :id"),
                                 {"id": invitation_id}) == hash_token(newest)
        assert db.session.scalar(text("SELECT access_token_hash FROM registrations WHERE id = :id"),
                                 {"id": registration_id}) == hash_token(own)
        db.session.remove()
        upgrade(directory=MIGRATIONS)
        assert _counts() == before
        db.session.remove()
    assert client.get(f"/g/{newest}").status_code == 200  # from the column it was kept in
    assert client.get(f"/g/{own}").status_code == 200
