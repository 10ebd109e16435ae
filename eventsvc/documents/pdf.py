"""What every PDF of ours needs: an embedded font with Chinese, and QR codes drawn as vectors.

reportlab embeds the TrueType outlines of WenQuanYi Micro Hei (a subset per document).
A QR code is drawn as one vector path: twice as fast and far smaller than a PNG. The
path is written as PDF operators in module units (integers, one ``re`` per run of dark
modules) under one scaling matrix, which keeps a 1,000-badge batch fast and small.

QR matrices come from zxing-cpp's C++ encoder when it is installed (0.1 ms a code),
otherwise from segno (4-5 ms a code: it scores all eight masks in Python).
"""

import re
from functools import cache, lru_cache
from pathlib import Path

import segno
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

try:
    import zxingcpp
except ImportError:  # pragma: no cover - zxing-cpp is a dependency; segno is the slow fallback
    zxingcpp = None

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
#: the name to pass to setFont; covers Latin and Chinese
FONT = "WQYMicroHei"

# Streams are deflated binary, not also ASCII85-armoured: reportlab's pure-Python ASCII85 took
# 40% of a 1,000-badge batch and made the file a quarter larger. Every reader handles binary.
rl_config.useA85 = 0

_DARK_RUN = re.compile(rb"\x01+")


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


# --- QR codes -----------------------------------------------------------------------------

def qr_rows(data: str, error: str = "m") -> list[bytes]:
    """The QR modules of ``data`` as one bytes row per module row, 1 = dark (never a Micro QR)."""
    if zxingcpp is not None:
        symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=error.upper())
        pixels = bytes(symbol.to_image(scale=1, add_quiet_zones=False))  # 0 = dark, 255 = light
        size = int(len(pixels) ** 0.5)
        flat = pixels.translate(_DARK_IS_ONE)
        return [flat[i:i + size] for i in range(0, size * size, size)]
    return [bytes(row) for row in segno.make_qr(data, error=error).matrix]


_DARK_IS_ONE = bytes([1] + [0] * 255)


@lru_cache(maxsize=512)
def qr_matrix(data: str, error: str = "m") -> tuple[tuple[int, ...], ...]:
    """The QR modules of ``data`` (a regular QR, never a Micro QR: most scanners can't read those)."""
    return tuple(tuple(row) for row in qr_rows(data, error))


def qr_version(data: str, error: str = "m") -> int:
    """The version of the QR that ``qr_rows`` draws for ``data`` (21 modules = version 1)."""
    return (len(qr_rows(data, error)) - 17) // 4


def qr_path_operators(rows: list[bytes]) -> str:
    """PDF path operators filling the dark modules, in module units with row 0 at y = 0 going down.

    One rectangle per run of dark modules, merged with the same run in the rows below it
    (finder patterns and timing lines become a few rectangles): a smaller PDF.
    """
    parts = []
    open_runs: dict[tuple[int, int], int] = {}  # (start, end) -> first row
    for r, row in enumerate(rows):
        spans = {run.span() for run in _DARK_RUN.finditer(row)}
        for span in [span for span in open_runs if span not in spans]:
            first = open_runs.pop(span)
            parts.append(f"{span[0]} {-r} {span[1] - span[0]} {r - first} re")
        for span in spans:
            open_runs.setdefault(span, r)
    end = len(rows)
    for span, first in open_runs.items():
        parts.append(f"{span[0]} {-end} {span[1] - span[0]} {end - first} re")
    return "\n".join(parts)


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float, *, error: str = "m",
            quiet_zone: int = 4) -> None:
    """Draw a QR code with its lower-left corner at (x, y), ``size`` wide including the quiet zone."""
    rows = qr_rows(data, error)
    modules = len(rows) + 2 * quiet_zone
    cell = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    # One path, one fill: abutting runs are filled as one shape, so no hairlines between them.
    top_left_x = x + quiet_zone * cell
    top_left_y = y + size - quiet_zone * cell
    canvas.addLiteral(f"{cell:.5f} 0 0 {cell:.5f} {top_left_x:.3f} {top_left_y:.3f} cm\n"
                      f"{qr_path_operators(rows)}\nf")
    canvas.restoreState()


# --- text ---------------------------------------------------------------------------------

def fit_font_size(text: str, max_width: float, start: float, minimum: float = 6) -> float:
    """The largest size from ``start`` down at which ``text`` fits ``max_width`` (long names shrink)."""
    register_fonts()
    width_at_one = pdfmetrics.stringWidth(text, FONT, 1)
    size = start
    if width_at_one <= 0 or width_at_one * size <= max_width:
        return size
    # text width grows linearly with the size: step down in halves to the first that fits
    steps = -(-(size - max_width / width_at_one) // 0.5)
    size = max(minimum, size - steps * 0.5)
    while size > minimum and width_at_one * size > max_width:  # float rounding at the boundary
        size -= 0.5
    return max(size, minimum)


def split_in_two(text: str) -> tuple[str, str]:
    """Two lines of about equal width: at the space nearest the middle, else mid-text (CJK)."""
    middle = len(text) / 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if spaces:
        cut = min(spaces, key=lambda i: abs(i - middle))
        return text[:cut].rstrip(), text[cut + 1:].lstrip()
    cut = round(middle)
    return text[:cut], text[cut:]


def fit_lines(text: str, max_width: float, start: float, minimum: float = 6,
              wrap_below: float | None = None) -> tuple[list[str], float]:
    """Lines and a size for ``text``: one line shrunk to fit, or two lines once one would go
    smaller than ``wrap_below`` (default: 70% of ``start``)."""
    wrap_below = wrap_below if wrap_below is not None else start * 0.7
    size = fit_font_size(text, max_width, start, minimum)
    if size >= wrap_below or len(text) < 2:
        return [text], size
    lines = [line for line in split_in_two(text) if line]
    two_size = min(fit_font_size(line, max_width, start * 0.8, minimum) for line in lines)
    if two_size > size:
        return lines, two_size
    return [text], size
