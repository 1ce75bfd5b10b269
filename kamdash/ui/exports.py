"""Downloads on the dashboard: every chart (PNG, SVG), every table (CSV, XLSX), and on the
account page the QBR deck, the one-page PDF and the meeting brief.

Files are built by the UI-free `kamdash.report.exports` and `kamdash.report.brief`, the same code as
the CLI (`kamdash qbr`). Every button passes Streamlit a zero-argument callable (deferred
generation, `on_click="ignore"`): nothing is rendered, converted or written until the user clicks,
and a click does not rerun the page, so the buttons cost a page run next to nothing. The callables
run on a thread without a script context, so they call no Streamlit function and take only plain
values (a chart, a frame, a `Scope`, the thread-safe `Store`).

What a file says it shows comes from a `Scope`: the account on the account page, the sidebar
filters elsewhere. A page that is about one account declares it once with `use_scope`; charts
and tables then pick it up without each call passing it.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
import streamlit as st

from kamdash.engine.measures import Language
from kamdash.engine.store import Store
from kamdash.report.brief import Brief, build_brief
from kamdash.report.exports.images import (
    Stamp,
    chart_png,
    chart_svg,
    data_export_date,
    data_files_modified,
    export_filename,
    slug,
)
from kamdash.ui.context import Context, page_context
from kamdash.ui.i18n import t

if TYPE_CHECKING:
    from kamdash.report.exports.tables import TableScope

# The deck, PDF and XLSX writers are imported on first use, inside the functions below: fpdf2,
# python-pptx and xlsxwriter take about a second to import, which every page's first run in a
# new server process would otherwise pay for buttons that may never be clicked.

# a brief is ~10 kB; this keeps the accounts and periods a few users looked at recently
BRIEF_CACHE_ENTRIES = 64
_RUN_KEY = "kamdash.report.exports.run"
_KEY_PREFIX = "kamdash.dl."
_TITLE_LIMIT = 48  # characters of a chart or table title kept in its file name

MIME_PNG = "image/png"
MIME_SVG = "image/svg+xml"
MIME_CSV = "text/csv"
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MIME_PDF = "application/pdf"
MIME_PARQUET = "application/vnd.apache.parquet"


# -- what a file shows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What exported files show: the text stamped on them, their file-name part and dates."""

    text: str  # "АО «Альфа» (ACC-001)", "All accounts", "KAM: Иванов И. И."
    file_part: str  # the first part of file names (the account, or the filter values)
    start: dt.date
    end: dt.date
    as_of: dt.date
    language: Language
    # its export date is read when a file is built, not per run
    store: Store | None = field(default=None, compare=False, repr=False)

    def data_exported(self) -> dt.date | None:
        return data_export_date(self.store) if self.store is not None else None

    def files_modified(self) -> bool:
        return self.store is not None and data_files_modified(self.store)

    def stamp(self) -> Stamp:
        return Stamp(
            self.text,
            self.start,
            self.end,
            self.as_of,
            self.data_exported(),
            self.language,
            files_modified=self.files_modified(),
        )

    def table_scope(self, title: str) -> TableScope:
        from kamdash.report.exports.tables import TableScope

        return TableScope(
            title,
            self.text,
            self.start,
            self.end,
            self.as_of,
            self.data_exported(),
            self.language,
            files_modified=self.files_modified(),
        )

    def filename(self, what: str, suffix: str) -> str:
        """`<scope>_<what>_<start>_<end>.<suffix>`, ASCII (Cyrillic transliterated)."""
        return export_filename(self.file_part, _short(what), self.start, self.end, suffix)


def _short(what: str) -> str:
    """A title as a file-name part, cut at a word boundary when it is long."""
    text = slug(what)
    if len(text) <= _TITLE_LIMIT:
        return text
    return text[: _TITLE_LIMIT + 1].rsplit("-", 1)[0] or text[:_TITLE_LIMIT]


def account_scope(context: Context, account_id: str, account_name: str) -> Scope:
    """The scope of the account page: one account, whatever the sidebar filters say."""
    f = context.filters
    return Scope(
        f"{account_name} ({account_id})",
        account_name,
        f.start,
        f.end,
        f.as_of,
        context.lang,
        context.store,
    )


_FILTER_LABELS = {
    "kam": "sidebar.kam",
    "industry": "sidebar.industry",
    "region": "sidebar.region",
    "group": "sidebar.group",
}


