"""Row-level scope in every file the app lets a signed-in person download.

Each role (two KAMs, a director, finance in both languages) opens every page with AppTest's
simulated user; every download button the page offers is built, as a click would build it, and
read back as the person would read it: CSV and XLSX cells, the text of PPTX slides, tables and
notes, PDF text, SVG text, and for a picture (a PNG download, or a chart in the deck or the PDF)
the text drawn into it (the same spec rendered as SVG). Then:

- nothing of an account outside the role's scope is in any file: no name, id, document id or
  amount (also no total that includes it), and for a KAM no other KAM's name or e-mail;
- a file that lists accounts lists exactly the role's accounts;
- finance gets no margin or cost label, column or value anywhere;
- a deep link to another KAM's account, or a filter on another KAM, offers no file of it;
- the meeting brief on the page (cached across sessions) is the viewer's own.

The brief's whitespace compares an account only with peers the viewer may see, and quotes no
peer figure computed from fewer than three accounts: for a KAM here (two accounts each) it
quotes none, and `test_peer_whitespace_...` checks the deck and PDF for what would leak.

The export is built so that a leak is visible: every account has a distinct Cyrillic name and
distinct amounts (anna's in the hundreds of thousands, petr's from seven hundred thousand up),
and every cost is distinct from every revenue. `kamdash` on the command line has no signed-in
user (it reads the data folder with the operator's rights), so it has no scoped mode to test.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import html
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import exportkit as ek
import openpyxl
import polars as pl
import pytest
from appkit import PAGES, open_page, serve, signed_in, write_secured_export
from pptx import Presentation
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from test_app_exports import PNG_SIGNATURE, Deferred, Files, downloads, recording_into

import kamdash.report.exports.deck
import kamdash.report.exports.pdf
import kamdash.ui.auth
import kamdash.ui.exports
from kamdash import Store, open_store
from kamdash.engine.measures import Language, measure
from kamdash.engine.store import MARGIN_COLUMNS
from kamdash.report.brief import build_brief
from kamdash.report.exports.images import chart_svg, slug
from kamdash.report.formatting import format_money
from kamdash.ui.i18n import t

D = dt.date
START, END = D(2025, 1, 1), D(2025, 12, 31)
PRIOR_START, PRIOR_END = D(2024, 1, 1), D(2024, 12, 31)
VIEW = {"start": START.isoformat(), "end": END.isoformat()}
ALL_PAGES = ("portfolio", *PAGES)

ACCOUNTS = {
    # id: (name, KAM)
    "ALFA01": ("ООО «Альфа»", "K1"),
    "BETA02": ("АО «Бета»", "K1"),
    "GAMMA03": ("ПАО «Гамма»", "K2"),
    "DELTA04": ("ЗАО «Дельта»", "K2"),
}
KAMS = {
    "K1": ("Иванова Анна", "anna@example.ru"),
    "K2": ("Петров Пётр", "petr@x.ru"),
}


@dataclass(frozen=True)
class Role:
    email: str
    lang: Language
    accounts: frozenset[str]
    margins: bool = True

    @property
    def kams(self) -> frozenset[str]:
        return frozenset(ACCOUNTS[a][1] for a in self.accounts)

    @property
    def names(self) -> set[str]:
        return {ACCOUNTS[a][0] for a in self.accounts}

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(ACCOUNTS) - self.accounts


EVERYONE = frozenset(ACCOUNTS)
ROLES = {
    "kam-anna": Role("anna@example.ru", "ru", frozenset({"ALFA01", "BETA02"})),
    "kam-petr": Role("petr@x.ru", "en", frozenset({"GAMMA03", "DELTA04"})),
    "director": Role("boss@company.ru", "ru", EVERYONE),
    "finance-en": Role("cfo@company.ru", "en", EVERYONE, margins=False),
    "finance-ru": Role("cfo@company.ru", "ru", EVERYONE, margins=False),
}
MARGIN_WORDS = (
    # the margin measures' labels, their column names and the raw cost column, and the words
    # a margin chart title or slide heading is made of
    *(
        measure(n).label(lang)
        for n in ("gross_margin", "gross_margin_pct", "cogs")
        for lang in ("en", "ru")
    ),
    *MARGIN_COLUMNS,
    "cost_amount",
    "margin",
    "марж",
)


# -- the export --------------------------------------------------------------------------------


def tables() -> dict[str, list[dict[str, Any]]]:
    rows = ek.base_tables()
    rows["managers"] = [
        {"kam_id": kam, "kam_name": name, "email": email} for kam, (name, email) in KAMS.items()
    ]
    rows["accounts"] = [
        ek.account(i, account_name=name, kam_id=kam, credit_limit=limit)
        for (i, (name, kam)), limit in zip(
            ACCOUNTS.items(), (150_000.0, None, 700_000.0, None), strict=True
        )
    ]
    rows["products"] = [
        {"product_id": "P1", "product_name": "Ноутбук", "category": "Техника"},
        {"product_id": "P2", "product_name": "Лицензия", "category": "Софт"},
        {"product_id": "P3", "product_name": "Сервер", "category": "Инфраструктура"},
    ]
    documents = [
        ("INV-ALFA-1", "ALFA01", D(2024, 3, 5), [("P1", 10, 118_407.36, 79_316.52)]),
        (
            "INV-ALFA-2",
            "ALFA01",
            D(2025, 3, 5),
            [("P1", 12, 149_283.71, 93_162.48), ("P2", 3, 31_947.26, 12_583.09)],
        ),
        ("INV-ALFA-3", "ALFA01", D(2025, 11, 10), [("P2", 2, 43_618.94, 19_872.65)]),
        ("INV-BETA-1", "BETA02", D(2024, 5, 7), [("P2", 5, 236_914.58, 152_468.37)]),
        ("INV-BETA-2", "BETA02", D(2025, 6, 7), [("P2", 6, 268_351.29, 163_947.81)]),
        # Гамма alone buys servers: whitespace for everyone else in the industry
        ("INV-GAMMA-1", "GAMMA03", D(2024, 4, 5), [("P3", 1, 773_629.47, 503_816.92)]),
        ("INV-GAMMA-2", "GAMMA03", D(2025, 4, 5), [("P3", 1, 795_482.63, 514_273.18)]),
        ("INV-GAMMA-3", "GAMMA03", D(2025, 10, 15), [("P1", 3, 917_364.85, 611_958.34)]),
        ("INV-DELTA-1", "DELTA04", D(2025, 8, 9), [("P2", 4, 846_173.52, 559_631.47)]),
    ]
    for invoice_id, account_id, day, lines in documents:
        ek.add_document(rows, invoice_id, account_id, day, lines)
    rows["payments"] = [
        ek.payment("PAY-ALFA-1", "ALFA01", "INV-ALFA-1", D(2024, 4, 1), 118_407.36),
        ek.payment("PAY-ALFA-2", "ALFA01", "INV-ALFA-2", D(2025, 4, 20), 181_230.97),
        ek.payment("PAY-BETA-1", "BETA02", "INV-BETA-2", D(2025, 7, 20), 104_736.81),
        ek.payment("PAY-GAMMA-1", "GAMMA03", "INV-GAMMA-1", D(2024, 5, 5), 773_629.47),
        ek.payment("PAY-GAMMA-2", "GAMMA03", "INV-GAMMA-2", D(2025, 5, 15), 795_482.63),
    ]
    rows["targets"] = [
        {
            "account_id": "ALFA01",
            "month": D(2025, 3, 1),
            "revenue_target": 150_000.0,
            "gross_margin_target": 54_321.98,
        },
        {
            "account_id": "GAMMA03",
            "month": D(2025, 4, 1),
            "revenue_target": 800_000.0,
            "gross_margin_target": 276_543.21,
        },
    ]
    return rows


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_secured_export(tmp_path_factory.mktemp("auth-exports"), tables())


@pytest.fixture(scope="module")
def everything(export: Path) -> Iterator[Store]:
    """The unrestricted store: where the figures a role must not get come from."""
    store = open_store(export / "data")
    yield store
    store.close()


# -- what a person can read in a file ----------------------------------------------------------


@dataclass
class File:
    page: str
    label: str
    name: str
    texts: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    # a table's first sheet (CSV, XLSX): header → cells
    columns: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def suffix(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def blob(self) -> str:
        return squash("\n".join([self.name, *self.texts]))


def squash(text: str) -> str:
    """Text compared without case or any whitespace (line breaks, narrow no-break spaces)."""
    return re.sub(r"\s+", "", text).casefold()


def svg_texts(svg: str, *, drawn_only: bool = False) -> list[str]:
    """The text drawn in an SVG, and (unless `drawn_only`) its accessibility labels, which
    carry each mark's data."""
    found = re.findall(r">([^<>]+)<", svg)
    if not drawn_only:
        found += re.findall(r'aria-label="([^"]*)"', svg)
    return [html.unescape(text) for text in found]


