"""The world the access matrix asks about: two published events, A and B, and a draft of A's organizer.

Each event has its staff, its organizer and a guest with a portal link; event A also has one of
everything a route can name (room, session, speech with slides, participation, category,
invitation, registration, walk-in, check-in, award program, presented award, badge print job),
so that every route is reached with real ids of event A. There is also an event creator (no
role anywhere) and an administrator.

``World.value(name)`` answers a path or query parameter by name; ``World.fresh(name, actor)``
makes a new object of event A for one write, so that no write depends on what another did.
"""

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from werkzeug.security import generate_password_hash

from eventsvc.accounts.models import EventRoleKind, User
from eventsvc.accounts.service import create_api_token, create_user, grant_role
from eventsvc.awards import attendance
from eventsvc.awards import batches as certificate_batches
from eventsvc.awards import service as awards
from eventsvc.badges import jobs as badge_jobs
from eventsvc.badges.layout import SINGLE
from eventsvc.badges.service import BadgeSelection
from eventsvc.checkin import service as checkin
from eventsvc.core import storage
from eventsvc.events.enums import (
    EventStatus,
    ParticipationRole,
    RegistrationMode,
    SessionKind,
    SpeechStatus,
)
from eventsvc.events.models import AgendaItem, Event, Participation, SpeechRecord
from eventsvc.events.service import add_room
from eventsvc.events.slides import slides_key
from eventsvc.extensions import db
from eventsvc.people.identity import PersonDetails, add_person, find_or_create_organization
from eventsvc.people.models import Person
from eventsvc.people.photos import photo_key
from eventsvc.registration import import_jobs, lifecycle
from eventsvc.registration.categories import create_category
from eventsvc.registration.enums import RegistrationSource
from eventsvc.registration.invitations import InvitationInput, create_invitation, send_invitation
from eventsvc.registration.links import issue_link
from eventsvc.registration.models import Registration
from eventsvc.registration.questions.service import QuestionInput, create_question
from eventsvc.registration.self_registration import self_register
from eventsvc.registration.transitions import Actor

#: the slugs of the three events
EVENT_A, EVENT_B, DRAFT_OF_A = "alpha-forum", "beta-forum", "alpha-next"
PASSWORD = "matrix-password-1"
#: a link no guest holds: what an actor without a portal link of their own sends to /g/<token>
UNKNOWN_LINK = "no-such-guest-link-" + "x" * 24
DAY = date(2031, 6, 5)
START = datetime(2031, 6, 5, 1, 0, tzinfo=UTC)

#: signed-in actors and how their account is made: (is_admin, {event slug: role})
ACCOUNTS = {
    "staff_a": (False, {EVENT_A: EventRoleKind.STAFF}),
    "organizer_a": (False, {EVENT_A: EventRoleKind.ORGANIZER, DRAFT_OF_A: EventRoleKind.ORGANIZER}),
    "staff_b": (False, {EVENT_B: EventRoleKind.STAFF}),
    "organizer_b": (False, {EVENT_B: EventRoleKind.ORGANIZER}),
    "creator": (False, {}),
    "admin": (True, {}),
}


def email_of(actor: str) -> str:
    return f"{actor.replace('_', '-')}@matrix.example"


def _make_event_creator(user: User) -> None:
    """Issue 11 item 2 adds the site-level permission to create events (``User.can_create_events``).
    Until it lands, the event creator is a signed-in user with no role anywhere; then this sets it."""
    if hasattr(User, "can_create_events"):
        user.can_create_events = True


