"""The shared frame around every page: pages, data opening, sidebar, data banner, URL notes,
and what a viewer sees when something fails unexpectedly.

An unexpected exception is a bug; its trace names server paths and data, so a viewer gets a
short message with a reference and the trace goes to the server log under that reference.
Only an operator who asks for full error details (`make dev`, `showErrorDetails = "full"`) sees
traces in the browser.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import altair as alt
import duckdb
import polars as pl
import streamlit as st
from streamlit import config as streamlit_config
from streamlit.config_option import ConfigOption
from streamlit.runtime.scriptrunner import RerunException, StopException

from kamdash.engine.measures import LANGUAGES, Language
from kamdash.engine.store import HOUSE_ACCOUNTS
from kamdash.errors import KamdashError
from kamdash.report.formatting import format_date
from kamdash.ui import auth, screen, state
from kamdash.ui import components as ui
from kamdash.ui import filters as flt
from kamdash.ui.context import ICONS, PAGES, Context, set_context
from kamdash.ui.data import Queries, data_dir, open_data
from kamdash.ui.i18n import t
from kamdash.ui.preparing import PreparingView

LOG = logging.getLogger("kamdash.ui")
# error details that show a trace in the browser (Streamlit's option values, old and new)
TRACE_DETAILS = frozenset({"full", "stacktrace", "true", "True", True})


def _log_to_stderr() -> None:
    """Streamlit sets up only its own loggers: without a handler of our own (or one the
    operator configured), a failure's trace would not reach the server log."""
    package = logging.getLogger("kamdash")
    if not package.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        package.addHandler(handler)


_log_to_stderr()


def traces_shown() -> bool:
    """Whether the operator asked for traces in the browser (`make dev`): the option set to
    show them, explicitly — Streamlit's own default, with no config file read, is "full"."""
    option = "client.showErrorDetails"
    explicit = streamlit_config.get_where_defined(option) != ConfigOption.DEFAULT_DEFINITION
    return explicit and st.get_option(option) in TRACE_DETAILS


@contextlib.contextmanager
def failures_as_messages(lang: Language) -> Iterator[None]:
    """Run the block; an unexpected exception becomes a short message with a reference, and
    its trace goes to the server log under that reference (with `traces_shown`, it is raised
    on to Streamlit, which shows it)."""
    try:
        yield
    except (StopException, RerunException):
        raise  # st.stop, st.rerun and st.switch_page end a run this way: not failures
    except Exception:
        reference = secrets.token_hex(4)
        LOG.exception("unexpected error, reference %s", reference)
        if traces_shown():
            raise
        st.error(t("error.unexpected", lang, reference=reference), icon=":material/error:")


def language_from_url() -> Language:
    """The language asked for, read before anything else so even failures are translated."""
    values = st.query_params.get_all("lang")
    if values and values[-1] in LANGUAGES:
        return values[-1]
    return flt.DEFAULT_LANGUAGE


def pages(lang: Language) -> dict[str, Any]:
    return {
        name: st.Page(
            path,
            title=t(f"page.{name}", lang),
            icon=ICONS[name],
            url_path=url_path or None,
            default=name == "portfolio",
        )
        for name, (path, url_path) in PAGES.items()
    }


@dataclass(frozen=True)
class FrameLists:
    """What the frame reads of the account list at every run: the values a URL filter may
    take and the KAMs' names."""

    options: flt.Options
    kam_names: Mapping[str, str]


# one per data version and viewer scope seen lately; shared, so immutable
@st.cache_resource(max_entries=32, show_spinner=False)
def _frame_lists(_queries: Queries, folder: str, version: str) -> FrameLists:
    # once per data version and viewer: at 150,000 accounts, unpickling the cached account
    # list and walking it took ~0.2 s of every page's run
    del folder, version  # the cache key: which data, which version, seen by whom
    return _lists_of(_queries.account_list())


def _lists_of(accounts: pl.DataFrame) -> FrameLists:
    def values(column: str) -> frozenset[str]:
        return frozenset(accounts[column].drop_nulls().unique().to_list())

    grouped = accounts.filter(pl.col("group_name").is_not_null())
    # house accounts (no KAM) are picked like a KAM of their own
    house = {HOUSE_ACCOUNTS} if accounts["kam_id"].null_count() else set()
    options = flt.Options(
        kam=values("kam_id") | house,
        industry=values("industry"),
        region=values("region"),
        # holding groups proper: an ungrouped account is its own holding, not a group to pick
        group=frozenset(grouped["holding_name"].unique().to_list()),
        account=values("account_id"),
    )
    kams = accounts.select("kam_id", "kam_name").drop_nulls("kam_id").unique()
    return FrameLists(options, MappingProxyType(dict(kams.iter_rows())))


