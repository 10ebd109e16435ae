"""One path to a person or an organization: the same rules everywhere, found rather than duplicated."""

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from eventsvc.core.errors import ServiceError
from eventsvc.extensions import db
from eventsvc.people import identity
from eventsvc.people.identity import PersonDetails
from eventsvc.people.models import Organization, Person


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _cqc(event) -> Organization:
    org = Organization(event_id=event.id, name="China Quality Certification Centre", name_local="中国质量认证中心", short_name="CQC")
    db.session.add(org)
    db.session.commit()
    return org


@pytest.mark.parametrize("address", ["a@b", "someone@localhost", "x@example.invalid", "two@@signs.org",
                                     "a..b@example.org", "user@[10.0.0.1]"])
def test_an_address_registration_refuses_is_refused_here_with_its_field(app_ctx, address):
    with pytest.raises(ServiceError) as refused:
        identity.normalise_email(address, field="guest_email")
    assert (refused.value.code, refused.value.field) == ("bad_email", "guest_email")


def test_an_address_is_trimmed_and_lower_cased_and_an_empty_one_is_asked_for(app_ctx):
    assert identity.normalise_email("  Wang.Lei@Example.ORG ") == "wang.lei@example.org"
    with pytest.raises(ServiceError) as missing:
        identity.normalise_email("  ")
    assert missing.value.code == "email_required"


def test_a_name_is_required_and_kept_within_its_column(app_ctx):
    assert identity.normalise_name("  Wang Lei ") == "Wang Lei"
    for value, code in (("   ", "name_required"), ("x" * 201, "too_long")):
        with pytest.raises(ServiceError) as refused:
            identity.check_details(PersonDetails(name=value, email="w@example.org"))
        assert (refused.value.code, refused.value.field) == (code, "name")
    with pytest.raises(ServiceError) as language:
        identity.check_details(PersonDetails(name="W", language="fr"))
    assert language.value.field == "language"


def test_an_organization_named_in_another_case_by_its_chinese_or_short_name_is_found(forum):
    cqc = _cqc(forum)
    for name in ("china quality certification centre", "CHINA QUALITY CERTIFICATION CENTRE ",
                 "中国质量认证中心", "cqc"):
        assert identity.find_or_create_organization(forum, name).id == cqc.id
    assert identity.find_or_create_organization(forum, "", "中国质量认证中心").id == cqc.id
    assert identity.find_or_create_organization(forum, "CQC Centre (English name unknown to us)", "中国质量认证中心").id == cqc.id
    db.session.commit()
    assert _count(Organization) == 1


def test_a_new_organization_is_created_once_and_a_known_one_gets_the_chinese_name_it_lacked(forum):
    db.session.add(Organization(event_id=forum.id, name="Gold Star Charging Co."))
    db.session.commit()
    gold = identity.find_or_create_organization(forum, "GOLD STAR CHARGING CO.", "金星充电有限公司")
    assert (gold.name, gold.name_local) == ("Gold Star Charging Co.", "金星充电有限公司")
    kept = identity.find_or_create_organization(forum, "Gold Star Charging Co.", "另一个名字")
    assert kept.name_local == "金星充电有限公司"  # a Chinese name it has is not replaced
    fresh = identity.find_or_create_organization(forum, "Silver Line Power", "银线电力")
    assert identity.find_or_create_organization(forum, "silver line power") is fresh
    only_local = identity.find_or_create_organization(forum, None, "铜网科技")
    assert (only_local.name, only_local.name_local) == ("铜网科技", "铜网科技")
    db.session.commit()
    assert _count(Organization) == 3


