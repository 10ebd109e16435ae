"""The guest's own badge behind their personal link (/g/<token>): QR images and the PDF.

templates/badges/_portal_badge.html is the section the guest portal includes; the page
here shows it on its own for a guest who opens /g/<token>/badge directly.
"""

from flask import Blueprint, Response, abort, render_template, request

from eventsvc.badges.layout import LAYOUTS, SINGLE
from eventsvc.badges.service import (
    badge_code,
    badge_pdf,
    qr_png,
    qr_svg,
    registration_for_guest_token,
)
from eventsvc.core.errors import NotFound
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Registration

bp = Blueprint("badges_portal", __name__, url_prefix="/g")

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def _guest_registration(token: str) -> Registration:
    try:
        return registration_for_guest_token(token)
    except NotFound:
        abort(404)


def _confirmed(token: str) -> Registration:
    registration = _guest_registration(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    return registration


@bp.get("/<token>/badge")
def portal_badge(token: str):
    registration = _guest_registration(token)
    return render_template("badges/portal_badge.html", registration=registration, token=token,
                           event=registration.event), 200, PRIVATE


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
