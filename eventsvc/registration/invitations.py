"""Invitations: create one or import many, send / resend / remind / revoke, accept or decline.

A link token is shown only in the e-mail; only its SHA-256 is kept (registration.links).
The organizer's send or resend replaces the invitation's links, so an older e-mail's link
stops working; a reminder adds a link and the older ones keep working until they expire.
"""

import string
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from eventsvc.audit.service import record, record_many
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.core.i18n import format_date_range, local
from eventsvc.core.spreadsheets import ImportRejected, RowError, read_rows
from eventsvc.core.types import utcnow
from eventsvc.events.models import AgendaItem, Event
from eventsvc.extensions import db
from eventsvc.mail.service import GuestMessage, queue_message, queue_messages
from eventsvc.people.identity import (
    PersonDetails,
    check_details,
    find_or_create_people,
    find_or_create_person,
    normalise_email,
)
from eventsvc.people.models import Person
from eventsvc.registration import lifecycle
from eventsvc.registration.enums import InvitationStatus, RegistrationStatus
from eventsvc.registration.links import (
    issue_link,
    portal_url,
    replace_invitation_links,
    replace_links,
)
from eventsvc.registration.mail_values import guest_values
from eventsvc.registration.models import Category, Invitation, invitation_sessions
from eventsvc.registration.questions import answers as answer_service
from eventsvc.registration.questions.service import list_questions
from eventsvc.registration.transitions import INVITATION, Actor

#: invitations that still wait for an answer
#: placeholders an organizer may use in the personal message, in either language
PLACEHOLDERS = ("name", "event", "dates", "venue", "organization", "category")


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def fill_placeholders(text: str | None, invitation: Invitation) -> str:
    """Replace {name}, {event}, {dates}, {venue}, {organization}, {category} in the guest's language."""
    if not text:
        return ""
    lang = invitation.language
    person, event = invitation.person, invitation.event
    values = _SafeDict(
        name=local(person, "name", lang), event=local(event, "title", lang),
        dates=format_date_range(event.start_date, event.end_date, lang),
        venue=local(event, "venue", lang), category=invitation.category.display_label(lang)
        if invitation.category else "",
        organization=local(person.organization, "name", lang) if person.organization else "")
    try:
        return string.Formatter().vformat(text, (), values)
    except (ValueError, IndexError):
        return text  # a stray brace: show the message as written


def check_message(text: str | None) -> None:
    if not text:
        return
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise ServiceError("bad_placeholder", _("Unbalanced { or } in the message."), field="message") from None
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise ServiceError("bad_placeholder", _("Unknown placeholder: %(names)s. Use %(allowed)s.",
                                                names=", ".join(f"{{{n}}}" for n in unknown),
                                                allowed=", ".join(f"{{{n}}}" for n in PLACEHOLDERS)),
                           field="message")


# --- one invitation --------------------------------------------------------------------------

@dataclass
class InvitationInput:
    details: PersonDetails
    category_code: str | None = None
    session_ids: list[int] = field(default_factory=list)
    message: str | None = None


def category_by_code(event: Event, code: str | None) -> Category | None:
    if not code:
        return None
    code = code.strip().lower()
    return db.session.scalar(select(Category).where(
        Category.event_id == event.id,
        (func.lower(Category.code) == code) | (func.lower(Category.label) == code)
        | (Category.label_local == code)))


def create_invitation(event: Event, data: InvitationInput, *, invited_by_id: int | None,
                      send: bool = True) -> Invitation:
    check_message(data.message)
    person = find_or_create_person(event, data.details)
    if db.session.scalar(select(Invitation.id).where(Invitation.event_id == event.id,
                                                     Invitation.person_id == person.id)):
        raise Conflict("already_invited", _("%(email)s is already invited to this event.", email=person.email),
                       field="email")
    category = category_by_code(event, data.category_code)
    if data.category_code and category is None:
        raise ServiceError("unknown_category", _("Unknown category “%(code)s”.", code=data.category_code),
                           field="category")
    sessions = []
    if data.session_ids:
        sessions = db.session.scalars(select(AgendaItem).where(
            AgendaItem.event_id == event.id, AgendaItem.id.in_(data.session_ids))).all()
        if len(sessions) != len(set(data.session_ids)):
            raise ServiceError("unknown_session", _("Unknown session."), field="sessions")
    invitation = Invitation(event=event, person=person, category=category, message=data.message or None,
                            language=data.details.language if data.details.language in ("en", "zh") else "en",
                            invited_by_id=invited_by_id, sessions=list(sessions))
    try:
        with db.session.begin_nested():  # two organizers inviting the same person at once
            db.session.add(invitation)
            db.session.flush()
    except IntegrityError:
        raise Conflict("already_invited", _("%(email)s is already invited to this event.", email=person.email),
                       field="email") from None
    record("invitation.created", event_id=event.id, obj=invitation, email=person.email)
    if send:
        send_invitation(invitation)
    return invitation