@dataclass
class World:
    app: Flask
    #: parameter name → value, for event A unless the name says otherwise
    values: dict = field(default_factory=dict)
    #: actor → the portal link they hold (guests only)
    links: dict = field(default_factory=dict)
    #: actor → API bearer token (signed-in actors only)
    bearer: dict = field(default_factory=dict)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def value(self, name: str):
        if name not in self.values:
            raise LookupError(f"the access matrix has no value for the parameter <{name}>: "
                              f"add it to tests/support/access_world.py")
        return self.values[name]

    def link_of(self, actor: str) -> str:
        return self.links.get(actor, UNKNOWN_LINK)

    # --- fresh objects of event A, one per write ----------------------------------------------

    def fresh(self, name: str, actor: str):
        """A new object of event A for ``name`` (or the actor's own new guest link), else the usual value."""
        maker = FRESH.get(name)
        if maker is None:
            return self.value(name) if name != "token" else self.link_of(actor)
        with self.app.app_context():
            event = db.session.scalar(db.select(Event).where(Event.slug == EVENT_A))
            made = maker(self, event, actor, next(self._serial))
            db.session.commit()
            return made


# --- building it --------------------------------------------------------------------------------

def build_world(app: Flask) -> World:
    world = World(app)
    with app.app_context():
        events = {slug: _event(slug, status) for slug, status in (
            (EVENT_A, EventStatus.PUBLISHED), (EVENT_B, EventStatus.PUBLISHED), (DRAFT_OF_A, EventStatus.DRAFT))}
        users = {actor: _account(actor, admin, {events[s]: r for s, r in roles.items()})
                 for actor, (admin, roles) in ACCOUNTS.items()}
        _make_event_creator(users["creator"])
        a = events[EVENT_A]
        v = world.values
        v.update(slug=EVENT_A, draft_slug=DRAFT_OF_A, fmt="csv", kind="png", status="published", language="en",
                 invitation_action="resend", registration_action="confirm", gate="entrance",
                 unknown_link=UNKNOWN_LINK)

        # the agenda: a room, a plenary with a speaker who gave a speech with slides
        room = add_room(a, name="Hall A")
        speaker = _person(a, "Speaker Alpha", "speaker-alpha@matrix.example")
        item = _session(a, "Plenary", room=room)
        part = Participation(agenda_item=item, person=speaker, role=ParticipationRole.SPEAKER)
        db.session.add(part)
        speech = _speech(item, speaker, slides=True)
        v["photo_name"] = _photo(speaker)
        category = create_category(a, code="guest", label="Guest", color="#2b6cb0")
        question = create_question(a, QuestionInput(kind="short_text", label="Arrival flight"))
        _agenda_of_draft(events[DRAFT_OF_A], v)

        # guest A: invited and accepted, checked in; guest B: registered at B from the public form
        token_a, invitation, registration = _invited_guest(a, "Guest Alpha", "guest-alpha@matrix.example",
                                                           organization="Alpha Works")
        world.links["guest_a"] = token_a
        world.links["guest_b"] = _self_registered_guest(events[EVENT_B], "Guest Beta", "guest-beta@matrix.example")
        a.allow_walk_ins = True
        walk_in = checkin.register_walk_in(a, users["staff_a"], name="Walk-in Alpha")

        # awards: a program and a certificate presented to guest A
        program = awards.create_program(a, awards.ProgramData(kind="certificate", name="Alpha Certificates",
                                                              number_prefix="ALPHA"))
        award = awards.mark_presented(awards.create_award(program, awards.AwardData(
            recipient_person_id=registration.person_id, issue_date=DAY)))
        org_award = awards.create_award(program, awards.AwardData(
            recipient_organization_id=registration.person.organization_id, issue_date=DAY))
        db.session.commit()
        answer = checkin.record_scan(EVENT_A, users["staff_a"], checkin.ScanInput(
            gate="entrance", nonce=uuid.uuid4().hex, registration_id=registration.id))

        v.update(room_id=room.id, item_id=item.id, speech_id=speech.id, part_id=part.id,
                 category_id=category.id, question_id=question.id, invitation_id=invitation.id, registration_id=registration.id,
                 walk_in_registration_id=walk_in.id, checkin_id=answer.checkin_id, program_id=program.id,
                 award_id=award.id, org_award_id=org_award.id, certificate_number=award.certificate_number,
                 verification_code=award.verification_code, person_id=registration.person_id,
                 speaker_id=speaker.id, org_id=registration.person.organization_id,
                 directory_person_id=_person(None, "Directory Person", "directory@matrix.example").id,
                 directory_org_id=find_or_create_organization(None, "Directory Organization").id,
                 member_id=_team_member(a, "member-0@matrix.example"), user_id=users["staff_a"].id,
                 message_id=_failed_message(a, 0), reminder_id=_reminder(a, 0))
        for actor, user in users.items():
            world.bearer[actor] = create_api_token(user, "access matrix")[1]
        db.session.commit()
        # the jobs run at once here (TASKS_EAGER): their PDFs exist when the matrix asks
        v["job_id"] = badge_jobs.create(event=a, user_id=users["organizer_a"].id, layout=SINGLE,
                                        selection=BadgeSelection()).id
        v["certificate_job_id"] = certificate_batches.create(
            event=a, program=program, user_id=users["organizer_a"].id).id
        upload = b"name,email\nMatrix Import Guest,matrix-import@matrix.example\n"
        storage.save("imports/access-matrix.csv", upload)
        v["import_job_id"] = import_jobs.start_check(a, upload_key="imports/access-matrix.csv",
                                                     filename="guests.csv", rows=1,
                                                     user_id=users["organizer_a"].id).id
        v["endpoint_id"] = _webhook_endpoint(a, 0)
        v["station_id"] = _print_station(a, 0)
        # certificates of attendance: a whole-event rule and guest A's certificate under it
        rule = attendance.create_rule(a, attendance.RuleData(None, None, "ALPHAATT"))
        v["attendance_rule_id"] = rule.id
        v["attendance_certificate_id"] = attendance.issue(rule, {registration.id: None})[0].id
        db.session.commit()
    return world


