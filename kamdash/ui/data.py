"""Cached access to the kamdash API for the app.

The opened Store (DuckDB connection with the materialized layers) is a `st.cache_resource`
keyed by the data folder and its fingerprint, so a new export is picked up on the next rerun
and the old connection is closed. It is opened on a thread of its own (`_opened`): a version
opened for the first time is validated and built, which takes tens of seconds on a large
export, and every page waiting for it is told where the build is (`Preparing`).

Every figure goes through one bounded `st.cache_data` function keyed by folder, fingerprint,
method and arguments: repeated views answer from memory, and a changed export can never be
served stale results. A page asks for the figures it needs together (`Queries.gather`), so
their queries run at the same time.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from kamdash.data.sources import discover
from kamdash.data.validation import TableSummary, ValidationReport
from kamdash.engine import access
from kamdash.engine.gather import gather
from kamdash.engine.listings import Page
from kamdash.engine.store import CACHE_DIR_ENV as CACHE_DIR_ENV  # where tests and users set it
from kamdash.engine.store import Store, cache_root, open_store, stores_cache_dir
from kamdash.errors import DataValidationError, KamdashError
from kamdash.ui.filters import Periods

DATA_DIR_ENV = "KAMDASH_DATA_DIR"
DEFAULT_DATA_DIR = "sample_data"
# a page issues ~10 distinct queries; this keeps the recent views of a few users in memory
RESULT_CACHE_ENTRIES = 512
# figures of the viewer's scope computed beside the Store (called with it as first argument)
SCOPE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "data_range": access.data_range,
    "table_summaries": access.table_summaries,
}


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()


def cache_dir() -> Path:
    """kamdash's cache folder (built stores are kept in its `stores` subfolder)."""
    return cache_root()


@dataclass(frozen=True)
class Opened:
    """The outcome of opening a folder: a Store, or the report of why it cannot be shown.

    `stale_report` is set when a newer export could not be opened and the previous good
    version is being served instead (an export caught half-written, or one with errors).
    """

    store: Store | None
    report: ValidationReport | None
    stale_report: ValidationReport | None = None


def _release(opened: Opened) -> None:
    if opened.store is not None:
        opened.store.close()


@dataclass
class Preparing:
    """A data version being validated and built (the first time anyone opens it): the step
    under way, updated by the thread that builds, read by every page that waits for it."""

    started: float = field(default_factory=time.monotonic)
    done: int = 0
    total: int = 0
    step: str = ""

    def update(self, done: int, total: int, step: str) -> None:
        self.done, self.total, self.step = done, total, step

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


@st.cache_resource(max_entries=4, show_spinner=False, on_release=_release)
def _open(folder: str, fingerprint: str, _progress: Preparing | None = None) -> Opened:
    # the fingerprint is only a cache key: a rewritten export opens a fresh Store
    progress = None if _progress is None else _progress.update
    try:
        return Opened(open_store(folder, cache_dir=stores_cache_dir(), progress=progress), None)
    except DataValidationError as error:
        # cached too, so a broken folder is validated once per version, not on every rerun
        return Opened(None, error.report)


# each data version being opened now: one thread opens it, every caller waits on its future
# and, every WAIT_STEP_SECONDS until it is done, hears where the opening is
WAIT_STEP_SECONDS = 0.25
_opening: dict[tuple[str, str], tuple[Future[Opened], Preparing]] = {}
_opening_lock = threading.Lock()


def _opened(folder: str, fingerprint: str, on_wait: Callable[[Preparing], None] | None) -> Opened:
    """`_open` on a thread of its own, so that a caller who must wait (a version built for
    the first time takes tens of seconds at 150,000 accounts) can show where it is."""
    key = (folder, fingerprint)
    with _opening_lock:
        if key not in _opening:
            future: Future[Opened] = Future()
            _opening[key] = (future, Preparing())
            threading.Thread(
                target=_open_into, args=(key, *_opening[key]), name="kamdash-open", daemon=True
            ).start()
        future, preparing = _opening[key]
    while True:
        try:
            return future.result(timeout=WAIT_STEP_SECONDS)
        except TimeoutError:
            if on_wait is not None:
                on_wait(preparing)