def invitation_for(event: Event, invitation_id: int) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.event_id == event.id))
    if invitation is None:
        raise NotFound("not_found", _("No such invitation at this event."))
    return invitation


def send_invitation(invitation: Invitation, *, reminder: bool = False, dedupe_key: str | None = None) -> str:
    """Queue the invitation e-mail with a new link; returns the token (tests and the CLI use it).

    A send replaces the invitation's older links; a reminder keeps them working.
    """
    transition = _mark_sent(invitation, utcnow(), reminder=reminder)
    token = issue_link(invitation) if reminder else replace_links(invitation)
    message = _message(invitation, token, reminder=reminder, dedupe_key=dedupe_key)
    queue_message(kind=message.kind, to_address=message.to_address, to_name=message.to_name,
                  language=message.language, event_id=message.event_id, dedupe_key=dedupe_key,
                  values=message.values)
    record(transition.audit, event_id=invitation.event_id, obj=invitation)
    return token


def send_invitations(invitations: list[Invitation]) -> list[str]:
    """``send_invitation`` for many at once (an import's "send now"), in a few statements whatever
    their number: the same rule, links, e-mails and audit entries. The tokens, in order."""
    if not invitations:
        return []
    db.session.flush()
    now, changed = utcnow(), {}
    for invitation in invitations:
        lifecycle.decide(INVITATION["send"], invitation.status, Actor.ORGANIZER)  # refused once revoked
        state = _sent_state(invitation, now)
        if state != (invitation.status, invitation.sent_at):
            changed.setdefault(state, []).append(invitation)
    for (status, sent_at), group in changed.items():  # an UPDATE per page, not an ORM change per row
        for start in range(0, len(group), IMPORT_PAGE):
            page = group[start:start + IMPORT_PAGE]
            db.session.execute(update(Invitation.__table__).where(Invitation.id.in_([i.id for i in page]))
                               .values(status=status, sent_at=sent_at))
            for invitation in page:
                set_committed_value(invitation, "status", status)
                set_committed_value(invitation, "sent_at", sent_at)
    tokens = replace_invitation_links(invitations)
    events: dict = {}
    queue_messages([_message(i, token, reminder=False, events=events)
                    for i, token in zip(invitations, tokens, strict=True)])
    by_event: dict[int, list[Invitation]] = {}
    for invitation in invitations:
        by_event.setdefault(invitation.event_id, []).append(invitation)
    for event_id, sent in by_event.items():
        record_many(INVITATION["send"].audit, sent, event_id=event_id)
    return tokens


def _sent_state(invitation: Invitation, now) -> tuple[InvitationStatus, object]:
    """(status, sent_at) once sent: a draft or an expired invitation becomes sent, the others keep
    their status; the first sending time stays."""
    status = invitation.status
    if status in (InvitationStatus.DRAFT, InvitationStatus.EXPIRED):
        status = InvitationStatus.SENT
    return status, invitation.sent_at or now


def _mark_sent(invitation: Invitation, now, *, reminder: bool):
    """The send (or reminder) rule on one invitation: refused once revoked; its status and dates."""
    lifecycle.decide(INVITATION["send"], invitation.status, Actor.ORGANIZER)  # refused once revoked
    invitation.status, invitation.sent_at = _sent_state(invitation, now)
    if reminder:
        invitation.last_reminded_at = now
        invitation.reminder_count += 1
    return INVITATION["remind" if reminder else "send"]


