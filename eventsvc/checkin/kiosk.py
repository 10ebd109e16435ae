"""Self check-in kiosks: the guest's check-in code, check-in by e-mail and code, and the kiosk lock.

One owner per rule:

* ``checkin_code`` is the short code a guest types at a kiosk with their e-mail (shown in the
  guest portal). It is not stored: it is derived by HMAC-SHA256 from the event's badge signing
  key (a per-event secret that survives a key-encryption-key rotation), the registration and its
  badge version, so re-issuing a badge also replaces the code. 8 characters of a 32-letter
  alphabet (40 bits); with ``check_in_with_code``'s limit of 5 tries per e-mail and event in
  15 minutes, guessing one guest's code takes longer than any event lasts.
* ``check_in_with_code`` checks e-mail and code, then checks the guest in through the same
  ``service.record_scan`` path as a badge scan. A wrong e-mail and a wrong code give the same
  refusal, so the kiosk does not tell whether an address is registered.
* ``start`` / ``current`` / ``leave`` lock a signed-in browser session to one event's kiosk at
  one gate. The lock lives in the server-side view of the session (``enforce`` refuses every
  other page and API route), and its staff PIN is checked on the server, where wrong tries are
  rate-limited: a PIN hash kept on the device could be tried exhaustively in milliseconds by
  whoever reads the device's storage (a 4–8 digit PIN has at most 10^8 values). The session
  keeps only an HMAC of the PIN under the server's secret, never the PIN.
"""

import base64
import hashlib
import hmac
import secrets

from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import func, select

from eventsvc.accounts.models import User
from eventsvc.audit.service import record
from eventsvc.badges import stations
from eventsvc.badges.codes import derived_secret
from eventsvc.checkin import service
from eventsvc.checkin.enums import Direction
from eventsvc.core import rate_limits
from eventsvc.core.errors import PermissionDenied, ServiceError
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.models import Registration

#: Crockford's base32: no I, L, O or U, so that a typed code is not misread
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
CODE_TRIES, CODE_WINDOW = 5, 15 * 60
PIN_TRIES, PIN_WINDOW = 5, 5 * 60
SESSION_KEY = "kiosk"


class KioskError(ServiceError):
    """A kiosk request refused (wrong code, wrong PIN, bad PIN...)."""


# --- the guest's check-in code ------------------------------------------------------------------

def _code_secret(event_id: int) -> bytes:
    return derived_secret(event_id, b"check-in code")


def checkin_code(event_id: int, registration_id: int, badge_version: int) -> str:
    """The guest's check-in code, ``ABCD-EFGH``. The caller commits (the event's key may be new)."""
    digest = hmac.new(_code_secret(event_id), f"{event_id}:{registration_id}:{badge_version}".encode(),
                      hashlib.sha256).digest()
    number = int.from_bytes(digest[:5], "big")  # 40 bits = 8 letters of 5 bits
    letters = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(CODE_LENGTH)))
    return f"{letters[:4]}-{letters[4:]}"


def normalize_code(code: str) -> str:
    """As typed: any case, spaces or dashes; O read as 0 and I/L as 1 (Crockford)."""
    text = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    text = text.translate(str.maketrans("OIL", "011"))
    return text


def check_in_with_code(slug: str, user: User, *, email: str, code: str, gate: str, nonce: str,
                       device: str | None = None, language: str = "en") -> service.ScanAnswer:
    """Check in the guest whose e-mail and check-in code match, through ``service.record_scan``.

    Every try counts against the e-mail (per event) before it is checked: 5 tries in 15 minutes,
    then 429 for everyone trying that address. A right code gives its try back. Wrong e-mail,
    wrong code and another event's code all give the same ``wrong_code`` refusal.
    """
    service.session_id_of_gate(gate)  # a malformed gate is refused before anything is counted
    email = (email or "").strip().lower()
    typed = normalize_code(code)
    if not email or "@" not in email or len(email) > 254:
        raise KioskError("bad_email", _("Type the e-mail address you registered with."), field="email")
    if len(typed) != CODE_LENGTH:
        raise KioskError("bad_code", _("The check-in code has 8 letters and digits."), field="code")
    limit_key = f"{slug}:{email}"
    db.session.commit()  # end the request's reads first: on SQLite they hold the write lock hit() needs
    rate_limits.hit("kiosk_code", limit_key, limit=CODE_TRIES, window=CODE_WINDOW,
                    message=_("Too many tries for this e-mail address. Ask the staff at the desk."))
    event_id = db.session.scalar(select(Event.id).where(Event.slug == slug))
    if event_id is None:
        raise KioskError("unknown_event", _("No such event."), status=404)
    found = db.session.execute(
        select(Registration.id, Registration.badge_version).join(Person, Person.id == Registration.person_id)
        .where(Registration.event_id == event_id, func.lower(Person.email) == email)).first()
    # the same work whether or not the address is registered: derive a code either way
    registration_id, version = found if found else (0, 0)
    expected = normalize_code(checkin_code(event_id, registration_id, version))
    db.session.commit()  # the event's key may have been created now
    if found is None or not hmac.compare_digest(expected, typed):
        raise KioskError("wrong_code", _("This e-mail address and check-in code do not match. "
                                         "Check the code on your personal registration page, or ask the staff."),
                         status=403, field="code")
    rate_limits.give_back("kiosk_code", limit_key, window=CODE_WINDOW)
    return service.record_scan(slug, user, service.ScanInput(
        gate=gate, nonce=nonce, registration_id=registration_id, direction=Direction.IN, device=device or "kiosk"),
        language=language)


