"""Organizer lists of invitations and registrations: search, filters, counts, exports.

One query per list whatever its length (people, organizations and categories are joined
or loaded with selectinload), so the query count never grows per row.

Three contributions to lower layers live here too: the counts on the event's overview page
(events.overview), the refusal to delete a person who is on these lists (people.service), and
whom an audit entry about an invitation or registration is about (audit.trail).
"""

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from eventsvc.audit.trail import subject_people
from eventsvc.core.errors import Conflict
from eventsvc.core.input import bounded_int_or_none
from eventsvc.events.models import Event
from eventsvc.events.overview import Figure, overview_figures
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person
from eventsvc.people.service import PERSON_DELETE_GUARDS
from eventsvc.registration.enums import InvitationStatus, RegistrationStatus
from eventsvc.registration.models import Category, Invitation, Registration, SessionSeat
from eventsvc.registration.questions import answers as answer_service
from eventsvc.registration.questions.service import list_questions

PAGE_SIZE = 100


@overview_figures
def overview_counts(event: Event) -> list[Figure]:
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id, *where))

    return [Figure(_("Invitations"), count(Invitation)),
            Figure(_("Confirmed"), count(Registration, Registration.status == RegistrationStatus.CONFIRMED),
                   out_of=event.capacity)]


def keep_invited_or_registered(person: Person) -> None:
    for model in (Invitation, Registration):
        if db.session.scalar(select(exists().where(model.person_id == person.id))):
            raise Conflict("person_in_use", _("This person is invited or registered to an event; keep them."))


PERSON_DELETE_GUARDS.append(keep_invited_or_registered)


@subject_people("Registration")
def _registration_subjects():
    return select(Registration.id.label("object_id"), Registration.person_id.label("person_id"))


@subject_people("Invitation")
def _invitation_subjects():
    return select(Invitation.id.label("object_id"), Invitation.person_id.label("person_id"))


def _search(query, q: str | None):
    q = (q or "").strip()
    if not q:
        return query
    like = f"%{q.lower()}%"
    raw = f"%{q}%"
    return query.where(or_(func.lower(Person.name).like(like), Person.name_local.like(raw),
                           func.lower(Person.email).like(like), func.lower(Organization.name).like(like),
                           Organization.name_local.like(raw)))


def _filtered(model, event: Event, q, status, category, question=None, answer=None):
    query = (select(model).join(Person, model.person_id == Person.id)
             .outerjoin(Organization, Person.organization_id == Organization.id)
             .where(model.event_id == event.id))
    query = _search(query, q)
    if status:
        query = query.where(model.status == status)
    if category:
        category_id = bounded_int_or_none(category, minimum=1)
        query = query.where(model.category_id == category_id) if category_id is not None \
            else query.where(model.category_id.is_(None))
    if question:  # the guest's answer to one of the event's questions (registration.questions)
        clause = answer_service.answer_filter(event, model.person_id, bounded_int_or_none(question, minimum=1),
                                              answer)
        if clause is not None:
            query = query.where(clause)
    return query



def invitations(event: Event, *, q=None, status=None, category=None, question=None, answer=None,
                page: int | None = 1):
    query = (_filtered(Invitation, event, q, status, category, question, answer)
             .options(selectinload(Invitation.person).selectinload(Person.organization),
                      selectinload(Invitation.category), selectinload(Invitation.sessions))
             .order_by(Person.name, Invitation.id))
    if page:
        query = query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return db.session.scalars(query).all()


def registrations(event: Event, *, q=None, status=None, category=None, question=None, answer=None,
                  page: int | None = 1):
    query = (_filtered(Registration, event, q, status, category, question, answer)
             .options(selectinload(Registration.person).selectinload(Person.organization),
                      selectinload(Registration.category), selectinload(Registration.represents_organization),
                      selectinload(Registration.seats).selectinload(SessionSeat.agenda_item))
             .order_by(Registration.status == RegistrationStatus.WAITLISTED, Registration.waitlisted_at,
                       Person.name, Registration.id))
    if page:
        query = query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    return db.session.scalars(query).all()


def counts(model, event: Event, *, q=None, status=None, category=None, question=None, answer=None) -> dict:
    """{"total", "status": {value: n}, "category": {id or None: n}} for the current search."""
    base = _filtered(model, event, q, None, None, question, answer).with_only_columns(model.status, model.category_id, func.count())
    rows = db.session.execute(base.group_by(model.status, model.category_id)).all()
    by_status, by_category, total, shown = {}, {}, 0, 0
    for st, cat, n in rows:
        by_status[st.value] = by_status.get(st.value, 0) + n
        by_category[cat] = by_category.get(cat, 0) + n
        total += n
        if (not status or st.value == status) and (not category or str(cat) == str(category)
                                                   or (category == "none" and cat is None)):
            shown += n
    return {"total": total, "shown": shown, "status": by_status, "category": by_category}


def categories(event: Event) -> list[Category]:
    return db.session.scalars(select(Category).where(Category.event_id == event.id)
                              .order_by(Category.position, Category.id)).all()


INVITATION_STATUSES = [s.value for s in InvitationStatus]
REGISTRATION_STATUSES = [s.value for s in RegistrationStatus]


def _org(person):
    return person.organization.name if person.organization else ""


def _org_local(person):
    return person.organization.name_local if person.organization else ""


def with_answers(event: Event, items) -> tuple[list, dict]:
    """The event's questions and the listed guests' answers, {person_id: {question_id: Answer}}
    (three queries for the questions, two for the answers, whatever the list's length)."""
    return list_questions(event), answer_service.answers_by_person(event.id, [i.person_id for i in items])


def _answer_columns(event: Event, items):
    """One column per question (headed by its key), the answers as an import reads them back."""
    questions, answers = with_answers(event, items)
    return [q.key for q in questions], lambda item: [
        answer_service.answer_cell(q, answers.get(item.person_id, {}).get(q.id)) for q in questions]


def invitation_export_rows(items, event: Event):
    items = list(items)
    answer_headers, answer_cells = _answer_columns(event, items)
    headers = ["name", "name_local", "email", "organization", "organization_local", "position", "category",
               "language", "status", "sent_at", "opened_at", "responded_at", "decline_reason", "sessions"]
    rows = ([i.person.name, i.person.name_local, i.person.email, _org(i.person), _org_local(i.person),
             i.person.position, i.category.code if i.category else "", i.language, i.status.value,
             _iso(i.sent_at), _iso(i.opened_at), _iso(i.responded_at), i.decline_reason,
             "; ".join(s.title for s in i.sessions), *answer_cells(i)] for i in items)
    return headers + answer_headers, rows


def registration_export_rows(items, event: Event):
    items = list(items)
    answer_headers, answer_cells = _answer_columns(event, items)
    headers = ["name", "name_local", "email", "phone", "organization", "organization_local", "position",
               "category", "status", "source", "language", "confirmed_at", "waitlisted_at", "seminars"]
    rows = ([r.person.name, r.person.name_local, r.person.email, r.person.phone, _org(r.person),
             _org_local(r.person), r.person.position, r.category.code if r.category else "", r.status.value,
             r.source.value, r.language, _iso(r.confirmed_at), _iso(r.waitlisted_at),
             "; ".join(f"{s.agenda_item.title} ({s.status.value})" for s in r.seats
                       if s.status.value != "cancelled"), *answer_cells(r)] for r in items)
    return headers + answer_headers, rows


def _iso(value):
    return value.isoformat(timespec="seconds") if value else ""