def _message(invitation: Invitation, token: str, *, reminder: bool, dedupe_key: str | None = None,
             events: dict | None = None) -> GuestMessage:
    person = invitation.person
    return GuestMessage(kind="invitation_reminder" if reminder else "invitation", to_address=person.email,
                        to_name=person.name, language=invitation.language, event_id=invitation.event_id,
                        dedupe_key=dedupe_key,
                        values=guest_values(invitation.event, person, invitation.language, portal_url(token),
                                            events=events,
                                            personal_message=fill_placeholders(invitation.message, invitation)))


def expire_stale(event: Event) -> int:
    """Mark unanswered invitations whose every link has expired as expired (a resend revives them)."""
    return lifecycle.expire_invitations(event.id)


def remind_unanswered(event: Event) -> int:
    """Send a reminder to everyone invited who has not answered and whose link still works."""
    expire_stale(event)
    pending = db.session.scalars(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.status.in_((InvitationStatus.SENT, InvitationStatus.OPENED)))
        .options(selectinload(Invitation.person), selectinload(Invitation.category))).all()
    for invitation in pending:
        send_invitation(invitation, reminder=True)
    return len(pending)


# --- spreadsheet import -------------------------------------------------------------------------

#: header names people use, mapped to the fields (English and Chinese)
IMPORT_ALIASES = {
    "姓名": "name", "name_latin": "name", "english_name": "name", "中文名": "name_local", "中文姓名": "name_local",
    "local_name": "name_local", "chinese_name": "name_local", "邮箱": "email", "电子邮件": "email",
    "e_mail": "email", "单位": "organization", "organisation": "organization", "职务": "position",
    "title": "position", "类别": "category", "场次": "sessions", "session": "sessions", "语言": "language",
    "电话": "phone",
}


@dataclass
class ImportRow:
    line: int
    data: InvitationInput
    category: Category | None
    session_titles: list[str]
    #: checked answers to the event's questions, by question id (registration.questions.answers)
    answers: dict = field(default_factory=dict)


#: rows per INSERT statement of an import
IMPORT_PAGE = 1000

#: the prefix of a column that answers a question (its key or English label)
ANSWER = "answer:"


def _question_columns(event: Event) -> tuple[list, dict[str, str]]:
    """The event's asked questions, and header aliases naming their columns: the key, or the English
    label where it is not already a column of its own."""
    questions = [q for q in list_questions(event) if not q.hidden]
    aliases = {q.key: ANSWER + q.key for q in questions}
    taken = set(IMPORT_ALIASES) | set(IMPORT_ALIASES.values())
    for q in questions:
        label = q.label.strip().lower().replace(" ", "_")
        if label not in taken and label not in aliases:
            aliases[q.label] = ANSWER + q.key
    return questions, aliases


def _session_lookup(event: Event) -> dict[str, AgendaItem]:
    lookup = {}
    for item in db.session.scalars(select(AgendaItem).where(AgendaItem.event_id == event.id)):
        for key in (str(item.id), item.title, item.title_local):
            if key:
                lookup[key.strip().lower()] = item
    return lookup


