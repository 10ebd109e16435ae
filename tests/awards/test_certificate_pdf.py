"""The certificate itself: A4 landscape, English and Chinese with the font embedded, the QR to verification."""

import re
import subprocess

from sqlalchemy import select

from eventsvc.awards.models import Award
from eventsvc.extensions import db
from tests.awards.conftest import pdf_text, qr_codes_per_page


def test_a_certificate_is_a4_landscape_in_both_scripts_with_its_font_embedded(
        app, organizer_client, demo, tmp_path):
    with app.app_context():
        award = db.session.scalar(select(Award).where(Award.certificate_number == "SH100-2023-0004"))
        award_id, code = award.id, award.verification_code
    response = organizer_client.get(f"/manage/e/{demo}/awards/{award_id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    target = tmp_path / "certificate.pdf"
    target.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M) and "841.89 x 595.276 pts (A4)" in info
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(line.split()[-5] == "yes" for line in rows)  # every font embedded
    text = pdf_text(response.data, tmp_path)
    for expected in ("许可证书", "LICENSE", "高质量充电行动——闪耀百站计划", "鹏城充电站有限公司",
                     "Pengcheng Charging Stations Co., Ltd.", "SH100-2023-0004", "2023年3月31日",
                     "March 31, 2023", "中国质量认证中心", "Xie Zhaoxu"):
        assert expected in text
    assert qr_codes_per_page(response.data, tmp_path) == [[f"http://127.0.0.1/verify/{code}"]]


def test_without_a_public_base_url_the_qr_points_at_the_host_the_request_came_to(app, demo, tmp_path):
    from eventsvc.awards import service
    from eventsvc.awards.certificates import certificates_pdf

    app.config["PUBLIC_BASE_URL"] = ""
    try:
        with app.test_request_context("/", base_url="https://awards.example.org"):
            award = service.run_sheet(db.session.scalar(select(Award)).program.event)[0]
            data, code = certificates_pdf([award]), award.verification_code
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1"
    assert qr_codes_per_page(data, tmp_path) == [[f"https://awards.example.org/verify/{code}"]]
