"""Downloads and the meeting brief in the dashboard, through Streamlit's AppTest.

The brief on the account page must say exactly what `kamdash.report.brief.build_brief` says for that
account and view. Every chart and table must carry its download buttons, and each button's
deferred callable (captured where Streamlit registers it, since AppTest never clicks through
to the file) must build a file that opens and says what it shows: the PDF and PPTX name the
account, a chart PNG is a PNG and its SVG carries the stamp, the XLSX opens with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import exportkit as ek
import openpyxl
import polars as pl
import pytest
from appkit import PAGES, Open, open_page
from pptx import Presentation
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from test_brief import END, START, brief_tables

from kamdash import Store, open_store
from kamdash.engine.measures import Language, measure
from kamdash.report.brief import Brief, build_brief
from kamdash.report.exports.images import slug
from kamdash.ui import account_top, exports
from kamdash.ui import filters as flt
from kamdash.ui.components import Column, escape_md, export_frame
from kamdash.ui.i18n import t

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def store(data_dir: Path) -> Iterator[Store]:
    opened = open_store(data_dir)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def view(store: Store) -> flt.Filters:
    """The default view: year to date up to the latest document date."""
    _, last = store.data_range()
    filters, _ = flt.parse({}, flt.Options(), flt.anchor_date(last, dt.date.today()))
    return filters


@pytest.fixture(scope="module")
def top(store: Store, view: flt.Filters) -> dict[str, str]:
    """The account the account page opens by default (largest revenue)."""
    accounts = store.accounts(view.start, view.end, view.as_of).sort(
        ["revenue", "account_id"], descending=[True, False]
    )
    return {"id": accounts["account_id"][0], "name": accounts["account_name"][0]}


@pytest.fixture(scope="module")
def full_brief(store: Store, view: flt.Filters) -> str:
    """The largest account whose brief has issues and whitespace, so every part is drawn (the
    largest of all has no whitespace: its industry has too few peers to quote a figure of)."""
    accounts = store.accounts(view.start, view.end, view.as_of).sort(
        ["revenue", "account_id"], descending=[True, False]
    )
    for account_id in accounts["account_id"]:
        brief = build_brief(store, account_id, view.start, view.end, view.as_of, "en")
        if brief.issues and brief.whitespace:
            return str(account_id)
    raise AssertionError("no account of the sample data has issues and whitespace")


@dataclass(frozen=True)
class Deferred:
    """A download as Streamlit registered it: what the click would call and name."""

    file_name: str
    mime: str | None
    build: Callable[[], Any]


Files = dict[str, Deferred]


def recording_into(found: Files) -> Callable[..., str]:
    """A replacement for `MediaFileManager.add_deferred` that also keeps each deferred
    download in `found`, by file id."""
    original = MediaFileManager.add_deferred

    def record(
        self: MediaFileManager,
        data_callable: Callable[[], Any],
        mimetype: str | None,
        coordinates: str,
        file_name: str | None = None,
        *,
        element_id: str = "",
    ) -> str:
        file_id = original(
            self, data_callable, mimetype, coordinates, file_name, element_id=element_id
        )
        found[file_id] = Deferred(file_name or "", mimetype, data_callable)
        return file_id

    return record


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> Files:
    """Every deferred download registered while the fixture lives, by deferred file id."""
    found: Files = {}
    monkeypatch.setattr(MediaFileManager, "add_deferred", recording_into(found))
    return found


def downloads(at: AppTest, files: Files) -> list[tuple[str, Deferred]]:
    """(label, registered file) of every download button on the page, in page order."""
    shown = []
    for button in at.get("download_button"):
        proto = button.proto
        assert proto.ignore_rerun, proto.label  # a download never reruns the page
        assert not proto.url, proto.label  # nothing is built before the click
        shown.append((proto.label, files[proto.deferred_file_id]))
    return shown


def by_label(at: AppTest, files: Files, label: str) -> list[Deferred]:
    return [found for shown, found in downloads(at, files) if shown == label]


def brief_markdown(at: AppTest) -> str:
    [expander] = [e for e in at.expander if e.label.startswith(t("brief.title", "en"))] or [
        e for e in at.expander if e.label.startswith(t("brief.title", "ru"))
    ]
    for block in expander.markdown:
        assert not block.proto.allow_html  # data text is never passed as HTML
    return "\n".join(block.value for block in expander.markdown)


def brief_sentences(brief: Brief) -> list[str]:
    """Every sentence of the brief the page must show."""
    sentences = [c.summary for c in brief.comparisons]
    sentences += [c.pvm_headline for c in brief.comparisons if c.pvm_headline]
    sentences += [p.product_name for c in brief.comparisons for p in c.products_up]
    sentences += [p.product_name for c in brief.comparisons for p in c.products_down]
    sentences += [issue.text for issue in brief.issues]
    sentences += [doc.item_id for doc in brief.overdue_documents[:5]]
    sentences += [item.text for item in brief.whitespace]
    sentences += list(brief.talking_points)
    return sentences


# -- the meeting brief -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_account_page_shows_the_brief_of_the_api(
    open_app: Open, store: Store, view: flt.Filters, full_brief: str, lang: Language
) -> None:
    at = open_app("account", account=full_brief, lang=lang)
    brief = build_brief(store, full_brief, view.start, view.end, view.as_of, lang)
    assert brief.issues and brief.whitespace and brief.talking_points  # every part is drawn
    [expander] = [e for e in at.expander if e.label.startswith(t("brief.title", lang))]
    counts = t("brief.counts", lang, issues=len(brief.issues), points=len(brief.talking_points))
    assert expander.label == f"{t('brief.title', lang)} · {counts}"
    shown = brief_markdown(at)
    for sentence in brief_sentences(brief):
        assert escape_md(sentence) in shown, sentence
    for number, point in enumerate(brief.talking_points, start=1):
        assert f"{number}. {escape_md(point)}" in shown
    for key in ("brief.changed", "brief.raise", "brief.whitespace", "brief.talking"):
        assert f"**{t(key, lang)}**" in shown


def test_a_quiet_account_says_there_is_nothing_to_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Q1 of the brief rules' export: healthy, and it buys what its peers buy
    folder = ek.write_export(tmp_path / "brief", brief_tables())
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(folder))
    at = open_page("account", account="Q1", start=START.isoformat(), end=END.isoformat(), lang="ru")
    quiet = open_store(folder)
    try:
        brief = build_brief(quiet, "Q1", START, END, language="ru")
    finally:
        quiet.close()
    assert not brief.issues and not brief.whitespace
    [expander] = [e for e in at.expander if e.label.startswith(t("brief.title", "ru"))]
    captions = [c.value for c in expander.caption]
    assert t("brief.none_raise", "ru") in captions
    assert t("brief.none_whitespace", "ru") in captions
    shown = brief_markdown(at)
    for point in brief.talking_points:
        assert escape_md(point) in shown


def landmarks(at: AppTest) -> list[str]:
    """What the account page's main area shows, top to bottom: the title, headings, the brief's
    parts, each tile, the download buttons of the account's files and the account picker."""
    brief_parts = {
        f"**{t(key, 'en')}**" for key in ("brief.changed", "brief.raise", "brief.talking")
    }
    files = {t("export.deck", "en"), t("export.pdf", "en")}
    shown = []
    for node in at.main:
        if node.type in ("title", "subheader"):
            shown.append(f"{node.type}: {node.value}")
        elif node.type == "expander":
            shown.append(f"expander: {node.label}")
        elif node.type == "markdown" and node.value in brief_parts:
            shown.append(f"brief: {node.value.strip('*')}")
        elif node.type == "metric":
            shown.append(f"tile: {node.label}")
        elif node.type == "download_button" and node.proto.label in files:
            shown.append(f"file: {node.proto.label}")
        elif node.type == "selectbox" and node.label == t("account.pick", "en"):
            shown.append("picker")
    return shown


