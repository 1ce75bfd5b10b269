"""The QBR deck of an account as PPTX (python-pptx), 16:9, ready to present.

Eight slides, always in this order so a KAM knows where things are: title (account, period,
KAM), key figures vs prior year and plan, revenue and margin trend, product mix, the PVM
bridge, receivables and payment behaviour, whitespace, talking points and next steps; an
export with the CRM tables adds a stakeholder slide (with contacts) and a pipeline slide
(with opportunities) after receivables. Charts
are the dashboard's own (`kamdash.report.charts`) rendered to PNG through `images.chart_png`, so a
slide shows exactly what the account page shows, with the same stamp. Every slide is footed
with the period and as-of date; all text is in the chosen language. Money on a slide is short
(`₽4.25M`, `kamdash.report.formatting`); the speaker notes of the key-figure, trend and mix slides
give those figures in full.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from kamdash.engine.measures import Language, measure
from kamdash.engine.periods import DateLike
from kamdash.engine.store import Store
from kamdash.report.brief import Brief
from kamdash.report.exports import qbr
from kamdash.report.exports.images import chart_png, png_size
from kamdash.report.exports.qbr import QbrData, t
from kamdash.report.formatting import (
    format_date,
    format_days,
    format_measure,
    format_money,
    format_percent,
    format_period,
)

# Arial has Cyrillic on every Windows and macOS machine and is substituted by a metric twin
# (Liberation Sans) elsewhere; the charts are images drawn with the shipped DejaVu Sans
FONT = "Arial"
NAVY = RGBColor(0x1F, 0x4E, 0x79)
ACCENT = RGBColor(0xE0, 0x7B, 0x00)
TEXT = RGBColor(0x2B, 0x34, 0x40)
MUTED = RGBColor(0x6B, 0x77, 0x85)
GOOD = RGBColor(0x2E, 0x7D, 0x4F)
BAD = RGBColor(0xC0, 0x39, 0x2B)
TILE = RGBColor(0xF3, 0xF6, 0xF9)
RULE = RGBColor(0xD0, 0xD7, 0xDE)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)

SLIDE_WIDTH = Emu(12_192_000)  # PowerPoint's own 16:9 size: 13.333 × 7.5 in
SLIDE_HEIGHT = Emu(6_858_000)
MARGIN = Inches(0.55)
CONTENT_TOP = Inches(1.35)
FOOTER_TOP = Inches(7.0)
CONTENT_BOTTOM = Inches(6.85)
CONTENT_WIDTH = SLIDE_WIDTH - 2 * MARGIN
TITLE_ONLY_LAYOUT = 5
TITLE_LAYOUT = 0
MAX_TABLE_ROWS = 5
MAX_STAKEHOLDER_ROWS = 9  # contact rows on the stakeholder slide (the last says how many more)
MAX_DEAL_ROWS = 9


def build_deck(
    store: Store,
    account_id: str,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    language: Language = "en",
) -> bytes:
    """The account's QBR deck as PPTX bytes."""
    return deck_from(qbr.collect(store, account_id, start, end, as_of, language))


def deck_from(data: QbrData) -> bytes:
    presentation = Presentation()
    presentation.slide_width = SLIDE_WIDTH
    presentation.slide_height = SLIDE_HEIGHT
    lang = data.language
    presentation.core_properties.title = f"{t('deck.kicker', lang)}: {data.brief.account_name}"
    presentation.core_properties.author = data.brief.kam_name or ""
    presentation.core_properties.language = "ru-RU" if lang == "ru" else "en-US"
    _title_slide(presentation, data)
    _kpi_slide(presentation, data)
    _trend_slide(presentation, data)
    _mix_slide(presentation, data)
    _bridge_slide(presentation, data)
    _receivables_slide(presentation, data)
    if data.stakeholders is not None:
        _stakeholder_slide(presentation, data)
    if data.opportunities is not None:
        _pipeline_slide(presentation, data)
    _whitespace_slide(presentation, data)
    _next_steps_slide(presentation, data)
    for number, slide in enumerate(presentation.slides, start=1):
        _footer(slide, data, number)
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


