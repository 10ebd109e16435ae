"""The stage manager's run sheet: presentation order, both scripts, a "presented" button, a PDF."""

import re

from sqlalchemy import select

from eventsvc.awards.models import Award
from eventsvc.extensions import db
from tests.awards.conftest import pdf_text
from tests.support.web import csrf_token

ORDER = ["SH100-2023-0004", "SH100-2023-0002", "SH100-2023-0005", "SH100-2023-0001", "SH100-2023-0003"]


def _reorder(app):
    with app.app_context():
        for position, number in enumerate(ORDER, start=1):
            db.session.scalar(select(Award).where(Award.certificate_number == number)).position = position
        db.session.commit()


def test_the_run_sheet_page_and_pdf_follow_the_presentation_order_in_both_scripts(
        app, staff_client, demo, tmp_path):
    _reorder(app)
    page = staff_client.get(f"/manage/e/{demo}/awards/run-sheet")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.findall(r"<code>(SH100-2023-\d+)</code>", html) == ORDER
    assert "鹏城充电站有限公司" in html and "Pengcheng Charging Stations Co., Ltd." in html  # 0004, first

    pdf = staff_client.get(f"/manage/e/{demo}/awards/run-sheet.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data, tmp_path)
    assert re.findall(r"SH100-2023-\d+", text) == ORDER
    assert "鹏城充电站有限公司" in text and "Launching Ceremony" in text and "闪耀百站计划启动仪式" in text


def test_staff_press_presented_and_the_sheet_shows_it(app, staff_client, demo):
    with app.app_context():
        award_id = db.session.scalar(select(Award.id).where(Award.certificate_number == "SH100-2023-0001"))
    path = f"/manage/e/{demo}/awards/run-sheet"
    response = staff_client.post(f"/manage/e/{demo}/awards/{award_id}/presented",
                                 data={"csrf_token": csrf_token(staff_client, path)})
    assert response.status_code == 302 and response.location.endswith(f"{path}#award-{award_id}")
    html = staff_client.get(path).get_data(as_text=True)
    assert "1 of 5 presented" in html
    assert f'id="award-{award_id}" class="run-item run-presented"' in html
    with app.app_context():
        award = db.session.get(Award, award_id)
        assert award.status == "presented" and award.presented_at is not None
    # pressing it again on a second phone changes nothing
    staff_client.post(f"/manage/e/{demo}/awards/{award_id}/presented", data={"csrf_token": csrf_token(staff_client, path)})
    assert "1 of 5 presented" in staff_client.get(path).get_data(as_text=True)


def test_the_presented_button_needs_csrf_and_a_role_at_the_event(app, client, staff_client, demo, make_user):
    with app.app_context():
        award_id = db.session.scalar(select(Award.id).where(Award.certificate_number == "SH100-2023-0001"))
    assert staff_client.post(f"/manage/e/{demo}/awards/{award_id}/presented").status_code == 400
    make_user("other@example.org", "another long password")
    from tests.support.web import login

    login(client, "other@example.org", "another long password")
    assert client.get(f"/manage/e/{demo}/awards/run-sheet").status_code == 403
    # staff may run the sheet but not edit programs
    assert staff_client.get(f"/manage/e/{demo}/awards").status_code == 403
