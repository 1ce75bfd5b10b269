"""Building blocks the pages are laid out from: KPI tiles, tables, charts, notes, glossary.

Labels and number formats come from `kamdash.engine.measures` through `kamdash.report.formatting`;
nothing here re-types a measure's label. Text that comes from the data (names, ids) is shown as
plain text: it is escaped wherever Streamlit would read Markdown, and never passed as HTML. Every
chart and table drawn here gets its download buttons (`kamdash.ui.exports`), so each page has them
without asking.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import altair as alt
import pandas as pd
import polars as pl
import streamlit as st

from kamdash.data.importing import ImportRecord
from kamdash.data.validation import Finding, ValidationReport
from kamdash.engine.measures import MEASURES, Format, Language, measure
from kamdash.engine.store import MARGIN_COLUMNS, Store
from kamdash.report.formatting import (
    MISSING,
    NEW_GROWTH,
    Delta,
    delta,
    format_date,
    format_measure,
    format_value,
    growth_or_new,
    is_missing,
)
from kamdash.ui import exports
from kamdash.ui.exports import Scope
from kamdash.ui.filters import Note
from kamdash.ui.i18n import t

# characters that change inline Markdown anywhere (emphasis, code, links, HTML, LaTeX, tables,
# `:emoji:` / `:material/icon:` shortcodes), and the starts of lines that make lists or headings
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#~$|:])")
_BLOCK_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+>=])", re.MULTILINE)


def escape_md(text: object) -> str:
    """Data text made literal for Streamlit Markdown (names like `«Альфа*Строй»` or `A_B`)."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return _BLOCK_START.sub(
        lambda m: f"{m[1]}{m[2]}\\{m[3]}" if m[2] else f"{m[4]}\\{m[5]}", escaped
    )


