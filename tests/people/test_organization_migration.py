"""Migrations 0003 and 0008 merge organizations whose names differ only in case before making names unique."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from eventsvc import PROJECT_ROOT
from eventsvc.extensions import db
from tests.people.rows import insert_row

MIGRATIONS = str(PROJECT_ROOT / "migrations")


def test_duplicates_written_before_the_unique_index_are_merged_into_the_oldest(app_ctx):
    downgrade(directory=MIGRATIONS, revision="0002")
    try:
        with db.engine.begin() as conn:  # the tables as they were at 0002: rows written by hand
            oldest = insert_row(conn, "organizations", name="Gold Star Charging Co.")
            twin = insert_row(conn, "organizations", name="GOLD STAR CHARGING CO.", name_local="金星充电有限公司",
                              short_name="GSC")
            third = insert_row(conn, "organizations", name="gold star charging co.", website="https://gold.example")
            other = insert_row(conn, "organizations", name="Silver Line Power")
            for name, org in (("Wang Lei", twin), ("Li Na", third), ("Zhao Yi", other)):
                insert_row(conn, "people", name=name, organization_id=org)
            event = insert_row(conn, "events", slug="forum", title="Forum", start_date=sa.func.current_date(),
                               end_date=sa.func.current_date(), timezone="Asia/Shanghai")
            insert_row(conn, "award_programs", event_id=event, kind="honour", name="Stars", number_prefix="GS",
                       issuer_id=third)
        upgrade(directory=MIGRATIONS, revision="0003")
        with db.engine.connect() as conn:
            organizations = conn.execute(sa.text(
                "SELECT id, name, name_local, short_name, website FROM organizations ORDER BY id")).all()
            people = dict(conn.execute(sa.text("SELECT name, organization_id FROM people")).all())
            issuer = conn.execute(sa.text("SELECT issuer_id FROM award_programs")).scalar()
    finally:
        upgrade(directory=MIGRATIONS)

    assert [tuple(row) for row in organizations] == [
        (oldest, "Gold Star Charging Co.", "金星充电有限公司", "GSC", "https://gold.example"),
        (other, "Silver Line Power", None, None, None)]
    assert people == {"Wang Lei": oldest, "Li Na": oldest, "Zhao Yi": other}
    assert issuer == oldest


def test_names_that_differ_only_in_non_ascii_case_are_merged_when_names_get_their_folded_key(app_ctx):
    """Migration 0008: lower(name) let "İstanbul Motors" and "i̇stanbul motors" be two organizations
    (on SQLite and on PostgreSQL alike); the case-folded name key makes them one, the oldest."""
    downgrade(directory=MIGRATIONS, revision="0006")
    try:
        with db.engine.begin() as conn:
            oldest = insert_row(conn, "organizations", name="İstanbul Motors")
            twin = insert_row(conn, "organizations", name="i̇stanbul motors", name_local="伊斯坦布尔汽车")
            other = insert_row(conn, "organizations", name="Äpfel Corp")
            insert_row(conn, "people", name="Ayşe", organization_id=twin)
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            organizations = conn.execute(sa.text(
                "SELECT id, name, name_key, name_local FROM organizations ORDER BY id")).all()
            person_org = conn.execute(sa.text("SELECT organization_id FROM people")).scalar()
    finally:
        upgrade(directory=MIGRATIONS)

    assert [tuple(row) for row in organizations] == [
        (oldest, "İstanbul Motors", "i̇stanbul motors", "伊斯坦布尔汽车"),
        (other, "Äpfel Corp", "äpfel corp", None)]
    assert person_org == oldest