def open_context(
    lang: Language, page_objects: dict[str, Any]
) -> tuple[Context, list[flt.Note]] | None:
    """Open the data and read the URL; on a data problem draw it and return None."""
    if auth.signed_out(lang):
        return None
    folder = data_dir()
    try:
        with PreparingView(lang) as waiting:
            opened = open_data(folder, on_wait=waiting.show)
    except KamdashError as error:
        st.title(t("error.no_folder_title", lang), anchor=False)
        if not auth.may_see_data_problems():
            st.error(t("error.ask_director", lang), icon=":material/folder_off:")
            return None
        st.error(
            t("error.no_folder_body", lang, message=ui.escape_md(str(error))),
            icon=":material/folder_off:",
        )
        return None
    if opened.report is not None or opened.store is None:
        assert opened.report is not None
        if not auth.may_see_data_problems():
            st.title(t("error.invalid_title", lang), anchor=False)
            st.error(t("error.ask_director", lang), icon=":material/block:")
            return None
        ui.report_page(
            opened.report,
            lang,
            title=t("error.invalid_title", lang),
            body=t("error.invalid_body", lang, folder=ui.code_text(folder, limit=200)),
        )
        return None
    current = auth.viewer(opened.store, lang)
    if current is None:
        return None
    if opened.stale_report is not None:
        st.warning(
            t("banner.stale", lang, verdict=opened.stale_report.verdict),
            icon=":material/history:",
        )
    queries = Queries(current.store)
    lists = _frame_lists(queries, *queries.key)
    _, last = queries.data_range()
    anchor = flt.anchor_date(last, dt.date.today())
    options = lists.options
    filters, notes = flt.parse(state.read_query(), options, anchor)
    if notes:
        # drop what was ignored from the address bar, so a bookmark taken now is clean
        state.write_query(filters.query())
    context = Context(
        current.store, queries, filters, options, lists.kam_names, page_objects, current
    )
    set_context(context)
    return context, notes


def _labels(context: Context) -> dict[str, Any]:
    names = dict(context.kam_names)
    names[HOUSE_ACCOUNTS] = t("house.kam", context.lang)

    def kam(kam_id: str) -> str:
        return names.get(kam_id) or kam_id

    def same(value: str) -> str:
        return value

    return {"kam": kam, "industry": same, "region": same, "group": same}


def sidebar(context: Context) -> None:
    lang = context.lang
    query = context.filters.query()
    with st.sidebar:
        st.markdown(f"### {t('app.title', lang)}")
        for name in PAGES:
            st.page_link(
                context.pages[name],
                label=t(f"page.{name}", lang),
                icon=ICONS[name],
                query_params=query,
            )
        st.divider()
        state.language_switch(context.filters)
        st.markdown(f"**{t('sidebar.filters', lang)}**")
        state.filter_widgets(context.filters, context.options, _labels(context))
        st.caption(t("sidebar.copy_hint", lang))
        if context.viewer is not None:
            st.divider()
            auth.identity(context.viewer, lang)


def banner(context: Context, notes: list[flt.Note]) -> None:
    """Which data, as of when, exported when; warnings point to the data page."""
    lang = context.lang
    store = context.store
    st.caption(
        t(
            "banner.data",
            lang,
            folder=ui.code_text(store.data_dir.name or store.data_dir),
            as_of=format_date(context.filters.as_of, lang),
            exported=ui.export_time(store, lang),
        )
    )
    warnings = store.report.warnings
    if warnings:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.warning(t("banner.warnings", lang, count=len(warnings)), icon=":material/warning:")
            st.page_link(
                context.pages["data"],
                label=t("banner.open_data", lang),
                icon=":material/arrow_forward:",
                query_params=context.filters.query(),
            )
    ui.notes(notes, lang)


def run_page(navigation: Any, lang: Language) -> None:
    """Run the chosen page; a figure the data cannot answer becomes a message, not a trace."""
    # every page keeps the screen's width known, so the account page is drawn phone-first
    # from its first run when a phone arrives from another page
    screen.watch()
    try:
        navigation.run()
    except (KamdashError, duckdb.Error) as error:
        # e.g. the export was rewritten while it was read: the next rerun opens the new version
        LOG.exception("page failed")
        st.error(t("error.query", lang, message=ui.escape_md(str(error))), icon=":material/error:")


_startup_objects_frozen = threading.Event()


def freeze_startup_objects() -> None:
    """Once per server process, after its first page: move the objects alive then (modules,
    Altair's Vega-Lite schema, the validators) out of the cyclic collector's reach.

    Streamlit runs a full `gc.collect()` after every script run (`runner.postScriptGC`), and
    walking those long-lived objects took ~0.1-0.2 s of every page at 150,000 accounts, while
    the browser waits for the run's end. Frozen objects are still freed by reference counting;
    only cyclic garbage alive at the freeze would stay, so the freeze follows a collection.
    It runs on a thread of its own, so the first page is not kept waiting for it.
    """
    if _startup_objects_frozen.is_set():
        return
    _startup_objects_frozen.set()
    threading.Thread(target=_freeze, name="kamdash-freeze", daemon=True).start()


def _freeze() -> None:
    # a chart's validation loads the schema on first use: load it now, so it is frozen too
    alt.Chart(pl.DataFrame({"x": [0]}).to_pandas()).mark_point().encode(x="x:Q").to_dict()
    gc.collect()
    gc.freeze()
