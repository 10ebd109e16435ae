"""Migration 0004 gives every person and organization to the event that uses it, and loses nothing.

The demo forum is loaded, the database taken back to revision 0003 (people shared by every
event), and a second event is written there by hand that shares the forum's director, guests,
certification body and an enterprise; then the migration runs. Runs on SQLite and PostgreSQL
(whichever the suite runs on).
"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from eventsvc import PROJECT_ROOT
from eventsvc.demo import loader
from eventsvc.extensions import db
from tests.people.rows import cross_event_references, insert_row

MIGRATIONS = str(PROJECT_ROOT / "migrations")
PER_EVENT = {
    "invitations": "SELECT event_id, count(*) FROM invitations GROUP BY event_id",
    "registrations": "SELECT event_id, count(*) FROM registrations GROUP BY event_id",
    "confirmed": "SELECT event_id, count(*) FROM registrations WHERE status = 'confirmed' GROUP BY event_id",
    "checkins": "SELECT event_id, count(*) FROM checkins GROUP BY event_id",
    "awards": "SELECT p.event_id, count(*) FROM awards a JOIN award_programs p ON p.id = a.program_id "
              "GROUP BY p.event_id",
    "participations": "SELECT i.event_id, count(*) FROM participations x JOIN agenda_items i "
                      "ON i.id = x.agenda_item_id GROUP BY i.event_id",
    "speeches": "SELECT i.event_id, count(*) FROM speech_records x JOIN agenda_items i "
                "ON i.id = x.agenda_item_id GROUP BY i.event_id",
}
#: who each event's rows name, by address or name: the same before and after
NAMED = {
    "guests": "SELECT r.event_id, coalesce(p.email, p.name), o.name FROM registrations r "
              "JOIN people p ON p.id = r.person_id LEFT JOIN organizations o ON o.id = p.organization_id",
    "stage": "SELECT i.event_id, p.name, x.role FROM participations x JOIN agenda_items i "
             "ON i.id = x.agenda_item_id JOIN people p ON p.id = x.person_id",
    "awards": "SELECT a.certificate_number, o.name, p.name, s.name, i.name FROM awards a "
              "JOIN award_programs g ON g.id = a.program_id LEFT JOIN organizations o ON o.id = a.recipient_organization_id "
              "LEFT JOIN people p ON p.id = a.recipient_person_id LEFT JOIN people s ON s.id = a.presenter_id "
              "LEFT JOIN organizations i ON i.id = g.issuer_id",
}


def _snapshot(conn) -> dict:
    counts = {name: dict(conn.execute(sa.text(sql)).all()) for name, sql in PER_EVENT.items()}
    named = {name: sorted(map(tuple, conn.execute(sa.text(sql)).all())) for name, sql in NAMED.items()}
    return {"counts": counts, "named": named}


def _scalar(conn, sql, **params):
    return conn.execute(sa.text(sql), params).scalar()


def _second_edition_sharing_people(conn) -> dict:
    """At revision 0003: a second event whose rows name the forum's people and organizations."""
    forum = _scalar(conn, "SELECT id FROM events WHERE slug = :slug", slug=loader.SLUG)
    person = {name: _scalar(conn, "SELECT id FROM people WHERE name = :n", n=name)
              for name in ("Xie Zhaoxu", "Lin Xiaoyu")}
    guests = conn.execute(sa.text("SELECT id FROM people WHERE email LIKE 'guest00%' ORDER BY email")).scalars().all()
    cqc = _scalar(conn, "SELECT id FROM organizations WHERE short_name = 'CQC'")
    enterprise = _scalar(conn, "SELECT recipient_organization_id FROM awards ORDER BY id LIMIT 1")
    event = insert_row(conn, "events", slug="ev100-2024", title="EV100 Forum 2024", start_date=date(2024, 3, 29),
                       end_date=date(2024, 3, 29), timezone="Asia/Shanghai", status="published")
    vip = insert_row(conn, "categories", event_id=event, code="vip", label="VIP")
    item = insert_row(conn, "agenda_items", event_id=event, kind="plenary", title="Opening",
                      starts_at=datetime(2024, 3, 29, 1, tzinfo=UTC), ends_at=datetime(2024, 3, 29, 2, tzinfo=UTC))
    insert_row(conn, "participations", agenda_item_id=item, person_id=person["Xie Zhaoxu"], role="speaker")
    insert_row(conn, "participations", agenda_item_id=item, person_id=person["Lin Xiaoyu"], role="host",
               position=1)
    insert_row(conn, "speech_records", agenda_item_id=item, speaker_id=person["Xie Zhaoxu"], title="A year on")
    for n, guest in enumerate(guests):
        invitation = insert_row(conn, "invitations", event_id=event, person_id=guest, category_id=vip,
                                status="accepted")
        registration = insert_row(conn, "registrations", event_id=event, person_id=guest, category_id=vip,
                                  invitation_id=invitation, status="confirmed", source="invitation")
        if n < 3:
            insert_row(conn, "checkins", event_id=event, registration_id=registration, gate="entrance",
                       result="ok", nonce=f"nonce-{n}")
    newcomer_org = insert_row(conn, "organizations", name="Newcomer Lab")
    newcomer = insert_row(conn, "people", name="New Comer", email="new@example.org", organization_id=newcomer_org)
    insert_row(conn, "registrations", event_id=event, person_id=newcomer, status="confirmed", source="walk_in")
    program = insert_row(conn, "award_programs", event_id=event, kind="license", name="Stations 2024",
                         number_prefix="ST24", issuer_id=cqc)
    insert_row(conn, "awards", program_id=program, recipient_organization_id=enterprise,
               recipient_person_id=guests[0], presenter_id=person["Xie Zhaoxu"], agenda_item_id=item,
               certificate_number="ST24-2024-0001", verification_code="code-2024-1", issue_date=date(2024, 3, 29))
    # in no event: stays in the directory (and the retired official's organization is copied there)
    insert_row(conn, "people", name="Retired Official", organization_id=cqc)
    insert_row(conn, "people", name="Nobody Uses Me", email="unused@example.org")
    insert_row(conn, "organizations", name="Unused Organization")
    return {"forum": forum, "event": event, "guests": guests, "cqc": cqc}