def _event(slug: str, status: EventStatus) -> Event:
    event = Event(slug=slug, title=slug.replace("-", " ").title(), start_date=DAY, end_date=DAY, timezone="UTC",
                  status=status, registration_mode=RegistrationMode.OPEN, capacity=100)
    db.session.add(event)
    db.session.flush()
    return event


def _account(actor: str, admin: bool, roles: dict) -> User:
    user = create_user(email_of(actor), PASSWORD, name=actor.replace("_", " ").title(), is_admin=admin)
    # The matrix signs in once per actor and test; a one-round hash keeps that from costing seconds.
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    for event, role in roles.items():
        grant_role(user, event, role)
    return user


def _person(event: Event | None, name: str, email: str | None = None, organization: str | None = None):
    return add_person(event, PersonDetails(name=name, email=email, organization=organization))


def _session(event: Event, title: str, *, room=None, hours_later: int = 0) -> AgendaItem:
    item = AgendaItem(event_id=event.id, kind=SessionKind.PLENARY, title=title, room=room,
                      starts_at=START + timedelta(hours=hours_later),
                      ends_at=START + timedelta(hours=hours_later, minutes=45))
    db.session.add(item)
    db.session.flush()
    return item


def _speech(item: AgendaItem, speaker, *, slides: bool = False) -> SpeechRecord:
    speech = SpeechRecord(agenda_item=item, speaker=speaker, title=f"A talk at {item.title}",
                          status=SpeechStatus.DELIVERED)
    if slides:
        speech.slides_path, speech.slides_filename = f"{uuid.uuid4().hex}.pdf", "talk.pdf"
        storage.save(slides_key(speech.slides_path), b"%PDF-1.4\n%%EOF\n")
    db.session.add(speech)
    db.session.flush()
    return speech


