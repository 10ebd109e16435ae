"""The guest's side: their certificates in the guest portal, and the download their link authorizes.

The portal belongs to registration (/g/<token>); it includes our section
(templates/awards/_portal_certificates.html) through its PORTAL_SECTIONS hook, and
``guest_from_token`` tells which person a link belongs to (LinkError otherwise).
"""

from flask import Flask

from eventsvc.awards import attendance, service
from eventsvc.registration.portal import PORTAL_SECTIONS

PORTAL_SECTION = "awards/_portal_certificates.html"


def guest_certificates(guest) -> list:
    """What the portal section lists: the awards naming the guest at this event, and those of the
    organization the organizer linked them to as its representative (registration.represents_organization)."""
    represented = guest.registration.represents_organization if guest.registration else None
    return service.awards_of_guest(guest.person, guest.event.id, represented.id if represented else None)


def guest_attendance_certificates(guest) -> list:
    """The guest's certificates of attendance at this event (their registration's)."""
    if guest.registration is None:
        return []
    return attendance.certificates_of_registration(guest.registration.id)


def init_portal(app: Flask) -> None:
    if PORTAL_SECTION not in PORTAL_SECTIONS:
        PORTAL_SECTIONS.append(PORTAL_SECTION)
    app.jinja_env.globals["guest_certificates"] = guest_certificates
    app.jinja_env.globals["guest_attendance_certificates"] = guest_attendance_certificates
