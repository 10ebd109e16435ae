"""Importing invitations from CSV / XLSX: preview, then all or nothing."""

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from eventsvc.extensions import db
from eventsvc.mail.models import OutgoingMessage
from eventsvc.registration.models import Invitation
from tests.registration.helpers import invite
from tests.support.web import csrf_token

HEADER = ["name", "name_local", "email", "organization", "position", "category", "sessions", "language"]


def _rows(count):
    return [[f"Guest {i}", f"嘉宾{i}", f"guest{i}@example.org", "CATARC", "Engineer",
             "vip" if i % 10 == 0 else "guest", "Battery Seminar" if i % 5 == 0 else "", "zh" if i % 2 else "en"]
            for i in range(count)]


def _csv(rows) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode()


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, slug, data, filename):
    path = f"/manage/e/{slug}/invitations/import"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_300_row_spreadsheet_with_one_bad_row_imports_nothing_and_names_that_row(app, organizer):
    client, slug = organizer
    rows = _rows(300)
    rows[136][2] = "guest136@@example"  # spreadsheet line 138 (the header is line 1)
    response = _upload(client, slug, _xlsx(rows), "guests.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: 1 row has errors." in page
    assert "<td>138</td>" in page and "guest136@@example" in page
    assert _count(app, Invitation) == 0


def test_every_kind_of_bad_row_is_listed_with_its_line(app, organizer):
    client, slug = organizer
    invite(app, slug, "already@example.org")
    rows = _rows(6)
    rows[0][0] = ""                               # line 2: missing name
    rows[1][2] = "guest0@example.org"             # line 3: duplicate of line 2
    rows[2][6] = "Underwater Basket Weaving"      # line 4: unknown session
    rows[3][2] = "already@example.org"            # line 5: already invited
    rows[4][5] = "royalty"                        # line 6: unknown category
    rows[5][7] = "fr"                             # line 7: language
    response = _upload(client, slug, _csv(rows), "guests.csv")
    page = response.get_data(as_text=True)
    for line, words in [(2, "Missing name"), (3, "Duplicate of line 2"), (4, "Unknown session"),
                        (5, "already invited"), (6, "Unknown category"), (7, "en or zh")]:
        assert f"<td>{line}</td>" in page and words in page, (line, words)
    assert _count(app, Invitation) == 1


def test_a_good_file_is_previewed_then_imported_and_sent(app, organizer):
    client, slug = organizer
    response = _upload(client, slug, _xlsx(_rows(12)), "guests.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Preview: 12 guests, no errors" in page
    assert _count(app, Invitation) == 0  # the preview writes nothing
    key = page.split('name="key" value="')[1].split('"')[0]
    path = f"/manage/e/{slug}/invitations/import"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "key": key, "confirm": "1",
                                       "send": "1"})
    assert response.status_code == 302
    assert _count(app, Invitation) == 12 and _count(app, OutgoingMessage) == 12
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).join(Invitation.person).where(
            Invitation.person.has(email="guest0@example.org")))
        assert invitation.category.code == "vip" and [s.title for s in invitation.sessions] == ["Battery Seminar"]
        assert invitation.status.value == "sent" and invitation.language == "en"


def test_chinese_headers_are_understood(app, organizer):
    client, slug = organizer
    data = "姓名,中文名,邮箱,单位,类别\nLiu Yang,刘洋,liu@example.cn,中国汽车技术研究中心,贵宾\n".encode()
    response = _upload(client, slug, data, "名单.csv")
    assert "Preview: 1 guest, no errors" in response.get_data(as_text=True)


def test_a_large_file_imports_every_row_in_one_go(app, organizer):
    # Timing of the 10,000-row file lives in bench/invitation_import.py, not here.
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.registration.invitations import import_invitations

    _, slug = organizer
    data = _csv(_rows(2000))
    with app.app_context():
        created = import_invitations(event_by_slug(slug), "big.csv", data, invited_by_id=None, send=False)
        db.session.commit()
        assert len(created) == 2000
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2000


def test_10000_rows_with_a_bad_line_near_the_end_import_nothing_then_the_fixed_file_sends_them_all(app, organizer):
    # The bulk path (one statement per page of rows): still all or nothing, the bad line named,
    # and each guest's e-mail carries a working personal link. Timing: bench/invitation_import.py.
    import re

    from eventsvc.audit.models import AuditEvent
    from eventsvc.core.spreadsheets import ImportRejected
    from eventsvc.events.permissions import event_by_slug
    from eventsvc.people.models import Person
    from eventsvc.registration.invitations import import_invitations
    from eventsvc.registration.models import GuestLink

    _, slug = organizer
    rows = _rows(10_000)
    rows[9998][2] = "guest9998@@example.org"  # row 9,999: line 10,000 (the header is line 1)
    people_before, audit_before = _count(app, Person), _count(app, AuditEvent)
    with app.app_context():
        try:
            import_invitations(event_by_slug(slug), "big.csv", _csv(rows), invited_by_id=None, send=True)
        except ImportRejected as rejected:
            db.session.rollback()
            assert [(e.line, e.field) for e in rejected.errors] == [(10_000, "email")]
            assert "guest9998@@example.org" in rejected.errors[0].message
        else:
            raise AssertionError("a file with a bad line was imported")
    for model in (Invitation, OutgoingMessage, GuestLink):
        assert _count(app, model) == 0
    assert (_count(app, Person), _count(app, AuditEvent)) == (people_before, audit_before)

    rows[9998][2] = "guest9998@example.org"
    with app.app_context():
        created = import_invitations(event_by_slug(slug), "big.csv", _csv(rows), invited_by_id=None, send=True)
        db.session.commit()
        assert len(created) == 10_000 and {i.status.value for i in created} == {"sent"}
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "invitation.sent")) == 10_000
        last = db.session.scalar(select(OutgoingMessage).where(OutgoingMessage.to_address == "guest9999@example.org"))
        assert last.language == "zh" and "嘉宾9999" in last.body_text
        link = re.search(r"/g/[\w-]+", last.body_text).group(0)
    assert _count(app, Invitation) == _count(app, OutgoingMessage) == _count(app, GuestLink) == 10_000
    guest = app.test_client()
    response = guest.get(link, follow_redirects=True)
    assert response.status_code == 200 and "嘉宾9999" in response.get_data(as_text=True)


def test_a_field_too_long_for_a_person_is_named_with_its_line_in_the_preview(app, organizer):
    # the identity rules (people.identity.check_details) run in the one validation pass, not at the write
    client, slug = organizer
    rows = _rows(3)
    rows[1][4] = "Engineer " * 40  # line 3: a 360-character position
    response = _upload(client, slug, _csv(rows), "guests.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>3</td>" in page and "300 characters or fewer" in page
    assert _count(app, Invitation) == 0
