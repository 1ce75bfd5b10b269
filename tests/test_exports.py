"""Exports read back as their users' tools read them: the PPTX with python-pptx, the PDF with
pypdf, PNG/SVG by their headers and text, XLSX with openpyxl, and `kamdash qbr` end to end."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import exportkit as ek
import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader
from test_brief import END, START, brief_tables

from kamdash import Store, open_store
from kamdash.cli import main
from kamdash.engine.measures import Language, measure
from kamdash.report import charts
from kamdash.report.exports import qbr
from kamdash.report.exports.deck import build_deck
from kamdash.report.exports.images import (
    Stamp,
    chart_png,
    chart_svg,
    export_filename,
    export_spec,
    png_size,
    stamp_for,
)
from kamdash.report.exports.pdf import build_pdf
from kamdash.report.exports.tables import NUMBER_FORMATS, TableScope, table_csv, table_xlsx
from kamdash.report.formatting import format_date, format_measure, format_period

D = dt.date
SLIDES = (
    "slide.kpis",
    "slide.trend",
    "slide.mix",
    "slide.bridge",
    "slide.receivables",
    "slide.whitespace",
    "slide.next",
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ek.write_export(tmp_path_factory.mktemp("exports"), brief_tables())


@pytest.fixture(scope="module")
def store(data_dir: Path) -> Store:
    return open_store(data_dir)


@pytest.fixture(scope="module", params=["en", "ru"])
def deck(request: pytest.FixtureRequest, store: Store) -> tuple[Language, Any]:
    language: Language = request.param
    content = build_deck(store, "A1", START, END, language=language)
    return language, Presentation(io.BytesIO(content))


def _texts(slide: Any) -> list[str]:
    found = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            found.append(shape.text_frame.text)
        if shape.has_table:
            found.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return found


def test_deck_slides_titles_and_footers(deck: tuple[Language, Any]) -> None:
    language, presentation = deck
    assert presentation.slide_width * 9 == presentation.slide_height * 16  # 16:9
    slides = list(presentation.slides)
    assert len(slides) == 8
    titles = [slide.shapes.title.text for slide in slides]
    assert titles == ["ООО «Альфа»", *(qbr.t(key, language) for key in SLIDES)]
    footer = qbr.t(
        "footer",
        language,
        period=format_period(START, END, language),
        date=format_date(END, language),
    )
    for slide in slides:
        assert any(footer in text for text in _texts(slide)), slide.shapes.title.text
    title_text = "\n".join(_texts(slides[0]))
    assert "Иванова Анна" in title_text  # the KAM
    assert format_period(START, END, language) in title_text


def test_deck_kpis_equal_the_api(deck: tuple[Language, Any], store: Store) -> None:
    language, presentation = deck
    row = store.accounts(START, END, account_id="A1").row(0, named=True)
    values = {
        shape.name.split(":", 1)[1]: shape.text_frame.text
        for shape in presentation.slides[1].shapes
        if shape.name.startswith("kpi-value:")
    }
    assert set(values) == set(qbr.KPI_NAMES)
    for name, text in values.items():
        assert text == format_measure(row[name], name, language, short=True), name
    labels = "\n".join(_texts(presentation.slides[1]))
    for name in qbr.KPI_NAMES:
        assert measure(name).label(language) in labels


def test_deck_has_chart_images_and_text_in_its_language(deck: tuple[Language, Any]) -> None:
    language, presentation = deck
    pictures = [
        shape
        for slide in presentation.slides
        for shape in slide.shapes
        if shape.shape_type == 13  # MSO_SHAPE_TYPE.PICTURE
    ]
    # trend, mix, bridge, aging, payments, whitespace
    assert len(pictures) == 6
    for picture in pictures:
        assert picture.image.content_type == "image/png"
        width, height = png_size(picture.image.blob)
        assert width > 600 and height > 200
    body = "\n".join(text for slide in list(presentation.slides)[1:] for text in _texts(slide))
    if language == "ru":
        assert "Что обсудить" in body and "Тезисы" in body and "To raise" not in body
    else:
        assert "To raise" in body and "Talking points" in body
        # Cyrillic only where the data has it (names), never in the deck's own words
        assert "Тезисы" not in body and "Выручка" not in body
    notes = presentation.slides[7].notes_slide.notes_text_frame.text
    assert notes.splitlines()[0].startswith("Выручка" if language == "ru" else "Revenue")


def _plain(text: str) -> str:
    # PDF text extraction may turn the narrow no-break space into a space or drop it
    return re.sub(r"\s+", "", text.replace("\u202f", " ").replace("\xa0", " "))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_pdf_is_one_page_with_name_and_kpis(store: Store, language: Language) -> None:
    content = build_pdf(store, "A1", START, END, language=language)
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = _plain(reader.pages[0].extract_text())
    assert _plain("ООО «Альфа»") in text
    row = store.accounts(START, END, account_id="A1").row(0, named=True)
    for name in qbr.KPI_NAMES:
        assert _plain(format_measure(row[name], name, language, short=True)) in text, name
    heading = qbr.t("section.talking", language).upper()
    assert _plain(heading) in text


def test_pdf_stays_on_one_page_for_a_long_brief(store: Store) -> None:
    # many overdue documents and stopped categories must be cut, not spill onto page two
    data = qbr.collect(store, "A1", START, END, language="ru")
    from dataclasses import replace

    from kamdash.report.exports.pdf import pdf_from

    long_issues = data.brief.issues * 12
    crowded = replace(data, brief=replace(data.brief, issues=long_issues))
    reader = PdfReader(io.BytesIO(pdf_from(crowded)))
    assert len(reader.pages) == 1
    assert "…" in reader.pages[0].extract_text()


# -- issue 15: short money, growth on a tiny base, "what changed" once ---------------------------

REVENUE, PLAN, TINY_BASE = 4_251_387.78, 672_000.0, 2222.0


@pytest.fixture(scope="module")
def growth_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """G1 sells 4,251,387.78 in Q2 2025 on a plan of 672,000, against 2,222 a year before;
    N1 is new: nothing a year before."""
    tables = ek.base_tables()
    tables["accounts"] = [
        ek.account("G1", account_name="ООО «Рост»"),
        ek.account("N1", account_name="ООО «Новичок»"),
    ]
    ek.add_document(tables, "G-PY", "G1", D(2024, 5, 10), [("P1", 1, TINY_BASE, 1000.0)])
    ek.add_document(tables, "G-Q2", "G1", D(2025, 5, 10), [("P1", 100, REVENUE, 3_000_000.0)])
    ek.add_document(tables, "N-Q2", "N1", D(2025, 6, 10), [("P1", 10, 50_000.0, 30_000.0)])
    tables["targets"] = [
        {
            "account_id": "G1",
            "month": D(2025, 5, 1),
            "revenue_target": PLAN,
            "gross_margin_target": 200_000.0,
        }
    ]
    return open_store(ek.write_export(tmp_path_factory.mktemp("growth"), tables))


def _kpi_slide(store: Store, account_id: str, language: Language) -> Any:
    content = build_deck(store, account_id, START, END, language=language)
    return Presentation(io.BytesIO(content)).slides[1]


def _tile(slide: Any, name: str) -> str:
    """The texts of a KPI tile (label, value, lines under it), top to bottom."""
    [box] = [shape for shape in slide.shapes if shape.name == f"kpi:{name}"]
    inside = [
        shape
        for shape in slide.shapes
        if shape.has_text_frame
        and shape.shape_id != box.shape_id
        and box.left <= shape.left < box.left + box.width
        and box.top <= shape.top < box.top + box.height
    ]
    return "\n".join(shape.text_frame.text for shape in sorted(inside, key=lambda s: s.top))


@pytest.mark.parametrize(
    ("language", "revenue", "plan", "growth", "full_revenue", "full_plan"),
    [
        ("en", "₽4.25M", "plan ₽672K", "×1,913 vs prior year", "₽4,251,388", "₽672,000"),
        (
            "ru",
            "4,25\u202fмлн\u202f₽",
            "план 672\u202fтыс.\u202f₽",
            "×1\u202f913 к прошлому году",
            "4\u202f251\u202f388\u202f₽",
            "672\u202f000\u202f₽",
        ),
    ],
)
def test_deck_money_has_three_digits_growth_a_multiple_and_notes_in_full(
    growth_store: Store,
    language: Language,
    revenue: str,
    plan: str,
    growth: str,
    full_revenue: str,
    full_plan: str,
) -> None:
    slide = _kpi_slide(growth_store, "G1", language)
    assert _tile(slide, "revenue").splitlines()[1:] == [revenue, growth, plan]
    notes = slide.notes_slide.notes_text_frame.text
    assert full_revenue in notes and full_plan in notes
    assert format_measure(TINY_BASE, "revenue", language) in notes  # the base, in full


@pytest.mark.parametrize(("language", "new"), [("en", "new vs prior year"), ("ru", "новый")])
def test_deck_new_revenue_says_new(growth_store: Store, language: Language, new: str) -> None:
    lines = _tile(_kpi_slide(growth_store, "N1", language), "revenue").splitlines()
    assert new in lines[2]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_pdf_money_and_growth_read_as_on_the_deck(growth_store: Store, language: Language) -> None:
    text = PdfReader(io.BytesIO(build_pdf(growth_store, "G1", START, END, language=language)))
    shown = _plain(text.pages[0].extract_text())
    revenue = "₽4.25M" if language == "en" else "4,25 млн ₽"
    plan = "plan ₽672K" if language == "en" else "план 672 тыс. ₽"
    growth = "×1,913" if language == "en" else "×1 913"
    for part in (revenue, plan, growth):
        assert _plain(part) in shown, part
    assert "191222" not in shown  # what the tile said before: +191 222,2 %
    new = PdfReader(io.BytesIO(build_pdf(growth_store, "N1", START, END, language=language)))
    assert _plain("new" if language == "en" else "новый") in _plain(new.pages[0].extract_text())


def test_a_12_month_deck_and_pdf_say_the_prior_year_comparison_once(store: Store) -> None:
    year = (D(2024, 7, 1), END)
    deck = Presentation(io.BytesIO(build_deck(store, "A1", *year, language="en")))
    changed = [text for text in _texts(deck.slides[2]) if text.startswith("•  Revenue")]
    [summary] = changed  # one bullet, not the same comparison twice
    assert "vs the prior-year period" in summary and "previous 12 months" not in summary
    pdf = PdfReader(io.BytesIO(build_pdf(store, "A1", *year, language="en")))
    text = pdf.pages[0].extract_text()
    assert "previous 12 months" not in text
    assert _plain(summary.removeprefix("•  ")) in _plain(text)


@pytest.fixture(scope="module")
def trend(store: Store) -> tuple[Any, Stamp, Any]:
    monthly = store.monthly(D(2024, 7, 1), END, level="account", account_id="A1")
    chart = charts.revenue_margin_trend(monthly, "ru", title="Выручка и маржа")
    stamp = stamp_for(store, "ООО «Альфа» (A1)", START, END, language="ru")
    return chart, stamp, monthly


def test_png_is_2x_and_svg_carries_the_stamp(trend: tuple[Any, Stamp, Any]) -> None:
    chart, stamp, _ = trend
    svg = chart_svg(chart, stamp, width=500)
    svg_width, svg_height = (
        float(value) for value in re.search(r'width="([\d.]+)" height="([\d.]+)"', svg).groups()
    )
    width, height = png_size(chart_png(chart, stamp, width=500))
    assert (width, height) == (round(svg_width * 2), round(svg_height * 2))
    assert 500 < svg_width < 800 and svg_height > 300
    for part in stamp.parts():
        assert part in svg
    assert stamp.parts()[0] == "Охват: ООО «Альфа» (A1)"
    # this export has no _export.json: its date is only the files' modification date
    assert "Файлы данных изменены" in stamp.text() and "01.04.2025 – 30.06.2025" in stamp.text()
    assert 'font-family="DejaVu Sans"' in svg


def test_spec_data_equals_the_api(trend: tuple[Any, Stamp, Any], store: Store) -> None:
    chart, stamp, monthly = trend
    spec = export_spec(chart, stamp)
    [dataset] = [values for values in spec["datasets"].values() if "revenue" in values[0]]
    assert [row["revenue"] for row in dataset] == monthly["revenue"].to_list()
    api = store.monthly(D(2024, 7, 1), END, level="account", account_id="A1")
    assert [row["revenue"] for row in dataset] == api["revenue"].to_list()
    assert spec["config"]["font"] == "DejaVu Sans"
    assert spec["vconcat"][1]["data"]["values"][0]["stamp"]  # the footer view


def test_file_names_are_ascii_and_say_what_they_are() -> None:
    name = export_filename("ООО «Альфа-Пром»", "revenue trend", "2026-04-01", "2026-06-30", "png")
    assert name == "OOO-Alfa-Prom_revenue-trend_2026-04-01_2026-06-30.png"
    assert export_filename("Щука & Ёж", "мост", D(2026, 1, 1), D(2026, 3, 31), ".svg") == (
        "Shchuka-Ezh_most_2026-01-01_2026-03-31.svg"
    )


def test_csv_has_bom_and_keeps_cyrillic(store: Store) -> None:
    frame = store.accounts(START, END).select("account_id", "account_name", "revenue")
    content = table_csv(frame)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    by_id = {row["account_id"]: row for row in rows}
    assert by_id["A1"]["account_name"] == "ООО «Альфа»"
    assert float(by_id["A1"]["revenue"]) == 1300.0


@pytest.mark.parametrize("language", ["en", "ru"])
def test_xlsx_is_typed_formatted_and_explained(store: Store, language: Language) -> None:
    frame = store.accounts(START, END).select(
        "account_id", "account_name", "revenue", "gross_margin_pct", "dso", "last_order_date"
    )
    scope = TableScope(
        title="Accounts",
        scope="IT + Retail",
        start=START,
        end=END,
        as_of=END,
        data_exported=D(2025, 7, 2),
        language=language,
    )
    workbook = openpyxl.load_workbook(io.BytesIO(table_xlsx(frame, None, scope)))
    data, about = workbook.worksheets
    header = [cell.value for cell in data[1]]
    assert header[2:5] == [
        measure(n).label(language) for n in ("revenue", "gross_margin_pct", "dso")
    ]
    assert data.freeze_panes == "A2"
    assert data.auto_filter.ref == f"A1:F{frame.height + 1}"
    rows = {row[0].value: row for row in data.iter_rows(min_row=2)}
    a1 = rows["A1"]
    assert a1[1].value == "ООО «Альфа»"
    assert isinstance(a1[2].value, int | float) and a1[2].value == 1300.0
    assert a1[2].number_format == NUMBER_FORMATS["money"]
    assert a1[3].value == pytest.approx(0.2) and a1[3].number_format == "0.0%"
    assert a1[4].number_format == NUMBER_FORMATS["days"]
    assert isinstance(a1[5].value, dt.datetime) and a1[5].value.date() == D(2025, 5, 1)
    assert rows["B3"][3].value is None  # no revenue: GM % is empty, not zero
    text = "\n".join(str(c.value) for row in about.iter_rows() for c in row if c.value)
    assert "IT + Retail" in text
    assert format_period(START, END, language) in text
    assert measure("gross_margin_pct").formula in text
    assert measure("revenue").description(language) in text
    assert about.title == ("Описание" if language == "ru" else "About")


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".pptx", b"PK"), (".pdf", b"%PDF"), (".png", b"\x89PNG")]
)
def test_cli_qbr_writes_each_format(
    data_dir: Path, tmp_path: Path, suffix: str, magic: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"qbr{suffix}"
    args = ["qbr", "A1", "--data", str(data_dir), "--start", "2025-04-01", "--end", "2025-06-30"]
    code = main([*args, "--lang", "ru", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes().startswith(magic)
    if suffix == ".pptx":
        titles = [s.shapes.title.text for s in Presentation(str(out)).slides]
        assert titles[1] == "Ключевые показатели"


def test_cli_qbr_errors_are_one_line(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--data", str(data_dir), "--start", "2025-04-01", "--end", "2025-06-30"]
    assert main(["qbr", "ZZ", *args, "--out", str(tmp_path / "x.pdf")]) == 1
    assert capsys.readouterr().err == "kamdash: account 'ZZ' not found\n"
    assert main(["qbr", "A1", *args, "--out", str(tmp_path / "x.docx")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unsupported file type '.docx'" in err
    assert not (tmp_path / "x.pdf").exists()
