"""The administrators' accounts page: who may create events.

Administrators only (``permissions.can_manage_accounts``); ``flask users creator`` does the same
from the command line.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from eventsvc.accounts import service as accounts
from eventsvc.accounts.models import EventRole, User
from eventsvc.events.permissions import can_manage_accounts, requires_site_permission
from eventsvc.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/accounts")
@requires_site_permission(can_manage_accounts)
def accounts_list():
    roles = dict(db.session.execute(select(EventRole.user_id, func.count()).group_by(EventRole.user_id)).all())
    return render_template("web/admin_accounts.html", users=accounts.list_users(), roles=roles,
                           has_password=accounts.has_usable_password)


@bp.post("/accounts/<int:user_id>/creator")
@requires_site_permission(can_manage_accounts)
def event_creator(user_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    allowed = request.form.get("allowed")
    if allowed not in ("1", "0"):
        abort(422, description=_("Say whether the account may create events."))
    accounts.set_event_creator(user, allowed == "1")
    db.session.commit()
    flash(_("%(email)s can now create events.", email=user.email) if allowed == "1"
          else _("%(email)s can no longer create events.", email=user.email), "success")
    return redirect(url_for("admin.accounts_list"))