def test_the_brief_view_leads_with_the_brief_then_four_key_tiles(
    open_app: Open, full_brief: str, store: Store
) -> None:
    """`view=brief` (what a phone gets): the brief itself, open, before everything but the
    account's name; then revenue, GM %, open AR and overdue %; then the QBR and PDF files; then
    the picker and the other tiles. Without it the page keeps its wide-screen order."""
    name = store.account(full_brief)["account_name"]
    label = {n: measure(n).label("en") for n in account_top.TILE_ORDER}
    phone = landmarks(open_app("account", account=full_brief, view="brief"))
    assert phone[:11] == [
        f"title: {escape_md(name)}",
        f"subheader: {t('brief.title', 'en')}",
        f"brief: {t('brief.changed', 'en')}",
        f"brief: {t('brief.raise', 'en')}",
        f"brief: {t('brief.talking', 'en')}",
        *(f"tile: {label[n]}" for n in ("revenue", "gross_margin_pct", "open_ar", "overdue_pct")),
        f"file: {t('export.deck', 'en')}",
        f"file: {t('export.pdf', 'en')}",
    ]
    assert phone[11:16] == ["picker"] + [
        f"tile: {label[n]}" for n in ("gross_margin", "plan_attainment", "dso", "avg_days_late")
    ]
    assert not [line for line in phone if line.startswith(f"expander: {t('brief.title', 'en')}")]

    wide = landmarks(open_app("account", account=full_brief))
    assert wide[:2] == ["picker", f"title: {escape_md(name)}"]
    assert [line for line in wide if line.startswith("tile: ")][:8] == [
        f"tile: {label[n]}"
        for n in (
            "revenue",
            "gross_margin",
            "gross_margin_pct",
            "plan_attainment",
            "open_ar",
            "overdue_pct",
            "dso",
            "avg_days_late",
        )
    ]
    brief_at = wide.index(f"file: {t('export.pdf', 'en')}") + 1
    assert wide[brief_at].startswith(f"expander: {t('brief.title', 'en')}")