# -- building blocks ---------------------------------------------------------------------------


def _style_runs(frame: Any, size: float, colour: RGBColor, bold: bool = False) -> None:
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.name = FONT
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.color.rgb = colour


def _text(
    slide: Any,
    left: int,
    top: int,
    width: int,
    height: int,
    lines: Sequence[str] | str,
    *,
    size: float = 14,
    colour: RGBColor = TEXT,
    bold: bool = False,
    align: Any = PP_ALIGN.LEFT,
    anchor: Any = MSO_ANCHOR.TOP,
    bullets: bool = False,
    spacing: float = 6,
) -> Any:
    box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.05)
    for index, line in enumerate([lines] if isinstance(lines, str) else lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.space_after = Pt(spacing)
        run = paragraph.add_run()
        run.text = f"•  {line}" if bullets else line
        run.font.name = FONT
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = colour
    return box


def _titled_slide(presentation: Any, title: str) -> Any:
    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_ONLY_LAYOUT])
    shape = slide.shapes.title
    shape.left, shape.top = MARGIN, Inches(0.35)
    shape.width, shape.height = CONTENT_WIDTH, Inches(0.75)
    shape.text = title
    frame = shape.text_frame
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    _style_runs(frame, 28, NAVY, bold=True)
    rule = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, MARGIN, Inches(1.12), Inches(1.2), Inches(0.06)
    )
    _fill(rule, ACCENT)
    return slide


def _fill(shape: Any, colour: RGBColor, line: RGBColor | None = None) -> None:
    shape.fill.solid()
    shape.fill.fore_color.rgb = colour
    if line is None:
        shape.line.fill.background()
    else:
        shape.line.color.rgb = line
        shape.line.width = Pt(0.75)
    shape.shadow.inherit = False


def _footer(slide: Any, data: QbrData, number: int) -> None:
    width = CONTENT_WIDTH - Inches(1.0)
    _text(
        slide,
        MARGIN,
        FOOTER_TOP,
        width,
        Inches(0.35),
        f"{data.brief.account_name} · {data.footer()}",
        size=10,
        colour=MUTED,
    )
    _text(
        slide,
        SLIDE_WIDTH - MARGIN - Inches(1.0),
        FOOTER_TOP,
        Inches(1.0),
        Inches(0.35),
        str(number),
        size=10,
        colour=MUTED,
        align=PP_ALIGN.RIGHT,
    )


def _notes(slide: Any, lines: Sequence[str]) -> None:
    """Speaker notes: where a slide shows money short, the notes carry it in full."""
    slide.notes_slide.notes_text_frame.text = "\n".join(lines)


