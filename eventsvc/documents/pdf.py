"""What every PDF of ours needs: an embedded font with Chinese, and QR codes drawn as vectors.

reportlab embeds the TrueType outlines of WenQuanYi Micro Hei (a subset per document).
A QR code is drawn as one vector path: twice as fast and far smaller than a PNG.
"""

from functools import cache
from pathlib import Path

import segno
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
#: the name to pass to setFont; covers Latin and Chinese
FONT = "WQYMicroHei"


@cache
def register_fonts() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))
    return FONT


def new_canvas(target, pagesize, *, title: str = "", author: str = "eventsvc") -> Canvas:
    """A canvas whose every default font is the embedded one (no unembedded Helvetica slips in)."""
    register_fonts()
    canvas = Canvas(target, pagesize=pagesize, initialFontName=FONT, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("eventsvc")
    return canvas


@cache
def qr_matrix(data: str, error: str = "m") -> tuple[tuple[int, ...], ...]:
    """The QR modules of ``data`` (a regular QR, never a Micro QR: most scanners can't read those)."""
    return tuple(tuple(row) for row in segno.make_qr(data, error=error).matrix)


def qr_version(data: str, error: str = "m") -> int:
    return segno.make_qr(data, error=error).version


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float, *, error: str = "m",
            quiet_zone: int = 4) -> None:
    """Draw a QR code with its lower-left corner at (x, y), ``size`` wide including the quiet zone."""
    matrix = qr_matrix(data, error)
    modules = len(matrix) + 2 * quiet_zone
    cell = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    top = y + size - quiet_zone * cell
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                # one rectangle per horizontal run of dark modules, slightly overlapping to avoid hairlines
                path.rect(x + (quiet_zone + start) * cell, top - (r + 1) * cell,
                          (c - start) * cell + 0.01, cell + 0.01)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def fit_font_size(text: str, max_width: float, start: float, minimum: float = 6) -> float:
    """The largest size from ``start`` down at which ``text`` fits ``max_width`` (long names shrink)."""
    register_fonts()
    size = start
    while size > minimum and pdfmetrics.stringWidth(text, FONT, size) > max_width:
        size -= 0.5
    return size
