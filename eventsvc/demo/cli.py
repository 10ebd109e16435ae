"""flask demo load"""

import click
from flask.cli import with_appcontext

from eventsvc.demo import loader

demo_cli = click.Group("demo", help="The demo forum of the SPEC worked example.")


@demo_cli.command("load")
@with_appcontext
def demo_load():
    """Create the China EV 100 Forum 2023 with its agenda, guests, awards and accounts."""
    event, created = loader.load_demo()
    click.echo(("loaded" if created else "already loaded, nothing changed:") + f" {event.title} ({event.slug})")
    click.echo(f"  organizer: {loader.ORGANIZER_EMAIL} / {loader.ORGANIZER_PASSWORD}")
    click.echo(f"  staff:     {loader.STAFF_EMAIL} / {loader.STAFF_PASSWORD}")