def _open_into(key: tuple[str, str], future: Future[Opened], preparing: Preparing) -> None:
    try:
        future.set_result(_open(*key, _progress=preparing))
    except BaseException as error:  # the callers' to report, as if they had opened it
        future.set_exception(error)
    finally:
        with _opening_lock:
            _opening.pop(key, None)


# the newest version of each folder that opened cleanly, served while a newer one cannot be
_last_good: dict[str, Opened] = {}


def open_data(folder: Path, on_wait: Callable[[Preparing], None] | None = None) -> Opened:
    """The Store of `folder` (cached per version); raises KamdashError if it is no folder.
    While a new version is validated and built, `on_wait` is called every quarter second
    with where it is.

    When the current files do not validate (or change while being read) but an earlier
    version of this folder did, that earlier version keeps being served with the new
    report attached, so a half-written export never turns into an error page.
    """
    if not folder.is_dir():
        raise KamdashError(f"data folder {folder} does not exist or is not a folder")
    key = str(folder.resolve())
    previous = _last_good.get(key)
    try:
        opened = _opened(key, discover(folder).fingerprint(), on_wait)
    except KamdashError:
        if previous is None:
            raise
        return previous
    if opened.store is not None:
        _last_good[key] = opened
        return opened
    if previous is not None and previous.store is not None:
        return Opened(previous.store, None, stale_report=opened.report)
    return opened


@st.cache_data(max_entries=RESULT_CACHE_ENTRIES, show_spinner=False)
def _call(
    _store: Store,
    folder: str,
    fingerprint: str,
    method: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
) -> Any:
    if method in SCOPE_FUNCTIONS:
        return SCOPE_FUNCTIONS[method](_store, *args, **dict(kwargs))
    return getattr(_store, method)(*args, **dict(kwargs))


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