def _agenda_of_draft(draft: Event, values: dict) -> None:
    """The draft's own session, speaker and speech, so its public routes are reached by its team."""
    speaker = _person(draft, "Speaker Next", "speaker-next@matrix.example")
    item = _session(draft, "Next Plenary")
    part = Participation(agenda_item=item, person=speaker, role=ParticipationRole.SPEAKER)
    db.session.add(part)
    speech = _speech(item, speaker, slides=True)
    values.update(draft_item_id=item.id, draft_speech_id=speech.id, draft_speaker_id=speaker.id,
                  draft_part_id=part.id, draft_photo_name=_photo(speaker))


def _photo(person) -> str:
    """A stored photo for the person; its file name (the photo route's last part)."""
    db.session.flush()
    person.photo_path = f"{person.id}-{uuid.uuid4().hex[:16]}.jpg"
    storage.save(photo_key(person.photo_path), b"\xff\xd8\xff\xe0 a photo \xff\xd9")
    return person.photo_path


def _invited_guest(event: Event, name: str, email: str, organization: str | None = None):
    invitation = create_invitation(event, InvitationInput(PersonDetails(
        name=name, email=email, organization=organization)), invited_by_id=None, send=False)
    token = send_invitation(invitation)
    registration = lifecycle.accept_invitation(invitation).registration
    db.session.flush()
    return token, invitation, registration


def _self_registered_guest(event: Event, name: str, email: str) -> str:
    self_register(event, PersonDetails(name=name, email=email))  # the link goes only to the address
    registration = db.session.scalars(db.select(Registration).where(Registration.event_id == event.id)
                                      .join(Registration.person).where(Person.email == email)).one()
    return issue_link(registration)


# --- one new object per write -------------------------------------------------------------------

def _fresh_link(world: World, event: Event, actor: str, n: int) -> str:
    """A guest's write acts on a new guest of their own event; others hold no link."""
    if actor == "guest_a":
        return _invited_guest(event, f"Guest Alpha {n}", f"guest-alpha-{n}@matrix.example")[0]
    if actor == "guest_b":
        other = db.session.scalar(db.select(Event).where(Event.slug == EVENT_B))
        return _self_registered_guest(other, f"Guest Beta {n}", f"guest-beta-{n}@matrix.example")
    return UNKNOWN_LINK


def _fresh_registration(world, event, actor, n):
    person = _person(event, f"Registered {n}", f"registered-{n}@matrix.example")
    registration = lifecycle.register(event, person, source=RegistrationSource.IMPORT, actor=Actor.ORGANIZER,
                                      notify=False)
    db.session.flush()
    return registration.id


def _fresh_invitation(world, event, actor, n):
    invitation = create_invitation(event, InvitationInput(PersonDetails(
        name=f"Invited {n}", email=f"invited-{n}@matrix.example")), invited_by_id=None, send=False)
    send_invitation(invitation)
    return invitation.id


def _fresh_session(world, event, actor, n):
    return _session(event, f"Session {n}", hours_later=2 + n).id


def _fresh_participation(world, event, actor, n):
    item, person = _session(event, f"Session {n}", hours_later=2 + n), _person(event, f"Panelist {n}")
    part = Participation(agenda_item=item, person=person, role=ParticipationRole.PANELIST)
    db.session.add(part)
    db.session.flush()
    return part.id


def _fresh_award(world, event, actor, n):
    program = awards.program_of(event, world.value("program_id"))
    person = _person(event, f"Recipient {n}")
    return awards.create_award(program, awards.AwardData(recipient_person_id=person.id, issue_date=DAY)).id


def _fresh_checkin(world, event, actor, n):
    staff = db.session.scalar(db.select(User).where(User.email == email_of("staff_a")))
    db.session.commit()
    return checkin.record_scan(EVENT_A, staff, checkin.ScanInput(
        gate="entrance", nonce=uuid.uuid4().hex, registration_id=_fresh_registration(world, event, actor, n)),
    ).checkin_id


def _fresh_attendance_certificate(world, event, actor, n):
    """A certificate of a new guest under the world's attendance rule (the one the revoke route names)."""
    rule = attendance.rule_of(event, world.value("attendance_rule_id"))
    return attendance.issue(rule, {_fresh_registration(world, event, actor, n): None})[0].id