def code_text(text: object, limit: int = 80) -> str:
    """Text for inside a Markdown code span (`…`), where escapes would show: a backtick would
    end the span, so it is dropped, and a pasted essay is cut short."""
    flat = " ".join(str(text).replace("`", "'").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- KPI tiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One KPI: a measure's value, and what it is compared with (if anything)."""

    name: str
    value: object
    prior: object = None
    # the caption of the delta, e.g. "vs prior year"; None hides the delta
    compare: str | None = None
    # a ready delta instead of value − prior (e.g. revenue against plan)
    delta: Delta | None = None
    short: bool = True
    # for a growth: the figures it is computed from, as (measure name, value) pairs (revenue
    # now and a year ago); the tooltip gives them in full, and an empty growth of a
    # positive first one reads "new"
    basis: tuple[tuple[str, object], ...] = ()


def tile_help(item: Tile, lang: Language) -> str:
    """The tile's tooltip: the figures behind the short text in full, the measure's
    meaning and formula."""
    definition = measure(item.name)
    lines = [definition.description(lang), t("formula", lang, formula=definition.formula)]
    figures = []
    if definition.format == "money" and not is_missing(item.value):
        figures.append(t("full_value", lang, value=format_measure(item.value, item.name, lang)))
        if item.compare is not None and item.delta is None and not is_missing(item.prior):
            prior = format_measure(item.prior, item.name, lang)
            figures.append(t("compared_value", lang, compare=item.compare, value=prior))
    for name, value in item.basis:
        label = measure(name).label(lang)
        figures.append(f"{label}: {format_measure(value, name, lang)}")
    return "\n\n".join(escape_md(line) for line in [*figures, *lines])


def growth_basis(name: str, row: Mapping[str, object]) -> tuple[tuple[str, object], ...]:
    """For a growth measure, the figures of `row` it is computed from (`Tile.basis`)."""
    grown = measure(name).growth_of
    return tuple((n, row[n]) for n in grown) if grown else ()


def tile_value(item: Tile, lang: Language) -> str:
    value = item.value
    if measure(item.name).growth_of is not None and item.basis:
        value = growth_or_new(value, item.basis[0][1])
    return format_measure(value, item.name, lang, short=item.short)


def _withheld(name: str | None) -> bool:
    """A margin figure on a page for someone who may not see margins: leave it out entirely."""
    from kamdash.ui.context import current_context

    context = current_context()
    return bool(name in MARGIN_COLUMNS and context is not None and context.store.hide_margins)


def tiles(items: Sequence[Tile], lang: Language, per_row: int = 4) -> None:
    items = [item for item in items if not _withheld(item.name)]
    for offset in range(0, len(items), per_row):
        columns = st.columns(per_row)
        for column, item in zip(columns, items[offset : offset + per_row], strict=False):
            change = item.delta
            if change is None and item.compare is not None:
                change = delta(item.value, item.prior, item.name, lang)
            arrow: Literal["up", "down", "off"] = "off"
            colour: Literal["green", "red", "gray"] = "gray"
            if change is not None and change.direction != "flat":
                arrow = change.direction
                if change.good is not None:
                    colour = "green" if change.good else "red"
            column.metric(
                measure(item.name).label(lang),
                tile_value(item, lang),
                delta=change.text if change is not None else None,
                # the sign is in the text (typographic minus), so colour and arrow are explicit
                delta_color=colour,
                delta_arrow=arrow,
                delta_description=item.compare if change is not None else None,
                help=tile_help(item, lang),
                border=True,
            )


# -- tables ------------------------------------------------------------------------------------

ColumnKind = Literal["measure", "text", "date", "link", "sparkline", "number", "flag"]


@dataclass(frozen=True)
class Column:
    """A table column: the frame's column, how it is shown and its header."""

    source: str
    kind: ColumnKind = "measure"
    # the measure name for kind="measure" (defaults to source); header text otherwise
    label: str | None = None
    measure_name: str | None = None
    width: Literal["small", "medium", "large"] | int | None = None
    help: str | None = None
    # for links: the text shown in every cell
    link_text: str | None = None
    # for numbers without a measure
    value_format: Format = "count"


def _formatter(col: Column, lang: Language) -> Callable[[Any], str] | None:
    if col.kind == "measure":
        name = col.measure_name or col.source
        return lambda value: format_measure(None if pd.isna(value) else value, name, lang)
    if col.kind == "date":
        return lambda value: MISSING if pd.isna(value) else format_date(value, lang)
    if col.kind == "number":
        fmt = col.value_format
        return lambda value: format_value(None if pd.isna(value) else value, fmt, lang)
    if col.kind == "text":
        return lambda value: MISSING if value is None or pd.isna(value) else str(value)
    return None


def header(col: Column, lang: Language) -> str:
    """The column's heading: its measure's label, or its own."""
    if col.kind == "measure" and col.label is None:
        return measure(col.measure_name or col.source).label(lang)
    return col.label or col.source


def _column_config(col: Column, lang: Language) -> Any:
    heading = header(col, lang)
    help_text = col.help
    if col.kind == "measure" and help_text is None:
        help_text = measure(col.measure_name or col.source).description(lang)
    if col.kind == "link":
        return st.column_config.LinkColumn(
            heading, display_text=col.link_text, width=col.width or "small", help=help_text
        )
    if col.kind == "sparkline":
        return st.column_config.LineChartColumn(
            heading, width=col.width or "medium", help=help_text
        )
    if col.kind == "flag":
        return st.column_config.CheckboxColumn(heading, width=col.width, help=help_text)
    return st.column_config.Column(heading, width=col.width, help=help_text)


def shown_columns(columns: Sequence[Column]) -> list[Column]:
    """The columns this viewer may see: no margin column for a viewer without margins."""
    return [col for col in columns if not _withheld(col.measure_name or col.source)]


def export_frame(
    frame: pl.DataFrame, columns: Sequence[Column], lang: Language
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The table as its files hold it: the shown columns under their shown headers, values
    unformatted (numbers stay numbers), and the measure of each measure column by header.

    Links (app addresses) and sparklines (lists) are left out. Every measure column carries
    its measure, so the XLSX writer formats it as money, percent or days under its shown header.
    """
    names: list[pl.Expr] = []
    measures: dict[str, str] = {}
    seen: set[str] = set()
    for col in columns:
        if col.kind in ("link", "sparkline"):
            continue
        heading, number = header(col, lang), 1
        while heading in seen:  # a file's columns need distinct names
            number += 1
            heading = f"{header(col, lang)} ({number})"
        seen.add(heading)
        names.append(pl.col(col.source).alias(heading))
        if col.kind == "measure":
            measures[heading] = col.measure_name or col.source
    return frame.select(names), measures


def _with_new_growth(frame: pl.DataFrame, columns: Sequence[Column]) -> pl.DataFrame:
    """Growth columns as shown: `NEW_GROWTH` (reads "new", sorts above every growth) where
    the growth is empty and what grew is positive. Only for the screen: files keep the
    empty value of the API."""
    for col in columns:
        if col.kind != "measure":
            continue
        basis = measure(col.measure_name or col.source).growth_of
        if basis is None or basis[0] not in frame.columns:
            continue
        grown = basis[0]
        new = pl.col(col.source).is_null() & (pl.col(grown) > 0)
        frame = frame.with_columns(
            pl.when(new).then(NEW_GROWTH).otherwise(pl.col(col.source)).alias(col.source)
        )
    return frame


def table(
    frame: pl.DataFrame,
    columns: Sequence[Column],
    lang: Language,
    *,
    key: str | None = None,
    selectable: bool = False,
    height: int | Literal["auto", "content", "stretch"] = "auto",
    title: str | None = None,
    scope: Scope | None = None,
    downloads: bool = True,
) -> Any:
    """A sortable table: numeric cells keep their values (so sorting is numeric) and show the
    locale text of `kamdash.report.formatting` through a pandas Styler.

    Below it, CSV and XLSX downloads of the same rows, named after `title` (default: the
    section heading above) and stamped with `scope` (default: the page's).
    """
    columns = shown_columns(columns)
    data = _with_new_growth(frame, columns).select([col.source for col in columns]).to_pandas()
    formatters = {col.source: f for col in columns if (f := _formatter(col, lang)) is not None}
    styled = data.style.format(formatters, na_rep=MISSING)
    config = {col.source: _column_config(col, lang) for col in columns}
    options: dict[str, Any] = {}
    if selectable:
        options = {"on_select": "rerun", "selection_mode": "single-row", "key": key}
    elif key is not None:
        options = {"key": key}
    event = st.dataframe(
        styled,
        column_config=config,
        column_order=[col.source for col in columns],
        hide_index=True,
        width="stretch",
        height=height,
        # empty cells (a ratio without a denominator, no order yet) read as a dash
        placeholder=MISSING,
        **options,
    )
    if downloads:
        exports.table_downloads(*export_frame(frame, columns, lang), title=title, scope=scope)
    return event


def selected_row(event: Any) -> int | None:
    """The index of the row picked in a selectable table, if any."""
    try:
        rows = event.selection.rows
    except AttributeError:
        return None
    return int(rows[0]) if rows else None


# -- text --------------------------------------------------------------------------------------


def chart(spec: Any, *, key: str | None = None, scope: Scope | None = None) -> None:
    """An Altair chart at the column's width, drawn with the app's one theme, with PNG and SVG
    downloads under it stamped with `scope` (default: the page's).

    Streamlit would otherwise fit the whole chart (title, axes, legend) into the spec's
    height, squeezing the plot; "fit-x" fits only the width, so `height` is the plot's.
    """
    sized = spec.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    # the theme is kamdash.report.charts.configure, already in the spec: Streamlit's is off
    st.altair_chart(sized, theme=None, width="stretch", key=key)
    # the file gets the spec as built (a fixed export width), not the one fitted to the page
    exports.chart_downloads(spec, scope)


def empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def notes(items: Sequence[Note], lang: Language) -> None:
    for note in items:
        # the i18n texts quote URL values as `param=value` code spans
        values = {name: code_text(value) for name, value in note.values.items()}
        st.warning(t(note.key, lang, **values), icon=":material/link_off:")


def section(title: str, caption: str | None = None) -> None:
    st.subheader(title, anchor=False)
    exports.note_section(title)  # tables below are named after it in their files
    if caption:
        st.caption(caption)


def glossary(lang: Language) -> None:
    """Every measure's label, meaning and formula, from `kamdash.engine.measures` (one definition);
    without the cost and margin measures for someone who may not see margins."""
    shown = [definition for definition in MEASURES if not _withheld(definition.name)]
    rows = {
        t("col.measure", lang): [definition.label(lang) for definition in shown],
        t("col.meaning", lang): [definition.description(lang) for definition in shown],
        t("col.formula", lang): [definition.formula for definition in shown],
    }
    # a static table wraps long definitions instead of cutting them
    st.table(pd.DataFrame(rows), hide_index=True)


# -- validation report -------------------------------------------------------------------------


def verdict(report: ValidationReport, lang: Language) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        return t("verdict.errors", lang, errors=errors, warnings=warnings)
    if warnings:
        return t("verdict.warnings", lang, warnings=warnings)
    return t("verdict.valid", lang)


# what a finding or a table summary says about the whole export beyond its verdict: example
# keys (document and account ids), file names and row counts, which describe every account
EXPORT_DETAIL = ("count", "unresolved", "examples", "files", "rows")


def export_time(store: Store, lang: Language) -> str:
    """`last export 30 Jun 2026 18:00` (the export's own clock), or `files modified …` when the
    export does not say when it was made."""
    exported = store.export_time
    if exported is None:
        return t("export.stated", lang, moment="—")
    moment = f"{format_date(exported.date, lang)} {exported.moment:%H:%M}"
    return t(
        "export.files_modified" if exported.files_modified else "export.stated", lang, moment=moment
    )


def unresolved_values(finding: Finding, lang: Language) -> str:
    """A reference finding's values that resolve to nothing, with their rows:
    `'K404' (120), 'K9' (1) and 3 more`; empty for other findings."""
    listed = ", ".join(f"{value!r} ({count})" for value, count in finding.unresolved)
    more = finding.unresolved_distinct - len(finding.unresolved)
    return t("data.more_values", lang, listed=listed, count=more) if listed and more > 0 else listed


def findings_table(
    report: ValidationReport, lang: Language, *, downloads: bool = True, detail: bool = True
) -> None:
    """The findings; with `detail=False` (someone who may see only some accounts) only their
    severity, table, column, rule and message, without `EXPORT_DETAIL`."""
    if not report.findings:
        st.success(t("data.no_findings", lang), icon=":material/check_circle:")
        return
    ordered = sorted(report.findings, key=lambda f: (f.severity != "error", f.table, f.rule))
    rows = [
        {
            "severity": t(f"severity.{f.severity}", lang),
            "table": f.table,
            "column": f.column or "",
            "rule": f.rule,
            "count": f.count,
            "message": f.message,
            "unresolved": unresolved_values(f, lang),
            "examples": ", ".join(f.examples),
            "files": ", ".join(f.files),
        }
        for f in ordered
    ]
    if not detail:
        rows = [{k: v for k, v in row.items() if k not in EXPORT_DETAIL} for row in rows]
    labels = {
        "severity": "col.severity",
        "table": "col.table",
        "column": "col.column",
        "rule": "col.rule",
        "count": "col.rows",
        "message": "col.message",
        "unresolved": "col.unresolved",
        "examples": "col.examples",
        "files": "col.files",
    }
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            name: st.column_config.Column(
                t(key, lang), width="large" if name == "message" else None
            )
            for name, key in labels.items()
            if name in rows[0]
        },
    )
    if downloads:
        shown = pl.DataFrame(rows, infer_schema_length=None).rename(
            {name: t(key, lang) for name, key in labels.items() if name in rows[0]}
        )
        exports.table_downloads(shown, {})


def conservation_table(report: ValidationReport, lang: Language) -> None:
    frame = pl.DataFrame(
        [
            {
                "table": line.table,
                "column": line.column,
                "loaded": float(line.loaded),
                "used": float(line.used),
                "excluded": float(line.excluded),
                "balanced": line.balanced,
            }
            for line in report.conservation
        ],
        schema={
            "table": pl.String,
            "column": pl.String,
            "loaded": pl.Float64,
            "used": pl.Float64,
            "excluded": pl.Float64,
            "balanced": pl.Boolean,
        },
    )
    table(
        frame,
        [
            Column("table", "text", t("col.table", lang)),
            Column("column", "text", t("col.column", lang)),
            Column("loaded", "number", t("col.loaded", lang), value_format="money"),
            Column("used", "number", t("col.used", lang), value_format="money"),
            Column("excluded", "number", t("col.excluded", lang), value_format="money"),
            Column("balanced", "flag", t("col.balanced", lang)),
        ],
        lang,
    )


def import_tables(record: ImportRecord, lang: Language) -> None:
    """What `kamdash import` read, wrote and rejected per file (rows, then money), and the
    mapping it used."""
    rows = pl.DataFrame(
        [
            {
                "table": f.table,
                "file": f.file,
                "read": f.rows_read,
                "written": f.rows_written,
                "rejected": f.rows_rejected,
                "skipped": f.rows_totals + f.rows_empty,
            }
            for f in record.files
        ],
        schema={
            "table": pl.String,
            "file": pl.String,
            "read": pl.Int64,
            "written": pl.Int64,
            "rejected": pl.Int64,
            "skipped": pl.Int64,
        },
    )
    table(
        rows,
        [
            Column("table", "text", t("col.table", lang)),
            Column("file", "text", t("col.source_file", lang)),
            Column("read", "number", t("col.rows_read", lang)),
            Column("written", "number", t("col.rows_written", lang)),
            Column("rejected", "number", t("col.rows_rejected", lang)),
            Column("skipped", "number", t("col.rows_skipped", lang)),
        ],
        lang,
    )
    money = pl.DataFrame(
        [
            {
                "file": f.file,
                "column": f"{f.table}.{m.column}",
                "read": float(m.read),
                "written": float(m.written),
                "rejected": float(m.rejected),
            }
            for f in record.files
            for m in f.money
        ],
        schema={
            "file": pl.String,
            "column": pl.String,
            "read": pl.Float64,
            "written": pl.Float64,
            "rejected": pl.Float64,
        },
    )
    table(
        money,
        [
            Column("file", "text", t("col.source_file", lang)),
            Column("column", "text", t("col.money_column", lang)),
            Column("read", "number", t("col.money_read", lang), value_format="money"),
            Column("written", "number", t("col.money_written", lang), value_format="money"),
            Column("rejected", "number", t("col.money_rejected", lang), value_format="money"),
        ],
        lang,
    )
    with st.expander(t("data.import_mapping", lang)):
        st.code(record.mapping, language="toml")


def tables_table(
    report: ValidationReport, lang: Language, *, downloads: bool = True, detail: bool = True
) -> None:
    """Each table's location and date range; with `detail`, its file and row counts too."""
    frame = pl.DataFrame(
        [
            {
                "table": summary.table,
                "location": summary.location,
                "files": summary.files,
                "rows": summary.rows,
                "first_date": summary.first_date or "",
                "last_date": summary.last_date or "",
            }
            for summary in report.tables
        ],
        schema={
            "table": pl.String,
            "location": pl.String,
            "files": pl.Int64,
            "rows": pl.Int64,
            "first_date": pl.String,
            "last_date": pl.String,
        },
    ).with_columns(pl.col("first_date", "last_date").str.to_date(strict=False))
    columns = [
        Column("table", "text", t("col.table", lang)),
        Column("location", "text", t("col.location", lang)),
        Column("files", "number", t("col.file_count", lang)),
        Column("rows", "number", t("col.rows", lang)),
        Column("first_date", "date", t("col.first_date", lang)),
        Column("last_date", "date", t("col.last_date", lang)),
    ]
    if not detail:
        columns = [col for col in columns if col.source not in EXPORT_DETAIL]
    table(frame, columns, lang, downloads=downloads)


def report_page(report: ValidationReport, lang: Language, *, title: str, body: str) -> None:
    """A folder that cannot be shown: the verdict and every finding, never a traceback.

    No downloads here: without data there is no scope or period to stamp on a file.
    """
    st.title(title, anchor=False)
    st.error(body, icon=":material/error:")
    st.markdown(f"**{escape_md(verdict(report, lang))}**")
    findings_table(report, lang, downloads=False)
    if report.tables:
        st.subheader(t("data.tables", lang), anchor=False)
        tables_table(report, lang, downloads=False)
