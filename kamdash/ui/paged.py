"""A server-side table on a page: a search box, the sort column and direction, the page, and
one page of rows, with "1–200 of 150,000" and the whole table one click away as a file.

The rows come from the Store already selected, sorted and cut in SQL (`kamdash.engine.listings`);
the browser never receives more than a page. Sort, search and page live in the URL under the
table's name (`?accounts_sort=-revenue&accounts_q=ром&accounts_page=2`, a leading minus for
descending), so a view with its order and search can be shared. The widgets follow the same
explicit URL sync as the sidebar (`kamdash.ui.state`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from kamdash.engine.listings import PAGE_SIZE, Listing, Page, clean_search
from kamdash.engine.measures import Language
from kamdash.report.formatting import format_value
from kamdash.ui import components as ui
from kamdash.ui import exports
from kamdash.ui.components import Column
from kamdash.ui.i18n import t

_WIDGET = "kamdash.table."


@dataclass(frozen=True)
class TableView:
    """How a person asked to see one table: parsed from the URL, never trusted as SQL."""

    sort: str
    descending: bool
    search: str | None
    page: int  # from 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE


def url_keys(name: str) -> tuple[str, str, str]:
    return f"{name}_sort", f"{name}_q", f"{name}_page"


def view_from_url(name: str, table: Listing, sortable: Sequence[str]) -> TableView:
    """The table's view from the URL; a sort the table does not offer falls back to its own."""
    sort_key, search_key, page_key = url_keys(name)
    raw_sort = st.query_params.get(sort_key, "")
    descending = raw_sort.startswith("-")
    sort = raw_sort.lstrip("-")
    if sort not in sortable:
        sort, descending = table.sort, table.descending
    raw_page = st.query_params.get(page_key, "1")
    page = int(raw_page) if raw_page.isdigit() and int(raw_page) >= 1 else 1
    return TableView(sort, descending, clean_search(st.query_params.get(search_key)), page)


def _write(key: str, value: str | None) -> None:
    if value:
        st.query_params[key] = value
    elif key in st.query_params:
        del st.query_params[key]


def _on_change(name: str, table: Listing) -> None:
    sort_key, search_key, page_key = url_keys(name)
    sort = st.session_state[_WIDGET + f"{name}.sort"]
    descending = st.session_state[_WIDGET + f"{name}.direction"] == "desc"
    default = sort == table.sort and descending == table.descending
    _write(sort_key, None if default else ("-" if descending else "") + sort)
    _write(search_key, clean_search(st.session_state[_WIDGET + f"{name}.search"]))
    _write(page_key, None)  # a new order or search starts on its first page


def _on_page(name: str) -> None:
    page = int(st.session_state[_WIDGET + f"{name}.page"])
    _write(url_keys(name)[2], None if page <= 1 else str(page))


def _seed(key: str, value: Any) -> str:
    st.session_state[_WIDGET + key] = value
    return _WIDGET + key


def controls(name: str, table: Listing, sortable: Sequence[Column], lang: Language) -> TableView:
    """Search, sort column and direction above a table; returns the view they select."""
    labels = {col.source: ui.header(col, lang) for col in sortable}
    view = view_from_url(name, table, list(labels))
    search, sort, direction = st.columns([3, 2, 1], vertical_alignment="bottom")
    search.text_input(
        t("table.search", lang),
        key=_seed(f"{name}.search", view.search or ""),
        placeholder=t("table.search_placeholder", lang),
        on_change=_on_change,
        args=(name, table),
    )
    sort.selectbox(
        t("table.sort", lang),
        options=list(labels),
        format_func=labels.__getitem__,
        key=_seed(f"{name}.sort", view.sort),
        on_change=_on_change,
        args=(name, table),
    )
    direction.segmented_control(
        t("table.direction", lang),
        options=["desc", "asc"],
        format_func=lambda d: "↓" if d == "desc" else "↑",
        key=_seed(f"{name}.direction", "desc" if view.descending else "asc"),
        on_change=_on_change,
        args=(name, table),
        required=True,
    )
    return view


def footer(name: str, page: Page, view: TableView, lang: Language) -> None:
    """ "1–200 of 150,000" and, when there is more than a page, which page."""
    count = t(
        "table.count",
        lang,
        first=format_value(page.first, "count", lang),
        last=format_value(page.last, "count", lang),
        total=format_value(page.total, "count", lang),
    )
    pages = max(1, math.ceil(page.total / PAGE_SIZE))
    if pages == 1:
        st.caption(count)
        return
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.caption(count)
    right.number_input(
        t("table.page", lang, pages=format_value(pages, "count", lang)),
        min_value=1,
        max_value=pages,
        step=1,
        key=_seed(f"{name}.page", min(view.page, pages)),
        on_change=_on_page,
        args=(name,),
    )


def paged_table(
    name: str,
    table: Listing,
    fetch: Callable[[TableView], Page],
    everything: Callable[[TableView], pl.DataFrame],
    columns: Sequence[Column],
    lang: Language,
    *,
    prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    empty_message: str | None = None,
    **options: Any,
) -> tuple[Any, pl.DataFrame]:
    """Controls, one page of rows (`fetch`), the count and page, and the whole table as CSV,
    XLSX and Parquet (`everything`, run only on a click). Returns the table's selection event
    and the rows shown (after `prepare`, e.g. links), so a picked row can be resolved."""
    columns = ui.shown_columns(columns)
    sortable = [c for c in columns if c.source in table.sortable and c.kind != "link"]
    view = controls(name, table, sortable, lang)
    page = fetch(view)
    if page.total and not page.rows.height:  # a page past the end (an old link): the last
        view = TableView(view.sort, view.descending, view.search, math.ceil(page.total / PAGE_SIZE))
        page = fetch(view)
    rows = prepare(page.rows) if prepare is not None else page.rows
    if not page.total and empty_message:
        ui.empty(empty_message)
        return None, rows
    event = ui.table(rows, columns, lang, downloads=False, **options)
    footer(name, page, view, lang)
    exports.full_table_downloads(
        functools.partial(_export_rows, everything, view, columns, lang), title=None
    )
    return event, rows


def _export_rows(
    everything: Callable[[TableView], pl.DataFrame],
    view: TableView,
    columns: Sequence[Column],
    lang: Language,
) -> tuple[pl.DataFrame, dict[str, str]]:
    return ui.export_frame(everything(view), columns, lang)