def preview_import(event: Event, filename: str, data: bytes) -> list[ImportRow]:
    """Validate every row; raise ImportRejected listing all bad rows, or return the rows to import."""
    questions, answer_aliases = _question_columns(event)
    rows = read_rows(filename, data, aliases={**IMPORT_ALIASES, **answer_aliases})
    if not rows:
        raise ServiceError("empty_file", _("The file has no rows below its header."), field="file")
    categories = {c.code.lower(): c for c in db.session.scalars(select(Category).where(Category.event_id == event.id))}
    for c in list(categories.values()):
        categories.setdefault(c.label.lower(), c)
        if c.label_local:
            categories.setdefault(c.label_local, c)
    sessions = _session_lookup(event)
    invited = set(db.session.scalars(select(Person.email).join(Invitation, Invitation.person_id == Person.id)
                                     .where(Invitation.event_id == event.id)))
    seen: dict[str, int] = {}
    errors, good = [], []
    for row in rows:
        v = row.values
        problems = []
        name = v.get("name", "")
        if not name:
            problems.append(("name", _("Missing name.")))
        email = None
        try:
            email = normalise_email(v.get("email"))
        except ServiceError as error:
            problems.append(("email", error.message))
        if email:
            if email in seen:
                problems.append(("email", _("Duplicate of line %(line)d in this file.", line=seen[email])))
            elif email in invited:
                problems.append(("email", _("%(email)s is already invited.", email=email)))
            seen.setdefault(email, row.line)
        category = None
        if v.get("category"):
            category = categories.get(v["category"].lower()) or categories.get(v["category"])
            if category is None:
                problems.append(("category", _("Unknown category “%(code)s”.", code=v["category"])))
        items = []
        for part in [p.strip() for p in v.get("sessions", "").replace("；", ";").replace("|", ";").split(";")]:
            if not part:
                continue
            item = sessions.get(part.lower())
            if item is None:
                problems.append(("sessions", _("Unknown session “%(name)s”.", name=part)))
            else:
                items.append(item)
        language = (v.get("language") or "en").lower()
        language = {"english": "en", "chinese": "zh", "中文": "zh", "英文": "en", "zh-cn": "zh"}.get(language, language)
        if language not in ("en", "zh"):
            problems.append(("language", _("Language must be en or zh.")))
        raw_answers = {k.removeprefix(ANSWER): value for k, value in v.items() if k.startswith(ANSWER) and value}
        cleaned = {}
        try:  # the organizer may leave required answers for the guest to give
            cleaned = answer_service.check_answers(
                [q for q in questions if answer_service.shown_to(q, category)], raw_answers, by_guest=False)
        except answer_service.AnswersInvalid as error:
            problems.extend(error.named())
        details = None
        if not problems:  # the identity rules (lengths, one line), here where the line can be named
            try:
                details = check_details(PersonDetails(
                    name=name, email=email, name_local=v.get("name_local"), organization=v.get("organization"),
                    position=v.get("position"), phone=v.get("phone"), language=language))
            except ServiceError as error:
                problems.append((error.field, error.message))
        if problems:
            errors.extend(RowError(row.line, f, m) for f, m in problems)
            continue
        good.append(ImportRow(row.line, InvitationInput(details, category.code if category else None,
                                                        [i.id for i in items], v.get("message")),
                              category, [local(i, "title") for i in items], cleaned))
    if errors:
        raise ImportRejected(errors)
    return good


def import_invitations(event: Event, filename: str, data: bytes, *, invited_by_id: int | None,
                       send: bool = True) -> list[Invitation]:
    """All or nothing: any bad row raises ImportRejected and nothing is written."""
    rows = preview_import(event, filename, data)
    people = find_or_create_people(event, [r.data.details for r in rows])  # existing people keep their details
    values = [{"event_id": event.id, "person_id": people[row.data.details.email].id,
               "category_id": row.category.id if row.category else None, "language": row.data.details.language,
               "invited_by_id": invited_by_id, "message": row.data.message or None,
               "status": InvitationStatus.DRAFT} for row in rows]
    invitations = []
    for start in range(0, len(values), IMPORT_PAGE):  # one INSERT ... RETURNING per page, not one per row
        invitations.extend(db.session.scalars(insert(Invitation).returning(Invitation, sort_by_parameter_order=True),
                                              values[start:start + IMPORT_PAGE]))
    for row, invitation in zip(rows, invitations, strict=True):  # known already: no lazy load each
        set_committed_value(invitation, "event", event)
        set_committed_value(invitation, "person", people[row.data.details.email])
        set_committed_value(invitation, "category", row.category)
    chosen = [{"invitation_id": invitation.id, "agenda_item_id": session_id}
              for row, invitation in zip(rows, invitations, strict=True) for session_id in row.data.session_ids]
    for start in range(0, len(chosen), IMPORT_PAGE):
        db.session.execute(insert(invitation_sessions), chosen[start:start + IMPORT_PAGE])
    record("invitation.imported", event_id=event.id, count=len(invitations), filename=filename)
    if send:
        send_invitations(invitations)
    db.session.flush()
    answer_service.store_many(event.id, {invitation.person_id: row.answers
                                         for row, invitation in zip(rows, invitations, strict=True)})
    return invitations


def registration_status_label(status: RegistrationStatus) -> str:
    return {RegistrationStatus.PENDING: _("Pending approval"), RegistrationStatus.CONFIRMED: _("Confirmed"),
            RegistrationStatus.WAITLISTED: _("Waitlisted"), RegistrationStatus.CANCELLED: _("Cancelled"),
            RegistrationStatus.REJECTED: _("Rejected")}[status]