def _failed_message(event: Event, n: int) -> int:
    """A message of the event's outbox that failed (the one a resend acts on)."""
    from eventsvc.mail.models import MessageStatus
    from eventsvc.mail.service import add_to_outbox

    message = add_to_outbox(kind="invitation", to_address=f"failed-{n}@matrix.example", to_name=None,
                            language="en", event_id=event.id, subject="Invitation", body="Hello", html=None)
    message.status, message.last_error = MessageStatus.FAILED, "550 no such user"
    db.session.flush()
    return message.id


def _reminder(event: Event, n: int) -> int:
    from eventsvc.registration.reminders import add_reminder

    return add_reminder(event, "confirmed", n + 1, "hours").id


def _webhook_endpoint(event: Event, n: int) -> int:
    """A webhook endpoint of the event; its deliveries find nobody listening (port 9)."""
    from eventsvc.webhooks.service import create_endpoint

    return create_endpoint(event.id, f"http://127.0.0.1:9/matrix-{n}", ["checkin.recorded"])[0].id


def _print_station(event: Event, n: int) -> int:
    """A print station of the event (its browser prints the labels)."""
    from eventsvc.badges.layout import LABEL_100X75
    from eventsvc.badges.stations import save_station

    return save_station(event, name=f"Matrix desk {n}", layout=LABEL_100X75).id


def _team_member(event: Event, email: str) -> int:
    """A staff member of the event's team (the EventRole the team page acts on)."""
    user = create_user(email, "matrix-password-1", name=email.split("@")[0])
    member = grant_role(user, event, EventRoleKind.STAFF)
    db.session.flush()
    return member.id


def _new_user_id(email: str) -> int:
    user = create_user(email, "matrix-password-1", name=email.split("@")[0])
    db.session.flush()
    return user.id


FRESH = {
    "directory_person_id": lambda w, e, a, n: _person(None, f"Directory {n}", f"directory-{n}@matrix.example").id,
    "directory_org_id": lambda w, e, a, n: find_or_create_organization(None, f"Directory Organization {n}").id,
    "member_id": lambda w, e, a, n: _team_member(e, f"member-{n}@matrix.example"),
    "user_id": lambda w, e, a, n: _new_user_id(f"user-{n}@matrix.example"),
    "message_id": lambda w, e, a, n: _failed_message(e, n),
    "reminder_id": lambda w, e, a, n: _reminder(e, n),
    "endpoint_id": lambda w, e, a, n: _webhook_endpoint(e, n),
    "station_id": lambda w, e, a, n: _print_station(e, n + 1),
    "token": _fresh_link,
    "registration_id": _fresh_registration,
    "invitation_id": _fresh_invitation,
    "item_id": _fresh_session,
    "speech_id": lambda w, e, a, n: _speech(
        db.session.get(AgendaItem, _fresh_session(w, e, a, n)), _person(e, f"Speaker {n}")).id,
    "part_id": _fresh_participation,
    "room_id": lambda w, e, a, n: add_room(e, name=f"Room {n}").id,
    "category_id": lambda w, e, a, n: create_category(e, code=f"c{n}", label=f"Category {n}").id,
    "question_id": lambda w, e, a, n: create_question(e, QuestionInput(kind="short_text", label=f"Question {n}")).id,
    "program_id": lambda w, e, a, n: awards.create_program(e, awards.ProgramData(
        kind="certificate", name=f"Program {n}", number_prefix=f"P{n:03d}")).id,
    "award_id": _fresh_award,
    "attendance_certificate_id": _fresh_attendance_certificate,
    "checkin_id": _fresh_checkin,
    "person_id": lambda w, e, a, n: _person(e, f"Person {n}", f"person-{n}@matrix.example").id,
    "org_id": lambda w, e, a, n: find_or_create_organization(e, f"Organization {n}").id,
}