def test_the_demo_and_a_second_event_sharing_its_people_upgrade_with_nothing_lost(app, app_ctx):
    loader.load_demo()
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0003")
    try:
        with db.engine.begin() as conn:
            ids = _second_edition_sharing_people(conn)
        with db.engine.connect() as conn:
            before = _snapshot(conn)
            people_before = _scalar(conn, "SELECT count(*) FROM people")
            orgs_before = _scalar(conn, "SELECT count(*) FROM organizations")
        upgrade(directory=MIGRATIONS)
    finally:
        upgrade(directory=MIGRATIONS)

    with db.engine.connect() as conn:
        after = _snapshot(conn)
        assert cross_event_references(conn) == []
        people = conn.execute(sa.text("SELECT name, email, event_id FROM people")).all()
        orgs = conn.execute(sa.text("SELECT name, event_id FROM organizations")).all()
    assert after == before
    forum, event = ids["forum"], ids["event"]
    assert before["counts"]["registrations"][event] == 10 and before["counts"]["registrations"][forum] > 100
    assert before["counts"]["checkins"] == {event: 3} and before["counts"]["awards"] == {forum: 5, event: 1}

    where = {}
    for name, email, event_id in people:
        where.setdefault(email or name, []).append(event_id)
    assert sorted(where["Xie Zhaoxu"]) == [forum, event]  # copied once for the second event
    assert sorted(where["Lin Xiaoyu"]) == [forum, event]
    assert sorted(where["guest001@guests.example"]) == [forum, event]
    assert where["guest150@guests.example"] == [forum]
    assert where["new@example.org"] == [event]
    assert where["Retired Official"] == [None] and where["unused@example.org"] == [None]
    # director, host and nine guests (guest001 … guest009) were shared
    assert len(people) == people_before + 2 + len(ids["guests"])
    cqc = sorted((e is None, e) for n, e in orgs if n == "China Quality Certification Centre")
    assert cqc == [(False, forum), (False, event), (True, None)]
    assert {n: e for n, e in orgs if n in ("Newcomer Lab", "Unused Organization")} == {
        "Newcomer Lab": event, "Unused Organization": None}


    # and back: the copies merge again into the rows they came from, and nothing is lost
    downgrade(directory=MIGRATIONS, revision="0003")
    try:
        with db.engine.connect() as conn:
            assert _snapshot(conn) == before
            # people known by name only (the director and the host) cannot be told from namesakes: kept
            assert _scalar(conn, "SELECT count(*) FROM people") == people_before + 2
            assert _scalar(conn, "SELECT count(*) FROM organizations") == orgs_before
    finally:
        upgrade(directory=MIGRATIONS)
    assert len(orgs) > orgs_before