def test_the_database_refuses_a_second_organization_of_one_event_named_in_another_case(forum):
    from sqlalchemy.exc import IntegrityError

    db.session.add(Organization(event_id=forum.id, name="Battery Alliance"))
    db.session.commit()
    db.session.add(Organization(event_id=forum.id, name="BATTERY ALLIANCE"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("first, again", [("Äpfel Corp", "ÄPFEL CORP"), ("Äpfel Corp", "äpfel corp"),
                                           ("ÄPFEL CORP", "äpfel corp"), ("Straße Motors", "STRASSE MOTORS"),
                                           ("İstanbul Motors", "i̇stanbul motors")])
def test_an_organization_named_in_another_non_ascii_case_is_the_same_one(forum, first, again):
    """The fuzzer's finding: SQLite's lower() folds ASCII only, so "ÄPFEL CORP" after "Äpfel Corp"
    was neither found nor insertable (a server error); names are compared case-folded by Python."""
    made = identity.find_or_create_organization(forum, first)
    db.session.commit()
    assert identity.find_or_create_organization(forum, again).id == made.id
    assert [o.id for o in identity.find_or_create_organizations(forum, [(again, None), (first, None)])] == [made.id] * 2
    db.session.commit()
    assert _count(Organization) == 1


def test_the_database_refuses_a_second_organization_named_in_another_non_ascii_case(forum):
    from sqlalchemy.exc import IntegrityError

    db.session.add(Organization(event_id=forum.id, name="Äpfel Corp"))
    db.session.commit()
    db.session.add(Organization(event_id=forum.id, name="äPFEL CORP"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_address_is_one_person_of_the_event_updated_only_when_asked(forum):
    _cqc(forum)
    first = identity.find_or_create_person(forum, PersonDetails(name="Wang Lei", email="Wang.Lei@Example.org",
                                                         organization="cqc", language="zh"))
    db.session.commit()
    assert (first.email, first.organization.short_name, first.language) == ("wang.lei@example.org", "CQC", "zh")
    again = identity.find_or_create_person(forum, PersonDetails(name="W. Lei", email="wang.lei@example.org"))
    assert again is first and again.name == "Wang Lei"
    changed = identity.find_or_create_person(forum, PersonDetails(
        name="Wang Lei", email="WANG.LEI@example.org", name_local="王磊", organization="New Lab"), update=True)
    db.session.commit()
    assert changed is first and (changed.name_local, changed.organization.name) == ("王磊", "New Lab")
    assert _count(Person) == 1
    with pytest.raises(ServiceError) as no_address:
        identity.find_or_create_person(forum, PersonDetails(name="Nobody"))
    assert no_address.value.code == "email_required"


def test_a_person_known_by_name_only_is_added_and_an_address_already_taken_is_refused(forum):
    speaker = identity.add_person(forum, PersonDetails(name="Li Ming", name_local="李明", organization_local="中国电动汽车百人会"))
    assert speaker.email is None and speaker.organization.name == "中国电动汽车百人会"
    identity.add_person(forum, PersonDetails(name="Li Ming", email="li@example.org"))
    with pytest.raises(ServiceError) as taken:
        identity.add_person(forum, PersonDetails(name="Other Li", email="LI@example.org"))
    assert (taken.value.code, taken.value.field) == ("email_taken", "email")


def test_ten_thousand_rows_are_found_or_created_in_a_few_statements(forum):
    _cqc(forum)
    known = [Person(event_id=forum.id, name=f"Known {i}", email=f"known{i}@example.org") for i in range(300)]
    db.session.add_all(known)
    db.session.commit()
    rows = [PersonDetails(name=f"Guest {i}", email=f"guest{i}@example.org",
                          organization=["cqc", "中国质量认证中心", f"Lab {i // 5 % 20}", f"LAB {i // 5 % 20}", ""][i % 5])
            for i in range(9700)]
    rows += [PersonDetails(name="Renamed", email=f"KNOWN{i}@example.org", organization="Lab 1") for i in range(300)]
    rows.append(PersonDetails(name="Second row of guest 7", email="guest7@example.org"))

    statements = []
    def count(*_):
        statements.append(1)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        people = identity.find_or_create_people(forum, rows)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    db.session.commit()
    assert len(statements) <= 25, len(statements)  # 19 on SQLite: reads of 2,000 addresses, page inserts
    assert len(people) == 10_000 and _count(Person) == 10_000
    assert people["guest7@example.org"].name == "Guest 7"  # the first row of an address wins
    assert people["known3@example.org"].name == "Known 3"  # known people are left as they were
    assert people["guest0@example.org"].organization.short_name == "CQC"
    assert people["guest1@example.org"].organization.short_name == "CQC"
    assert people["guest2@example.org"].organization is people["guest3@example.org"].organization
    assert people["guest4@example.org"].organization is None
    assert _count(Organization) == 21  # CQC and Lab 0 … Lab 19


def test_the_bulk_path_updates_known_people_when_asked(forum):
    db.session.add(Person(event_id=forum.id, name="Old Name", email="old@example.org"))
    db.session.commit()
    people = identity.find_or_create_people(forum, [PersonDetails(name="New Name", email="old@example.org",
                                                           organization="Lab")], update=True)
    db.session.commit()
    assert (people["old@example.org"].name, people["old@example.org"].organization.name) == ("New Name", "Lab")


def test_a_creation_that_loses_the_race_takes_the_winners_row(forum, monkeypatch):
    """As if another request committed the same person and organization between our look and our insert."""
    cqc = _cqc(forum)
    winner = Person(event_id=forum.id, name="Winner", email="same@example.org", organization=cqc)
    db.session.add(winner)
    db.session.commit()
    real_people, real_candidates = identity._people_by_email, identity._candidates
    stale = {"people": 1, "orgs": 1}

    def people_missed_once(event_id, emails):
        if stale["people"]:
            stale["people"] -= 1
            return {}
        return real_people(event_id, emails)

    def orgs_missed_once(event_id, texts):
        if stale["orgs"]:
            stale["orgs"] -= 1
            return []
        return real_candidates(event_id, texts)

    monkeypatch.setattr(identity, "_people_by_email", people_missed_once)
    monkeypatch.setattr(identity, "_candidates", orgs_missed_once)
    person = identity.find_or_create_person(forum, PersonDetails(name="Loser", email="same@example.org",
                                                          organization="China Quality Certification Centre"))
    assert person.id == winner.id and person.name == "Winner"
    stale.update(people=1, orgs=1)
    people = identity.find_or_create_people(forum, [PersonDetails(name="Loser", email="same@example.org"),
                                             PersonDetails(name="Newcomer", email="new@example.org",
                                                           organization="China Quality Certification Centre")])
    assert people["same@example.org"].id == winner.id and people["new@example.org"].organization.id == cqc.id
    db.session.commit()
    assert (_count(Person), _count(Organization)) == (2, 1)


def test_the_same_address_at_two_events_is_two_people_and_editing_one_leaves_the_other(forum, other_forum):
    at_a = identity.find_or_create_person(forum, PersonDetails(name="Wang Lei", email="wang.lei@example.org",
                                                               organization="CQC", phone="+86 1"))
    at_b = identity.find_or_create_person(other_forum, PersonDetails(name="Wang Lei", email="Wang.Lei@example.org",
                                                                     organization="CQC"))
    db.session.commit()
    assert at_a.id != at_b.id and (at_a.event_id, at_b.event_id) == (forum.id, other_forum.id)
    assert at_a.organization_id != at_b.organization_id  # each event has its own organization too
    assert at_b.phone is None  # nothing of event A's guest shows at event B
    identity.find_or_create_person(other_forum, PersonDetails(name="W. Lei (B)", email="wang.lei@example.org",
                                                              organization="Other Lab"), update=True)
    identity.apply_details(at_b, PersonDetails(name="Wang Lei at B", organization="Yet Another Lab"))
    db.session.commit()
    db.session.expire_all()
    assert (at_a.name, at_a.organization.name, at_a.phone) == ("Wang Lei", "CQC", "+86 1")
    assert at_b.organization.event_id == other_forum.id


def test_an_organization_of_another_event_or_of_the_directory_is_not_found(forum, other_forum):
    cqc = _cqc(forum)
    assert identity.find_organization(other_forum, "CQC") is None
    assert identity.find_organization(None, "CQC") is None
    at_b = identity.find_or_create_organization(other_forum, "cqc")
    assert at_b.id != cqc.id and (at_b.event_id, at_b.name) == (other_forum.id, "cqc")
    directory = identity.find_or_create_organization(None, "CQC")
    db.session.commit()
    assert directory.event_id is None and _count(Organization) == 3


def test_the_database_refuses_one_address_twice_at_one_event_but_not_at_two(forum, other_forum):
    from sqlalchemy.exc import IntegrityError

    db.session.add_all([Person(event_id=forum.id, name="A", email="a@example.org"),
                        Person(event_id=other_forum.id, name="A", email="a@example.org"),
                        Person(event_id=None, name="A", email="a@example.org")])
    db.session.commit()
    for event_id in (forum.id, None):
        db.session.add(Person(event_id=event_id, name="Twin", email="A@example.org"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_person_carried_into_another_event_is_a_copy_with_a_copy_of_the_organization(forum, other_forum):
    director = identity.add_person(forum, PersonDetails(name="Xie Zhaoxu", email="xie@example.org",
                                                        organization="CQC", position="Director"))
    deputy = identity.add_person(forum, PersonDetails(name="Zhang Hua", organization="cqc"))
    db.session.commit()
    copies = {}
    carried = identity.carry_person(other_forum, director, copies)
    carried_deputy = identity.carry_person(other_forum, deputy, copies)
    db.session.commit()
    assert carried.id != director.id and carried.event_id == other_forum.id
    assert (carried.name, carried.email, carried.position) == ("Xie Zhaoxu", "xie@example.org", "Director")
    assert carried.organization.event_id == other_forum.id and carried.organization is carried_deputy.organization
    assert identity.carry_person(other_forum, director) is carried  # the same address: found, not copied again


def test_control_characters_in_names_become_spaces_wherever_a_person_or_organization_comes_in(forum):
    from eventsvc.core.text import clean_line

    assert clean_line(" Wang\r\nBcc: x@y\x00\t Lei\u2028\u2029\x85\x1b ") == "Wang Bcc: x@y  Lei"
    assert clean_line(None) is None and clean_line("王芳") == "王芳"
    found = identity.find_or_create_person(forum, PersonDetails(
        name="Eve\r\nBcc: spy@evil.example", email="eve@example.org", name_local="伊\u2028芙",
        organization="Evil\nCorp", organization_local="邪\r恶", position="Boss\x00", phone="1\x1b2"))
    added = identity.add_person(forum, PersonDetails(name="Mallory\nBcc: spy@evil.example",
                                                     organization="Evil\r\nCorp"))
    db.session.commit()
    assert (found.name, found.name_local, found.position, found.phone) == (
        "Eve Bcc: spy@evil.example", "伊 芙", "Boss", "1 2")
    assert (found.organization.name, found.organization.name_local) == ("Evil Corp", "邪 恶")
    assert added.name == "Mallory Bcc: spy@evil.example" and added.organization_id == found.organization_id
    identity.apply_details(found, PersonDetails(name="Eve\rAgain"))
    assert found.name == "Eve Again"
    with pytest.raises(ServiceError) as empty:
        identity.normalise_name("\r\n\x00")
    assert empty.value.code == "name_required"


def test_a_person_inserted_in_one_statement_is_the_sessions_own_with_every_column_and_nothing_to_flush(forum):
    # find_or_create_person_new inserts with a Core INSERT … RETURNING (core.appends.inserted)
    person, new = identity.find_or_create_person_new(forum, PersonDetails(name="Wang Lei", email="wl@example.org",
                                                                            phone="+86 10 1234", organization="CATARC"))
    assert new and person in db.session and not db.session.dirty and not db.session.new
    assert db.session.get(Person, person.id) is person  # the identity map's, not a second copy
    statements = []

    def seen(conn, cursor, sql, *args):
        statements.append(sql)

    sa_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        # every column was returned (defaults included): reading them asks nothing of the database
        assert (person.name, person.phone, person.language, person.event_id) == ("Wang Lei", "+86 10 1234", "en",
                                                                                 forum.id)
        assert person.created_at is not None and person.organization_id is not None
        assert statements == []
        assert person.organization.name == "CATARC"  # a relationship loads when read
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", seen)
    person.phone = "+86 10 9999"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Person, person.id).phone == "+86 10 9999" and _count(Person) == 1
