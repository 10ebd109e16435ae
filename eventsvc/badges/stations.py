"""Print stations: badges printed on demand at check-in, first prints and confirmed reprints.

A print station is a browser next to a label printer. When a guest is checked in at a desk
whose device prints at a station, ``print_at_station`` decides — for every caller (the
scanner's browser, the walk-in desk, the kiosk, the API) — whether this is the badge's
first print or a reprint. A reprint (the registration's current badge was already printed,
at any station or in a batch) is refused unless the staff confirm it; re-issuing at the desk
(``reissue=True``) revokes the old code through ``service.reissue_badge`` and prints the new
badge. Every print is counted on its station and audited.

Locking: the registration's row is locked (SELECT … FOR UPDATE) while the decision is taken and
the badge marked printed, so that two stations printing the same guest at the same instant give
one first print and one refused reprint; the station's counters grow by a conditional UPDATE.
"""

import re
import subprocess
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from eventsvc.audit.service import record
from eventsvc.badges.layout import PAGES, STATION_LAYOUTS
from eventsvc.badges.models import PrintStation
from eventsvc.badges.service import badge_registration, mark_printed, reissue_badge
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.core.types import utcnow
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.models import Registration

#: a CUPS queue name as ``lp -d`` takes it
QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,120}")
FIRST = "first"
REPRINT = "reprint"


@dataclass(frozen=True)
class StationPrint:
    """One label to print now: which station, whose badge at which version, first or reprint."""

    station: PrintStation
    registration: Registration
    kind: str
    badge_version: int
    reissued: bool = False


# --- the stations -------------------------------------------------------------------------

def stations(event: Event) -> list[PrintStation]:
    return db.session.scalars(select(PrintStation).where(PrintStation.event_id == event.id)
                              .order_by(func.lower(PrintStation.name), PrintStation.id)).all()


def get_station(event: Event, station_id: int) -> PrintStation:
    """A station of this event, or NotFound (another event's station is not found)."""
    station = db.session.get(PrintStation, station_id)
    if station is None or station.event_id != event.id:
        raise NotFound("unknown_station", _("There is no such print station at this event."))
    return station


