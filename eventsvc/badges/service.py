"""Badge rules: which registrations get a badge, what is printed on it, printing and re-issue.

A badge exists for a confirmed registration. Its QR carries a signed code of the
registration's current badge version (codes.py); re-issuing raises the version, so every
code printed before is refused as ``revoked``.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date, format_interval
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import contains_eager

from eventsvc.audit.service import record
from eventsvc.badges.codes import (
    CODE_BYTES,
    FORMAT,
    BadgeCodeError,
    BadgePayload,
    active_key,
    badge_signer,
    verify_badge_code,
)
from eventsvc.badges.layout import SINGLE, BadgeContent, render_badges
from eventsvc.badges.models import BadgeKey
from eventsvc.core.errors import NotFound, ServiceError
from eventsvc.core.types import utcnow
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person
from eventsvc.registration.enums import RegistrationStatus
from eventsvc.registration.mail_values import tell_guest
from eventsvc.registration.models import Category, Registration

#: which badges a batch prints
ALL = "all"
NOT_PRINTED = "not_printed"
CHANGED = "changed"
SELECTIONS = (ALL, NOT_PRINTED, CHANGED)


@dataclass(frozen=True)
class BadgeSelection:
    """A batch filter: a category (or all) and all / not yet printed / changed since printed."""

    category_id: int | None = None
    which: str = ALL


# --- which badges -------------------------------------------------------------------------

def _changed_since_printed():
    printed = Registration.badge_printed_at
    return and_(printed.is_not(None), or_(
        Registration.badge_printed_version != Registration.badge_version,
        Registration.updated_at > printed,
        Person.updated_at > printed,
        Organization.updated_at > printed,
        Category.updated_at > printed,
    ))


def badges_query(event: Event, selection: BadgeSelection = BadgeSelection()):
    """Confirmed registrations of the event with person, organization and category, in one query."""
    query = (
        select(Registration)
        .join(Registration.person)
        .outerjoin(Person.organization)
        .outerjoin(Registration.category)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .options(contains_eager(Registration.person).contains_eager(Person.organization),
                 contains_eager(Registration.category))
        .order_by(Category.position, Person.name, Registration.id)
    )
    if selection.category_id:
        query = query.where(Registration.category_id == selection.category_id)
    if selection.which == NOT_PRINTED:
        query = query.where(Registration.badge_printed_at.is_(None))
    elif selection.which == CHANGED:
        query = query.where(_changed_since_printed())
    elif selection.which != ALL:
        raise ServiceError("bad_selection", _("Choose all badges, not yet printed, or changed."),
                           field="which")
    return query


def is_changed_since_printed(registration: Registration) -> bool:
    printed = registration.badge_printed_at
    if printed is None:
        return False
    person, org, category = registration.person, registration.person.organization, registration.category
    return (registration.badge_printed_version != registration.badge_version
            or any(row is not None and row.updated_at > printed
                   for row in (registration, person, org, category)))


def badge_registration(event: Event, registration_id: int) -> Registration:
    """A confirmed registration of this event, or NotFound (a badge of another event is not found)."""
    registration = db.session.scalar(
        badges_query(event).where(Registration.id == registration_id))
    if registration is None:
        raise NotFound("no_badge", _("There is no badge for this registration: it is not confirmed."))
    return registration


# --- what is printed ----------------------------------------------------------------------

def event_date_text(event: Event) -> str:
    """The event's dates in English and Chinese, e.g. "March 31, 2023 · 2023年3月31日"."""
    def one(locale: str) -> str:
        if event.start_date == event.end_date:
            return format_date(event.start_date, "long", locale=locale)
        return format_interval(event.start_date, event.end_date, "yMMMd", locale=locale)

    return f"{one('en')} · {one('zh_Hans_CN')}"


def badge_content(registration: Registration, event: Event, sign, date_text: str) -> BadgeContent:
    person, org, category = registration.person, registration.person.organization, registration.category
    return BadgeContent(
        code=sign(registration.id, registration.badge_version),
        name=person.name,
        name_local=person.name_local or "",
        position=person.position or "",
        position_local=person.position_local or "",
        organization=org.name if org else "",
        organization_local=(org.name_local or "") if org else "",
        category=category.label if category else "",
        category_local=(category.label_local or "") if category else "",
        color=category.color if category else "#4a5568",
        event_title=event.title,
        event_title_local=event.title_local or "",
        event_date=date_text,
    )


def badge_code(registration: Registration) -> str:
    """The code in the QR of the registration's current badge."""
    return badge_signer(registration.event_id)(registration.id, registration.badge_version)


def badge_contents(event: Event, registrations: list[Registration]) -> list[BadgeContent]:
    sign = badge_signer(event.id)
    date_text = event_date_text(event)
    return [badge_content(r, event, sign, date_text) for r in registrations]


