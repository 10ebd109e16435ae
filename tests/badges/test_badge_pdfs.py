"""A badge is read back from what was printed: its QR decodes to its registration, its Chinese
name comes out of the PDF, its font is embedded; forged, foreign and replaced codes are refused."""

import pytest
from sqlalchemy import select

from eventsvc.audit.models import AuditEvent
from eventsvc.badges.codes import BadgeCodeError, sign_badge_code
from eventsvc.badges.layout import SHEET, BadgeContent, render_badges
from eventsvc.badges.service import reissue_badge, verify_registration_badge
from eventsvc.events.models import Event
from eventsvc.events.permissions import event_by_slug
from eventsvc.extensions import db
from tests.badges.reading import registration_of


def _badge_pdf(client, slug, registration_id, **query):
    response = client.get(f"/manage/e/{slug}/badges/{registration_id}/badge.pdf", query_string=query)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return response.data


def test_a_demo_guests_printed_badge_decodes_back_to_that_registration(app, demo, organizer_client, printed):
    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    pdf = printed(_badge_pdf(organizer_client, demo, registration_id))

    [code] = pdf.qr_codes()
    with app.app_context():
        registration, payload = verify_registration_badge(code, event_by_slug(demo))
        assert registration.id == registration_id
        assert payload.badge_version == registration.badge_version == 1
        assert registration.badge_printed_at is not None and registration.badge_printed_version == 1
    text = pdf.text()
    for expected in ("张华", "Zhang Hua", "中国质量认证中心", "China Quality Certification Centre",
                     "副主任", "贵宾", "VIP", "中国电动汽车百人会论坛", "2023年3月31日"):
        assert expected in text, expected
    fonts = pdf.fonts()
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # every font embedded
    assert pdf.info()["Pages"] == "1"
    assert "297.638 x 419.528" in pdf.info()["Page size"]  # A6


def test_a_tampered_code_another_events_code_and_the_old_code_after_reissue_are_each_refused(
        app, demo, organizer_client, printed):
    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    [old_code] = printed(_badge_pdf(organizer_client, demo, registration_id)).qr_codes()

    with app.app_context():
        forum = event_by_slug(demo)
        other = Event(slug="other-forum", title="Another Forum", start_date=forum.start_date,
                      end_date=forum.end_date)
        db.session.add(other)
        db.session.flush()
        foreign_code = sign_badge_code(other.id, registration_id, 1)  # same registration id, other event
        db.session.commit()
        tampered = old_code[:12] + ("A" if old_code[12] != "A" else "B") + old_code[13:]

        refusals = {}
        for name, code in (("tampered", tampered), ("foreign", foreign_code), ("garbage", "HELLO-WORLD")):
            with pytest.raises(BadgeCodeError) as error:
                verify_registration_badge(code, forum)
            refusals[name] = error.value.code
        assert refusals == {"tampered": "bad_signature", "foreign": "wrong_event", "garbage": "malformed"}

        # the organizer re-issues the lost badge: the old code is revoked, the new one admits
        registration = registration_of("Zhang Hua")
        assert reissue_badge(registration, reason="lost at lunch") == 2
        db.session.commit()
        with pytest.raises(BadgeCodeError) as error:
            verify_registration_badge(old_code, forum)
        assert error.value.code == "revoked"
        assert error.value.message == "This badge was replaced by a newer one."
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "badge.reissued"))
        assert audit.object_id == registration_id and audit.event_id == forum.id
        assert audit.details == {"old_version": 1, "new_version": 2, "reason": "lost at lunch"}

    [new_code] = printed(_badge_pdf(organizer_client, demo, registration_id)).qr_codes()
    assert new_code != old_code
    with app.app_context():
        registration, payload = verify_registration_badge(new_code, event_by_slug(demo))
        assert (registration.id, payload.badge_version) == (registration_id, 2)


def test_reissue_from_the_badge_page_raises_the_version_and_says_so(app, demo, organizer_client):
    from tests.support.web import post_form

    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    response = post_form(organizer_client, f"/manage/e/{demo}/badges/{registration_id}/reissue",
                         {"reason": "lost"}, from_path=f"/manage/e/{demo}/badges", follow_redirects=True)
    assert response.status_code == 200
    assert "A new badge (version 2) was issued for Zhang Hua" in response.get_data(as_text=True)
    with app.app_context():
        assert registration_of("Zhang Hua").badge_version == 2
    # without the CSRF token nothing changes
    response = organizer_client.post(f"/manage/e/{demo}/badges/{registration_id}/reissue", data={"reason": "x"})
    assert response.status_code == 400
    with app.app_context():
        assert registration_of("Zhang Hua").badge_version == 2


