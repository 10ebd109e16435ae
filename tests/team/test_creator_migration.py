"""The migration that brings in event creators: today's organizers become creators, nobody else does."""

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from eventsvc import PROJECT_ROOT
from eventsvc.extensions import db

MIGRATIONS = str(PROJECT_ROOT / "migrations")


def _kept() -> list[int]:
    """Rows that hang on users by ON DELETE CASCADE, or on events: none may be lost."""
    from eventsvc.accounts.models import ApiToken, EventRole
    from eventsvc.registration.models import Registration

    return [db.session.scalar(select(func.count()).select_from(model)) for model in (EventRole, ApiToken, Registration)]


def test_accounts_organizing_an_event_become_event_creators_and_staff_do_not(app_ctx, make_user):
    from eventsvc.accounts.models import User
    from eventsvc.accounts.service import create_api_token, user_by_email
    from eventsvc.demo import loader

    loader.load_demo()
    make_user("idle@example.org", "idle-password")
    make_user("admin@example.org", "admin-password", admin=True)
    create_api_token(user_by_email(loader.STAFF_EMAIL), "scanner")
    db.session.commit()
    kept = _kept()
    assert kept[0] == 2 and kept[1] == 1 and kept[2] > 100
    before = ScriptDirectory(MIGRATIONS).get_revision("0005").down_revision
    db.session.remove()  # an open read transaction would hold locks the downgrade's DROP TABLE waits for
    try:
        downgrade(directory=MIGRATIONS, revision=before)
        db.session.remove()
    finally:
        upgrade(directory=MIGRATIONS)
    assert _kept() == kept
    creators = dict(db.session.execute(select(User.email, User.can_create_events)).all())
    assert creators == {loader.ORGANIZER_EMAIL: True, loader.STAFF_EMAIL: False, "idle@example.org": False,
                        "admin@example.org": False}  # administrators need no permission
