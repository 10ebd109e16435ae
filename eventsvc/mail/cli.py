"""``flask outbox send [--loop]``, ``flask outbox status`` (with why messages failed), ``flask outbox retry``."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from eventsvc.extensions import db
from eventsvc.mail import sender
from eventsvc.mail.models import MessageStatus, OutgoingMessage

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
@click.option("--failures", default=20, show_default=True, help="List this many of the latest failed messages.")
def status_command(failures):
    """How many messages are queued, sent and failed; why the latest failed ones failed."""
    rows = db.session.execute(
        select(OutgoingMessage.status, func.count()).group_by(OutgoingMessage.status)).all()
    counts = {status.value: n for status, n in rows}
    click.echo(", ".join(f"{k} {counts.get(k, 0)}" for k in ("queued", "sent", "failed")))
    failed = db.session.scalars(select(OutgoingMessage).where(OutgoingMessage.status == MessageStatus.FAILED)
                                .order_by(OutgoingMessage.id.desc()).limit(failures))
    for message in failed:
        click.echo(f"failed #{message.id} {message.kind} to {message.to_address!r}: {message.last_error}")


@outbox_cli.command("retry")
def retry_command():
    """Queue failed messages again."""
    click.echo(f"queued again: {sender.retry_failed()}")
