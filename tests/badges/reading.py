"""Reading what was printed: rasterize a PDF page, decode its QR codes, extract its text and fonts."""

import re
import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image
from sqlalchemy import select

from eventsvc.extensions import db
from eventsvc.people.models import Person
from eventsvc.registration.models import Registration


class PrintedPdf:
    def __init__(self, data: bytes, folder: Path):
        assert data.startswith(b"%PDF"), data[:40]
        self.path = folder / f"printed-{id(self)}.pdf"
        self.path.write_bytes(data)
        self.folder = folder

    def qr_codes(self, page: int = 1) -> list[str]:
        """The QR codes a real decoder finds on a page rasterized at 150 dpi, left to right, top to bottom."""
        stem = self.folder / f"page-{id(self)}-{page}"
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(self.path), str(stem)], check=True)
        results = zxingcpp.read_barcodes(Image.open(f"{stem}.png"), formats=zxingcpp.BarcodeFormat.QRCode)
        results = sorted(results, key=lambda r: (round(r.position.top_left.y / 200), r.position.top_left.x))
        return [r.text for r in results]

    def image(self, page: int = 1, dpi: int = 72) -> Image.Image:
        """A page rasterized in colour (at 72 dpi a pixel is a point)."""
        stem = self.folder / f"colour-{id(self)}-{page}-{dpi}"
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page),
                        str(self.path), str(stem)], check=True)
        return Image.open(f"{stem}.png").convert("RGB")

    def text(self) -> str:
        return subprocess.run(["pdftotext", "-layout", str(self.path), "-"], capture_output=True, text=True,
                              check=True).stdout

    def fonts(self) -> list[str]:
        out = subprocess.run(["pdffonts", str(self.path)], capture_output=True, text=True, check=True).stdout
        return out.splitlines()[2:]

    def info(self) -> dict[str, str]:
        out = subprocess.run(["pdfinfo", str(self.path)], capture_output=True, text=True, check=True).stdout
        return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}

    def word_boxes(self) -> list[tuple[str, float, float]]:
        """(word, x_min, x_max) of every word on the pages, in points."""
        out = subprocess.run(["pdftotext", "-bbox", str(self.path), "-"], capture_output=True, text=True,
                             check=True).stdout
        return [(m.group(3), float(m.group(1)), float(m.group(2))) for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out)]


def registration_of(name: str) -> Registration:
    return db.session.scalar(select(Registration).join(Person).where(Person.name == name))


def decode_image(path) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(path), formats=zxingcpp.BarcodeFormat.QRCode)]