class Pictures:
    """The text drawn into every chart rendered as a picture while a file is built: the same
    chart and stamp rendered as SVG (reusing the SVG download of the same chart, if built)."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.svgs: dict[tuple[Any, ...], str] = {}

    def wrap_svg(self, draw: Callable[..., str]) -> Callable[..., str]:
        @functools.wraps(draw)
        def recorded(chart: Any, stamp: Any, **size: Any) -> str:
            svg = draw(chart, stamp, **size)
            self.svgs[(id(chart), stamp, tuple(sorted(size.items())))] = svg
            return svg

        return recorded

    def wrap(self, draw: Callable[..., bytes]) -> Callable[..., bytes]:
        @functools.wraps(draw)
        def recorded(chart: Any, stamp: Any, **options: Any) -> bytes:
            size = {k: v for k, v in options.items() if k in ("width", "height")}
            key = (id(chart), stamp, tuple(sorted(size.items())))
            svg = self.svgs.get(key) or chart_svg(chart, stamp, **size)
            self.texts += svg_texts(svg, drawn_only=True)
            return draw(chart, stamp, **options)

        return recorded


def read_csv(content: bytes, into: File) -> None:
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    into.columns = {name: [row[i] for row in body] for i, name in enumerate(header)}
    for row in rows:
        for cell in row:
            into.texts.append(cell)
            with contextlib.suppress(ValueError):
                into.numbers.append(float(cell))


def read_parquet(content: bytes, into: File) -> None:
    frame = pl.read_parquet(io.BytesIO(content))
    into.texts += frame.columns
    into.columns = {name: frame[name].to_list() for name in frame.columns}
    for values in into.columns.values():
        for value in values:
            if isinstance(value, int | float) and not isinstance(value, bool):
                into.numbers.append(float(value))
            elif value is not None:
                into.texts.append(str(value))


def read_xlsx(content: bytes, into: File) -> None:
    book = openpyxl.load_workbook(io.BytesIO(content))
    for index, sheet in enumerate(book.worksheets):
        into.texts.append(sheet.title)
        rows = list(sheet.iter_rows(values_only=True))
        if index == 0 and rows:
            header = [str(cell) for cell in rows[0]]
            into.columns = {name: [row[i] for row in rows[1:]] for i, name in enumerate(header)}
        for row in rows:
            for cell in row:
                if isinstance(cell, int | float) and not isinstance(cell, bool):
                    into.numbers.append(float(cell))
                elif cell is not None:
                    into.texts.append(str(cell))


def read_pptx(content: bytes, into: File) -> None:
    deck = Presentation(io.BytesIO(content))
    props = deck.core_properties
    into.texts += [props.title or "", props.author or "", props.subject or "", props.keywords or ""]
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                into.texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False):
                into.texts += [cell.text for row in shape.table.rows for cell in row.cells]
            if getattr(shape, "has_chart", False):
                for plot in shape.chart.plots:
                    into.texts += [str(c) for c in plot.categories]
                    for series in plot.series:
                        into.texts.append(series.name)
                        into.numbers += [float(v) for v in series.values if v is not None]
        if slide.has_notes_slide:
            into.texts.append(slide.notes_slide.notes_text_frame.text)


def read_pdf(content: bytes, into: File) -> None:
    assert content[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(content))
    meta: Mapping[str, Any] = reader.metadata or {}
    into.texts += [str(meta.get(key, "")) for key in ("/Title", "/Author", "/Subject")]
    into.texts += [page.extract_text() for page in reader.pages]


def read(page: str, label: str, found: Deferred, pictures: Pictures) -> File:
    """Build the file as a click would and read it back."""
    pictures.texts = []
    content = found.build()
    if isinstance(content, str):
        content = content.encode("utf-8")
    into = File(page, label, found.file_name)
    if into.suffix == "csv":
        read_csv(content, into)
    elif into.suffix == "xlsx":
        read_xlsx(content, into)
    elif into.suffix == "parquet":
        read_parquet(content, into)
    elif into.suffix == "pptx":
        read_pptx(content, into)
    elif into.suffix == "pdf":
        read_pdf(content, into)
    elif into.suffix == "svg":
        text = content.decode("utf-8")
        assert text.lstrip().startswith("<svg")
        into.texts += svg_texts(text)
    elif into.suffix == "png":
        assert content[:8] == PNG_SIGNATURE
    else:
        raise AssertionError(f"unexpected download {found.file_name}")
    into.texts += pictures.texts  # the text drawn into its pictures (PNG, deck, PDF charts)
    return into


# -- opening pages as a role -------------------------------------------------------------------

Visit = Callable[..., list[File]]


@pytest.fixture(scope="module")
def visit(export: Path) -> Iterator[Visit]:
    """Open a page as a role and read every file it offers; each visit is made once."""
    found: Files = {}
    pictures = Pictures()
    done: dict[tuple[Any, ...], list[File]] = {}

    def run(role: Role, page: str, **params: str) -> list[File]:
        key = (role, page, tuple(sorted(params.items())))
        if key not in done:
            at = open_as(role, page, **params)
            offered = downloads(at, found)
            # a chart's SVG first: its PNG is the same drawing, whose text is then known
            offered.sort(key=lambda shown: shown[1].file_name.endswith(".png"))
            done[key] = [read(page, label, deferred, pictures) for label, deferred in offered]
            pictures.svgs.clear()
        return done[key]

    with pytest.MonkeyPatch.context() as patch:
        serve(patch, export)
        patch.setattr(MediaFileManager, "add_deferred", recording_into(found))
        for module in (kamdash.ui.exports, kamdash.report.exports.deck, kamdash.report.exports.pdf):
            patch.setattr(module, "chart_png", pictures.wrap(module.chart_png))
        patch.setattr(
            kamdash.ui.exports, "chart_svg", pictures.wrap_svg(kamdash.ui.exports.chart_svg)
        )
        yield run


def open_as(role: Role, page: str, **params: str) -> AppTest:
    return open_page(page, user=signed_in(role.email), **{**VIEW, "lang": role.lang, **params})


# -- what must not be there --------------------------------------------------------------------


def money_texts(value: float) -> set[str]:
    """How an amount can be written in a file: raw, and in full or short in each language."""
    forms = {f"{value:.2f}"}
    for lang in ("en", "ru"):
        forms.add(format_money(value, lang))
        short = format_money(value, lang, short=True)
        if len(re.findall(r"\d", short)) >= 4:  # `₽788.2K` names one amount, `₽1.7M` many
            forms.add(short)
    return {squash(form) for form in forms}


@dataclass(frozen=True)
class Forbidden:
    """What a role must never find in a file."""

    words: frozenset[str]  # squashed
    amounts: frozenset[float]  # money: looked for as numbers and as written
    ratios: frozenset[float] = frozenset()  # shares: looked for as numbers

    def leaks(self, file: File) -> list[str]:
        blob = file.blob()
        found = [word for word in self.words if word in blob]
        amounts = self.amounts
        for value in amounts | self.ratios:
            if any(math.isclose(n, value, rel_tol=1e-9, abs_tol=1e-9) for n in file.numbers):
                found.append(f"the number {value}")
        for amount in amounts:
            found += [f"{form} ({amount})" for form in money_texts(amount) if form in blob]
        return found


def figures(store: Store, start: dt.date, end: dt.date, names: Iterable[str]) -> set[float]:
    """The store's per-account, per-month and portfolio figures of the period."""
    values: set[float] = set()
    names = list(names)
    frames = [
        store.accounts(start, end),
        store.rollup(start, end, level="portfolio"),
        store.rollup(start, end, level="kam"),
        store.monthly(D(2024, 1, 1), END, level="account"),
        store.monthly(D(2024, 1, 1), END, level="portfolio"),
    ]
    for frame in frames:
        for name in names:
            if name in frame.columns:
                values |= {float(v) for v in frame[name].to_list() if v}
    return values


