"""``flask outbox send [--loop]``, ``flask outbox status``, ``flask outbox retry``."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from eventsvc.extensions import db
from eventsvc.mail import sender
from eventsvc.mail.models import OutgoingMessage

outbox_cli = AppGroup("outbox", help="Deliver the e-mail outbox.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, sending new messages as they are queued.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--rounds", type=int, default=None, help="With --loop: stop after this many rounds.")
def send_command(loop, interval, rounds):
    """Send every message that is due (with --loop: keep doing so)."""
    if loop:
        sender.run_loop(interval, max_rounds=rounds, log=click.echo)
        return
    counts = sender.send_due()
    click.echo(f"sent {counts['sent']}, will retry {counts['retry']}, failed {counts['failed']}")


@outbox_cli.command("status")
def status_command():
    """How many messages are queued, sent and failed."""
    rows = db.session.execute(
        select(OutgoingMessage.status, func.count()).group_by(OutgoingMessage.status)).all()
    counts = {status.value: n for status, n in rows}
    click.echo(", ".join(f"{k} {counts.get(k, 0)}" for k in ("queued", "sent", "failed")))


@outbox_cli.command("retry")
def retry_command():
    """Queue failed messages again."""
    click.echo(f"queued again: {sender.retry_failed()}")