def test_an_unknown_view_is_ignored_with_a_note(open_app: Open, top: dict[str, str]) -> None:
    at = open_app("account", account=top["id"], view="tablet")
    assert t("note.bad_view", "en", value="tablet") in [w.value for w in at.warning]
    assert landmarks(at)[0] == "picker"


# -- the buttons -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_account_page_offers_the_deck_and_the_pdf(
    open_app: Open, files: Files, view: flt.Filters, top: dict[str, str], lang: Language
) -> None:
    at = open_app("account", account=top["id"], lang=lang)
    period = f"{view.start.isoformat()}_{view.end.isoformat()}"
    [deck] = by_label(at, files, t("export.deck", lang))
    [pdf] = by_label(at, files, t("export.pdf", lang))
    assert deck.file_name == f"{slug(top['name'])}_qbr_{period}.pptx"
    assert pdf.file_name == f"{slug(top['name'])}_brief_{period}.pdf"
    assert deck.file_name.isascii() and pdf.file_name.isascii()
    assert pdf.mime == exports.MIME_PDF and deck.mime == exports.MIME_PPTX


def test_every_chart_and_table_has_its_downloads_on_every_page(
    open_app: Open, files: Files, top: dict[str, str]
) -> None:
    for page in ("portfolio", *PAGES):
        files.clear()
        at = open_app(page, account=top["id"], lang="ru")
        charts = len(at.get("vega_lite_chart"))
        tables = len(at.dataframe)
        assert len(by_label(at, files, "PNG")) == charts, page
        assert len(by_label(at, files, "SVG")) == charts, page
        assert len(by_label(at, files, "CSV")) == tables, page
        assert len(by_label(at, files, "Excel")) == tables, page
        names = [found.file_name for _, found in downloads(at, files)]
        assert len(names) == len(set(names)), page  # no two buttons write the same file
        assert all(name.isascii() and " " not in name for name in names), page


def test_account_page_files_name_the_account_and_period(
    open_app: Open, files: Files, view: flt.Filters, top: dict[str, str]
) -> None:
    at = open_app("account", account=top["id"])
    period = f"_{view.start.isoformat()}_{view.end.isoformat()}"
    for _, found in downloads(at, files):
        stem, suffix = found.file_name.rsplit(".", 1)
        assert stem.startswith(slug(top["name"]) + "_"), found.file_name
        assert stem.endswith(period), found.file_name
        assert suffix in ("png", "svg", "csv", "xlsx", "parquet", "pptx", "pdf")
    trend = slug(t("chart.trend", "en"))  # short enough to be kept whole
    assert f"{slug(top['name'])}_{trend}{period}.png" in [
        found.file_name for _, found in downloads(at, files)
    ]


