"""Login and logout pages, and the page where an invited team member sets a password."""

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from eventsvc.accounts import password_links
from eventsvc.accounts.forms import LoginForm, SetPasswordForm
from eventsvc.accounts.landing import landing_for
from eventsvc.accounts.models import User
from eventsvc.accounts.service import authenticate, end_sessions
from eventsvc.core.clients import client_address, safe_next_url
from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db, login_manager

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a session or remember-me cookie, while its version is the account's current
    one (``User.get_id``): a cookie from before a sign-out or a new password signs in no one."""
    parts = re.fullmatch(r"(\d{1,18}):(\d{1,9}):([\w-]{1,64})", user_id, re.ASCII)
    if parts is None:  # a cookie from before session versions, or not one of ours
        return None
    user = db.session.get(User, int(parts[1]))
    if user is None or user.session_version != int(parts[2]):
        return None
    user.login_nonce = parts[3]
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, client_address())
        except ServiceError as error:
            form.password.errors.append(error.message)
            status = error.status
            if "retry_after" in error.details:
                headers["Retry-After"] = str(error.details["retry_after"])
        else:
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.name or user.email), "success")
            return redirect(safe_next_url(request.args.get("next")) or landing_for(user).url)
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status, headers


@bp.post("/logout")
@login_required
def logout():
    """Signs out here and everywhere: every session and remember-me cookie of the account stops working."""
    end_sessions(current_user)
    db.session.commit()
    logout_user()  # and the remember-me cookie is deleted
    flash(_("You are signed out."), "info")
    return redirect(url_for("web.home"))


@bp.route("/account/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """An invited team member chooses a password through the one-time link of their e-mail, and is signed in."""
    try:
        link = password_links.valid_link(token)
    except ServiceError as error:
        return _no_referrer(render_template("accounts/link_error.html", message=error.message), error.status)
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = password_links.set_password_with_link(token, form.password.data)
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            if error.field != "password":
                return _no_referrer(render_template("accounts/link_error.html", message=error.message),
                                    error.status)
            form.password.errors.append(error.message)
            status = error.status
        else:
            logout_user()
            login_user(user)
            flash(_("Your password is set. Welcome, %(name)s.", name=user.name or user.email), "success")
            return redirect(landing_for(user).url)
    elif request.method == "POST":
        status = 422
    return _no_referrer(render_template("accounts/set_password.html", form=form, email=link.user.email), status)


def _no_referrer(body: str, status: int):
    # the token is in the address: never send it to another page as a Referer
    return body, status, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
