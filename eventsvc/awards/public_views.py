"""Public pages: certificate verification, an event's published recipients, a guest's certificates.

Verification needs no login; every lookup is counted per client address (429 past the limit).
"""

from flask import Blueprint, abort, jsonify, make_response, render_template, request
from flask_babel import gettext as _

from eventsvc.awards import attendance, service, verification
from eventsvc.awards.certificates import attendance_pdf, certificates_pdf
from eventsvc.awards.enums import AwardStatus
from eventsvc.awards.forms import VerifyForm
from eventsvc.awards.guests import guest_certificates, init_portal
from eventsvc.awards.manage_views import pdf_response
from eventsvc.core.clients import client_address
from eventsvc.core.errors import ServiceError
from eventsvc.events.public_views import public_event
from eventsvc.registration.portal import guest_from_token

bp = Blueprint("awards_public", __name__)
bp.record_once(lambda state: init_portal(state.app))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _limited(json: bool, kind: str = "number"):
    """Count this lookup; the 429 answer when over the limit, else None."""
    try:
        verification.count_lookup(client_address(), kind)
    except verification.RateLimited as error:
        retry = str(max(1, error.details.get("retry_after", 60)))
        if json:
            response = jsonify(error.to_json())
        else:
            response = make_response(render_template("awards/verify.html", form=VerifyForm(formdata=None),
                                                     verdict=None, limited=error.message))
        response.status_code = 429
        response.headers["Retry-After"] = retry
        return _no_store(response)
    return None


@bp.get("/verify")
def verify():
    form = VerifyForm(request.args)
    verdict = None
    if "number" in request.args:
        if not form.validate():
            return render_template("awards/verify.html", form=form, verdict=None), 422
        if (refused := _limited(json=False)) is not None:
            return refused
        verdict = verification.verify_number(form.number.data)
    return _no_store(make_response(
        render_template("awards/verify.html", form=form, verdict=verdict)))


@bp.get("/verify.json")
def verify_number_json():
    number = (request.args.get("number") or "").strip()
    if not number or len(number) > 60:
        error = ServiceError("number_required", _("Give the certificate number (at most 60 characters)."),
                             field="number")
        return _no_store(jsonify(error.to_json())), 422
    if (refused := _limited(json=True)) is not None:
        return refused
    return _no_store(jsonify(verification.verify_number(number).to_json()))


@bp.get("/verify/<code>")
def verify_code(code: str):
    if (refused := _limited(json=False, kind="code")) is not None:
        return refused
    verdict = verification.verify_code(code)
    status = 404 if verdict.state == verification.UNKNOWN else 200
    return _no_store(make_response(
        render_template("awards/verify.html", form=VerifyForm(formdata=None), verdict=verdict), status))


@bp.get("/verify/<code>.json")
def verify_code_json(code: str):
    if (refused := _limited(json=True, kind="code")) is not None:
        return refused
    verdict = verification.verify_code(code)
    return _no_store(jsonify(verdict.to_json())), (
        404 if verdict.state == verification.UNKNOWN else 200)


@bp.get("/e/<slug>/awards")
def event_awards(slug: str):
    event = public_event(slug)
    awards = service.published_awards(event)
    programs = []
    for award in awards:
        if not programs or programs[-1][0] is not award.program:
            programs.append((award.program, []))
        programs[-1][1].append(award)
    return render_template("awards/public_awards.html", event=event, programs=programs)


@bp.get("/g/<token>/certificates/<int:award_id>.pdf")
def guest_certificate(token: str, award_id: int):
    """A guest downloads their own presented certificate; their link is the key."""
    guest = guest_from_token(token)  # LinkError (404 unknown, 410 expired or withdrawn) gets the portal's page
    award = next((a for a in guest_certificates(guest) if a.id == award_id), None)
    if award is None or award.status != AwardStatus.PRESENTED:
        abort(404)
    return pdf_response(certificates_pdf([award], title=award.certificate_number),
                        f"{award.certificate_number}.pdf", inline=False)


@bp.get("/g/<token>/attendance-certificates/<int:certificate_id>.pdf")
def guest_attendance_certificate(token: str, certificate_id: int):
    """A guest downloads their own certificate of attendance (not a revoked one); their link is the key."""
    guest = guest_from_token(token)
    registration = guest.registration
    certificate = next((c for c in attendance.certificates_of_registration(registration.id)
                        if c.id == certificate_id), None) if registration is not None else None
    if certificate is None or certificate.revoked_at is not None:
        abort(404)
    return pdf_response(attendance_pdf(certificate), f"{certificate.certificate_number}.pdf", inline=False)