def _picture(slide: Any, png: bytes, left: int, top: int, width: int, height: int) -> Any:
    """Place a PNG inside the box, as large as fits, keeping its aspect ratio, centred."""
    pixels_w, pixels_h = png_size(png)
    scale = min(width / pixels_w, height / pixels_h)
    shown_w, shown_h = int(pixels_w * scale), int(pixels_h * scale)
    return slide.shapes.add_picture(
        io.BytesIO(png),
        Emu(left + (width - shown_w) // 2),
        Emu(top),
        Emu(shown_w),
        Emu(shown_h),
    )


def _chart(
    slide: Any,
    chart: Any,
    data: QbrData,
    left: int,
    top: int,
    width: int,
    height: int,
    *,
    pixels: int = 980,
    pixels_high: int | None = None,
) -> Any:
    # the chart is drawn `pixels` wide (and `pixels_high` high), then fitted into the box:
    # drawing near the box's own proportions keeps the text legible and the slide filled
    png = chart_png(chart, data.stamp, width=pixels, height=pixels_high)
    return _picture(slide, png, left, top, width, height)


def _table(
    slide: Any,
    left: int,
    top: int,
    width: int,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    widths: Sequence[float] | None = None,
    numeric: Sequence[bool] | None = None,
    size: float = 12,
) -> Any:
    row_height = Inches(0.36)
    shape = slide.shapes.add_table(
        len(rows) + 1,
        len(header),
        Emu(left),
        Emu(top),
        Emu(width),
        Emu(row_height * (len(rows) + 1)),
    )
    table = shape.table
    table.first_row = True
    fractions = widths or [1 / len(header)] * len(header)
    for index, fraction in enumerate(fractions):
        table.columns[index].width = Emu(int(width * fraction))
    right = numeric or [False] * len(header)
    for row_index, values in enumerate([header, *rows]):
        for index, value in enumerate(values):
            cell = table.cell(row_index, index)
            cell.text = value
            cell.margin_left = cell.margin_right = Inches(0.08)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            if row_index == 0:
                cell.fill.fore_color.rgb = NAVY
            else:
                cell.fill.fore_color.rgb = TILE if row_index % 2 else WHITE
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if right[index] else PP_ALIGN.LEFT
            _style_runs(cell.text_frame, size, WHITE if row_index == 0 else TEXT, row_index == 0)
    return shape


# -- slides ------------------------------------------------------------------------------------


def _title_slide(presentation: Any, data: QbrData) -> None:
    brief, lang = data.brief, data.language
    slide = presentation.slides.add_slide(presentation.slide_layouts[TITLE_LAYOUT])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(0.35), SLIDE_HEIGHT)
    _fill(band, NAVY)
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = (
        Inches(1.1),
        Inches(2.1),
        Inches(11.2),
        Inches(1.5),
    )
    title.text = brief.account_name
    title.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
    title.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    _style_runs(title.text_frame, 40, NAVY, bold=True)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        Inches(1.1),
        Inches(3.75),
        Inches(11.2),
        Inches(2.2),
    )
    frame = subtitle.text_frame
    period = format_period(brief.period.start, brief.period.end, lang)
    lines = [
        t("deck.kicker", lang),
        t("period", lang, period=period),
        t("kam", lang, name=brief.kam_name or "—"),
        t("industry", lang, industry=brief.industry),
        t("as_of", lang, date=format_date(brief.as_of, lang))
        + (f" · {exported}" if (exported := data.exported()) else ""),
    ]
    frame.text = lines[0]
    for line in lines[1:]:
        frame.add_paragraph().text = line
    for index, paragraph in enumerate(frame.paragraphs):
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.space_after = Pt(4)
        for run in paragraph.runs:
            run.font.name = FONT
            run.font.size = Pt(22 if index == 0 else 16)
            run.font.bold = index == 0
            run.font.color.rgb = ACCENT if index == 0 else TEXT
    rule = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(1.1), Inches(3.68), Inches(1.6), Inches(0.06)
    )
    _fill(rule, ACCENT)


def _kpi_slide(presentation: Any, data: QbrData) -> None:
    lang = data.language
    slide = _titled_slide(presentation, t("slide.kpis", lang))
    tiles = qbr.kpis(data)
    columns, gap = 4, Inches(0.25)
    tile_w = (CONTENT_WIDTH - gap * (columns - 1)) // columns
    tile_h = Inches(2.35)
    for index, kpi in enumerate(tiles):
        row, column = divmod(index, columns)
        left = MARGIN + column * (tile_w + gap)
        top = CONTENT_TOP + Inches(0.25) + row * (tile_h + gap)
        box = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(left), Emu(top), tile_w, tile_h)
        _fill(box, TILE, RULE)
        box.name = f"kpi:{kpi.name}"
        inner = left + Inches(0.2)
        width = tile_w - Inches(0.4)
        _text(
            slide, inner, top + Inches(0.15), width, Inches(0.4), kpi.label, size=12, colour=MUTED
        )
        value = _text(
            slide,
            inner,
            top + Inches(0.55),
            width,
            Inches(0.7),
            kpi.text,
            size=30,
            colour=NAVY,
            bold=True,
        )
        value.name = f"kpi-value:{kpi.name}"
        lines: list[tuple[str, RGBColor]] = []
        if kpi.versus is not None:
            colour = GOOD if kpi.good else BAD if kpi.good is False else MUTED
            lines.append((f"{kpi.versus} {t('vs_prior_year', lang)}", colour))
        if kpi.plan is not None:
            lines.append((kpi.plan, MUTED))
        for offset, (line, colour) in enumerate(lines):
            _text(
                slide,
                inner,
                top + Inches(1.35 + 0.4 * offset),
                width,
                Inches(0.4),
                line,
                size=13,
                colour=colour,
            )
    # the tiles show money short (₽4.25M); the notes give every figure in full
    _notes(slide, [kpi.full for kpi in tiles])