def render_batch(event: Event, selection: BadgeSelection, layout: str, *,
                 progress=None, on_total=None) -> tuple[bytes, dict[int, int]]:
    """One PDF of the selected badges, and which badge version of which registration it holds.

    Commits first: the event's signing key, if these are its first badges, must exist before
    codes signed with it are printed; and no transaction stays open while the PDF renders.
    """
    registrations = db.session.scalars(badges_query(event, selection)).all()
    printed = {r.id: r.badge_version for r in registrations}
    contents = badge_contents(event, registrations)
    title = f"Badges · {event.title}"
    db.session.commit()
    if on_total:
        on_total(len(contents))
    return render_badges(contents, layout, title=title, progress=progress), printed


def badge_pdf(registration: Registration, layout: str = SINGLE) -> bytes:
    """The PDF of one badge (A6, or on an A4 sheet)."""
    [content] = badge_contents(registration.event, [registration])
    return render_badges([content], layout, title=f"{registration.person.name} · {registration.event.title}")


def print_one_badge(registration: Registration, layout: str = SINGLE) -> bytes:
    """One badge to print (the page at the desk, or an API client): its PDF, and the badge counts as printed."""
    pdf = badge_pdf(registration, layout)
    mark_printed({registration.id: registration.badge_version})
    return pdf


# --- printing -----------------------------------------------------------------------------

def mark_printed(printed: dict[int, int], at: datetime | None = None) -> int:
    """Record that these registrations' badges (id -> badge version printed) were printed now.

    A registration re-issued while the batch was rendering keeps its old mark: what was
    printed is already revoked. ``updated_at`` is set to the same instant, so that only
    later changes count as "changed since printed".
    """
    at = at or utcnow()
    by_version: dict[int, list[int]] = defaultdict(list)
    for registration_id, version in printed.items():
        by_version[version].append(registration_id)
    marked = 0
    for version, ids in by_version.items():
        for start in range(0, len(ids), 500):
            result = db.session.execute(
                update(Registration)
                .where(Registration.id.in_(ids[start:start + 500]), Registration.badge_version == version)
                .values(badge_printed_at=at, badge_printed_version=version, updated_at=at)
                .execution_options(synchronize_session=False))
            marked += result.rowcount
    return marked


# --- re-issue and verification ------------------------------------------------------------

def reissue_badge(registration: Registration, *, reason: str = "", user_id: int | None = None,
                  actor: str | None = None) -> int:
    """A new badge for a lost one: the version goes up and every older code is refused as revoked."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise ServiceError("not_confirmed", _("Only a confirmed registration has a badge to re-issue."))
    old = registration.badge_version
    db.session.execute(
        update(Registration).where(Registration.id == registration.id)
        .values(badge_version=Registration.badge_version + 1)
        .execution_options(synchronize_session=False))
    db.session.refresh(registration, ["badge_version", "updated_at"])
    record("badge.reissued", event_id=registration.event_id, obj=registration, user_id=user_id,
           actor=actor, old_version=old, new_version=registration.badge_version,
           reason=reason.strip()[:300] or None)
    # the old code is refused from now on: the guest gets the new badge on their phone
    tell_guest(registration, "badge_ready", dedupe_key=f"badge:{registration.id}:{registration.badge_version}")
    return registration.badge_version


def verify_registration_badge(code: str, event: Event) -> tuple[Registration, BadgePayload]:
    """Verify a scanned code at ``event`` against the registration's current badge version.

    Raises BadgeCodeError: malformed, bad_signature, unknown_key, wrong_event, revoked; or
    ``unknown_registration`` for a well-signed code whose registration no longer exists.
    """
    payload = verify_badge_code(code, event_id=event.id)
    registration = db.session.get(Registration, payload.registration_id)
    if registration is None or registration.event_id != event.id:
        raise BadgeCodeError("unknown_registration", _("This badge's registration no longer exists."))
    verify_badge_code(code, event_id=event.id, current_version=registration.badge_version)
    return registration, payload


def public_key_document(event: Event) -> dict:
    """What a scanner needs to verify badge codes of this event offline."""
    active_key(event.id)  # an event has a key before its first badge is printed
    keys = db.session.scalars(select(BadgeKey).where(BadgeKey.event_id == event.id)
                              .order_by(BadgeKey.key_id)).all()
    return {
        "event_id": event.id,
        "event_slug": event.slug,
        "algorithm": "Ed25519",
        "code_format": {
            "encoding": "base32 (RFC 4648, no padding)",
            "version": FORMAT,
            "bytes": CODE_BYTES,
            "layout": "format u8 | key_id u8 | event_id u32 | registration_id u32 | badge_version u16 "
                      "| Ed25519 signature (64 bytes) over the first 12 bytes; integers big-endian",
        },
        "keys": [{"key_id": k.key_id, "public_key": k.public_key, "active": k.active,
                  "created_at": k.created_at} for k in keys],
    }