# -- what a click builds -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_pdf_button_builds_the_one_page_brief(
    open_app: Open, files: Files, top: dict[str, str], lang: Language
) -> None:
    at = open_app("account", account=top["id"], lang=lang)
    [pdf] = by_label(at, files, t("export.pdf", lang))
    content = pdf.build()
    assert content[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    assert re.sub(r"\s+", "", top["name"]) in text


def test_the_deck_button_builds_the_qbr_deck_in_the_ui_language(
    open_app: Open, files: Files, top: dict[str, str]
) -> None:
    at = open_app("account", account=top["id"], lang="ru")
    [deck] = by_label(at, files, t("export.deck", "ru"))
    presentation = Presentation(io.BytesIO(deck.build()))
    # the sample has the CRM tables: the stakeholder and pipeline slides join the eight
    assert len(presentation.slides) == 10
    titles = [slide.shapes.title.text for slide in presentation.slides if slide.shapes.title]
    assert {"Карта контактов", "Воронка и продление"} <= set(titles)
    first = " ".join(
        shape.text_frame.text for shape in presentation.slides[0].shapes if shape.has_text_frame
    )
    assert top["name"] in first
    assert presentation.core_properties.language == "ru-RU"


def test_chart_buttons_build_stamped_png_and_svg(
    open_app: Open, files: Files, view: flt.Filters, top: dict[str, str]
) -> None:
    at = open_app("account", account=top["id"], lang="ru")
    png = by_label(at, files, "PNG")[0]
    svg = by_label(at, files, "SVG")[0]
    assert png.build()[:8] == PNG_SIGNATURE
    text = svg.build().decode("utf-8")
    assert text.lstrip().startswith("<svg")
    scope = f"{top['name']} ({top['id']})"
    # the stamp: scope, period and as-of date in the UI language (XML-escaped in the SVG)
    for part in (scope, "Охват", "Период", "На дату", view.as_of.strftime("%d.%m.%Y")):
        assert part.replace("&", "&amp;") in text, part


def test_table_buttons_build_csv_and_xlsx_of_the_shown_rows(
    open_app: Open, files: Files, store: Store, view: flt.Filters, top: dict[str, str]
) -> None:
    at = open_app("account", account=top["id"])
    # the open documents' table (the sample's closing documents follow it), in the API's order
    receivables = slug(t("account.receivables", "en"))
    [csv] = [found for found in by_label(at, files, "CSV") if receivables in found.file_name]
    [xlsx] = [found for found in by_label(at, files, "Excel") if receivables in found.file_name]
    items = store.open_items(view.as_of, account_id=top["id"])
    content = csv.build()
    assert content.startswith("\ufeff".encode())
    read = pl.read_csv(io.BytesIO(content[3:]))
    assert read[t("col.document", "en")].to_list() == items["item_id"].to_list()
    book = openpyxl.load_workbook(io.BytesIO(xlsx.build()))
    data, about = book.worksheets
    headers = [cell.value for cell in data[1]]
    assert headers[0] == t("col.document", "en")
    assert [row[0] for row in data.iter_rows(min_row=2, values_only=True)] == items[
        "item_id"
    ].to_list()
    facts = {row[0]: row[1] for row in about.iter_rows(values_only=True) if row[0]}
    assert facts["Scope"] == f"{top['name']} ({top['id']})"
    assert facts["Table"] == t("account.receivables", "en")


def test_portfolio_files_are_stamped_with_the_filters(
    open_app: Open, files: Files, store: Store
) -> None:
    kam_id, kam_name = store.account_list().select("kam_id", "kam_name").sort("kam_id").row(0)
    at = open_app("portfolio", kam=kam_id, lang="ru")
    svg = by_label(at, files, "SVG")[0]
    assert f"{t('sidebar.kam', 'ru')}: {kam_name}" in svg.build().decode("utf-8")
    assert svg.file_name.startswith(slug(kam_name) + "_")
    xlsx = by_label(at, files, "Excel")[0]
    assert xlsx.file_name.startswith(slug(kam_name) + "_")
    about = openpyxl.load_workbook(io.BytesIO(xlsx.build())).worksheets[1]
    facts = {row[0]: row[1] for row in about.iter_rows(values_only=True) if row[0]}
    assert facts["Охват"] == f"{t('sidebar.kam', 'ru')}: {kam_name}"
    assert facts["Таблица"] == t("portfolio.accounts", "ru")


# -- the pieces --------------------------------------------------------------------------------


def test_export_frame_keeps_shown_columns_under_their_headers() -> None:
    frame = pl.DataFrame(
        {
            "account_name": ["ООО «Альфа»"],
            "link": ["account?account=A1"],
            "trend": [[1.0, 2.0]],
            "revenue": [1200.5],
            "revenue_prior": [1000.0],
            "share": [0.25],
        }
    )
    columns = [
        Column("account_name", "text", "Клиент"),
        Column("link", "link", "Открыть"),
        Column("trend", "sparkline", "Динамика"),
        Column("revenue"),
        Column("revenue_prior", label="Выручка год назад", measure_name="revenue"),
        Column("share", "number", "Доля", value_format="percent"),
    ]
    shown, measures = export_frame(frame, columns, "ru")
    revenue = measure("revenue").label("ru")
    assert shown.columns == ["Клиент", revenue, "Выручка год назад", "Доля"]
    assert shown.row(0) == ("ООО «Альфа»", 1200.5, 1000.0, 0.25)
    # every measure column carries its measure, for the XLSX number format
    assert measures == {revenue: "revenue", "Выручка год назад": "revenue"}


def test_xlsx_keeps_own_headers_and_formats_them_as_their_measure() -> None:
    from kamdash.report.exports.tables import NUMBER_FORMATS, TableScope, table_xlsx

    frame = pl.DataFrame({"revenue": [1200.5], "Выручка год назад": [1000.0]})
    scope = TableScope(
        "Клиенты", "ООО «Альфа»", dt.date(2026, 1, 1), dt.date(2026, 6, 30), language="ru"
    )
    workbook = openpyxl.load_workbook(
        io.BytesIO(table_xlsx(frame, {"Выручка год назад": "revenue"}, scope))
    )
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [
        measure("revenue").label("ru"),
        "Выручка год назад",
    ]
    assert sheet["B2"].value == 1000.0
    assert sheet["B2"].number_format == sheet["A2"].number_format == NUMBER_FORMATS["money"]


def test_scope_names_files_and_builds_bytes_without_streamlit(store: Store) -> None:
    scope = exports.Scope(
        "ООО «Альфа» (A1)", "ООО «Альфа»", dt.date(2026, 1, 1), dt.date(2026, 6, 30),
        dt.date(2026, 6, 30), "ru", store,
    )  # fmt: skip
    assert scope.filename("Выручка по категориям", "png") == (
        "OOO-Alfa_Vyruchka-po-kategoriiam_2026-01-01_2026-06-30.png"
    )
    # a long title is cut between words, not inside one
    long_title = scope.filename("Выручка, валовая маржа и маржа, % по месяцам и кварталам", "csv")
    assert (
        long_title
        == "OOO-Alfa_Vyruchka-valovaia-marzha-i-marzha-po-mesiatsam-i_2026-01-01_2026-06-30.csv"
    )
    stamp = scope.stamp()
    assert stamp.scope == "ООО «Альфа» (A1)" and stamp.data_exported is not None
    frame = pl.DataFrame({"Клиент": ["ООО «Альфа»"], "revenue": [1200.5]})
    assert exports.table_csv_bytes(frame).startswith("\ufeffКлиент".encode())
    book = openpyxl.load_workbook(io.BytesIO(exports.table_xlsx_bytes(frame, {}, scope, "Клиенты")))
    cell = book.worksheets[0]["B2"]
    assert cell.value == 1200.5 and "₽" in cell.number_format