def _trend_slide(presentation: Any, data: QbrData) -> None:
    lang = data.language
    slide = _titled_slide(presentation, qbr.trend_title(data))
    chart_w = Inches(8.6)
    _chart(
        slide,
        qbr.trend_chart(data),
        data,
        MARGIN,
        CONTENT_TOP,
        chart_w,
        Inches(5.45),
        pixels=760,
        pixels_high=400,
    )
    left = MARGIN + chart_w + Inches(0.3)
    width = CONTENT_WIDTH - chart_w - Inches(0.3)
    _text(
        slide,
        left,
        CONTENT_TOP,
        width,
        Inches(0.4),
        t("section.changed", lang),
        size=16,
        colour=NAVY,
        bold=True,
    )
    summaries = [comparison.summary for comparison in data.brief.comparisons]
    _text(
        slide,
        left,
        CONTENT_TOP + Inches(0.5),
        width,
        Inches(4.5),
        summaries,
        size=14,
        bullets=True,
        spacing=12,
    )
    _notes(
        slide,
        [
            t(
                "notes.changed",
                lang,
                revenue=format_money(comparison.revenue, lang),
                base=comparison.base.name,
                base_revenue=format_money(comparison.revenue_base, lang),
            )
            for comparison in data.brief.comparisons
        ],
    )


def _product_rows(brief: Brief, lang: Language, *, short: bool = True) -> list[list[str]]:
    rows = []
    for product in (*brief.prior_year.products_up, *brief.prior_year.products_down):
        rows.append(
            [product.product_name, format_money(product.change, lang, short=short, signed=True)]
        )
    return rows


def _mix_slide(presentation: Any, data: QbrData) -> None:
    lang = data.language
    slide = _titled_slide(presentation, t("slide.mix", lang))
    chart_w = Inches(7.0)
    categories = len(set(data.mix_now["item_id"]) | set(data.mix_prior["item_id"]))
    _chart(
        slide,
        qbr.mix_chart(data),
        data,
        MARGIN,
        CONTENT_TOP,
        chart_w,
        Inches(5.4),
        pixels=560,
        pixels_high=max(340, 44 * categories),
    )
    left = MARGIN + chart_w + Inches(0.35)
    width = CONTENT_WIDTH - chart_w - Inches(0.35)
    rows = _product_rows(data.brief, lang)
    title = f"{t('section.products_up', lang)} / {t('section.products_down', lang)}"
    _text(slide, left, CONTENT_TOP, width, Inches(0.4), title, size=16, colour=NAVY, bold=True)
    _text(
        slide,
        left,
        CONTENT_TOP + Inches(0.4),
        width,
        Inches(0.4),
        data.brief.prior_year.base.versus,
        size=12,
        colour=MUTED,
    )
    if rows:
        _table(
            slide,
            left,
            CONTENT_TOP + Inches(0.9),
            width,
            [t("col.product", lang), t("col.change", lang)],
            rows,
            widths=[0.72, 0.28],
            numeric=[False, True],
            size=12,
        )
        _notes(slide, [" ".join(row) for row in _product_rows(data.brief, lang, short=False)])


