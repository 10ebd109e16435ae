"""The printed badge: one A6 page, four A6 badges on an A4 sheet with cut marks, or a label.

This module is the one owner of badge layouts: the batch PDF, the one-badge PDF, the print
station's label (PDF and the HTML label a browser prints, whose page sizes come from
``LABELS`` through ``label_css``) all take their sizes from here.

A label (100×75 mm, 4×3 in, a CR80 card) is landscape: the names and organization on the
left, the QR on the right as tall as the label allows, the category band along the bottom.

Layout of a badge, top to bottom: the event (title in both scripts, date), the name large
(local script first, then Latin), position, organization, the QR code (46 mm including its
quiet zone: modules of about 1 mm scan from arm's length), and the category band in the
category's colour (none for a guest without a category). Long names and organizations shrink,
then wrap to two lines.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO

from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from eventsvc.core import colors
from eventsvc.documents.pdf import (
    FONT,
    draw_qr_path,
    fit_font_size,
    fit_lines,
    new_canvas,
    qr_path,
    qr_paths,
)

SINGLE = "single"
SHEET = "sheet"
LABEL_100X75 = "label_100x75"
LABEL_4X3 = "label_4x3in"
CARD_CR80 = "card_cr80"


@dataclass(frozen=True)
class PageSize:
    """One page per badge of this size (millimetres, as printed on the label roll's box)."""

    key: str
    width_mm: float
    height_mm: float

    @property
    def size(self) -> tuple[float, float]:
        return self.width_mm * mm, self.height_mm * mm


#: one badge a page: A6, and the common label sizes of desk label printers
PAGES = {
    SINGLE: PageSize(SINGLE, 105, 148),
    LABEL_100X75: PageSize(LABEL_100X75, 100, 75),
    LABEL_4X3: PageSize(LABEL_4X3, 101.6, 76.2),
    CARD_CR80: PageSize(CARD_CR80, 85.6, 54),
}
#: what a print station can print on (the A4 sheet is for batches only)
STATION_LAYOUTS = (SINGLE, LABEL_100X75, LABEL_4X3, CARD_CR80)
LAYOUTS = (SINGLE, SHEET, LABEL_100X75, LABEL_4X3, CARD_CR80)

WIDTH, HEIGHT = A6
MARGIN = 7 * mm
TEXT_WIDTH = WIDTH - 2 * MARGIN
QR_SIZE = 46 * mm
BAND_HEIGHT = 19 * mm

#: a badge on the A4 sheet is drawn at this scale, leaving a white margin for the cut marks
SHEET_SCALE = 0.92
CUT_MARK = 4 * mm


@dataclass(frozen=True)
class BadgeContent:
    """Everything printed on one badge, plain values (no database rows)."""

    code: str
    name: str
    name_local: str = ""
    position: str = ""
    position_local: str = ""
    organization: str = ""
    organization_local: str = ""
    category: str = ""
    category_local: str = ""
    color: str = "#4a5568"
    event_title: str = ""
    event_title_local: str = ""
    event_date: str = ""


def _centred(canvas: Canvas, text: str, y: float, start: float, minimum: float = 6,
             grey: float = 0) -> float:
    """One centred line shrunk to the text width; returns the size used."""
    size = fit_font_size(text, TEXT_WIDTH, start, minimum)
    canvas.setFillGray(grey)
    canvas.setFont(FONT, size)
    canvas.drawCentredString(WIDTH / 2, y, text)
    return size


def _centred_lines(canvas: Canvas, text: str, top: float, start: float, minimum: float = 6,
                   grey: float = 0) -> float:
    """Centred text that wraps to two lines when one would be too small; returns the y below it."""
    lines, size = fit_lines(text, TEXT_WIDTH, start, minimum)
    canvas.setFillGray(grey)
    canvas.setFont(FONT, size)
    y = top - size
    for line in lines:
        canvas.drawCentredString(WIDTH / 2, y, line)
        y -= size * 1.15
    return y + size * 1.15 - size * 0.35


def draw_badge(canvas: Canvas, badge: BadgeContent, qr: tuple[int, str] | None = None) -> None:
    """Draw one badge with its lower-left corner at the canvas origin, A6 sized.

    ``qr``: the code's ``qr_path``, when it was encoded ahead (in another process)."""
    canvas.setStrokeGray(0.85)
    canvas.setLineWidth(0.5)
    canvas.rect(0, 0, WIDTH, HEIGHT, stroke=1, fill=0)

    # the event
    y = HEIGHT - MARGIN - 10
    title_size = fit_font_size(badge.event_title_local or badge.event_title, TEXT_WIDTH, 11, 6)
    _centred(canvas, badge.event_title_local or badge.event_title, y, title_size, 6, grey=0.15)
    y -= 11
    if badge.event_title_local and badge.event_title:
        _centred(canvas, badge.event_title, y, 8, 5, grey=0.35)
        y -= 10
    if badge.event_date:
        _centred(canvas, badge.event_date, y, 7.5, 5, grey=0.35)
    canvas.setStrokeGray(0.8)
    canvas.line(MARGIN, HEIGHT - 58, WIDTH - MARGIN, HEIGHT - 58)

    # the name, large: local script first where there is one
    top = HEIGHT - 64
    if badge.name_local:
        top = _centred_lines(canvas, badge.name_local, top, 34, 12)
        top = _centred_lines(canvas, badge.name, top - 4, 18, 8, grey=0.1)
    else:
        top = _centred_lines(canvas, badge.name, top, 30, 10)

    # position and organization
    top -= 6
    for text, start, grey in ((badge.position_local, 10, 0.2), (badge.position, 8.5, 0.3),
                              (badge.organization_local, 11, 0.05), (badge.organization, 9, 0.2)):
        if text:
            top = _centred_lines(canvas, text, top, start, 5.5, grey=grey) - 2

    # the QR, centred in the space left, as large as it allows but never under 40 mm
    label = " · ".join(t for t in (badge.category_local, badge.category) if t)
    floor = BAND_HEIGHT if label else MARGIN
    space = top - 2 - floor
    qr_size = max(40 * mm, min(QR_SIZE, space))
    bottom = floor + max(0, (space - qr_size) / 2)
    draw_qr_path(canvas, qr or qr_path(badge.code), (WIDTH - qr_size) / 2, bottom, qr_size)

    # the category band; a guest without a category gets none (an empty band reads as a category)
    if not label:
        return
    canvas.setFillColorRGB(*colors.rgb(badge.color))
    canvas.rect(0, 0, WIDTH, BAND_HEIGHT, stroke=0, fill=1)
    canvas.setFillColorRGB(*colors.rgb(colors.text_color_on(badge.color)))
    size = fit_font_size(label, TEXT_WIDTH, 22, 8)
    canvas.setFont(FONT, size)
    canvas.drawCentredString(WIDTH / 2, (BAND_HEIGHT - size * 0.7) / 2, label)


def draw_label(canvas: Canvas, badge: BadgeContent, size: tuple[float, float],
               qr: tuple[int, str] | None = None) -> None:
    """Draw one landscape label filling ``size``: text on the left, the QR on the right."""
    width, height = size
    margin = max(2.5 * mm, height * 0.05)
    label = " · ".join(t for t in (badge.category_local, badge.category) if t)
    band = height * 0.17 if label else 0
    qr_size = min(height - band - margin, width * 0.45)
    draw_qr_path(canvas, qr or qr_path(badge.code), width - qr_size - margin * 0.5,
                 band + (height - band - qr_size) / 2, qr_size)
    text_left, text_width = margin, width - qr_size - margin * 1.5
    scale = height / (75 * mm)  # type sizes are set for a 75 mm label

    def lines(text: str, top: float, start: float, minimum: float, grey: float) -> float:
        found, font_size = fit_lines(text, text_width, start * scale, minimum)
        canvas.setFillGray(grey)
        canvas.setFont(FONT, font_size)
        y = top - font_size
        for line in found:
            canvas.drawString(text_left, y, line)
            y -= font_size * 1.15
        return y + font_size * 1.15 - font_size * 0.35

    top = height - margin
    title = badge.event_title_local or badge.event_title
    if title:
        top = lines(title, top, 7.5, 4.5, 0.35) - 3 * scale
    if badge.name_local:
        top = lines(badge.name_local, top, 26, 9, 0) - 2 * scale
        top = lines(badge.name, top, 13, 6, 0.1) - 3 * scale
    else:
        top = lines(badge.name, top, 22, 8, 0) - 3 * scale
    for text, start, grey in ((badge.position_local or badge.position, 8, 0.25),
                              (badge.organization_local, 9, 0.05), (badge.organization, 7.5, 0.2)):
        if text and top > band + 10 * scale:
            top = lines(text, top, start, 4.5, grey) - 1.5 * scale
    if not label:
        return
    canvas.setFillColorRGB(*colors.rgb(badge.color))
    canvas.rect(0, 0, width, band, stroke=0, fill=1)
    canvas.setFillColorRGB(*colors.rgb(colors.text_color_on(badge.color)))
    font_size = fit_font_size(label, width - 2 * margin, 14 * scale, 6)
    canvas.setFont(FONT, font_size)
    canvas.drawCentredString(width / 2, (band - font_size * 0.7) / 2, label)


def label_css() -> str:
    """The HTML label's page sizes, one CSS named page per layout (from ``PAGES``)."""
    rules = []
    for page in PAGES.values():
        name = page.key.replace("_", "-")
        rules.append(f"@page {name} {{ size: {page.width_mm}mm {page.height_mm}mm; margin: 0; }}\n"
                     f".label-{name} {{ page: {name}; width: {page.width_mm}mm; height: {page.height_mm}mm; }}")
    return "\n".join(rules) + "\n"


def _cut_marks(canvas: Canvas, x0: float, y0: float, w: float, h: float) -> None:
    """Short lines outside each corner of a badge, where the guillotine cuts."""
    canvas.setStrokeGray(0)
    canvas.setLineWidth(0.3)
    gap = 1.5 * mm
    for x in (x0, x0 + w):
        for y, direction in ((y0, -1), (y0 + h, 1)):
            canvas.line(x, y + direction * gap, x, y + direction * (gap + CUT_MARK))
    for y in (y0, y0 + h):
        for x, direction in ((x0, -1), (x0 + w, 1)):
            canvas.line(x + direction * gap, y, x + direction * (gap + CUT_MARK), y)


def render_badges(badges: Sequence[BadgeContent], layout: str = SINGLE, *, title: str = "Badges",
                  progress: Callable[[int], None] | None = None, progress_every: int = 25) -> bytes:
    """A PDF of the badges: one per page (A6 or a label), or four per A4 sheet with cut marks."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown badge layout {layout!r}")
    buffer = BytesIO()
    page = PAGES.get(layout)
    canvas = new_canvas(buffer, page.size if page else A4, title=title)
    page_w, page_h = A4
    cell_w, cell_h = page_w / 2, page_h / 2
    w, h = WIDTH * SHEET_SCALE, HEIGHT * SHEET_SCALE
    done = 0
    on_sheet = 0
    qrs = qr_paths([badge.code for badge in badges])
    for done, (badge, qr) in enumerate(zip(badges, qrs, strict=True), start=1):
        if layout == SINGLE:
            draw_badge(canvas, badge, qr)
            canvas.showPage()
        elif page:
            draw_label(canvas, badge, page.size, qr)
            canvas.showPage()
        else:
            column, row = on_sheet % 2, on_sheet // 2
            x0 = column * cell_w + (cell_w - w) / 2
            y0 = page_h - (row + 1) * cell_h + (cell_h - h) / 2
            _cut_marks(canvas, x0, y0, w, h)
            canvas.saveState()
            canvas.translate(x0, y0)
            canvas.scale(SHEET_SCALE, SHEET_SCALE)
            draw_badge(canvas, badge, qr)
            canvas.restoreState()
            on_sheet += 1
            if on_sheet == 4:
                canvas.showPage()
                on_sheet = 0
        if progress and done % progress_every == 0:
            progress(done)
    if layout == SHEET and on_sheet:
        canvas.showPage()
    if done == 0:
        canvas.showPage()  # an empty but valid PDF
    canvas.save()
    if progress:
        progress(done)
    return buffer.getvalue()
