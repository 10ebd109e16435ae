"""Certificate PDFs (A4 landscape, English and Chinese on one page) and the stage manager's run sheet.

The certificate shows the program, recipient, number, dates, issuer and presenter,
and a QR code of its public verification URL (which carries the unguessable
verification code, not the number).
"""

import io
from collections.abc import Iterable
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

from babel.dates import format_date
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from eventsvc.awards.enums import AwardProgramKind, AwardStatus
from eventsvc.awards.links import verification_url, verify_link
from eventsvc.awards.models import Award
from eventsvc.awards.service import group_by_ceremony
from eventsvc.documents.pdf import FONT, draw_qr, fit_font_size, new_canvas, register_fonts

PAGE = landscape(A4)
INK = colors.HexColor("#1a202c")
BRAND = colors.HexColor("#0b6e4f")
GOLD = colors.HexColor("#b7791f")
MUTED = colors.HexColor("#4a5568")

KIND_TITLES = {
    AwardProgramKind.LICENSE: ("LICENSE", "许可证书"),
    AwardProgramKind.CERTIFICATE: ("CERTIFICATE", "证书"),
    AwardProgramKind.HONOUR: ("CERTIFICATE OF HONOUR", "荣誉证书"),
}


def en_date(day: date) -> str:
    return format_date(day, "long", locale="en")


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def recipient_lines(award: Award) -> list[tuple[str, str | None]]:
    """(Latin, local) name pairs of the recipient: the organization, then the person."""
    lines = []
    for party in (award.recipient_organization, award.recipient_person):
        if party is not None:
            lines.append((party.name, party.name_local))
    return lines


def certificates_pdf(awards: Iterable[Award], *, title: str = "Certificates", progress=None) -> bytes:
    """One page per award; a batch is the same document with more pages (``progress(done)`` after each)."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, PAGE, title=title)
    for done, award in enumerate(awards, 1):
        draw_certificate(canvas, award, verification_url(award))
        canvas.showPage()
        if progress:
            progress(done)
    canvas.save()
    return buffer.getvalue()


def _centered(canvas: Canvas, text: str | None, y: float, size: float, *, color=INK,
              max_width: float = PAGE[0] - 140 * mm / 2) -> None:
    if not text:
        return
    size = fit_font_size(text, max_width, size)
    canvas.setFont(FONT, size)
    canvas.setFillColor(color)
    canvas.drawCentredString(PAGE[0] / 2, y, text)


def _facts(award: Award) -> list[tuple[str, str]]:
    """The labelled lines in the certificate's footer."""
    issuer = award.program.issuer
    facts = [("证书编号 Certificate No.", award.certificate_number),
             ("颁发日期 Date of issue", f"{zh_date(award.issue_date)}  {en_date(award.issue_date)}")]
    if award.valid_until:
        facts.append(("有效期至 Valid until", f"{zh_date(award.valid_until)}  {en_date(award.valid_until)}"))
    if issuer is not None:
        facts.append(("颁发机构 Issued by", " ".join(n for n in (issuer.name_local, issuer.name) if n)))
    if award.presenter is not None:
        facts.append(("颁奖人 Presented by",
                      " ".join(n for n in (award.presenter.name_local, award.presenter.name) if n)))
    return facts