def _bridge_slide(presentation: Any, data: QbrData) -> None:
    lang = data.language
    slide = _titled_slide(presentation, t("slide.bridge", lang))
    headline = data.brief.prior_year.pvm_headline
    if not qbr.has_bridge(data):
        _text(
            slide,
            MARGIN,
            CONTENT_TOP,
            CONTENT_WIDTH,
            Inches(0.6),
            t("none.bridge", lang),
            size=18,
            colour=MUTED,
        )
        return
    if headline:
        text = f"{data.brief.prior_year.base.name.capitalize()}: {headline}"
        _text(
            slide,
            MARGIN,
            CONTENT_TOP,
            CONTENT_WIDTH,
            Inches(0.5),
            text,
            size=18,
            colour=TEXT,
            bold=True,
        )
    _chart(
        slide,
        qbr.bridge_chart(data),
        data,
        MARGIN,
        CONTENT_TOP + Inches(0.6),
        CONTENT_WIDTH,
        Inches(4.85),
        pixels=1100,
    )


def _receivables_slide(presentation: Any, data: QbrData) -> None:
    lang = data.language
    brief = data.brief
    slide = _titled_slide(presentation, t("slide.receivables", lang))
    half = (CONTENT_WIDTH - Inches(0.3)) // 2
    chart_h = Inches(2.6)
    _chart(
        slide,
        qbr.aging_chart(data),
        data,
        MARGIN,
        CONTENT_TOP,
        half,
        chart_h,
        pixels=620,
        pixels_high=190,
    )
    payments = qbr.payment_chart(data)
    if payments is not None:
        _chart(
            slide,
            payments,
            data,
            MARGIN + half + Inches(0.3),
            CONTENT_TOP,
            half,
            chart_h,
            pixels=620,
            pixels_high=160,
        )
    top = CONTENT_TOP + chart_h + Inches(0.15)
    figures = brief.figures
    if figures["credit_limit"]:
        credit = t(
            "credit_use",
            lang,
            pct=format_percent(figures["credit_utilisation"], lang),
            limit=format_money(figures["credit_limit"], lang, short=True),
        )
    else:
        credit = t("no_credit_limit", lang)
    _text(
        slide,
        MARGIN,
        top,
        CONTENT_WIDTH,
        Inches(0.35),
        f"{t('section.overdue', lang)} · {credit}",
        size=14,
        colour=NAVY,
        bold=True,
    )
    documents = brief.overdue_documents
    if not documents:
        _text(
            slide,
            MARGIN,
            top + Inches(0.45),
            CONTENT_WIDTH,
            Inches(0.4),
            t("none.overdue", lang),
            size=13,
            colour=MUTED,
        )
        return
    shown = documents[: MAX_TABLE_ROWS - 1] if len(documents) > MAX_TABLE_ROWS else documents
    rows = [
        [
            doc.item_id,
            format_date(doc.item_date, lang),
            format_date(doc.due_date, lang),
            format_days(doc.days_past_due, lang),
            format_money(doc.open_balance, lang),
        ]
        for doc in shown
    ]
    if len(shown) < len(documents):
        rows.append([t("more", lang, count=len(documents) - len(shown)), "", "", "", ""])
    _table(
        slide,
        MARGIN,
        top + Inches(0.45),
        CONTENT_WIDTH,
        [t(f"col.{key}", lang) for key in ("document", "date", "due", "days", "balance")],
        rows,
        widths=[0.3, 0.16, 0.16, 0.16, 0.22],
        numeric=[False, False, False, True, True],
        size=11,
    )


def _more_row(count: int, columns: int, lang: Language) -> list[str]:
    return [t("more", lang, count=count), *[""] * (columns - 1)]