@functools.cache
def forbidden_for(role: Role, store: Store) -> Forbidden:
    """What `role` must not find."""
    words: set[str] = set()
    amounts: set[float] = set()
    ratios: set[float] = set()
    rows = tables()
    hidden = role.hidden
    for account_id in hidden:
        name, _ = ACCOUNTS[account_id]
        core = re.search(r"«.+»", name)
        assert core is not None
        words |= {name, core.group(0), account_id, slug(name)}
    if hidden:
        for kam in set(KAMS) - role.kams:
            words |= set(KAMS[kam])
        documents = [row for row in rows["invoices"] if row["account_id"] in hidden]
        ids = {row["invoice_id"] for row in documents}
        words |= ids
        amounts |= {row["amount_due"] for row in documents}
        for line in rows["invoice_lines"]:
            if line["invoice_id"] in ids:
                amounts |= {line["net_amount"], line["cost_amount"]}
        for payment in rows["payments"]:
            if payment["account_id"] in hidden:
                words.add(payment["payment_id"])
                amounts.add(payment["amount"])
        # every figure of a hidden account, and every total that includes one
        measures = ("revenue", "cogs", "gross_margin", "open_ar", "overdue_ar")
        for start, end in ((START, END), (PRIOR_START, PRIOR_END)):
            frame = store.accounts(start, end, end)
            for row in frame.filter(frame["account_id"].is_in(sorted(hidden))).iter_rows(
                named=True
            ):
                amounts |= {float(row[m]) for m in measures if row[m]}
            portfolio = store.portfolio(start, end, end)
            amounts |= {float(portfolio[m]) for m in measures if portfolio[m]}
        amounts |= {
            sum(line["net_amount"] for line in rows["invoice_lines"]),
            sum(line["cost_amount"] for line in rows["invoice_lines"]),
            sum(row["amount_due"] for row in rows["invoices"]),
            sum(row["amount"] for row in rows["payments"]),
        }
        # a total is a leak only when the hidden accounts change it
        own = store.restricted(role.accounts)
        for start, end in ((START, END), (PRIOR_START, PRIOR_END)):
            mine = own.portfolio(start, end, end)
            amounts -= {float(mine[m]) for m in measures if mine[m]}
    if not role.margins:
        words |= set(MARGIN_WORDS)
        for start, end in ((START, END), (PRIOR_START, PRIOR_END)):
            amounts |= figures(store, start, end, ("cogs", "gross_margin"))
            ratios |= figures(store, start, end, ("gross_margin_pct",))
        for line in rows["invoice_lines"]:
            amounts |= {line["cost_amount"], round(line["net_amount"] - line["cost_amount"], 2)}
        amounts.add(sum(line["cost_amount"] for line in rows["invoice_lines"]))
        amounts |= {row["gross_margin_target"] for row in rows["targets"]}
    return Forbidden(frozenset(squash(w) for w in words), frozenset(amounts), frozenset(ratios))


