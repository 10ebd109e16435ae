"""QR codes: the one module that makes them, one way per job.

- PDFs (badges, certificates, batches of a thousand): the modules come from zxing-cpp's C++
  encoder, 0.1 ms a code (qrcode, in Python, takes several ms: it scores all eight masks;
  bench/badges.py measures both), drawn as PDF path operators. Run as a script, this module is
  the worker that pdf.qr_paths starts for large batches: codes in on stdin, one line per code
  out, "<side>\t<operators>".
- Screens (the guest portal, the walk-in desk, verification pages): qrcode draws the modules,
  this module writes them as an SVG without a style (the pages' CSP allows none) or a PNG.
  qrcode is imported when a screen image is made, not when the PDF worker starts.
"""

import re
import sys
from io import BytesIO

import zxingcpp
from markupsafe import Markup

_DARK_RUN = re.compile(rb"\x01+")
_DARK_IS_ONE = bytes([1] + [0] * 255)
#: the light margin around a QR, in modules (the standard's quiet zone)
QUIET_ZONE = 4


def qr_rows(data: str, error: str = "m") -> list[bytes]:
    """The QR modules of ``data`` as one bytes row per module row, 1 = dark (never a Micro QR)."""
    symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=error.upper())
    pixels = bytes(symbol.to_image(scale=1, add_quiet_zones=False))  # 0 = dark, 255 = light
    size = int(len(pixels) ** 0.5)
    flat = pixels.translate(_DARK_IS_ONE)
    return [flat[i:i + size] for i in range(0, size * size, size)]


# --- images for screens -------------------------------------------------------------------------

def _screen_code(data: str, error: str, box_size: int = 1):
    import qrcode  # here: 40 ms of imports the PDF worker never needs
    from qrcode import constants

    levels = {"l": constants.ERROR_CORRECT_L, "m": constants.ERROR_CORRECT_M,
              "q": constants.ERROR_CORRECT_Q, "h": constants.ERROR_CORRECT_H}
    code = qrcode.QRCode(error_correction=levels[error], box_size=box_size, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg_markup(data: str, *, scale: int = 5, error: str = "m") -> Markup:
    """The QR as an SVG element to put in a page: a white square with its quiet zone and one
    black path, ``scale`` pixels a module; presentation attributes only, no style."""
    matrix = _screen_code(data, error).get_matrix()  # with the quiet zone
    side = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < side:
            if row[x]:
                start = x
                while x < side and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    pixels = side * scale
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{pixels}" height="{pixels}" '
                  f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
                  f'<rect width="{side}" height="{side}" fill="#fff"/>'
                  f'<path fill="#000" d="{"".join(runs)}"/></svg>')


def qr_svg(data: str, *, scale: int = 8, error: str = "m") -> bytes:
    """A standalone SVG document (its own namespace and size, white background: scans on any page)."""
    return str(qr_svg_markup(data, scale=scale, error=error)).encode()


def qr_png(data: str, *, scale: int = 10, error: str = "m") -> bytes:
    """A PNG, ``scale`` pixels a module, with the quiet zone."""
    buffer = BytesIO()
    _screen_code(data, error, box_size=scale).make_image().save(buffer, format="PNG")
    return buffer.getvalue()


# --- PDF paths ----------------------------------------------------------------------------------

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
    return " ".join(parts)


def qr_path(data: str, error: str = "m") -> tuple[int, str]:
    """(modules a side, path operators) of a QR: everything pdf.draw_qr_path needs."""
    rows = qr_rows(data, error)
    return len(rows), qr_path_operators(rows)


def _worker(error: str) -> None:
    codes = sys.stdin.read().split()
    out = sys.stdout
    for code in codes:
        side, operators = qr_path(code, error)
        out.write(f"{side}\t{operators}\n")
    out.flush()


if __name__ == "__main__":
    _worker(sys.argv[1] if len(sys.argv) > 1 else "m")