def _stakeholder_slide(presentation: Any, data: QbrData) -> None:
    """The contacts by buying role with attitude and last touch (names as the CRM has them,
    as plain text), and who to meet."""
    lang, brief = data.language, data.brief
    people = data.stakeholders
    assert people is not None
    slide = _titled_slide(presentation, t("slide.stakeholders", lang))
    table_h = Inches(0.36) * (MAX_STAKEHOLDER_ROWS + 1)
    if people.is_empty():
        _text(slide, MARGIN, CONTENT_TOP, CONTENT_WIDTH, Inches(0.5), t("none.contacts", lang))
    else:
        shown = people.head(
            MAX_STAKEHOLDER_ROWS - 1
            if people.height > MAX_STAKEHOLDER_ROWS
            else MAX_STAKEHOLDER_ROWS
        )
        rows = []
        for row in shown.iter_rows(named=True):
            status = (
                t("contact.not_met", lang)
                if row["not_met_decision_maker"]
                else t("contact.left", lang)
                if not row["active"]
                else ""
            )
            last = row["last_touch_on"]
            rows.append(
                [
                    str(row["full_name"]),
                    str(row["job_title"] or "—"),
                    qbr.word("role", row["buying_role"], lang),
                    qbr.word("attitude", row["attitude"], lang),
                    format_date(last, lang) if last is not None else "—",
                    status,
                ]
            )
        if shown.height < people.height:
            rows.append(_more_row(people.height - shown.height, 6, lang))
        keys = ("contact", "job_title", "role", "attitude", "last_touch", "status")
        _table(
            slide,
            MARGIN,
            CONTENT_TOP,
            CONTENT_WIDTH,
            [t(f"col.{key}", lang) for key in keys],
            rows,
            widths=[0.24, 0.22, 0.14, 0.12, 0.12, 0.16],
            size=11,
        )
    meet = [item.text for item in brief.who_to_meet] or [t("none.meet", lang)]
    _text(
        slide,
        MARGIN,
        CONTENT_TOP + table_h + Inches(0.2),
        CONTENT_WIDTH,
        CONTENT_BOTTOM - CONTENT_TOP - table_h - Inches(0.2),
        meet,
        size=14,
        bullets=True,
    )
    _notes(slide, meet)


def _pipeline_slide(presentation: Any, data: QbrData) -> None:
    """Pipeline, weighted pipeline, win rate and landing forecast; the renewal date; the
    opportunities open at D (most advanced first) and those won or lost in the period."""
    lang, brief = data.language, data.brief
    deals = data.opportunities
    assert deals is not None
    slide = _titled_slide(presentation, t("slide.pipeline", lang))
    figures = brief.figures
    names = ("pipeline", "weighted_pipeline", "win_rate", "landing_forecast")
    headline = " · ".join(
        f"{measure(name).label(lang)} {format_measure(figures.get(name), name, lang, short=True)}"
        for name in names
    )
    _text(
        slide,
        MARGIN,
        CONTENT_TOP,
        CONTENT_WIDTH,
        Inches(0.45),
        headline,
        size=16,
        colour=NAVY,
        bold=True,
    )
    renewal = [brief.renewal.text] if brief.renewal is not None else []
    top = CONTENT_TOP + Inches(0.5)
    if renewal:
        _text(slide, MARGIN, top, CONTENT_WIDTH, Inches(0.4), renewal, size=14, colour=TEXT)
    top += Inches(0.5)
    if deals.is_empty():
        _text(slide, MARGIN, top, CONTENT_WIDTH, Inches(0.5), t("none.opportunities", lang))
        return
    shown = deals.head(MAX_DEAL_ROWS - 1 if deals.height > MAX_DEAL_ROWS else MAX_DEAL_ROWS)
    rows = [
        [
            qbr.word("stage", row["stage"], lang),
            str(row["category"] or "—"),
            format_money(row["amount"], lang, short=True),
            format_percent(row["probability"], lang, decimals=0),
            format_money(row["weighted_amount"], lang, short=True)
            if row["weighted_amount"] is not None
            else "—",
            format_date(row["closed_on"] or row["expected_close_on"], lang),
        ]
        for row in shown.iter_rows(named=True)
    ]
    if shown.height < deals.height:
        rows.append(_more_row(deals.height - shown.height, 6, lang))
    keys = ("stage", "category", "amount", "probability", "weighted", "expected_close")
    _table(
        slide,
        MARGIN,
        top,
        CONTENT_WIDTH,
        [t(f"col.{key}", lang) for key in keys],
        rows,
        widths=[0.16, 0.26, 0.14, 0.12, 0.14, 0.18],
        numeric=[False, False, True, True, True, False],
        size=11,
    )
    _notes(slide, [headline, *renewal, *(item.text for item in brief.opportunities)])


