"""``flask badges …``: the signing keys' encryption at rest.

    check-keys                 does the key-encryption secret configured now open every stored key?
    rotate-kek --old-secret S  re-encrypt every stored key that S opens with the current secret

The current secret is BADGE_KEY_ENCRYPTION_KEY, or SECRET_KEY where that is not set. To move an
installation off SECRET_KEY: set EVENTSVC_BADGE_KEY_ENCRYPTION_KEY, then run rotate-kek with the
SECRET_KEY as the old secret; from then on SECRET_KEY can be rotated without touching badges.
"""

import click
from flask.cli import AppGroup

from eventsvc.badges.codes import reencrypt_keys
from eventsvc.extensions import db
from eventsvc.webhooks.signing import reseal_secrets

badges_cli = AppGroup("badges", help="Badge signing keys.")


def _names(keys) -> str:
    return ", ".join(f"event {key.event_id} key {key.key_id}" for key in keys)


@badges_cli.command("check-keys")
def check_keys():
    """Check that every stored signing key opens with the key-encryption secret configured now."""
    outcome = reencrypt_keys(old_secret=None)
    hooks = reseal_secrets(old_secret=None)
    db.session.rollback()
    click.echo(f"readable {len(outcome['current'])}, unreadable {len(outcome['unreadable'])}; "
               f"webhook secrets readable {hooks['current']}, unreadable {hooks['unreadable']}")
    if outcome["unreadable"]:
        raise click.ClickException(
            f"these keys do not open with the current key-encryption secret: {_names(outcome['unreadable'])}; "
            "restore the secret they were encrypted with, or run `flask badges rotate-kek --old-secret ...`")


@badges_cli.command("rotate-kek")
@click.option("--old-secret", envvar="EVENTSVC_OLD_KEY_ENCRYPTION_SECRET", prompt=True, hide_input=True,
              help="The secret the keys were encrypted with: the previous BADGE_KEY_ENCRYPTION_KEY, or "
                   "SECRET_KEY if that was not set (also read from EVENTSVC_OLD_KEY_ENCRYPTION_SECRET).")
def rotate_kek(old_secret):
    """Re-encrypt every stored badge signing key with the current key-encryption secret."""
    outcome = reencrypt_keys(old_secret)
    hooks = reseal_secrets(old_secret)  # the webhook signing secrets are sealed with the same secret
    db.session.commit()
    click.echo(f"re-encrypted {len(outcome['reencrypted'])}, already current {len(outcome['current'])}, "
               f"unreadable {len(outcome['unreadable'])}; webhook secrets re-encrypted {hooks['reencrypted']}, "
               f"unreadable {hooks['unreadable']}")
    if outcome["unreadable"]:
        raise click.ClickException(
            f"neither the old nor the current secret opens: {_names(outcome['unreadable'])}; "
            "these are left as they were")