# --- the kiosk lock ------------------------------------------------------------------------------

def _pin_digest(lock_id: str, pin: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"kiosk-pin\x00{lock_id}\x00{pin}".encode(), hashlib.sha256).hexdigest()


def _valid_pin(pin: str) -> bool:
    return pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8


def start(event: Event, user: User, *, gate: str, pin: str, pin_again: str, station_id: int | None = None) -> dict:
    """Lock this browser session to ``event``'s kiosk at ``gate`` until the staff PIN is given;
    with ``station_id``, each guest it checks in gets their badge printed at that print station."""
    gates = {g["gate"] for g in service.gates(event, "en")}
    if gate not in gates:
        raise KioskError("unknown_gate", _("Choose the entrance or a session's door."), field="gate")
    if station_id is not None:
        try:
            stations.get_station(event, station_id)
        except ServiceError:
            raise KioskError("unknown_station", _("Choose a print station of this event."),
                             field="station") from None
    if not _valid_pin(pin or ""):
        raise KioskError("bad_pin", _("The PIN has 4 to 8 digits."), field="pin")
    if pin != pin_again:
        raise KioskError("pin_mismatch", _("The two PINs differ."), field="pin_again")
    lock_id = base64.urlsafe_b64encode(secrets.token_bytes(12)).decode()
    lock = {"event_id": event.id, "slug": event.slug, "gate": gate, "id": lock_id,
            "pin": _pin_digest(lock_id, pin), "user_id": user.id, "station_id": station_id}
    session[SESSION_KEY] = lock
    record("checkin.kiosk_started", event_id=event.id, user_id=user.id, gate=gate, station_id=station_id)
    return lock


def current() -> dict | None:
    """The kiosk this browser session is locked to, if any."""
    lock = session.get(SESSION_KEY)
    return lock if isinstance(lock, dict) and {"slug", "gate", "id", "pin"} <= lock.keys() else None


def forget() -> None:
    session.pop(SESSION_KEY, None)


def leave(event: Event, user: User, pin: str) -> None:
    """Unlock the session with the staff PIN; wrong PINs are limited (5 in 5 minutes per kiosk)."""
    lock = current()
    if lock is None or lock["slug"] != event.slug:
        raise KioskError("not_a_kiosk", _("This browser is not a kiosk of this event."), status=409)
    db.session.commit()  # end the request's reads first: on SQLite they hold the write lock hit() needs
    rate_limits.hit("kiosk_pin", lock["id"], limit=PIN_TRIES, window=PIN_WINDOW,
                    message=_("Too many wrong PINs. Wait a few minutes and try again."))
    if not hmac.compare_digest(lock["pin"], _pin_digest(lock["id"], pin or "")):
        raise KioskError("wrong_pin", _("Wrong PIN."), status=403, field="pin")
    rate_limits.give_back("kiosk_pin", lock["id"], window=PIN_WINDOW)
    session.pop(SESSION_KEY, None)
    record("checkin.kiosk_left", event_id=event.id, user_id=user.id, gate=lock["gate"])


#: what a kiosk may call besides its page: the scans, the offline roster and keys, the code check-in
KIOSK_API_ENDPOINTS = {"checkin_api.Scans", "checkin_api.ScanBatch", "checkin_api.Keys", "checkin_api.Roster",
                       "checkin_api.GateCount", "checkin_api.KioskCheckIn", "checkin_api.KioskExit"}
KIOSK_PAGES = {"checkin.kiosk", "checkin.service_worker", "static"}


#: the badge printing of a kiosk with a print station: the print request, the label and its style
KIOSK_PRINT_ENDPOINTS = {"badges_api.StationPrints", "badges.station_label"}


def allowed(lock: dict, endpoint: str | None, slug: str | None, view_args: dict | None = None,
            body: dict | None = None) -> bool:
    """Whether a kiosk-locked session may reach ``endpoint`` (for the event ``slug``).

    Printing: its own station's first prints only. A reprint or a new badge needs the staff at
    the desk (their confirmation), never a guest at the kiosk."""
    if endpoint in ("static", "checkin.service_worker"):
        return True
    if endpoint in KIOSK_PAGES or endpoint in KIOSK_API_ENDPOINTS or endpoint == "badges.label_stylesheet":
        return slug == lock["slug"]
    if endpoint in KIOSK_PRINT_ENDPOINTS:
        body = body if isinstance(body, dict) else {}
        return (slug == lock["slug"] and lock.get("station_id") is not None
                and (view_args or {}).get("station_id") == lock["station_id"]
                and not body.get("confirm") and not body.get("reissue"))
    return False


def refuse() -> PermissionDenied:
    return PermissionDenied("kiosk_locked", _("This browser is a self check-in kiosk: staff must exit it with "
                                              "the PIN first."))