def _whitespace_slide(presentation: Any, data: QbrData) -> None:
    lang = data.language
    brief = data.brief
    slide = _titled_slide(presentation, t("slide.whitespace", lang))
    intro = t("whitespace.intro", lang, industry=brief.industry, account=brief.account_name)
    _text(slide, MARGIN, CONTENT_TOP, CONTENT_WIDTH, Inches(0.5), intro, size=15, colour=MUTED)
    if not brief.whitespace:
        _text(
            slide,
            MARGIN,
            CONTENT_TOP + Inches(0.7),
            CONTENT_WIDTH,
            Inches(0.5),
            t("none.whitespace", lang),
            size=18,
            colour=TEXT,
        )
        return
    chart = qbr.whitespace_chart(data)
    chart_w = Inches(6.6)
    _chart(slide, chart, data, MARGIN, CONTENT_TOP + Inches(0.7), chart_w, Inches(4.6), pixels=560)
    rows = [
        [
            item.category,
            f"{item.peer_buyers} / {item.peers}",
            format_percent(item.peer_share, lang, decimals=0),
            format_money(item.peer_median_revenue, lang, short=True),
        ]
        for item in brief.whitespace
    ]
    left = MARGIN + chart_w + Inches(0.3)
    _table(
        slide,
        left,
        CONTENT_TOP + Inches(0.8),
        CONTENT_WIDTH - chart_w - Inches(0.3),
        [t(f"col.{key}", lang) for key in ("category", "buyers", "share", "median")],
        rows,
        widths=[0.4, 0.18, 0.2, 0.22],
        numeric=[False, True, True, True],
        size=11,
    )


def _next_steps_slide(presentation: Any, data: QbrData) -> None:
    lang = data.language
    brief = data.brief
    slide = _titled_slide(presentation, t("slide.next", lang))
    half = (CONTENT_WIDTH - Inches(0.5)) // 2
    _text(
        slide,
        MARGIN,
        CONTENT_TOP,
        half,
        Inches(0.4),
        t("section.talking", lang),
        size=18,
        colour=NAVY,
        bold=True,
    )
    _text(
        slide,
        MARGIN,
        CONTENT_TOP + Inches(0.55),
        half,
        Inches(4.8),
        list(brief.talking_points),
        size=15,
        bullets=True,
        spacing=10,
    )
    right = MARGIN + half + Inches(0.5)
    _text(
        slide,
        right,
        CONTENT_TOP,
        half,
        Inches(0.4),
        t("section.raise", lang),
        size=18,
        colour=NAVY,
        bold=True,
    )
    issues = [issue.text for issue in brief.issues] or [t("none.raise", lang)]
    whitespace = [item.text for item in brief.whitespace[:2]]
    _text(
        slide,
        right,
        CONTENT_TOP + Inches(0.55),
        half,
        Inches(4.8),
        [*issues, *whitespace][:7],
        size=14,
        bullets=True,
        spacing=10,
    )
    # the talking points double as speaker notes, for presenting from the laptop
    slide.notes_slide.notes_text_frame.text = "\n".join(brief.talking_points)
