"""The guest's own badge behind their personal link (/g/<token>): QR images and the PDF.

The guest portal (eventsvc/registration/portal.py) includes templates/badges/_portal_badge.html
as one of its sections; the routes here resolve the link with its ``guest_from_token``, so a
link acts only for its own person. /g/<token>/badge shows the section on its own page.
"""

from flask import Blueprint, Response, abort, render_template, request

from eventsvc.badges.layout import LAYOUTS, SINGLE
from eventsvc.badges.service import badge_code, badge_pdf
from eventsvc.documents.qr import qr_png, qr_svg
from eventsvc.extensions import db
from eventsvc.registration.access import LinkError
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Registration
from eventsvc.registration.portal import PORTAL_SECTIONS, guest_from_token

bp = Blueprint("badges_portal", __name__, url_prefix="/g")

PORTAL_SECTION = "badges/_portal_badge.html"
if PORTAL_SECTION not in PORTAL_SECTIONS:
    PORTAL_SECTIONS.append(PORTAL_SECTION)

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


@bp.errorhandler(LinkError)
def link_error(error: LinkError):
    db.session.rollback()
    return render_template("registration/link_error.html", error=error), error.status


def _confirmed(token: str) -> Registration:
    registration = guest_from_token(token).registration
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    return registration


@bp.get("/<token>/badge")
def portal_badge(token: str):
    guest = guest_from_token(token)
    return render_template("badges/portal_badge.html", registration=guest.registration, token=token,
                           event=guest.event), 200, PRIVATE


@bp.get("/<token>/badge.pdf")
def portal_badge_pdf(token: str):
    registration = _confirmed(token)
    layout = request.args.get("layout", SINGLE)
    if layout not in LAYOUTS:
        abort(404)
    pdf = badge_pdf(registration, layout)
    db.session.commit()  # the event's key, if this was its first badge
    return Response(pdf, mimetype="application/pdf", headers={
        **PRIVATE, "Content-Disposition": 'attachment; filename="badge.pdf"'})


@bp.get("/<token>/badge/qr.<any(png, svg):kind>")
def portal_badge_qr(token: str, kind: str):
    registration = _confirmed(token)
    code = badge_code(registration)
    db.session.commit()
    if kind == "png":
        return Response(qr_png(code, scale=12), mimetype="image/png", headers=PRIVATE)
    return Response(qr_svg(code), mimetype="image/svg+xml", headers=PRIVATE)