def wrap(text: str | None, size: float, max_width: float, *, max_lines: int) -> list[str]:
    """Lines of ``text`` that fit ``max_width``: broken at spaces, or anywhere in Chinese."""
    lines, line = [], ""
    for char in (text or "").strip():
        if stringWidth(line + char, FONT, size) <= max_width:
            line += char
            continue
        cut = line.rfind(" ")
        head, rest = (line[:cut], line[cut + 1:]) if cut > 0 and not char.isspace() else (line, "")
        lines.append(head.rstrip())
        line = (rest + char).lstrip()
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def draw_certificate(canvas: Canvas, award: Award, url: str) -> None:
    width, height = PAGE
    program, issuer = award.program, award.program.issuer
    _frame(canvas)

    if issuer is not None:
        _centered(canvas, issuer.name_local, height - 30 * mm, 13, color=MUTED)
        _centered(canvas, issuer.name, height - 36 * mm, 10, color=MUTED)
    title_en, title_zh = KIND_TITLES[program.kind]
    if award.status == AwardStatus.REVOKED:
        title_en, title_zh = f"{title_en} — REVOKED", f"{title_zh}（已撤销）"
    _centered(canvas, title_zh, height - 51 * mm, 30, color=BRAND)
    _centered(canvas, title_en, height - 59 * mm, 14, color=BRAND)
    _centered(canvas, program.name_local, height - 71 * mm, 15)
    _centered(canvas, program.name, height - 77 * mm, 11)
    _centered(canvas, "兹授予 · Awarded to", height - 88 * mm, 10, color=MUTED)

    facts = _facts(award)
    footer_top = 26 * mm + len(facts) * 6 * mm + 2 * mm
    # the recipient (an organization, a person, or a person of an organization), then the citation
    y = height - 100 * mm
    for index, (latin, local) in enumerate(recipient_lines(award)):
        big, small = (24, 13) if index == 0 else (17, 11)
        if local:
            _centered(canvas, local, y, big)
            y -= big + 8  # points
        _centered(canvas, latin, y, small if local else big)
        y -= small + 16 if local else big + 10
    citation = [(line, 11) for line in wrap(award.citation_local, 11, width - 90 * mm, max_lines=2)] + \
               [(line, 10) for line in wrap(award.citation, 10, width - 90 * mm, max_lines=2)]
    room = int((y - footer_top) // (5.5 * mm)) + 1
    if len(citation) > room:  # a long citation gives way to the facts below: fewer lines, shortened
        citation = citation[:max(room, 0)]
        if citation:
            citation[-1] = (citation[-1][0][:-1] + "…", citation[-1][1])
    for line, size in citation:
        _centered(canvas, line, y, size, color=MUTED)
        y -= 5.5 * mm

    _footer(canvas, facts, url)


# --- certificates of attendance ------------------------------------------------------------------

def attendance_pdf(certificate) -> bytes:
    """A certificate of attendance (eventsvc.awards.attendance), one A4 landscape page, both languages."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, PAGE, title=certificate.certificate_number)
    draw_attendance_certificate(canvas, certificate, verify_link(certificate.verification_code) or "")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _frame(canvas: Canvas) -> None:
    width, height = PAGE
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)


def _footer(canvas: Canvas, facts: list[tuple[str, str]], url: str) -> None:
    """Facts on the left, the verification QR on the right."""
    width = PAGE[0]
    left, base = 28 * mm, 26 * mm
    label_width = max(stringWidth(label, FONT, 9) for label, _ in facts) + 4 * mm
    for i, (label, value) in enumerate(reversed(facts)):
        line_y = base + i * 6 * mm
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 9)
        canvas.drawString(left, line_y, label)
        canvas.setFillColor(INK)
        canvas.setFont(FONT, fit_font_size(value, width - 110 * mm - label_width, 10))
        canvas.drawString(left + label_width, line_y, value)
    qr_size = 34 * mm
    qr_x, qr_y = width - 28 * mm - qr_size, 22 * mm
    draw_qr(canvas, url, qr_x, qr_y, qr_size)
    canvas.setFillColor(MUTED)
    canvas.setFont(FONT, 7)
    canvas.drawCentredString(qr_x + qr_size / 2, qr_y - 3 * mm, "扫码验证 Scan to verify")


def draw_attendance_certificate(canvas: Canvas, certificate, url: str) -> None:
    height = PAGE[1]
    rule, person = certificate.rule, certificate.person
    event, item = rule.event, rule.agenda_item
    _frame(canvas)
    _centered(canvas, event.title_local, height - 30 * mm, 13, color=MUTED)
    _centered(canvas, event.title, height - 36 * mm, 10, color=MUTED)
    title_en, title_zh = "CERTIFICATE OF ATTENDANCE", "出席证书"
    if certificate.revoked_at is not None:
        title_en, title_zh = f"{title_en} — REVOKED", f"{title_zh}（已撤销）"
    _centered(canvas, title_zh, height - 51 * mm, 30, color=BRAND)
    _centered(canvas, title_en, height - 59 * mm, 14, color=BRAND)
    _centered(canvas, "兹证明 · This is to certify that", height - 74 * mm, 10, color=MUTED)
    y = height - 90 * mm
    if person.name_local:
        _centered(canvas, person.name_local, y, 24)
        y -= 24 + 8
        _centered(canvas, person.name, y, 13)
        y -= 13 + 18
    else:
        _centered(canvas, person.name, y, 24)
        y -= 24 + 14
    if item is not None:
        _centered(canvas, "出席了 · attended the session", y, 10, color=MUTED)
        y -= 8 * mm
        _centered(canvas, item.title_local, y, 15)
        if item.title_local:
            y -= 6 * mm
        _centered(canvas, item.title, y, 11)
    else:
        _centered(canvas, "出席了本次活动 · attended the event", y, 10, color=MUTED)
    facts = [("证书编号 Certificate No.", certificate.certificate_number)]
    if item is not None:
        zone = ZoneInfo(event.timezone)
        start, end = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
        facts.append(("会议时间 Session", f"{zh_date(start.date())} {start:%H:%M}–{end:%H:%M}  "
                                          f"{en_date(start.date())}"))
    else:
        span = zh_date(event.start_date) if event.start_date == event.end_date else \
            f"{zh_date(event.start_date)}–{zh_date(event.end_date)}"
        facts.append(("活动日期 Event dates", span))
    facts.append(("颁发日期 Date of issue",
                  f"{zh_date(certificate.issue_date)}  {en_date(certificate.issue_date)}"))
    _footer(canvas, facts, url)


# --- run sheet --------------------------------------------------------------------------------

def run_sheet_pdf(event, awards: list[Award], *, zone) -> bytes:
    """The stage manager's list: ceremony by ceremony, in presentation order, both scripts."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=14 * mm, bottomMargin=14 * mm,
                            title=f"Run sheet · {event.title}", author="eventsvc")
    styles = {
        "title": ParagraphStyle("title", fontName=FONT, fontSize=15, leading=19, wordWrap="CJK"),
        "heading": ParagraphStyle("heading", fontName=FONT, fontSize=11.5, leading=15, textColor=BRAND,
                                  wordWrap="CJK", spaceBefore=8),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=11.5, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=9.5, textColor=MUTED,
                                wordWrap="CJK"),
    }
    story = [Paragraph(_escape(f"{event.title_local or ''}  {event.title}"), styles["title"]),
             Paragraph(_escape("颁奖流程单 · Award ceremony run sheet"), styles["small"])]
    for item, group in group_by_ceremony(awards):
        if item is not None:
            when = f"{item.starts_at.astimezone(zone):%H:%M}–{item.ends_at.astimezone(zone):%H:%M}"
            heading = f"{when}  {item.title_local or ''}  {item.title}"
        else:
            heading = "未安排仪式 · Not assigned to a ceremony"
        story.append(Paragraph(_escape(heading), styles["heading"]))
        rows = [[Paragraph(t, styles["small"]) for t in
                 ("#", "获奖方 Recipient", "颁奖人 Presenter", "项目 / 编号 Program / No.", "✓")]]
        for n, award in enumerate(group, start=1):
            rows.append([
                Paragraph(str(n), styles["cell"]),
                Paragraph(_pairs(recipient_lines(award)), styles["cell"]),
                Paragraph(_pairs([(award.presenter.name, award.presenter.name_local)])
                          if award.presenter else "—", styles["cell"]),
                Paragraph(_escape(award.program.name_local or award.program.name) + "<br/>"
                          + _escape(award.certificate_number), styles["small"]),
                Paragraph(_status_mark(award), styles["cell"]),
            ])
        table = Table(rows, colWidths=[9 * mm, 68 * mm, 45 * mm, 50 * mm, 10 * mm], repeatRows=1)
        boxes = [("BOX", (4, r), (4, r), 0.6, INK) for r in range(1, len(rows))]
        table.setStyle(TableStyle([
            *boxes,
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#cbd5e0")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#edf2f7")),
        ]))
        story += [table, Spacer(1, 4 * mm)]
    if not awards:
        story.append(Paragraph(_escape("尚无获奖方 · No awards yet"), styles["cell"]))
    doc.build(story, canvasmaker=partial(Canvas, initialFontName=FONT))
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pairs(pairs: list[tuple[str, str | None]]) -> str:
    out = []
    for latin, local in pairs:
        out.append(f"<b>{_escape(local)}</b><br/>{_escape(latin)}" if local else f"<b>{_escape(latin)}</b>")
    return "<br/>".join(out)


def _status_mark(award: Award) -> str:
    """A box the stage manager ticks; presented ones come ticked, revoked ones struck."""
    return {AwardStatus.PRESENTED: "✓", AwardStatus.REVOKED: "×"}.get(award.status, "")
