"""Guest categories of an event: labels in both languages and the badge colour, edited by organizers."""

import re

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from eventsvc.audit.service import record
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.core.i18n import local
from eventsvc.events.models import Event
from eventsvc.events.people import labels_people
from eventsvc.events.service import copies_into_next_edition, sets_up_new_events
from eventsvc.extensions import db
from eventsvc.registration.models import Category, Invitation, Registration
from eventsvc.registration.questions.models import question_categories

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

#: What every new event starts with, so that its badges carry a band from the first print:
#: (code, label, Chinese label, band colour, VIP). Organizers rename, recolour or delete them as
#: any other category. Each colour carries white text at 4.5:1 or more (WCAG AA), on the badge
#: band and the pages' category pills alike.
DEFAULT_CATEGORIES = (
    ("guest", "Guest", "嘉宾", "#2b6cb0", False),
    ("speaker", "Speaker", "演讲嘉宾", "#6b46c1", False),
    ("vip", "VIP", "贵宾", "#c53030", True),
    ("press", "Press", "媒体", "#9c4221", False),
    ("staff", "Staff", "工作人员", "#4a5568", False),
)


def list_categories(event: Event) -> list[Category]:
    return db.session.scalars(select(Category).where(Category.event_id == event.id)
                              .order_by(Category.position, Category.id)).all()


@sets_up_new_events
def add_default_categories(event: Event) -> None:
    """A new event's guest categories (events.service.create_event): DEFAULT_CATEGORIES."""
    for code, label, label_local, color, is_vip in DEFAULT_CATEGORIES:
        create_category(event, code=code, label=label, label_local=label_local, color=color, is_vip=is_vip)


@copies_into_next_edition
def copy_categories(source: Event, copy: Event, _sessions: dict) -> None:
    """The next edition starts with the same categories (events.service.copy_event)."""
    for cat in db.session.scalars(select(Category).where(Category.event_id == source.id)):
        db.session.add(Category(event_id=copy.id, code=cat.code, label=cat.label, label_local=cat.label_local,
                                color=cat.color, position=cat.position, is_vip=cat.is_vip))


@labels_people
def categories_of_guests(event: Event, person_ids: list[int]) -> dict[int, str]:
    """For the event's pickers: each guest's category (their registration's, else their invitation's)."""
    labels: dict[int, str] = {}
    for model in (Registration, Invitation):
        rows = db.session.execute(
            select(model.person_id, Category).join(Category, Category.id == model.category_id)
            .where(model.event_id == event.id, model.person_id.in_(person_ids)))
        for person_id, category in rows:
            labels.setdefault(person_id, local(category, "label"))
    return labels


def _check(label: str, color: str) -> None:
    if not (label or "").strip():
        raise ServiceError("label_required", _("Enter a label."), field="label")
    if not COLOR.match(color or ""):
        raise ServiceError("bad_color", _("The colour must look like #1a2b3c."), field="color")


def create_category(event: Event, *, code: str, label: str, label_local: str | None = None,
                    color: str = "#4a5568", is_vip: bool = False) -> Category:
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise ServiceError("bad_code", _("The code uses lower-case letters, digits, - and _."), field="code")
    _check(label, color)
    if db.session.scalar(select(Category.id).where(Category.event_id == event.id, Category.code == code)):
        raise Conflict("duplicate_code", _("This code is already used."), field="code")
    position = (db.session.scalar(select(func.max(Category.position)).where(Category.event_id == event.id))
                or 0) + 1
    category = Category(event=event, code=code, label=label.strip(), label_local=(label_local or "").strip()
                        or None, color=color.lower(), is_vip=is_vip, position=position)
    db.session.add(category)
    db.session.flush()
    record("category.created", event_id=event.id, obj=category, code=code)
    return category


def update_category(category: Category, *, label: str, label_local: str | None, color: str,
                    is_vip: bool, position: int | None = None) -> Category:
    """Change what guests and badges show; the code stays, so imports keep working."""
    _check(label, color)
    category.label = label.strip()
    category.label_local = (label_local or "").strip() or None
    category.color = color.lower()
    category.is_vip = is_vip
    if position is not None:
        category.position = position
    record("category.updated", event_id=category.event_id, obj=category)
    return category


def delete_category(category: Category) -> None:
    """Remove a category nobody carries yet (a default one the event does not need, say).

    One that invitations, registrations or registration questions use is refused
    (``category_in_use``): deleting it would leave guests without a band, or turn a question
    asked of that category alone into one asked of everybody.

    The category's row is locked first: a request giving a guest this category holds a key lock
    on it until it commits, so the count below waits for it and sees its row (without the lock
    the count could miss it and ON DELETE SET NULL would take the guest's category silently)."""
    db.session.execute(select(Category.id).where(Category.id == category.id).with_for_update())
    used = sum(db.session.scalar(select(func.count()).select_from(model).where(model.category_id == category.id))
               for model in (Invitation, Registration))
    if used:
        raise Conflict("category_in_use", ngettext(
            "%(num)d invitation or registration carries this category: give it another one first.",
            "%(num)d invitations and registrations carry this category: give them another one first.", used))
    if db.session.scalar(select(func.count()).select_from(question_categories)
                         .where(question_categories.c.category_id == category.id)):
        raise Conflict("category_in_use", _("A registration question is asked of this category: change the "
                                            "question first."))
    record("category.deleted", event_id=category.event_id, obj=category, code=category.code)
    db.session.delete(category)


def category_for(event: Event, category_id: int) -> Category:
    category = db.session.scalar(select(Category).where(Category.id == category_id,
                                                        Category.event_id == event.id))
    if category is None:
        raise NotFound("not_found", _("No such category at this event."))
    return category
