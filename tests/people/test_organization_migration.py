"""Migration 0003 merges organizations whose names differ only in case before making names unique."""

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from eventsvc import PROJECT_ROOT
from eventsvc.awards.enums import AwardProgramKind
from eventsvc.awards.models import AwardProgram
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person

MIGRATIONS = str(PROJECT_ROOT / "migrations")


def test_duplicates_written_before_the_unique_index_are_merged_into_the_oldest(app_ctx):
    downgrade(directory=MIGRATIONS, revision="0002")
    try:
        oldest = Organization(name="Gold Star Charging Co.")
        twin = Organization(name="GOLD STAR CHARGING CO.", name_local="金星充电有限公司", short_name="GSC")
        third = Organization(name="gold star charging co.", website="https://gold.example")
        other = Organization(name="Silver Line Power")
        db.session.add_all([oldest, twin, third, other])
        db.session.flush()
        event = Event(slug="forum", title="Forum", start_date=date(2023, 3, 31), end_date=date(2023, 3, 31),
                      timezone="Asia/Shanghai")
        db.session.add_all([
            Person(name="Wang Lei", organization=twin), Person(name="Li Na", organization=third),
            Person(name="Zhao Yi", organization=other),
            AwardProgram(event=event, kind=AwardProgramKind.HONOUR, name="Stars", number_prefix="GS",
                         issuer=third)])
        db.session.commit()
        ids = oldest.id, other.id
        db.session.close()
    finally:
        upgrade(directory=MIGRATIONS)

    organizations = db.session.execute(select(Organization.id, Organization.name, Organization.name_local,
                                              Organization.short_name, Organization.website)
                                       .order_by(Organization.id)).all()
    assert organizations == [(ids[0], "Gold Star Charging Co.", "金星充电有限公司", "GSC", "https://gold.example"),
                             (ids[1], "Silver Line Power", None, None, None)]
    assert {name: org for name, org in db.session.execute(select(Person.name, Person.organization_id))} == {
        "Wang Lei": ids[0], "Li Na": ids[0], "Zhao Yi": ids[1]}
    assert db.session.scalar(select(AwardProgram.issuer_id)) == ids[0]
