"""Home page, language switch and the organizer dashboard."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from eventsvc.accounts.landing import LandingKind, landing_for
from eventsvc.accounts.models import EventRole
from eventsvc.core.clients import safe_next_url
from eventsvc.core.i18n import LANGUAGE_COOKIE
from eventsvc.events.enums import EventStatus
from eventsvc.events.models import AgendaItem, Event
from eventsvc.events.permissions import managed_events_query
from eventsvc.extensions import db
from eventsvc.registration.models import Registration

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    events = db.session.scalars(
        select(Event).where(Event.status == EventStatus.PUBLISHED)
        .order_by(Event.start_date.desc(), Event.id)).all()
    return render_template("web/home.html", events=events)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico where a page names no icon (a PDF, a JSON answer)."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/language/<code>")
def set_language(code: str):
    response = redirect(safe_next_url(request.args.get("next")) or url_for("web.home"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@bp.get("/manage")
@login_required
def dashboard():
    """The organizer's events; door staff get their scanner or its list instead (``accounts.landing`` decides)."""
    landing = landing_for(current_user)
    if landing.kind == LandingKind.SCANNER:
        return redirect(landing.url)
    if landing.kind == LandingKind.SCANNER_LIST:
        return render_template("web/scanners.html", events=landing.events)
    events = db.session.scalars(managed_events_query(current_user)).all()
    ids = [e.id for e in events]
    roles = dict(db.session.execute(
        select(EventRole.event_id, EventRole.role).where(EventRole.user_id == current_user.id)).all())
    sessions = dict(db.session.execute(
        select(AgendaItem.event_id, func.count()).where(AgendaItem.event_id.in_(ids))
        .group_by(AgendaItem.event_id)).all())
    registrations = dict(db.session.execute(
        select(Registration.event_id, func.count()).where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id)).all())
    return render_template("web/dashboard.html", events=events, roles=roles, sessions=sessions,
                           registrations=registrations)