def view_scope(context: Context) -> Scope:
    """The scope of a portfolio-wide page: the sidebar filters (a KAM's own accounts when
    they are signed in), or all accounts."""
    f, lang = context.filters, context.lang
    principal = context.viewer.principal if context.viewer is not None else None
    parts: list[str] = []
    values: list[str] = []
    for param, label in _FILTER_LABELS.items():
        chosen = list(getattr(f, param))
        if param == "kam" and not chosen and principal is not None and principal.role == "kam":
            # a KAM's unfiltered view is their own book, not "All accounts": their files say
            # so, as the director's files of the same view filtered to that KAM do
            chosen = sorted(principal.kam_ids)
        if not chosen:
            continue
        if param == "kam":
            chosen = [context.kam_names.get(kam) or kam for kam in chosen]
        parts.append(f"{t(label, lang)}: {', '.join(chosen)}")
        values += chosen
    everyone = t("export.all_accounts", lang)
    return Scope(
        "; ".join(parts) or everyone,
        "-".join(values) or everyone,
        f.start,
        f.end,
        f.as_of,
        lang,
        context.store,
    )


# -- state of one page run ---------------------------------------------------------------------


@dataclass
class _Run:
    """What this script run has drawn so far: a new frame Context starts a new one."""

    context: Context
    scope: Scope | None = None
    section: str | None = None
    names: set[str] = field(default_factory=set)


def _run() -> _Run | None:
    try:
        context = page_context()
    except KeyError:  # nothing opened yet: no scope to stamp, so no downloads
        return None
    held = st.session_state.get(_RUN_KEY)
    # the frame builds a new Context on every run, so a stored one from an earlier run (or
    # another page) is never reused: a scope or heading cannot leak into the next page
    if not isinstance(held, _Run) or held.context is not context:
        held = _Run(context)
        st.session_state[_RUN_KEY] = held
    return held


def use_scope(scope: Scope) -> None:
    """Declare what this page's charts and tables show (e.g. one account) for this run."""
    run = _run()
    if run is not None:
        run.scope = scope


def note_section(title: str) -> None:
    """Remember the heading tables are drawn under: an untitled table is named after it."""
    run = _run()
    if run is not None:
        run.section = title


def current_scope() -> Scope | None:
    """The scope declared for this run, else the sidebar filters; None before any data."""
    run = _run()
    if run is None:
        return None
    if run.scope is None:
        run.scope = view_scope(run.context)
    return run.scope


def _stem(run: _Run | None, scope: Scope, what: str) -> str:
    """The file name without suffix, once per run: two same-titled charts get different files
    (and download buttons different widget keys)."""
    stem = scope.filename(what, "x").removesuffix(".x")
    if run is None:
        return stem
    candidate, number = stem, 1
    while candidate in run.names:
        number += 1
        candidate = f"{stem}-{number}"
    run.names.add(candidate)
    return candidate


# -- the bytes (plain arguments in, file out; what the buttons call) ---------------------------


def chart_png_bytes(chart: Any, scope: Scope) -> bytes:
    """The chart as a stamped PNG at 2× (`kamdash.report.exports.images.chart_png`)."""
    return chart_png(chart, scope.stamp())


def chart_svg_bytes(chart: Any, scope: Scope) -> bytes:
    """The chart as stamped SVG, UTF-8."""
    return chart_svg(chart, scope.stamp()).encode("utf-8")


def table_csv_bytes(frame: pl.DataFrame) -> bytes:
    """The table as CSV, UTF-8 with BOM so that Excel reads Cyrillic."""
    from kamdash.report.exports.tables import table_csv

    return table_csv(frame)


def table_xlsx_bytes(
    frame: pl.DataFrame, measures: Mapping[str, str], scope: Scope, title: str
) -> bytes:
    """The table as XLSX: typed, formatted columns and a sheet stating scope and definitions."""
    from kamdash.report.exports.tables import table_xlsx

    return table_xlsx(frame, measures, scope.table_scope(title))


def table_parquet_bytes(frame: pl.DataFrame) -> bytes:
    """The table as Parquet: typed columns, for a spreadsheet's or a script's own analysis."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _full(
    rows: Callable[[], tuple[pl.DataFrame, dict[str, str]]],
    write: Callable[[pl.DataFrame, dict[str, str]], bytes],
) -> bytes:
    frame, measures = rows()
    return write(frame, measures)


def deck_bytes(
    store: Store,
    account_id: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    language: Language,
) -> bytes:
    """The account's QBR deck (PPTX), as `kamdash qbr … --out deck.pptx` writes it."""
    from kamdash.report.exports.deck import build_deck

    return build_deck(store, account_id, start, end, as_of, language)


def pdf_bytes(
    store: Store,
    account_id: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    language: Language,
) -> bytes:
    """The account's one-page meeting brief (PDF)."""
    from kamdash.report.exports.pdf import build_pdf

    return build_pdf(store, account_id, start, end, as_of, language)


# -- the meeting brief -------------------------------------------------------------------------


@st.cache_data(max_entries=BRIEF_CACHE_ENTRIES, show_spinner=False)
def _brief(
    _store: Store,
    folder: str,
    fingerprint: str,
    account_id: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    language: Language,
) -> Brief:
    # folder and fingerprint (with who is asking) are the cache key, as in `kamdash.ui.data`:
    # a new export is never answered with the brief of the old one, nor finance with a brief
    # built for someone who may see margins
    return build_brief(_store, account_id, start, end, as_of, language)


