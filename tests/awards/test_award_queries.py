"""Pages listing awards use the same number of SQL statements for 6 awards as for 46."""

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, select

from eventsvc.awards import service
from eventsvc.awards.models import AwardProgram
from eventsvc.events.models import AgendaItem
from eventsvc.extensions import db
from eventsvc.people.models import Organization, Person


@contextmanager
def counted(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_awards(app, n, start=0):
    with app.app_context():
        program = db.session.scalar(select(AwardProgram))
        launch = db.session.scalar(select(AgendaItem).where(AgendaItem.kind == "launching_ceremony"))
        presenter = db.session.scalar(select(Person).where(Person.name == "Xie Zhaoxu"))
        for i in range(start, start + n):
            org = Organization(event_id=program.event_id, name=f"Operator {i}", name_local=f"运营商{i}")
            person = Person(event_id=program.event_id, name=f"Guest {i}", name_local=f"嘉宾{i}")
            db.session.add_all([org, person])
            db.session.flush()
            service.create_award(program, service.AwardData(
                recipient_organization_id=org.id, recipient_person_id=person.id, presenter_id=presenter.id,
                agenda_item_id=launch.id, issue_date=date(2023, 3, 31)))
        db.session.commit()
        return program.id


def _statements(app, client, paths):
    result = []
    for path in paths:
        with counted(app) as statements:
            assert client.get(path).status_code == 200
        result.append(len(statements))
    return result


def test_run_sheet_program_page_and_public_list_do_not_query_per_award(app, organizer_client, demo):
    _add_awards(app, 1)  # the demo has no person recipients; one, so both counts load people
    with app.app_context():
        program_id = db.session.scalar(select(AwardProgram.id))
        for award in db.session.get(AwardProgram, program_id).awards:
            award.status = "presented"
        db.session.commit()
    paths = [f"/manage/e/{demo}/awards/run-sheet", f"/manage/e/{demo}/awards/programs/{program_id}",
             f"/e/{demo}/awards", f"/manage/e/{demo}/awards/run-sheet.pdf"]
    few = _statements(app, organizer_client, paths)
    _add_awards(app, 40, start=1)
    with app.app_context():
        for award in db.session.get(AwardProgram, program_id).awards:
            award.status = "presented"
        db.session.commit()
    many = _statements(app, organizer_client, paths)
    assert many == few
