"""``flask registration …``: support commands.

    guest-link SLUG EMAIL   a fresh portal link for one guest (support, demos)
    check-counters          every place counter against a recount of its rows
    lifecycle-doc           docs/lifecycle.md from the transition tables
"""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from eventsvc.core.paths import PROJECT_ROOT
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.counters import count_drift
from eventsvc.registration.links import issue_link, portal_url
from eventsvc.registration.models import Invitation, Registration
from eventsvc.registration.transitions import render_markdown

registration_cli = AppGroup("registration", help="Invitations and registrations.")


@registration_cli.command("guest-link")
@click.argument("slug")
@click.argument("email")
def guest_link(slug, email):
    """Print a new portal link for EMAIL at event SLUG (the guest's older links keep working)."""
    event = event_by_slug(slug)
    person = db.session.scalar(select(Person).where(Person.event_id == event.id,
                                                    Person.email == email.strip().lower()))
    if person is None:
        raise click.ClickException(f"nobody with the e-mail {email}")
    invitation = db.session.scalar(select(Invitation).where(Invitation.event_id == event.id,
                                                            Invitation.person_id == person.id))
    if invitation is not None:
        token = issue_link(invitation)
    else:
        registration = db.session.scalar(select(Registration).where(Registration.event_id == event.id,
                                                                    Registration.person_id == person.id))
        if registration is None:
            raise click.ClickException(f"{email} is neither invited to nor registered for {slug}")
        token = issue_link(registration)
    db.session.commit()
    click.echo(portal_url(token))


@registration_cli.command("lifecycle-doc")
@click.option("--check", is_flag=True, help="exit 1 if docs/lifecycle.md differs from the table")
def lifecycle_doc(check):
    """Write docs/lifecycle.md from the transition tables (or --check that it is in step)."""
    path = PROJECT_ROOT / "docs" / "lifecycle.md"
    text = render_markdown() + "\n"
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{path} is out of step: run flask registration lifecycle-doc")
        click.echo("docs/lifecycle.md is in step")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


@registration_cli.command("check-counters")
def check_counters():
    """Recount confirmed guests and seminar seats; exit 1 and list every counter that differs."""
    drift = count_drift()
    if not drift:
        click.echo("counters match")
        return
    for line in drift:
        click.echo(line)
    click.get_current_context().exit(1)