def leaks(files: Iterable[File], forbidden: Forbidden) -> dict[str, list[str]]:
    return {f.name: found for f in files if (found := forbidden.leaks(f))}


def assert_no_leaks(files: Iterable[File], forbidden: Forbidden) -> None:
    found = leaks(files, forbidden)
    assert not found, "\n".join(
        f"{name}: {', '.join(sorted(what))}" for name, what in found.items()
    )


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_file_holds_only_what_the_role_may_see(
    visit: Visit, everything: Store, role: str, page: str
) -> None:
    who = ROLES[role]
    files = visit(who, page)
    assert files, f"{page} offers no download"
    kinds = {f.suffix for f in files}
    assert {"csv", "xlsx"} <= kinds, (page, kinds)
    if page != "data":
        assert {"png", "svg"} <= kinds, (page, kinds)
    if page == "account":
        assert {"pptx", "pdf"} <= kinds
    assert_no_leaks(files, forbidden_for(who, everything))


def column(file: File, header: str) -> list[Any]:
    assert header in file.columns, (file.name, list(file.columns))
    return file.columns[header]


def named(files: list[File], title: str, suffix: str) -> File:
    [found] = [f for f in files if f.suffix == suffix and f"_{slug(title)}_" in f.name]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_files_that_list_accounts_list_exactly_the_roles_accounts(visit: Visit, role: str) -> None:
    who = ROLES[role]
    lang = who.lang
    account, kam = t("col.account", lang), t("col.kam", lang)
    kam_names = {KAMS[k][0] for k in who.kams}
    portfolio = visit(who, "portfolio")
    receivables = visit(who, "receivables")
    for suffix in ("csv", "xlsx"):
        accounts = named(portfolio, t("portfolio.accounts", lang), suffix)
        assert sorted(column(accounts, account)) == sorted(who.names)
        assert set(column(accounts, kam)) == kam_names
        # every account has open receivables, so each is on the per-account list
        exposure = named(receivables, t("receivables.by_account", lang), suffix)
        assert sorted(column(exposure, account)) == sorted(who.names)
        worklist = named(receivables, t("receivables.worklist", lang), suffix)
        assert set(column(worklist, account)) <= who.names
        [team] = [f for f in visit(who, "team") if f.suffix == suffix]
        assert set(column(team, kam)) == kam_names
        # named for whose accounts they list: a KAM's own, not "All accounts"
        owner = sorted(kam_names) if who.hidden else [t("export.all_accounts", lang)]
        for file in (accounts, exposure, worklist, team):
            assert file.name.startswith(f"{slug('-'.join(owner))}_"), file.name
    # the account page is about the role's largest account; its deck and brief name it
    files = visit(who, "account")
    [deck] = [f for f in files if f.suffix == "pptx"]
    [pdf] = [f for f in files if f.suffix == "pdf"]
    shown = {name for name in who.names if squash(name) in deck.blob()}
    assert len(shown) == 1 and squash(shown.pop()) in pdf.blob()


