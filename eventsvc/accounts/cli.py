"""flask users … and flask tokens …

``flask users grant`` (a role at an event) is added to the users group by
eventsvc/events/cli.py: accounts sits below events and does not look events up.
"""

import click
from flask.cli import with_appcontext

from eventsvc.accounts import service
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db

users_cli = click.Group("users", help="Create users and grant them roles at events.")
tokens_cli = click.Group("tokens", help="Create and revoke API bearer tokens.")


def _fail(error: ServiceError):
    raise click.ClickException(error.message)


@users_cli.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@click.option("--admin", is_flag=True, help="Global administrator: every event, every role.")
@with_appcontext
def users_create(email, password, name, admin):
    try:
        user = service.create_user(email, password, name=name, is_admin=admin)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"created user {user.email}{' (administrator)' if admin else ''}")


@users_cli.command("creator")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Withdraw the permission instead of granting it.")
@with_appcontext
def users_creator(email, revoke):
    """Let an account create events (or, with --revoke, no longer)."""
    try:
        user = service.user_by_email(email)
    except ServiceError as error:
        _fail(error)
    service.set_event_creator(user, not revoke, actor="cli")
    db.session.commit()
    click.echo(f"{user.email} {'can no longer' if revoke else 'can now'} create events")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli")
@with_appcontext
def tokens_create(email, name):
    try:
        user = service.user_by_email(email)
    except ServiceError as error:
        _fail(error)
    token, secret = service.create_api_token(user, name)
    db.session.commit()
    click.echo(f"token #{token.id} for {user.email} (shown once, keep it safe):")
    click.echo(secret)


@tokens_cli.command("list")
@click.argument("email", required=False)
@with_appcontext
def tokens_list(email):
    """Tokens (of one account) and when each was last used, to the minute."""
    try:
        user = service.user_by_email(email) if email else None
    except ServiceError as error:
        _fail(error)
    for token in service.list_api_tokens(user):
        last = f"{token.last_used_at:%Y-%m-%d %H:%M} UTC" if token.last_used_at else "never"
        revoked = f"  revoked {token.revoked_at:%Y-%m-%d %H:%M} UTC" if token.revoked_at else ""
        click.echo(f"#{token.id}  {token.prefix}…  {token.user.email}  {token.name!r}  last used: {last}{revoked}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def tokens_revoke(token_id):
    try:
        token = service.revoke_api_token(token_id)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"revoked token #{token.id}")
