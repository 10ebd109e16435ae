"""flask users grant EMAIL EVENT_SLUG organizer|staff

The ``users`` group belongs to accounts (eventsvc/accounts/cli.py); a role at an event
needs the event, so this command lives here and joins the group when this module is imported.
"""

import click
from flask.cli import with_appcontext
from werkzeug.exceptions import NotFound

from eventsvc.accounts import service as accounts
from eventsvc.accounts.cli import users_cli
from eventsvc.core.errors import ServiceError
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db


@users_cli.command("grant")
@click.argument("email")
@click.argument("event_slug")
@click.argument("role", type=click.Choice(["organizer", "staff"]))
@with_appcontext
def users_grant(email, event_slug, role):
    try:
        user = accounts.user_by_email(email)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    try:
        event = event_by_slug(event_slug)
    except NotFound:
        raise click.ClickException(f"no event {event_slug!r}") from None
    accounts.grant_role(user, event, role)
    db.session.commit()
    click.echo(f"{user.email} is now {role} of {event.slug}")
