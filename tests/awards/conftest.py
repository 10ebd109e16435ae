"""Fixtures of the award tests: the demo program, API headers, reading QR codes back from PDFs."""

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from eventsvc.awards.models import AwardProgram
from eventsvc.extensions import db


@pytest.fixture
def demo_program_id(app, demo):
    with app.app_context():
        return db.session.scalar(select(AwardProgram.id).where(AwardProgram.number_prefix == "SH100"))


def pdf_text(data: bytes, tmp_path: Path) -> str:
    target = tmp_path / "doc.pdf"
    target.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout


def qr_codes_per_page(data: bytes, tmp_path: Path) -> list[list[str]]:
    """Rasterize every page (pdftoppm, 150 dpi) and decode its QR codes with zxing-cpp."""
    target = tmp_path / "qr.pdf"
    target.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(target), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
    return [[r.text for r in zxingcpp.read_barcodes(Image.open(p))] for p in pages]
