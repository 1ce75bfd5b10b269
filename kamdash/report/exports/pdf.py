"""The one-page A4 meeting brief of an account as PDF (fpdf2).

One page a KAM can print and take into the meeting: the account and period, eight KPIs with
their change vs the prior year, two small charts (revenue and margin trend, PVM bridge), then
the brief itself: before the meeting (who to meet, the renewal, opportunities to advance,
documents to sign; from the CRM tables when the export has them), what changed, what to raise,
whitespace and talking points. Written for black
and white printers: black text on white, meaning carried by signs and words, never by colour,
and print charts in grey levels (`qbr_charts`). Text uses the DejaVu Sans shipped in
`kamdash/report/fonts`, embedded in the file, so Cyrillic prints anywhere. Content that would
not fit the page is cut with an ellipsis rather than spilling onto a second page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kamdash.engine.measures import Language
from kamdash.engine.periods import DateLike
from kamdash.engine.store import Store
from kamdash.report.exports import qbr
from kamdash.report.exports.images import FONT_BOLD, FONT_REGULAR, chart_png, png_size
from kamdash.report.exports.qbr import QbrData, t
from kamdash.report.formatting import format_date, format_days, format_money, format_period

FONT = "DejaVu"
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0  # A4 in mm
MARGIN = 13.0
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
BOTTOM = PAGE_HEIGHT - 16.0  # the text stops here; the footer sits below
INK = (0, 0, 0)
GREY = (90, 90, 90)
RULE = (170, 170, 170)
LINE = 3.9  # mm per line of body text
BODY_SIZE = 8.2
MAX_NAMED_DOCUMENTS = 4


def build_pdf(
    store: Store,
    account_id: str,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    language: Language = "en",
) -> bytes:
    """The account's one-page meeting brief as PDF bytes."""
    return pdf_from(qbr.collect(store, account_id, start, end, as_of, language))


