"""What every PDF of ours needs: an embedded font with Chinese, and QR codes drawn as vectors.

reportlab embeds the TrueType outlines of WenQuanYi Micro Hei (a subset per document).
A QR code is drawn as one vector path: twice as fast and far smaller than a PNG. The
path is written as PDF operators in module units (integers, one ``re`` per run of dark
modules) under one scaling matrix, which keeps a 1,000-badge batch fast and small.

QR matrices come from zxing-cpp's C++ encoder (see qr.py).
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from eventsvc.documents.qr import qr_path, qr_path_operators, qr_rows  # noqa: F401 (part of this API)

FONT_FILE = Path(__file__).parent / "fonts" / "wqy-microhei.ttc"
#: the name to pass to setFont; covers Latin and Chinese
FONT = "WQYMicroHei"

# Streams are deflated binary, not also ASCII85-armoured: reportlab's pure-Python ASCII85 took
# 40% of a 1,000-badge batch and made the file a quarter larger. Every reader handles binary.
rl_config.useA85 = 0

QR_WORKER = str(Path(__file__).with_name("qr.py"))


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

@lru_cache(maxsize=512)
def qr_matrix(data: str, error: str = "m") -> tuple[tuple[int, ...], ...]:
    """The QR modules of ``data`` (a regular QR, never a Micro QR: most scanners can't read those)."""
    return tuple(tuple(row) for row in qr_rows(data, error))


def qr_version(data: str, error: str = "m") -> int:
    """The version of the QR that ``qr_rows`` draws for ``data`` (21 modules = version 1)."""
    return (len(qr_rows(data, error)) - 17) // 4


def qr_paths(codes: list[str], error: str = "m", *, parallel_from: int = 200) -> Iterator[tuple[int, str]]:
    """``qr_path`` of every code, in order.

    From ``parallel_from`` codes on, a worker process per spare core (eventsvc/documents/qr.py
    run as a script: a clean interpreter, nothing forked from a threaded web worker) encodes
    them while this process draws the rest of the pages: QR encoding is about half the time of
    a badge batch. If a worker fails, this process encodes what is missing.
    """
    workers = min(3, (os.cpu_count() or 1) - 1)
    if os.environ.get("EVENTSVC_QR_WORKERS", "").isdigit():  # 0: encode in this process
        workers = int(os.environ["EVENTSVC_QR_WORKERS"])
    if len(codes) < parallel_from or workers < 1:
        yield from (qr_path(code, error) for code in codes)
        return
    size = -(-len(codes) // workers)
    slices = [codes[i:i + size] for i in range(0, len(codes), size)]
    processes = []
    try:
        for part in slices:
            process = subprocess.Popen([sys.executable, QR_WORKER, error], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            # the worker reads all its codes before it writes: no pipe deadlock
            process.stdin.write("\n".join(part) + "\n")
            process.stdin.close()
            processes.append(process)
    except OSError:
        pass
    try:
        for index, part in enumerate(slices):
            done = 0
            if index < len(processes):
                for line in processes[index].stdout:
                    side, _, operators = line.rstrip("\n").partition("\t")
                    if done >= len(part) or not side.isdigit():
                        break
                    yield int(side), operators
                    done += 1
            yield from (qr_path(code, error) for code in part[done:])
    finally:
        for process in processes:
            process.kill()
            process.wait()
            process.stdout.close()


def draw_qr_path(canvas: Canvas, qr: tuple[int, str], x: float, y: float, size: float, *,
                 quiet_zone: int = 4) -> None:
    """Draw a QR from ``qr_path`` with its lower-left corner at (x, y), ``size`` wide with its quiet zone."""
    side, operators = qr
    cell = size / (side + 2 * quiet_zone)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    # One path, one fill: abutting runs are filled as one shape, so no hairlines between them.
    top_left_x = x + quiet_zone * cell
    top_left_y = y + size - quiet_zone * cell
    canvas.addLiteral(f"{cell:.5f} 0 0 {cell:.5f} {top_left_x:.3f} {top_left_y:.3f} cm\n{operators}\nf")
    canvas.restoreState()


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float, *, error: str = "m",
            quiet_zone: int = 4) -> None:
    """Draw a QR code with its lower-left corner at (x, y), ``size`` wide including the quiet zone."""
    draw_qr_path(canvas, qr_path(data, error), x, y, size, quiet_zone=quiet_zone)


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
