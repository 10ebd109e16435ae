"""The SPEC worked example: the China EV 100 Forum 2023, Beijing, 31 March 2023.

Real people named in SPEC keep only their Latin names (no invented characters);
every guest and enterprise here is fictional. Loading twice changes nothing:
the loader stops as soon as it finds the forum.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from eventsvc.accounts.models import EventRoleKind, User
from eventsvc.accounts.service import create_user, grant_role
from eventsvc.awards.enums import AwardProgramKind, AwardStatus
from eventsvc.awards.models import Award, AwardProgram
from eventsvc.core.tokens import hash_token, new_token
from eventsvc.core.types import utcnow
from eventsvc.demo.people_names import GIVEN_NAMES, ORGANIZATIONS, POSITIONS, SURNAMES
from eventsvc.events.enums import (
    EventKind,
    EventStatus,
    ParticipationRole,
    RegistrationMode,
    SessionKind,
    SpeechStatus,
)
from eventsvc.events.models import AgendaItem, Event, Participation, Room, SpeechRecord
from eventsvc.extensions import db
from eventsvc.people.models import Organization, OrganizationKind, Person
from eventsvc.registration.enums import (
    InvitationStatus,
    RegistrationSource,
    RegistrationStatus,
    SeatStatus,
)
from eventsvc.registration.models import Category, Invitation, Registration, SessionSeat

SLUG = "ev100-2023"
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2023, 3, 31)
ORGANIZER_EMAIL, ORGANIZER_PASSWORD = "organizer@ev100.example", "organizer-demo-2023"
STAFF_EMAIL, STAFF_PASSWORD = "staff@ev100.example", "staff-demo-2023"
GUEST_COUNT = 200

CATEGORIES = [
    # code, label, label_local, colour, is_vip
    ("vip", "VIP", "贵宾", "#c53030", True),
    ("speaker", "Speaker", "演讲嘉宾", "#6b46c1", False),
    ("guest", "Guest", "嘉宾", "#2b6cb0", False),
    ("press", "Press", "媒体", "#dd6b20", False),
    ("staff", "Staff", "工作人员", "#4a5568", False),
]


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def load_demo() -> tuple[Event, bool]:
    """Returns the forum and whether it was created now."""
    existing = db.session.scalar(select(Event).where(Event.slug == SLUG))
    if existing is not None:
        return existing, False

    event = Event(
        slug=SLUG,
        title="China Electric Vehicle 100 Forum 2023",
        title_local="中国电动汽车百人会论坛（2023）",
        kind=EventKind.FORUM,
        description="The annual forum on the electric vehicle industry: policy, technology and the market.",
        description_local="电动汽车产业年度论坛：政策、技术与市场。",
        venue="Diaoyutai State Guesthouse", venue_local="钓鱼台国宾馆",
        city="Beijing", city_local="北京",
        start_date=DAY, end_date=DAY, timezone="Asia/Shanghai",
        status=EventStatus.PUBLISHED, registration_mode=RegistrationMode.INVITATION,
        capacity=600, confirmed_count=0, allow_walk_ins=True,
    )
    db.session.add(event)
    db.session.flush()
    orgs = _organizations(event)  # the forum's own, like its people (people.models)
    main_hall = Room(event=event, name="Main Hall", name_local="主会场", capacity=600, position=0)
    seminar_room = Room(event=event, name="Seminar Room A", name_local="第一研讨室", capacity=60, position=1)
    council_room = Room(event=event, name="Council Room", name_local="理事会议室", capacity=40, position=2)
    categories = {code: Category(event=event, code=code, label=label, label_local=local, color=color,
                                 is_vip=vip, position=i)
                  for i, (code, label, local, color, vip) in enumerate(CATEGORIES)}
    db.session.add_all([main_hall, seminar_room, council_room, *categories.values()])

    director = Person(
        event_id=event.id, name="Xie Zhaoxu", position="Party Secretary and Director",
        position_local="党委书记、主任", organization=orgs["CQC"], language="zh",
        bio="Director of the China Quality Certification Centre.", bio_local="中国质量认证中心主任。")
    deputy = Person(
        event_id=event.id, name="Zhang Hua", name_local="张华", position="Deputy Director (fictional stand-in)",
        position_local="副主任（虚构）", organization=orgs["CQC"], language="zh",
        bio="A fictional stand-in for the CQC deputy director in the SPEC example.",
        bio_local="SPEC 示例中中国质量认证中心副主任的虚构替身。")
    host = Person(event_id=event.id, name="Lin Xiaoyu", name_local="林晓雨", position="Forum host", position_local="论坛主持人",
                  organization=orgs["EV100"], language="zh")
    db.session.add_all([director, deputy, host])

    plenary = AgendaItem(
        event=event, kind=SessionKind.PLENARY, room=main_hall,
        title="Opening Plenary", title_local="开幕全体大会",
        starts_at=at(9), ends_at=at(10, 30))
    launch = AgendaItem(
        event=event, kind=SessionKind.LAUNCHING_CEREMONY, room=main_hall,
        title="Launching Ceremony of the High Quality Charging Action — Shining 100 Stations Plan",
        title_local="高质量充电行动——闪耀百站计划启动仪式",
        starts_at=at(10, 45), ends_at=at(11, 30))
    lunch = AgendaItem(event=event, kind=SessionKind.BREAK, room=main_hall, title="Lunch", title_local="午餐",
                       starts_at=at(12), ends_at=at(13, 30))
    seminar = AgendaItem(
        event=event, kind=SessionKind.SEMINAR, room=seminar_room,
        title="Exclusive Seminar on the Scenario and Policy of China's Automobile Industry",
        title_local="中国汽车产业发展情景与政策闭门研讨会",
        starts_at=at(13, 30), ends_at=at(15, 30), capacity=60, requires_registration=True)
    council = AgendaItem(
        event=event, kind=SessionKind.COUNCIL_MEETING, room=council_room,
        title="Council Meeting of the Forum", title_local="论坛理事会会议",
        starts_at=at(16), ends_at=at(17, 30), capacity=40, is_closed=True)
    db.session.add_all([plenary, launch, lunch, seminar, council])

    db.session.add_all([
        Participation(agenda_item=plenary, person=host, role=ParticipationRole.HOST, position=0),
        Participation(agenda_item=plenary, person=director, role=ParticipationRole.SPEAKER, position=1),
        Participation(agenda_item=launch, person=director, role=ParticipationRole.PRESENTER, position=0),
        Participation(agenda_item=seminar, person=deputy, role=ParticipationRole.GUEST_OF_HONOUR, position=0),
        Participation(agenda_item=council, person=deputy, role=ParticipationRole.SPEAKER, position=0),
    ])
    db.session.add_all([
        SpeechRecord(
            agenda_item=plenary, speaker=director, position=0, language="zh",
            title="Testing and Certification Boosts the High-quality Development of Automobile Industry",
            title_local="检测认证助力汽车产业高质量发展",
            abstract="How testing and certification support quality, safety and trust in new energy vehicles.",
            abstract_local="检测认证如何支撑新能源汽车的质量、安全与信任。",
            planned_start=at(9, 20), planned_end=at(9, 40), status=SpeechStatus.DELIVERED,
            summary="The director described the role of testing and certification in the industry's "
                    "move from scale to quality, and the centre's work on charging infrastructure.",
            summary_local="主任介绍了检测认证在汽车产业由规模向质量转变中的作用，以及中心在充电基础设施方面的工作。"),
        SpeechRecord(
            agenda_item=council, speaker=deputy, position=0, language="zh",
            title="Certification Services for the Next Stage of the EV Industry",
            title_local="面向电动汽车产业新阶段的认证服务",
            planned_start=at(16, 10), planned_end=at(16, 30), status=SpeechStatus.PLANNED),
    ])

    program = AwardProgram(
        event=event, kind=AwardProgramKind.LICENSE,
        name="High Quality Charging Action — Shining 100 Stations Plan",
        name_local="高质量充电行动——闪耀百站计划",
        description="Licenses for charging stations that meet the plan's quality requirements.",
        issuer=orgs["CQC"], number_prefix="SH100", number_digits=4, validity_months=60)
    db.session.add(program)
    enterprises = [orgs[s] for s in ("JHCT", "XYPG", "LNCN", "PCCS", "HXNEV")]
    for i, org in enumerate(enterprises, start=1):
        db.session.add(Award(
            program=program, recipient_organization=org, presenter=director, agenda_item=launch,
            position=i, certificate_number=f"SH100-2023-{i:04d}", verification_code=new_token(),
            citation="Qualified under the Shining 100 Stations Plan.",
            citation_local="符合闪耀百站计划要求。",
            issue_date=DAY, valid_until=DAY.replace(year=DAY.year + 5) - timedelta(days=1),
            status=AwardStatus.PLANNED))
    program.next_sequence = len(enterprises) + 1

    _guests(event, orgs, categories, seminar, council, director, deputy)
    _users(event)
    db.session.commit()
    return event, True


def _organizations(event: Event) -> dict[str, Organization]:
    orgs = {
        "CQC": Organization(event_id=event.id, name="China Quality Certification Centre", name_local="中国质量认证中心",
                            short_name="CQC", kind=OrganizationKind.CERTIFICATION_BODY),
        "EV100": Organization(event_id=event.id, name="China EV 100", name_local="中国电动汽车百人会",
                              short_name="EV100", kind=OrganizationKind.ASSOCIATION),
    }
    for name, local, short, kind in ORGANIZATIONS:
        orgs[short] = Organization(event_id=event.id, name=name, name_local=local, short_name=short,
                                   kind=OrganizationKind(kind))
    db.session.add_all(orgs.values())
    return orgs


def _guests(event, orgs, categories, seminar, council, director, deputy) -> None:
    rng = random.Random(2023)
    fictional_orgs = [o for key, o in orgs.items() if key not in ("CQC",)]
    now = utcnow()
    seminar_taken = 0
    for i in range(GUEST_COUNT):
        surname, surname_zh = SURNAMES[i % len(SURNAMES)]
        given, given_zh = GIVEN_NAMES[(i * 7 + i // len(SURNAMES)) % len(GIVEN_NAMES)]
        org = fictional_orgs[rng.randrange(len(fictional_orgs))]
        position, position_zh = POSITIONS[rng.randrange(len(POSITIONS))]
        code = ("vip" if i < 15 else "speaker" if i < 25 else "press" if org.kind == OrganizationKind.MEDIA
                else "staff" if i >= GUEST_COUNT - 8 else "guest")
        person = Person(
            event_id=event.id, name=f"{surname} {given}", name_local=f"{surname_zh}{given_zh}", position=position,
            position_local=position_zh, organization=org, email=f"guest{i + 1:03d}@guests.example",
            phone=f"+86 138 0000 {i + 1:04d}", language="zh" if i % 3 else "en")
        # Most accepted; some have not answered; a few declined or cancelled.
        answer = "accepted" if i < 170 else "sent" if i < 188 else "declined" if i < 195 else "cancelled"
        invitation = Invitation(
            event=event, person=person, category=categories[code], language=person.language,
            token_hash=hash_token(new_token()), token_expires_at=now + timedelta(days=365),
            status=InvitationStatus.ACCEPTED if answer in ("accepted", "cancelled") else InvitationStatus(answer),
            sent_at=now, responded_at=now if answer != "sent" else None,
            decline_reason="Schedule conflict." if answer == "declined" else None)
        if i < 12:
            invitation.sessions.append(council)
        db.session.add_all([person, invitation])
        if answer not in ("accepted", "cancelled"):
            continue
        confirmed = answer == "accepted"
        registration = Registration(
            event=event, person=person, category=categories[code], invitation=invitation,
            source=RegistrationSource.INVITATION, language=person.language,
            status=RegistrationStatus.CONFIRMED if confirmed else RegistrationStatus.CANCELLED,
            confirmed_at=now if confirmed else None, cancelled_at=None if confirmed else now)
        db.session.add(registration)
        if confirmed:
            event.confirmed_count += 1
            if i % 4 == 0 and seminar_taken < 40:
                registration.seats.append(SessionSeat(agenda_item=seminar, status=SeatStatus.CONFIRMED))
                seminar_taken += 1
    seminar.seats_taken = seminar_taken
    for person in (director, deputy):
        db.session.add(Registration(
            event=event, person=person, category=categories["vip"], source=RegistrationSource.IMPORT,
            status=RegistrationStatus.CONFIRMED, confirmed_at=now, language="zh"))
        event.confirmed_count += 1


def _users(event: Event) -> None:
    for email, password, name, role in (
        (ORGANIZER_EMAIL, ORGANIZER_PASSWORD, "Forum Organizer", EventRoleKind.ORGANIZER),
        (STAFF_EMAIL, STAFF_PASSWORD, "Door Staff", EventRoleKind.STAFF),
    ):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            # the organizer may create the next forums; door staff may not
            user = create_user(email, password, name=name, can_create_events=role == EventRoleKind.ORGANIZER)
        grant_role(user, event, role)