class _Page:
    """Writes top to bottom and refuses to pass the bottom of the single page."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.full = False

    def fits(self, height: float) -> bool:
        # one line is kept free at the bottom for the ellipsis that says something was cut
        return self.pdf.get_y() + height <= BOTTOM - LINE

    def paragraph(
        self,
        text: str,
        *,
        size: float = BODY_SIZE,
        bold: bool = False,
        colour: tuple[int, int, int] = INK,
        indent: float = 0.0,
        bullet: str | None = None,
        after: float = 0.6,
    ) -> bool:
        """One wrapped paragraph; False (and an ellipsis) when the page is full."""
        if self.full:
            return False
        pdf = self.pdf
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.set_text_color(*colour)
        width = BODY_WIDTH - indent - (4.0 if bullet else 0.0)
        lines: list[str] = pdf.multi_cell(  # type: ignore[assignment]
            width, LINE, text, align="L", dry_run=True, output="LINES"
        )
        if not self.fits(LINE * len(lines) + after):
            self._cut()
            return False
        if bullet:
            pdf.set_x(MARGIN + indent)
            pdf.cell(4.0, LINE, bullet)
            pdf.set_x(MARGIN + indent + 4.0)
        else:
            pdf.set_x(MARGIN + indent)
        pdf.multi_cell(width, LINE, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(pdf.get_y() + after)
        return True

    def _cut(self) -> None:
        if not self.full:
            self.full = True
            self.pdf.set_font(FONT, "", BODY_SIZE)
            self.pdf.set_text_color(*GREY)
            self.pdf.set_x(MARGIN)
            self.pdf.cell(BODY_WIDTH, LINE, "…", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> bool:
        if self.full or not self.fits(LINE * 3):
            self._cut()
            return False
        pdf = self.pdf
        pdf.set_y(pdf.get_y() + 1.6)
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_text_color(*INK)
        pdf.cell(BODY_WIDTH, 5.0, text.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + BODY_WIDTH, pdf.get_y())
        pdf.set_y(pdf.get_y() + 1.2)
        return True


def pdf_from(data: QbrData) -> bytes:
    brief, lang = data.brief, data.language
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_REGULAR))
    pdf.add_font(FONT, "B", str(FONT_BOLD))
    pdf.set_auto_page_break(False)  # one page: overflow is cut by _Page, never paginated
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(f"{t('brief.title', lang)}: {brief.account_name}")
    pdf.set_author(brief.kam_name or "")
    pdf.set_creator("kamdash")
    pdf.set_lang("ru-RU" if lang == "ru" else "en-US")
    pdf.add_page()

    period = format_period(brief.period.start, brief.period.end, lang)
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*INK)
    pdf.multi_cell(BODY_WIDTH, 7.5, brief.account_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    meta = [
        t("brief.title", lang),
        t("period", lang, period=period),
        t("kam", lang, name=brief.kam_name or "—"),
        t("industry", lang, industry=brief.industry),
        t("as_of", lang, date=format_date(brief.as_of, lang)),
    ]
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(BODY_WIDTH, 4.2, " · ".join(meta), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 2.5)

    _kpis(pdf, data)
    _charts(pdf, data)

    page = _Page(pdf)
    _brief_text(page, data)
    _footer(pdf, data)
    return bytes(pdf.output())


def _kpis(pdf: FPDF, data: QbrData) -> None:
    lang = data.language
    tiles = qbr.kpis(data)
    columns, gap = 4, 3.0
    width = (BODY_WIDTH - gap * (columns - 1)) / columns
    height = 20.0
    top = pdf.get_y()
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    for index, kpi in enumerate(tiles):
        row, column = divmod(index, columns)
        x = MARGIN + column * (width + gap)
        y = top + row * (height + gap)
        pdf.rect(x, y, width, height)
        pdf.set_xy(x + 2.0, y + 1.4)
        pdf.set_font(FONT, "", 7.2)
        pdf.set_text_color(*GREY)
        pdf.cell(width - 4.0, 3.4, kpi.label)
        pdf.set_xy(x + 2.0, y + 5.0)
        pdf.set_font(FONT, "B", 12.5)
        pdf.set_text_color(*INK)
        pdf.cell(width - 4.0, 6.0, kpi.text)
        notes = []
        if kpi.versus is not None:
            notes.append(f"{kpi.versus} {t('vs_prior_year', lang)}")
        if kpi.plan is not None:
            notes.append(kpi.plan)
        pdf.set_font(FONT, "", 6.8)
        pdf.set_text_color(*GREY)
        for offset, note in enumerate(notes):
            pdf.set_xy(x + 2.0, y + 11.6 + 3.4 * offset)
            pdf.cell(width - 4.0, 3.4, note)
    rows = (len(tiles) + columns - 1) // columns
    pdf.set_xy(MARGIN, top + rows * (height + gap) + 1.0)


def _charts(pdf: FPDF, data: QbrData) -> None:
    gap = 4.0
    width = (BODY_WIDTH - gap) / 2
    top = pdf.get_y()
    tallest = 0.0
    charts = [qbr.print_trend_chart(data)]
    if qbr.has_bridge(data):
        charts.append(qbr.print_bridge_chart(data))
    for index, chart in enumerate(charts):
        png = chart_png(chart, data.stamp, width=430)
        pixels_w, pixels_h = png_size(png)
        height = width * pixels_h / pixels_w
        pdf.image(io.BytesIO(png), x=MARGIN + index * (width + gap), y=top, w=width, h=height)
        tallest = max(tallest, height)
    pdf.set_xy(MARGIN, top + tallest + 1.0)


def _brief_text(page: _Page, data: QbrData) -> None:
    brief, lang = data.brief, data.language
    if brief.meeting_points:
        # who to meet, the renewal, what to advance and what to bring for signature come
        # first: they are what the KAM walks in with, and stay on the page whatever is cut
        page.heading(t("section.meeting", lang))
        for point in brief.meeting_points:
            page.paragraph(point, bullet="•", after=0.3)
    page.heading(t("section.changed", lang))
    for comparison in brief.comparisons:
        text = comparison.summary
        if comparison.pvm_headline:
            text += f"; {t('pvm', lang)}: {comparison.pvm_headline}"
        page.paragraph(text, bullet="•")
    year = brief.prior_year
    movers = [
        f"{p.product_name} {format_money(p.change, lang, short=True, signed=True)}"
        for p in (*year.products_up, *year.products_down)
    ]
    if movers:
        label = f"{t('section.products_up', lang)} / {t('section.products_down', lang)}"
        page.paragraph(f"{label} ({year.base.versus}): " + "; ".join(movers), bullet="•")

    page.heading(t("section.raise", lang))
    if not brief.issues:
        page.paragraph(t("none.raise", lang), colour=GREY)
    for issue in brief.issues:
        page.paragraph(issue.text, bullet="•")
        if issue.kind == "overdue":
            _documents(page, data)

    page.heading(t("section.whitespace", lang))
    if not brief.whitespace:
        page.paragraph(t("none.whitespace", lang), colour=GREY)
    for item in brief.whitespace[:3]:
        page.paragraph(item.text, bullet="•")

    page.heading(t("section.talking", lang))
    for number, point in enumerate(brief.talking_points, start=1):
        page.paragraph(point, bullet=f"{number}.")


def _documents(page: _Page, data: QbrData) -> None:
    lang = data.language
    documents = data.brief.overdue_documents
    lines: Sequence[str] = [
        f"{doc.item_id} · {format_date(doc.item_date, lang)} · "
        f"{format_days(doc.days_past_due, lang)} · {format_money(doc.open_balance, lang)}"
        for doc in documents[:MAX_NAMED_DOCUMENTS]
    ]
    for line in lines:
        page.paragraph(line, size=7.6, colour=GREY, indent=4.0, bullet="–", after=0.0)
    if len(documents) > MAX_NAMED_DOCUMENTS:
        more = t("more", lang, count=len(documents) - MAX_NAMED_DOCUMENTS)
        page.paragraph(more, size=7.6, colour=GREY, indent=8.0, after=0.0)
    page.pdf.set_y(page.pdf.get_y() + 0.6)


def _footer(pdf: FPDF, data: QbrData) -> None:
    parts = [data.footer()]
    exported = data.exported()
    if exported is not None:
        parts.append(exported)
    parts.append("kamdash")
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, PAGE_HEIGHT - 12.5, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 12.5)
    pdf.set_xy(MARGIN, PAGE_HEIGHT - 11.5)
    pdf.set_font(FONT, "", 7.2)
    pdf.set_text_color(*GREY)
    pdf.cell(BODY_WIDTH, 4.0, " · ".join(parts))