class Queries:
    """The Store's methods, each answered through the result cache."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # who is asking is part of the key: one person's cached figures never reach another
        scope = None if store.allowed is None else ",".join(sorted(store.allowed))
        self.key = (str(store.data_dir), f"{store.fingerprint}|{scope}|{store.hide_margins}")

    def _get(self, method: str, *args: Any, **kwargs: Any) -> Any:
        frozen = tuple(sorted((name, _frozen(value)) for name, value in kwargs.items()))
        return _call(self.store, *self.key, method, tuple(args), frozen)

    def gather(self, *calls: Callable[[], Any]) -> list[Any]:
        """The results of `calls` (each a call of this object's methods), computed at the same
        time. Each runs with the page's script context, so the result cache and the session
        behave as in the page itself."""
        page = get_script_run_ctx()

        def in_page(call: Callable[[], Any]) -> Callable[[], Any]:
            def run() -> Any:
                add_script_run_ctx(threading.current_thread(), page)
                return call()

            return run

        return gather(*(in_page(call) for call in calls))

    def account_list(self) -> pl.DataFrame:
        return self._get("account_list")

    def data_range(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last document date of the viewer's accounts (`access.data_range`)."""
        return self._get("data_range")

    def table_summaries(self) -> list[TableSummary]:
        """Each table's summary, dates within the viewer's scope (`access.table_summaries`)."""
        return self._get("table_summaries")

    def accounts_over(self, periods: Periods, **f: Any) -> list[pl.DataFrame]:
        return self._get("accounts_over", periods, **f)

    def kams(self, start: dt.date, end: dt.date, as_of: dt.date, **f: Any) -> pl.DataFrame:
        return self._get("kams", start, end, as_of, **f)

    def bridge(
        self, base_start: dt.date, base_end: dt.date, start: dt.date, end: dt.date, **f: Any
    ) -> dict[str, float]:
        return self._get("bridge", base_start, base_end, start, end, **f)

    def bridge_by_product(
        self, base_start: dt.date, base_end: dt.date, start: dt.date, end: dt.date, **f: Any
    ) -> pl.DataFrame:
        return self._get("bridge_by_product", base_start, base_end, start, end, **f)

    def monthly(self, start: dt.date, end: dt.date, **f: Any) -> pl.DataFrame:
        return self._get("monthly", start, end, **f)

    def product_mix(self, start: dt.date, end: dt.date, **f: Any) -> pl.DataFrame:
        return self._get("product_mix", start, end, **f)

    def product_mixes(
        self, periods: tuple[tuple[dt.date, dt.date], ...], **f: Any
    ) -> list[dict[str, pl.DataFrame]]:
        return self._get("product_mixes", periods, **f)

    def search_accounts(self, text: str | None, **f: Any) -> pl.DataFrame:
        return self._get("search_accounts", text, **f)

    def account_listing(self, name: str, periods: Periods, **options: Any) -> Page:
        """One page of an account table (`Store.account_listing`); options: sort,
        descending, search, offset and the filters."""
        return self._get("account_listing", name, periods, **options)

    def open_item_listing(self, as_of: dt.date, **options: Any) -> Page:
        return self._get("open_item_listing", as_of, **options)

    def portfolio_over(self, periods: Periods, **f: Any) -> list[dict[str, Any]]:
        return self._get("portfolio_over", periods, **f)

    def view_portfolio_over(self, periods: Periods, **f: Any) -> list[dict[str, Any]]:
        """The tiles of a page that also shows the view's account table (one statement)."""
        return self._get("view_portfolio_over", periods, **f)

    def segment_split(self, periods: Periods, **f: Any) -> pl.DataFrame:
        return self._get("segment_split", periods, **f)

    def concentration_curve(self, periods: Periods, **f: Any) -> pl.DataFrame:
        return self._get("concentration_curve", periods, **f)

    def growth_margin_map(self, periods: Periods, **f: Any) -> pl.DataFrame:
        return self._get("growth_margin_map", periods, **f)

    def payment_behaviour(self, start: dt.date, end: dt.date, **f: Any) -> pl.DataFrame:
        return self._get("payment_behaviour", start, end, **f)

    def receivables_trend(self, start: dt.date, end: dt.date, **f: Any) -> pl.DataFrame:
        return self._get("receivables_trend", start, end, **f)

    # -- the CRM side and the closing documents (kamdash.engine.relationship) -----------------

    def stakeholders(self, account_id: str, as_of: dt.date) -> pl.DataFrame:
        return self._get("stakeholders", account_id, as_of)

    def activity_timeline(self, account_id: str, start: dt.date, end: dt.date) -> pl.DataFrame:
        return self._get("activity_timeline", account_id, start, end)

    def recent_activities(self, account_id: str, as_of: dt.date) -> pl.DataFrame:
        return self._get("recent_activities", account_id, as_of)

    def opportunities(
        self, account_id: str, start: dt.date, end: dt.date, as_of: dt.date
    ) -> pl.DataFrame:
        return self._get("opportunities", account_id, start, end, as_of)

    def closing_document_listing(self, as_of: dt.date, **options: Any) -> Page:
        return self._get("closing_document_listing", as_of, **options)

    def signed_on_time_trend(self, start: dt.date, end: dt.date, **f: Any) -> pl.DataFrame:
        return self._get("signed_on_time_trend", start, end, **f)

    def closing_document_aging(
        self, start: dt.date, end: dt.date, as_of: dt.date, **f: Any
    ) -> dict[str, Any]:
        return self._get("closing_document_aging", start, end, as_of, **f)

    def kam_relationship(
        self, start: dt.date, end: dt.date, as_of: dt.date, **f: Any
    ) -> pl.DataFrame:
        return self._get("kam_relationship", start, end, as_of, **f)

    def has_table(self, name: str) -> bool:
        return bool(self._get("has_table", name))

    def landing(self, as_of: dt.date, **f: Any) -> dict[str, Any]:
        return self._get("landing", as_of, **f)

    def view_landing(self, periods: Periods, **f: Any) -> dict[str, Any]:
        """The landing tile of a page that also shows the view's account table."""
        return self._get("view_landing", periods, **f)


def filter_kwargs(api_filters: Mapping[str, tuple[str, ...] | None]) -> dict[str, Any]:
    """Only the filters that are set, so unfiltered calls share one cache entry."""
    return {name: values for name, values in api_filters.items() if values}