def test_long_names_and_organizations_shrink_to_stay_on_the_badge(app_ctx, tmp_path, printed):
    long = BadgeContent(
        code="A" * 122,
        name="Maximilian Alexander Konstantin von Hohenzollern-Sigmaringen",
        name_local="欧阳诸葛司马上官慕容皇甫端木",
        position="Deputy Director-General of the Department of Equipment Industry and Standardisation",
        organization="International Association of Testing, Inspection and Certification Bodies for "
                     "New Energy Vehicles and Charging Infrastructure",
        organization_local="国际新能源汽车与充电基础设施检测检验认证机构联合会",
        category="Guest", color="#2b6cb0", event_title="China Electric Vehicle 100 Forum 2023",
        event_date="March 31, 2023")
    pdf = printed(render_badges([long]))
    words = pdf.word_boxes()
    assert words
    assert all(x_min >= 0 and x_max <= 297.64 for _, x_min, x_max in words), [
        w for w in words if w[1] < 0 or w[2] > 297.64]
    text = pdf.text()
    assert "欧阳诸葛司马上官慕容皇甫端木" in text.replace("\n", "").replace(" ", "")
    assert "Hohenzollern-Sigmaringen" in text
    assert "Charging" in text and "Infrastructure" in text
    assert pdf.qr_codes() == ["A" * 122]


def test_a_sheet_of_four_holds_four_readable_badges_a_page(app, demo, organizer_client, printed):
    with app.app_context():
        registration_id = registration_of("Zhang Hua").id
    pdf = printed(_badge_pdf(organizer_client, demo, registration_id, layout=SHEET))
    assert "595.276 x 841.89" in pdf.info()["Page size"]  # A4
    assert len(pdf.qr_codes()) == 1


def test_cut_marks_sit_outside_each_corner_of_the_four_badges(printed, tmp_path):
    import subprocess

    from PIL import Image
    from reportlab.lib.pagesizes import A4

    from eventsvc.badges.layout import HEIGHT, SHEET_SCALE, WIDTH

    document = printed(render_badges(_synthetic_badges(4), SHEET))
    subprocess.run(["pdftoppm", "-r", "144", "-gray", "-singlefile", str(document.path), str(tmp_path / "sheet")],
                   check=True)
    image = Image.open(tmp_path / "sheet.pgm")
    scale = 2  # 144 dpi: two pixels a point
    cell_w, cell_h = A4[0] / 2, A4[1] / 2
    w, h = WIDTH * SHEET_SCALE, HEIGHT * SHEET_SCALE

    def darkest(x, y):  # points from the top left of the page
        return min(image.getpixel((round(x * scale) + dx, round(y * scale) + dy))
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1))

    for column in (0, 1):
        for row in (0, 1):
            left = column * cell_w + (cell_w - w) / 2
            top = row * cell_h + (cell_h - h) / 2
            for x, y in ((left, top), (left + w, top), (left, top + h), (left + w, top + h)):
                above_or_below = y - 10 if y == top else y + 10
                left_or_right = x - 10 if x == left else x + 10
                assert darkest(x, above_or_below) < 100, (column, row, x, y)  # the vertical mark
                assert darkest(left_or_right, y) < 100, (column, row, x, y)  # the horizontal mark
                assert darkest(left_or_right, above_or_below) > 200  # and white beside them


def test_badges_are_for_organizers_of_the_event_and_confirmed_guests_only(app, demo, organizer_client,
                                                                        staff_client, make_user):
    from eventsvc.registration.enums import RegistrationStatus
    from eventsvc.registration.models import Registration

    with app.app_context():
        zhang = registration_of("Zhang Hua").id
        cancelled = db.session.scalar(select(Registration.id).where(
            Registration.status == RegistrationStatus.CANCELLED).limit(1))
    assert staff_client.get(f"/manage/e/{demo}/badges").status_code == 403
    assert staff_client.get(f"/manage/e/{demo}/badges/{zhang}/qr.png").status_code == 403
    assert staff_client.get(f"/manage/e/{demo}/badges/{zhang}/badge.pdf").status_code == 200  # re-print at the desk
    other_staff = app.test_client()
    make_user("door@other.example", "door-password-1")
    from tests.support.web import login

    login(other_staff, "door@other.example", "door-password-1")
    assert other_staff.get(f"/manage/e/{demo}/badges/{zhang}/badge.pdf").status_code == 403
    assert organizer_client.get(f"/manage/e/{demo}/badges/{cancelled}/badge.pdf").status_code == 404
    assert organizer_client.get(f"/manage/e/{demo}/badges/999999/qr.png").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/manage/e/{demo}/badges/{zhang}/qr.svg").status_code in (302, 401)


