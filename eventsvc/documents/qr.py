"""QR modules and their PDF path, with nothing but the encoder imported.

zxing-cpp's C++ encoder takes 0.1 ms a code; segno, the fallback, 4-5 ms (it scores all
eight masks in Python). Run as a script, this module is the worker that pdf.qr_paths
starts for large batches: codes in on stdin, one line per code out, "<side>\t<operators>".
"""

import re
import sys

import segno

try:
    import zxingcpp
except ImportError:  # pragma: no cover - zxing-cpp is a dependency; segno is the slow fallback
    zxingcpp = None

_DARK_RUN = re.compile(rb"\x01+")
_DARK_IS_ONE = bytes([1] + [0] * 255)


def qr_rows(data: str, error: str = "m") -> list[bytes]:
    """The QR modules of ``data`` as one bytes row per module row, 1 = dark (never a Micro QR)."""
    if zxingcpp is not None:
        symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=error.upper())
        pixels = bytes(symbol.to_image(scale=1, add_quiet_zones=False))  # 0 = dark, 255 = light
        size = int(len(pixels) ** 0.5)
        flat = pixels.translate(_DARK_IS_ONE)
        return [flat[i:i + size] for i in range(0, size * size, size)]
    return [bytes(row) for row in segno.make_qr(data, error=error).matrix]


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
