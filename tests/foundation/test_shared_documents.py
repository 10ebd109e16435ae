"""The shared pieces the badge and certificate PDFs stand on: signed codes, the QR, the font."""

import subprocess

import pytest
import zxingcpp
from PIL import Image
from reportlab.lib.pagesizes import A6

from eventsvc.badges.codes import BadgeCodeError, sign_badge_code, verify_badge_code
from eventsvc.documents.pdf import draw_qr, new_canvas, qr_version
from eventsvc.extensions import db


def test_a_signed_badge_code_verifies_and_fits_a_version_6_qr(app_ctx, demo):
    code = sign_badge_code(1, 42, 3)
    assert qr_version(code) <= 7
    payload = verify_badge_code(code, event_id=1, current_version=3)
    assert (payload.event_id, payload.registration_id, payload.badge_version) == (1, 42, 3)


@pytest.mark.parametrize("reason", ["bad_signature", "wrong_event", "revoked", "malformed"])
def test_a_changed_foreign_old_or_garbage_code_is_refused_with_its_reason(app_ctx, demo, reason):
    code = sign_badge_code(1, 42, 3)
    kwargs = {"event_id": 1, "current_version": 3}
    if reason == "bad_signature":
        code = code[:10] + ("A" if code[10] != "A" else "B") + code[11:]  # alters the registration id
    elif reason == "wrong_event":
        kwargs["event_id"] = 2
    elif reason == "revoked":
        kwargs["current_version"] = 4
    else:
        code = "HELLO-WORLD"
    with pytest.raises(BadgeCodeError) as error:
        verify_badge_code(code, **kwargs)
    assert error.value.code == reason
    db.session.rollback()


def test_a_pdf_qr_decodes_and_the_chinese_font_is_embedded(tmp_path, app_ctx):
    target = tmp_path / "sample.pdf"
    canvas = new_canvas(str(target), A6, title="sample")
    canvas.setFont("WQYMicroHei", 20)
    canvas.drawString(20, 300, "张华 Zhang Hua")
    draw_qr(canvas, "HELLO EVENTSVC 123", 40, 40, 200)
    canvas.save()
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(target), str(tmp_path / "page")], check=True)
    results = zxingcpp.read_barcodes(Image.open(tmp_path / "page.png"))
    assert [r.text for r in results] == ["HELLO EVENTSVC 123"]
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines() if "WenQuanYiMicroHei" in line]
    assert embedded and all(line.split()[-5] == "yes" for line in embedded)  # the "emb" column
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True, check=True).stdout
    assert "张华" in text