def test_qr_png_of_a_badge_decodes_to_its_code(app, demo, organizer_client, tmp_path):
    from tests.badges.reading import decode_image

    with app.app_context():
        zhang = registration_of("Zhang Hua").id
    png = organizer_client.get(f"/manage/e/{demo}/badges/{zhang}/qr.png")
    assert png.mimetype == "image/png" and png.headers["Cache-Control"] == "private, no-store"
    (tmp_path / "qr.png").write_bytes(png.data)
    [code] = decode_image(tmp_path / "qr.png")
    with app.app_context():
        assert verify_registration_badge(code, event_by_slug(demo))[0].id == zhang
    svg = organizer_client.get(f"/manage/e/{demo}/badges/{zhang}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and svg.data.startswith(b"<svg")


def _synthetic_badges(count):
    import base64
    import hashlib

    return [BadgeContent(code=base64.b32encode(hashlib.sha512(str(i).encode()).digest()[:76]).decode().rstrip("="),
                         name=f"Guest {i}", name_local="李明", category="Guest", color="#2b6cb0",
                         event_title="Forum", event_date="March 31, 2023") for i in range(count)]


def test_a_large_batch_encoded_by_worker_processes_prints_each_badge_with_its_own_code(printed, monkeypatch):
    from eventsvc.documents import pdf as pdf_module

    badges = _synthetic_badges(240)
    started = []
    real_popen = pdf_module.subprocess.Popen
    monkeypatch.setattr(pdf_module.subprocess, "Popen", lambda *a, **k: started.append(a) or real_popen(*a, **k))
    document = printed(render_badges(badges, SHEET))
    assert started, "a batch this large is encoded in worker processes"
    assert document.info()["Pages"] == "60"
    for page in (1, 31, 60):
        assert document.qr_codes(page) == [b.code for b in badges[(page - 1) * 4:page * 4]]


def test_when_a_worker_process_fails_the_batch_is_still_complete_and_right(printed, monkeypatch):
    from eventsvc.documents import pdf as pdf_module

    monkeypatch.setattr(pdf_module, "QR_WORKER", "/nonexistent/qr.py")
    badges = _synthetic_badges(210)
    document = printed(render_badges(badges, SHEET))
    assert document.qr_codes(53) == [b.code for b in badges[208:]]
    assert document.qr_codes(27) == [b.code for b in badges[104:108]]


def _band_colours(pdf) -> set[tuple[int, int, int]]:
    """The colours of a thin strip across the band's place (the badge's lowest 19 mm), inside its edges."""
    page = pdf.image()
    width, height = page.size
    y = height - 8  # about 3 mm above the bottom edge
    return {page.getpixel((x, y)) for x in range(20, width - 20, 4)}


def test_a_guest_without_a_category_gets_no_band_and_one_with_a_category_gets_its_colour(
        app, demo, organizer_client, printed):
    with app.app_context():
        registration = registration_of("Zhang Hua")  # a VIP: the band is the VIP's red
        registration_id, colour = registration.id, registration.category.color
    with_band = printed(_badge_pdf(organizer_client, demo, registration_id))
    red = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    assert all(max(abs(a - b) for a, b in zip(c, red, strict=True)) < 12 for c in _band_colours(with_band))
    assert "贵宾" in with_band.text()

    with app.app_context():
        registration_of("Zhang Hua").category_id = None
        db.session.commit()
    without = printed(_badge_pdf(organizer_client, demo, registration_id))
    assert _band_colours(without) == {(255, 255, 255)}  # white paper: no grey band
    text = without.text()
    assert "贵宾" not in text and "VIP" not in text
    assert without.qr_codes()  # the QR still reads