def test_finance_files_name_no_margin_and_keep_the_receivables(visit: Visit) -> None:
    for role in ("finance-en", "finance-ru"):
        who = ROLES[role]
        portfolio = visit(who, "portfolio")
        accounts = named(portfolio, t("portfolio.accounts", who.lang), "xlsx")
        headers = set(accounts.columns)
        assert measure("open_ar").label(who.lang) in headers
        assert measure("revenue").label(who.lang) in headers
        for name in ("gross_margin", "gross_margin_pct", "cogs"):
            assert measure(name).label(who.lang) not in headers
        [deck] = [f for f in visit(who, "account") if f.suffix == "pptx"]
        assert squash(measure("open_ar").label(who.lang)) in deck.blob()


DEEP_LINKS = {
    "anna-account-of-petr": ("kam-anna", "account", {"account": "GAMMA03"}),
    "anna-receivables-of-petr": ("kam-anna", "receivables", {"account": "GAMMA03"}),
    "anna-portfolio-of-petr": ("kam-anna", "portfolio", {"kam": "K2"}),
    "petr-team-of-anna": ("kam-petr", "team", {"kam": "K1"}),
}


@pytest.mark.parametrize("link", DEEP_LINKS)
def test_a_deep_link_to_another_kams_account_offers_none_of_its_files(
    visit: Visit, everything: Store, link: str
) -> None:
    role, page, params = DEEP_LINKS[link]
    who = ROLES[role]
    files = visit(who, page, **params)
    assert files  # the page still works, on the role's own accounts
    assert_no_leaks(files, forbidden_for(who, everything))
    if page == "account":
        decks = [f for f in files if f.suffix in ("pptx", "pdf")]
        assert len(decks) == 2
        for deck in decks:
            assert any(squash(name) in deck.blob() for name in who.names), deck.name