def _validate(event: Event, name: str, layout: str, station_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ServiceError("bad_name", _("Give the station a name of 1 to 80 characters."), field="name")
    if layout not in STATION_LAYOUTS:
        raise ServiceError("bad_layout", _("Choose one of the label layouts."), field="layout")
    taken = db.session.scalar(select(PrintStation.id).where(
        PrintStation.event_id == event.id, func.lower(PrintStation.name) == name.lower(),
        PrintStation.id != (station_id or 0)))
    if taken:
        raise ServiceError("name_taken", _("Another station of this event has this name."), field="name")
    return name


def save_station(event: Event, *, name: str, layout: str, printer_name: str | None = None,
                 notes: str | None = None, print_on_server: bool = False, station: PrintStation | None = None,
                 user_id: int | None = None) -> PrintStation:
    """Create a station (``station`` None) or change one; audited."""
    name = _validate(event, name, layout, station.id if station else None)
    printer_name = (printer_name or "").strip()
    if print_on_server and not QUEUE_NAME.fullmatch(printer_name):
        raise ServiceError("queue_required", _("Printing from the server needs the printer's CUPS queue name "
                                               "(letters, digits, - and _)."), field="printer_name")
    created = station is None
    if created:
        station = PrintStation(event_id=event.id)
        db.session.add(station)
    station.name, station.layout = name, layout
    station.printer_name = printer_name[:120] or None
    station.print_on_server = bool(print_on_server)
    station.notes = (notes or "").strip()[:500] or None
    db.session.flush()
    record("print_station.created" if created else "print_station.updated", event_id=event.id, obj=station,
           user_id=user_id, name=station.name, layout=station.layout)
    return station


def delete_station(station: PrintStation, *, user_id: int | None = None) -> None:
    record("print_station.deleted", event_id=station.event_id, obj=station, user_id=user_id, name=station.name,
           prints=station.print_count, reprints=station.reprint_count)
    db.session.delete(station)
    db.session.flush()


# --- printing -----------------------------------------------------------------------------

def _locked_registration(event: Event, registration_id: int) -> Registration:
    registration = db.session.scalar(
        select(Registration).where(Registration.id == registration_id, Registration.event_id == event.id)
        .with_for_update().execution_options(populate_existing=True))
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        raise NotFound("no_badge", _("There is no badge for this registration: it is not confirmed."))
    return registration


def is_printed(registration: Registration) -> bool:
    """The registration's current badge has been printed (at a station, at the desk or in a batch)."""
    return (registration.badge_printed_at is not None
            and registration.badge_printed_version == registration.badge_version)


def print_at_station(event: Event, station_id: int, registration_id: int, *, confirmed: bool = False,
                     reissue: bool = False, user_id: int | None = None, actor: str | None = None,
                     reason: str = "") -> StationPrint:
    """Decide and record one print of a guest's badge at a station (the caller commits).

    - The current badge not printed yet: a first print.
    - Already printed: a reprint, refused (409 ``reprint_needs_confirmation``) unless ``confirmed``.
    - ``reissue`` (needs ``confirmed``): a new badge version first (the old code is refused from
      now on), printed as a reprint: the guest had a badge.
    """
    station = get_station(event, station_id)
    registration = _locked_registration(event, registration_id)
    if reissue:
        if not confirmed:
            raise Conflict("reissue_needs_confirmation",
                           _("Confirm that a new badge is issued: the old one will be refused at the doors."))
        reissue_badge(registration, reason=reason or _("Re-issued at the desk"), user_id=user_id, actor=actor)
    elif is_printed(registration) and not confirmed:
        raise Conflict("reprint_needs_confirmation",
                       _("%(name)s's badge was already printed: a reprint needs a staff confirmation.",
                         name=registration.person.name),
                       details={"registration_id": registration.id,
                                "printed_at": registration.badge_printed_at.isoformat()})
    kind = REPRINT if reissue or is_printed(registration) else FIRST
    now = utcnow()
    mark_printed({registration.id: registration.badge_version}, at=now)
    db.session.execute(
        update(PrintStation).where(PrintStation.id == station.id)
        .values(print_count=PrintStation.print_count + 1,
                reprint_count=PrintStation.reprint_count + (1 if kind == REPRINT else 0),
                last_print_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(station)
    db.session.refresh(registration)
    record("badge.reprinted" if kind == REPRINT else "badge.printed", event_id=event.id, obj=registration,
           user_id=user_id, actor=actor, station=station.name, station_id=station.id,
           badge_version=registration.badge_version, reissued=reissue or None)
    return StationPrint(station, registration, kind, registration.badge_version, reissued=reissue)


def send_to_queue(station: PrintStation, pdf: bytes, title: str) -> None:
    """The label PDF to the station's CUPS queue (``lp``), for a station printed from the server.

    Raises ServiceError ``printer_unreachable`` (503) when lp refuses: the caller rolls back, so that
    a label that never reached the printer is not counted."""
    page = PAGES[station.layout]
    command = ["lp", "-d", station.printer_name, "-t", title[:100], "-o",
               f"PageSize=Custom.{page.width_mm:g}x{page.height_mm:g}mm", "-"]
    try:
        done = subprocess.run(command, input=pdf, capture_output=True, timeout=15, check=False)
    except (OSError, subprocess.TimeoutExpired):
        done = None
    if done is None or done.returncode != 0:
        raise ServiceError("printer_unreachable",
                           _("The printer of station %(name)s did not take the label; check it and print again.",
                             name=station.name), status=503)


def last_printed(registration: Registration) -> datetime | None:
    return registration.badge_printed_at if is_printed(registration) else None


def label_registration(event: Event, registration_id: int) -> Registration:
    """The registration whose label is drawn (a confirmed registration of this event)."""
    return badge_registration(event, registration_id)


def print_answer(event: Event, done: StationPrint) -> dict:
    """What the station's browser (or the kiosk) gets back: first or reprint, and the label's address."""
    station = done.station

    def label(fmt: str) -> str:
        return url_for("badges.station_label", slug=event.slug, station_id=station.id,
                       registration_id=done.registration.id, fmt=fmt, v=done.badge_version)

    return {"kind": done.kind, "registration_id": done.registration.id, "badge_version": done.badge_version,
            "reissued": done.reissued, "station_id": station.id, "station_name": station.name,
            "layout": station.layout, "print_count": station.print_count, "reprint_count": station.reprint_count,
            "label_url": label("html"), "label_pdf_url": label("pdf"), "sent_to_printer": station.print_on_server}