def meeting_brief(
    store: Store,
    account_id: str,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    language: Language,
) -> Brief:
    """`kamdash.report.brief.build_brief`, cached per data version, viewer's scope, account, period
    and language."""
    scope = None if store.allowed is None else ",".join(sorted(store.allowed))
    key = (str(store.data_dir), f"{store.fingerprint}|{scope}|{store.hide_margins}")
    return _brief(store, *key, account_id, start, end, as_of, language)


# -- buttons -----------------------------------------------------------------------------------


def _button(
    label: str,
    data: Callable[[], bytes],
    file_name: str,
    mime: str,
    help_text: str,
    *,
    icon: str = ":material/download:",
    kind: Literal["primary", "secondary", "tertiary"] = "tertiary",
) -> None:
    st.download_button(
        label,
        data=data,  # deferred: called on click, on a thread of its own
        file_name=file_name,
        mime=mime,
        key=_KEY_PREFIX + file_name,
        help=help_text,
        on_click="ignore",  # a download changes nothing on the page: no rerun
        type=kind,
        icon=icon,
    )


def _title_of(chart: Any) -> str | None:
    title = getattr(chart, "title", None)  # alt.TitleParams, a string or Undefined
    text = getattr(title, "text", title)
    return text if isinstance(text, str) and text else None


def chart_downloads(chart: Any, scope: Scope | None = None) -> None:
    """PNG and SVG buttons under a chart; nothing when there is no data scope to stamp."""
    run = _run()
    scope = scope or current_scope()
    if scope is None:
        return
    lang = scope.language
    stem = _stem(run, scope, _title_of(chart) or t("export.chart", lang))
    with st.container(horizontal=True, gap="small"):
        _button(
            t("export.png", lang),
            functools.partial(chart_png_bytes, chart, scope),
            f"{stem}.png",
            MIME_PNG,
            t("export.png_help", lang),
        )
        _button(
            t("export.svg", lang),
            functools.partial(chart_svg_bytes, chart, scope),
            f"{stem}.svg",
            MIME_SVG,
            t("export.svg_help", lang),
        )


def table_downloads(
    frame: pl.DataFrame,
    measures: Mapping[str, str],
    title: str | None = None,
    scope: Scope | None = None,
) -> None:
    """CSV, XLSX and Parquet buttons under a table of the rows it shows; `title` defaults to
    the heading above it."""
    full_table_downloads(lambda: (frame, dict(measures)), title, scope)


def full_table_downloads(
    rows: Callable[[], tuple[pl.DataFrame, dict[str, str]]],
    title: str | None = None,
    scope: Scope | None = None,
) -> None:
    """CSV, XLSX and Parquet buttons for a whole server-side table: `rows` (the table in its
    current order and search, with the measure of each column) is queried only on a click,
    on the download's own thread, so a page of 200 rows never holds the 150,000."""
    run = _run()
    scope = scope or current_scope()
    if scope is None:
        return
    lang = scope.language
    title = title or (run.section if run is not None else None) or t("export.table", lang)
    stem = _stem(run, scope, title)
    with st.container(horizontal=True, gap="small"):
        _button(
            t("export.csv", lang),
            functools.partial(_full, rows, lambda frame, _: table_csv_bytes(frame)),
            f"{stem}.csv",
            MIME_CSV,
            t("export.csv_help", lang),
        )
        _button(
            t("export.xlsx", lang),
            functools.partial(
                _full,
                rows,
                lambda frame, measures: table_xlsx_bytes(frame, measures, scope, title),
            ),
            f"{stem}.xlsx",
            MIME_XLSX,
            t("export.xlsx_help", lang),
        )
        _button(
            t("export.parquet", lang),
            functools.partial(_full, rows, lambda frame, _: table_parquet_bytes(frame)),
            f"{stem}.parquet",
            MIME_PARQUET,
            t("export.parquet_help", lang),
        )


def qbr_downloads(store: Store, account_id: str, scope: Scope) -> None:
    """The account's QBR deck and one-page PDF brief, in the UI language."""
    lang = scope.language
    args = (store, account_id, scope.start, scope.end, scope.as_of, lang)
    with st.container(horizontal=True, gap="small"):
        _button(
            t("export.deck", lang),
            functools.partial(deck_bytes, *args),
            scope.filename("qbr", "pptx"),
            MIME_PPTX,
            t("export.deck_help", lang),
            icon=":material/slideshow:",
            kind="secondary",
        )
        _button(
            t("export.pdf", lang),
            functools.partial(pdf_bytes, *args),
            scope.filename("brief", "pdf"),
            MIME_PDF,
            t("export.pdf_help", lang),
            icon=":material/picture_as_pdf:",
            kind="secondary",
        )