@pytest.mark.parametrize("role", ["kam-anna", "kam-petr"])
def test_peer_whitespace_quotes_no_other_kams_client(
    visit: Visit, everything: Store, role: str
) -> None:
    """Industry peers of a KAM's account are only the KAM's own accounts: anna's deck and PDF
    must not quote Гамма's server revenue as the peers' median, nor petr's Бета's software
    revenue (both are line amounts of the other KAM's clients, so `forbidden_for` has them)."""
    who = ROLES[role]
    files = [f for f in visit(who, "account") if f.suffix in ("pptx", "pdf")]
    assert_no_leaks(files, forbidden_for(who, everything))
    own = everything.restricted(who.accounts)
    for account_id in who.accounts:
        # one visible peer each: too few to quote any peer figure
        assert build_brief(own, account_id, START, END, END, who.lang).whitespace == ()


def test_the_brief_on_the_page_is_the_roles_own(export: Path, everything: Store) -> None:
    """The brief is cached across sessions: finance must not be served the director's."""
    kamdash.ui.exports._brief.clear()
    with pytest.MonkeyPatch.context() as patch:
        serve(patch, export)
        for role in ("director", "finance-ru"):
            at = open_as(ROLES[role], "account", account="GAMMA03")
    [expander] = [e for e in at.expander if e.label.startswith(t("brief.title", "ru"))]
    shown = squash("\n".join(block.value for block in expander.markdown))
    director = build_brief(everything, "GAMMA03", START, END, END, "ru")
    finance = build_brief(
        everything.restricted(None, hide_margins=True), "GAMMA03", START, END, END, "ru"
    )
    for ours, theirs in zip(finance.comparisons, director.comparisons, strict=True):
        assert squash(ours.summary) in shown.replace("\\", "")
        assert ours.summary != theirs.summary  # the director's says the margin
        assert squash(theirs.summary) not in shown.replace("\\", "")


def test_the_checks_catch_a_widened_scope(
    export: Path, everything: Store, visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the scope switched off, the same checks find the other KAM's accounts and the
    margins: the tests above can fail."""
    monkeypatch.setattr(kamdash.ui.auth, "scoped_store", lambda store, principal: store)
    # `widened` (a URL parameter the app ignores) keeps these visits apart from the ones above
    anna = Role("anna@example.ru", "ru", ROLES["kam-anna"].accounts)
    found = leaks(visit(anna, "portfolio", widened="1"), forbidden_for(anna, everything))
    assert any(squash("ПАО «Гамма»") in what for what in found.values())
    cfo = Role("cfo@company.ru", "en", EVERYONE, margins=False)
    found = leaks(visit(cfo, "portfolio", widened="1"), forbidden_for(cfo, everything))
    assert any(squash(measure("gross_margin_pct").label("en")) in what for what in found.values())
