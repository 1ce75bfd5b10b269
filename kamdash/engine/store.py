"""The metrics API: one data folder, opened into DuckDB, answering every figure as polars.

`open_store(data_dir)` validates the export, builds the SQL layers (intermediate tables are
materialized once per data version) and returns a `Store`. Every method binds its dates and
filters as query parameters and calls one mart of `sql/marts`; nothing here recomputes a
metric. A `Store` is safe to share between threads: each call runs on its own cursor.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import os
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl
import pyarrow as pa

from kamdash.data import sources as sources_module
from kamdash.data import validation
from kamdash.data.connection import Progress, build, connect, effective_memory_limit
from kamdash.data.contract import TABLES
from kamdash.data.sources import DataSources, discover
from kamdash.data.sqlfiles import load_objects
from kamdash.data.validation import ValidationReport, validate_connection
from kamdash.engine.listings import (
    ACCOUNT_LISTINGS,
    OPEN_ITEM_LISTINGS,
    PAGE_SIZE,
    SEARCH_LIMIT,
    Page,
    clean_search,
    listing,
    risk_thresholds,
    searched,
)
from kamdash.engine.periods import DateLike, Period, month_ends, parse_date, period_and_as_of
from kamdash.engine.relationship import RelationshipQueries
from kamdash.errors import DataValidationError, KamdashError, NotFoundError

# the kam_id filter value that selects house accounts (no KAM): not an id an export can give a
# KAM, as ids are matched exactly and this one starts with a character ids do not
HOUSE_ACCOUNTS = "~house"
FILTER_COLUMNS: dict[str, str] = {
    # filter name (API, CLI, URL) → expression over int_accounts it matches
    "kam_id": f"coalesce(kam_id, '{HOUSE_ACCOUNTS}')",
    "industry": "industry",
    "region": "region",
    "group_name": "holding_name",
    "account_id": "account_id",
}
Level = Literal["account", "kam", "group", "segment", "portfolio"]
MixLevel = Literal["product", "category"]
# what a person without access to margins must never receive
MARGIN_COLUMNS = frozenset(
    {
        "cogs",
        "cogs_prior_year",
        "gross_margin",
        "gross_margin_pct",
        "gross_margin_pct_prior",
        "gross_margin_target",
    }
)
FilterValue = str | Sequence[str] | None

DEFAULT_DSO_DAYS = 90
# Store.query fetches page-sized results, for which the Arrow copy DuckDB warns about costs
# far less than the second bind its suggested sql() path would add
warnings.filterwarnings(
    "ignore",
    message="Arrow output on a DB-API result makes an extra copy",
    category=UserWarning,
    module=__name__,
)
SCOPE_CACHE_SIZE = 256
# the views kept are bounded by their bytes as well as their number: a view's account rows
# are ~650 bytes an account, ~96 MB at 150,000 accounts, where eight views would take a
# serving process over 2 GB (four fit: docs/benchmarks.md); at 60 accounts a view is a few
# kB and the number bounds them
ACCOUNT_ROWS_CACHE_SIZE = 16
ACCOUNT_ROWS_CACHE_BYTES = 384 * 2**20
# where built stores are kept between processes (the app and the CLI share it)
CACHE_DIR_ENV = "KAMDASH_CACHE_DIR"


def cache_root() -> Path:
    """kamdash's cache folder: KAMDASH_CACHE_DIR, or ~/.cache/kamdash."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "kamdash"


def stores_cache_dir() -> Path:
    """Where the built store of each data version is kept (one DuckDB file per version)."""
    return cache_root() / "stores"


@dataclass(frozen=True)
class AccountView:
    """What one account_table statement gives a view (periods, scope): the account rows its
    tables, curve and map read, and the portfolio roll-up of each requested period."""

    rows: pa.Table
    portfolio: list[dict[str, Any]]


class Store(RelationshipQueries):
    """Figures of one validated data folder (the CRM and closing-document questions are
    `kamdash.engine.relationship.RelationshipQueries`)."""

    def __init__(
        self,
        sources: DataSources,
        con: duckdb.DuckDBPyConnection,
        report: ValidationReport,
        dso_days: int = DEFAULT_DSO_DAYS,
    ) -> None:
        self.sources = sources
        self.data_dir = sources.data_dir
        self.report = report
        self.dso_days = dso_days
        self.fingerprint = sources.fingerprint()
        # what the banner and every exported file say about when the data was exported
        self.export_time = sources.export_time()
        self._con = con
        self._lock = threading.Lock()
        # filter values → matching account ids; the accounts of one data version never
        # change, and every filtered call of a page would otherwise ask again
        self._filtered_ids: dict[tuple[tuple[str, tuple[str, ...]], ...], list[str]] = {}
        self.allowed: frozenset[str] | None = None
        self.hide_margins = False
        # the account rows of recent views (periods, scope): every table, curve and map of a
        # page reads them, so a page computes its accounts' figures once, not once per table
        self._account_rows: dict[tuple[Any, ...], AccountView] = {}
        # the views being computed, so two calls of one page that need the same view (the
        # tiles and a table, asked at the same time) compute it once: the second waits
        self._computing: dict[tuple[Any, ...], threading.Event] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        # marts read only materialized tables, so a cursor needs no file bindings (the raw
        # views over the Parquet files are for validation and building, on the root connection)
        with self._lock:
            return self._con.cursor()

    def query(
        self, sql: str, params: Sequence[Any] = (), *, account_rows: pa.Table | None = None
    ) -> pl.DataFrame:
        """`sql` with its bound `params`, as polars (margins emptied for a viewer without
        them). `account_rows`, when given, is readable by the statement as `account_rows`."""
        cursor = self.cursor()
        try:
            if account_rows is not None:
                cursor.register("account_rows", account_rows)
            # execute binds the statement once; sql() would bind it a second time to describe
            # a lazy relation first, which on these macro-expanded marts costs 5-15 ms a call
            table = cursor.execute(sql, list(params)).to_arrow_table()
        finally:
            cursor.close()
        frame = pl.DataFrame(pl.from_arrow(table, rechunk=False))
        if self.hide_margins:
            # one choke point, so no page, export or future query can leak a margin figure;
            # the columns stay (empty) so every consumer keeps working and shows "—"
            frame = frame.with_columns(_without_margins(frame.schema))
        return frame

    def _per_period(
        self, sql: str, periods: Sequence[PeriodRequest], *params: Any
    ) -> list[pl.DataFrame]:
        """One frame per period of `periods`, in the order asked, from a mart whose first
        parameter is the periods list and whose rows carry period_index (1, 2, ...)."""
        requested = _requested_periods(periods)
        if not requested:
            return []
        return _by_period(self.query(sql, [requested, *params]), len(requested))

    def account_rows(self, periods: Sequence[PeriodRequest], **filters: FilterValue) -> pa.Table:
        """account_table's rows (every account figure of the first period, the prior year's
        GM % and overdue %, the at-risk and promotion signs) for the scope, kept for the most
        recent views: the pages' tables, Pareto curve, quadrant and movers all read them."""
        return self.account_view(periods, **filters).rows

    def view_portfolio_over(
        self, periods: Sequence[PeriodRequest], **filters: FilterValue
    ) -> list[dict[str, Any]]:
        """`portfolio_over` of the periods of a view whose account table the page also shows
        (the first period and its prior year): the same figures, from the statement that
        computes the table's rows, so the tiles above the table cost no second pass."""
        return self.account_view(periods, **filters).portfolio

    def view_landing(
        self, periods: Sequence[PeriodRequest], **filters: FilterValue
    ) -> dict[str, Any]:
        """`landing` at the as-of date of a view's first period, summed from the view's
        account rows (which carry each account's landing) instead of computed anew."""
        requested = _requested_periods(periods)
        frame = self.query(
            "select * from int_landing_sum('account_rows', $1)",
            [requested[0]["as_of"]],
            account_rows=self.account_rows(periods, **filters),
        )
        return frame.row(0, named=True)

    def account_view(self, periods: Sequence[PeriodRequest], **filters: FilterValue) -> AccountView:
        """The account rows and the portfolio roll-up of a view (periods, scope), computed by
        one account_table statement and kept for the most recent views."""
        requested = _requested_periods(periods)
        scope = self.scope(**filters)
        thresholds = risk_thresholds()
        if self.hide_margins:
            # margin erosion must not flag (and so reveal) anything to a viewer without margins
            thresholds["margin_erosion_pp"] = None
        key = (repr(requested), None if scope is None else tuple(scope), self.hide_margins)
        while True:
            with self._lock:
                view = self._account_rows.pop(key, None)
                if view is not None:
                    self._account_rows[key] = view  # the most recently used is kept longest
                    return view
                running = self._computing.get(key)
                if running is None:
                    running = self._computing[key] = threading.Event()
                    break
            running.wait()
        try:
            view = self._compute_view(requested, scope, thresholds)
            with self._lock:
                self._account_rows[key] = view
                self._evict_views()
        finally:
            with self._lock:
                del self._computing[key]
            running.set()
        return view

    def _evict_views(self) -> None:
        """Drop the least recently used views beyond the cache's number or bytes; the newest
        always stays (the caller is about to read it)."""
        held = sum(view.rows.nbytes for view in self._account_rows.values())
        while len(self._account_rows) > 1 and (
            len(self._account_rows) > ACCOUNT_ROWS_CACHE_SIZE or held > ACCOUNT_ROWS_CACHE_BYTES
        ):
            oldest = next(iter(self._account_rows))
            held -= self._account_rows.pop(oldest).rows.nbytes

    def _compute_view(
        self, requested: list[dict[str, Any]], scope: list[str] | None, thresholds: dict[str, Any]
    ) -> AccountView:
        cursor = self.cursor()
        try:
            # sql(), not execute(): Arrow from a DB-API result is an extra copy of every row
            # (~120 MB more at the peak of a 150,000-account view), which outweighs the second
            # bind that sql() costs (see query)
            table: pa.Table = cursor.sql(
                "select * from account_table($1, $2, $3, $4)",
                params=[requested, self.dso_days, scope, thresholds],
            ).to_arrow_table()
        finally:
            cursor.close()
        rows, rollup_rows = _split_kinds(table)
        rollups = pl.DataFrame(pl.from_arrow(rollup_rows))
        if self.hide_margins:
            rollups = rollups.with_columns(_without_margins(rollups.schema))
        portfolio = [_portfolio_row(frame) for frame in _by_period(rollups, len(requested))]
        return AccountView(rows, portfolio)

    def restricted(self, account_ids: Iterable[str] | None, *, hide_margins: bool = False) -> Store:
        """This store seen by someone who may only see `account_ids` (None: every account)
        and, with `hide_margins`, no cost or margin figure. Every method honours it."""
        view = copy.copy(self)
        view.allowed = None if account_ids is None else frozenset(account_ids)
        view.hide_margins = hide_margins
        return view

    def scope(self, **filters: FilterValue) -> list[str] | None:
        """Account ids matching the filters and visible to this store (None = every account:
        no filter given and no restriction)."""
        unknown = set(filters) - set(FILTER_COLUMNS)
        if unknown:
            raise KamdashError(
                f"unknown filter {', '.join(sorted(unknown))}; "
                f"filters are {', '.join(FILTER_COLUMNS)}"
            )
        lists = {name: _as_list(value) for name, value in filters.items()}
        if all(values is None for values in lists.values()):
            return None if self.allowed is None else sorted(self.allowed)
        key = tuple(
            sorted((name, tuple(values)) for name, values in lists.items() if values is not None)
        )
        ids = self._filtered_ids.get(key)
        if ids is None:
            ids = self._ids_matching(key)
            with self._lock:
                if len(self._filtered_ids) >= SCOPE_CACHE_SIZE:
                    self._filtered_ids.pop(next(iter(self._filtered_ids)))
                self._filtered_ids[key] = ids
        return list(ids) if self.allowed is None else [i for i in ids if i in self.allowed]

    def _ids_matching(self, filters: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
        """Every account id whose attributes match all (filter column, values) pairs."""
        conditions = []
        params: list[Any] = []
        for name, values in filters:
            params.append(list(values))
            conditions.append(f"list_contains(${len(params)}, {FILTER_COLUMNS[name]})")
        frame = self.query(
            "select account_id from int_accounts where "
            + " and ".join(conditions)
            + " order by account_id",
            params,
        )
        return list(frame["account_id"].to_list())

    # -- dimensions -------------------------------------------------------------------------

    def account_list(self) -> pl.DataFrame:
        """Every visible account with its attributes, for pickers and headers."""
        return self.query(
            # account_key is the store's own numbering, not an attribute of the export
            "select * exclude (account_key) from int_accounts "
            "where $1 is null or list_contains($1, account_id) "
            "order by account_name, account_id",
            [self.scope()],
        )

    def search_accounts(
        self, text: str | None, limit: int = SEARCH_LIMIT, **filters: FilterValue
    ) -> pl.DataFrame:
        """The accounts in scope whose name or id contains `text` in either script
        (`romashka` finds «Ромашка»), best first: the exact id, then names that start with
        it, then the rest, each by name. With no text, the first accounts by name."""
        return self.query(
            "select account_id, account_name, kam_id, kam_name from int_accounts "
            "where ($1 is null or list_contains($1, account_id)) "
            "and ($2 is null or contains(search_key, search_key($2))) "
            "order by lower(account_id) <> lower(coalesce($2, '')), "
            "not starts_with(search_key, search_key(coalesce($2, ''))), "
            "account_name, account_id limit $3",
            [self.scope(**filters), clean_search(text), limit],
        )

    def account(self, account_id: str) -> dict[str, Any]:
        frame = self.query(
            "select * exclude (account_key) from int_accounts where account_id = $1", [account_id]
        )
        if frame.is_empty() or (self.allowed is not None and account_id not in self.allowed):
            # an account out of scope is answered exactly like one that does not exist
            raise NotFoundError(f"account {account_id!r} not found")
        return frame.row(0, named=True)

    def managers(self) -> pl.DataFrame:
        """KAMs (all of them, or those of the visible accounts)."""
        return self.query(
            "select * from int_managers where $1 is null or kam_id in "
            "(select kam_id from int_accounts where list_contains($1, account_id)) "
            "order by kam_name, kam_id",
            [self.scope()],
        )

    def data_range(self) -> tuple[dt.date | None, dt.date | None]:
        """First and last document date in the data."""
        row = self.query(
            "select min(invoice_date) as first, max(invoice_date) as last from int_documents"
        )
        return row["first"][0], row["last"][0]

    # -- figures ----------------------------------------------------------------------------

    def accounts(
        self,
        start: DateLike,
        end: DateLike,
        as_of: DateLike | None = None,
        **filters: FilterValue,
    ) -> pl.DataFrame:
        """One row per account in scope (also those with no activity), by account_id."""
        return self.accounts_over([(start, end, as_of)], **filters)[0]

    def accounts_over(
        self, periods: Sequence[PeriodRequest], **filters: FilterValue
    ) -> list[pl.DataFrame]:
        """`accounts` for each (start, end, as_of) of `periods`, in one statement: a page that
        shows a period beside its prior year plans the marts once, not twice."""
        return self._per_period(
            "select * from account_metrics($1, $2, $3) order by period_index, account_id",
            periods,
            self.dso_days,
            self.scope(**filters),
        )

    def rollup(
        self,
        start: DateLike,
        end: DateLike,
        as_of: DateLike | None = None,
        *,
        level: Level = "portfolio",
        **filters: FilterValue,
    ) -> pl.DataFrame:
        """Account figures rolled up per KAM, holding group or for the whole scope."""
        return self.rollup_over([(start, end, as_of)], level=level, **filters)[0]

    def rollup_over(
        self,
        periods: Sequence[PeriodRequest],
        *,
        level: Level = "portfolio",
        **filters: FilterValue,
    ) -> list[pl.DataFrame]:
        """`rollup` for each (start, end, as_of) of `periods`, in one statement."""
        return self._per_period(
            "select * from rollup_metrics($1, $2, $3, $4) "
            "order by period_index, revenue desc, unit_id",
            periods,
            self.dso_days,
            self.scope(**filters),
            level,
        )

    def portfolio(
        self,
        start: DateLike,
        end: DateLike,
        as_of: DateLike | None = None,
        **filters: FilterValue,
    ) -> dict[str, Any]:
        return self.portfolio_over([(start, end, as_of)], **filters)[0]

    def portfolio_over(
        self, periods: Sequence[PeriodRequest], **filters: FilterValue
    ) -> list[dict[str, Any]]:
        """`portfolio` for each (start, end, as_of) of `periods`, in one statement."""
        return [
            _portfolio_row(frame)
            for frame in self.rollup_over(periods, level="portfolio", **filters)
        ]

    def accounts_and_portfolio_over(
        self, periods: Sequence[PeriodRequest], **filters: FilterValue
    ) -> tuple[list[pl.DataFrame], list[dict[str, Any]]]:
        """`accounts_over` and `portfolio_over` in one statement, which computes the account
        figures once for both: what a page showing the portfolio tiles above its accounts
        table asks."""
        requested = _requested_periods(periods)
        if not requested:
            return [], []
        frame = self.query(
            "select * from accounts_with_rollup($1, $2, $3, 'portfolio')",
            [requested, self.dso_days, self.scope(**filters)],
        )
        accounts, rollups = (
            frame.filter(pl.col("row_kind") == kind).select(pl.col(column).struct.unnest())
            for kind, column in (("account", "account_row"), ("rollup", "rollup_row"))
        )
        return [rows.sort("account_id") for rows in _by_period(accounts, len(requested))], [
            _portfolio_row(rows) for rows in _by_period(rollups, len(requested))
        ]

    def account_listing(
        self,
        name: str,
        periods: Sequence[PeriodRequest],
        *,
        sort: str | None = None,
        descending: bool | None = None,
        search: str | None = None,
        limit: int | None = PAGE_SIZE,
        offset: int = 0,
        **filters: FilterValue,
    ) -> Page:
        """One page of an account table (`kamdash.engine.listings.ACCOUNT_LISTINGS`: accounts,
        at_risk, exposed, over_limit, gainers, decliners) of the first of `periods`, the
        second being its prior year: selected, searched, sorted and cut in SQL, with the
        number of rows the whole table has. `limit` None: every row (for a file)."""
        table = listing(ACCOUNT_LISTINGS, name)
        order = self._order(table, sort, descending)
        # the selection and order are fixed text from kamdash.engine.listings, never user input
        rows, params = searched(
            f"select * from account_rows where ({table.where})",
            "account_id in (select account_id from int_accounts"
            " where contains(search_key, search_key($search)))",
            [],
            search,
        )
        return self._page(
            rows,
            order,
            params,
            limit,
            offset,
            account_rows=self.account_rows(periods, **filters),
        )

    def open_item_listing(
        self,
        as_of: DateLike,
        *,
        overdue_only: bool = False,
        sort: str | None = None,
        descending: bool | None = None,
        search: str | None = None,
        limit: int | None = PAGE_SIZE,
        offset: int = 0,
        **filters: FilterValue,
    ) -> Page:
        """One page of `open_items` (the collection worklist with `overdue_only`), searched by
        document id or account name or id in either script, sorted and cut in SQL."""
        table = listing(OPEN_ITEM_LISTINGS, "worklist" if overdue_only else "open_items")
        order = self._order(table, sort, descending)
        rows, params = searched(
            "select * from open_items($1, $2, $3)",
            "contains(search_key(item_id || ' ' || account_name || ' ' || account_id),"
            " search_key($search))",
            [parse_date(as_of, name="as_of"), self.scope(**filters), overdue_only],
            search,
        )
        return self._page(rows, order, params, limit, offset)

    def _page(
        self,
        rows: str,
        order: str,
        params: list[Any],
        limit: int | None,
        offset: int,
        *,
        account_rows: pa.Table | None = None,
    ) -> Page:
        """Rows `offset`… of the statement `rows` (its parameters `params`) in `order`, with
        how many rows it has in all. `rows` and `order` are fixed text of this module and
        kamdash.engine.listings; every value is a parameter."""
        n = len(params)
        if account_rows is None:
            # rows computed by a macro: one statement, so the macro runs once
            frame = self.query(
                f"select *, count(*) over () as total_rows from ({rows}) "
                f"order by {order} limit ${n + 1} offset ${n + 2}",
                [*params, limit, offset],
            )
            if frame.height or not offset:
                total = int(frame["total_rows"][0]) if frame.height else 0
                return Page(frame.drop("total_rows"), total, offset)
        else:
            # rows already computed: two statements, not `count(*) over ()`, whose window
            # materialises every column of every selected row before the cut (at 150,000
            # accounts' rows: 110 ms against 20 + 3 ms)
            frame = self.query(
                f"select * from ({rows}) order by {order} limit ${n + 1} offset ${n + 2}",
                [*params, limit, offset],
                account_rows=account_rows,
            )
            if limit is None or 0 < frame.height < limit or (frame.height == 0 and offset == 0):
                return Page(frame, offset + frame.height, offset)
        # past the end (an old link) or a full page: count the rows in all
        counted = self.query(
            f"select count(*) as total_rows from ({rows})", params, account_rows=account_rows
        )
        return Page(frame.drop("total_rows", strict=False), int(counted["total_rows"][0]), offset)

    def _order(self, table: Any, sort: str | None, descending: bool | None) -> str:
        if self.hide_margins and (sort or table.sort) in MARGIN_COLUMNS:
            # the order of a withheld column would tell what the column hides
            raise KamdashError(f"the {table.name} table cannot be sorted by {sort!r} here")
        order: str = table.order_by(sort, descending)
        return order

    def segment_split(
        self, periods: Sequence[PeriodRequest], **filters: FilterValue
    ) -> pl.DataFrame:
        """Key accounts against house accounts for the first of `periods` and its prior year
        (the second), from the view's account rows: revenue, GM %, growth, each `_prior`."""
        return self.query(
            "select * from segment_split('account_rows') order by unit_id",
            account_rows=self.account_rows(periods, **filters),
        )

    def concentration_curve(
        self,
        periods: Sequence[PeriodRequest],
        *,
        steps: int = 100,
        head: int = 20,
        **filters: FilterValue,
    ) -> pl.DataFrame:
        """The Pareto curve of the first of `periods` (running share of revenue by revenue
        rank) at the first `head` ranks and at `steps` equal steps of the accounts: at most
        head + steps + 1 rows."""
        return self.query(
            "select * from revenue_concentration('account_rows', $1, $2) order by rank",
            [steps, head],
            account_rows=self.account_rows(periods, **filters),
        )

    def growth_margin_map(
        self,
        periods: Sequence[PeriodRequest],
        *,
        top: int = 200,
        **filters: FilterValue,
    ) -> pl.DataFrame:
        """The quadrant of the first of `periods`: its `top` accounts by revenue as points,
        the others counted in growth × GM % cells (`sql/marts/growth_margin_map.sql`)."""
        return self.query(
            "select * from growth_margin_map('account_rows', $1) "
            "order by row_kind desc, revenue desc, account_id, growth_yoy, gross_margin_pct",
            [top],
            account_rows=self.account_rows(periods, **filters),
        )

    def kams(
        self, start: DateLike, end: DateLike, as_of: DateLike | None = None, **filters: FilterValue
    ) -> pl.DataFrame:
        return self.rollup(start, end, as_of, level="kam", **filters).rename(
            {"unit_id": "kam_id", "unit_name": "kam_name"}
        )

    def groups(
        self, start: DateLike, end: DateLike, as_of: DateLike | None = None, **filters: FilterValue
    ) -> pl.DataFrame:
        return (
            self.rollup(start, end, as_of, level="group", **filters)
            .rename({"unit_id": "group_name"})
            .drop("unit_name")
        )

    def bridge(
        self,
        base_start: DateLike,
        base_end: DateLike,
        start: DateLike,
        end: DateLike,
        **filters: FilterValue,
    ) -> dict[str, float]:
        """Price–volume–mix bridge from the base period's revenue to the period's."""
        base, period = Period.of(base_start, base_end), Period.of(start, end)
        frame = self.query(
            "select * from pvm_bridge($1, $2, $3, $4, $5)",
            [base.start, base.end, period.start, period.end, self.scope(**filters)],
        )
        return {name: float(value) for name, value in frame.row(0, named=True).items()}

    def bridge_by_product(
        self,
        base_start: DateLike,
        base_end: DateLike,
        start: DateLike,
        end: DateLike,
        **filters: FilterValue,
    ) -> pl.DataFrame:
        base, period = Period.of(base_start, base_end), Period.of(start, end)
        return self.query(
            "select * from pvm_by_product($1, $2, $3, $4, $5) order by revenue desc, product_id",
            [base.start, base.end, period.start, period.end, self.scope(**filters)],
        )

    def monthly(
        self,
        start: DateLike,
        end: DateLike,
        *,
        level: Level = "portfolio",
        **filters: FilterValue,
    ) -> pl.DataFrame:
        """Revenue, COGS, GM, billing and plan per month (every month, zeros included)."""
        period = Period.of(start, end)
        return self.query(
            "select * from monthly_series($1, $2, $3, $4) order by unit_id, month",
            [period.start, period.end, self.scope(**filters), level],
        )

    def product_mix(
        self,
        start: DateLike,
        end: DateLike,
        *,
        level: MixLevel = "product",
        **filters: FilterValue,
    ) -> pl.DataFrame:
        """What the scope bought in the period, by product or category, largest first."""
        return self.product_mixes([(start, end)], (level,), **filters)[0][level]

    def product_mixes(
        self,
        periods: Sequence[tuple[DateLike, DateLike]],
        levels: Sequence[MixLevel] = ("category", "product"),
        **filters: FilterValue,
    ) -> list[dict[MixLevel, pl.DataFrame]]:
        """`product_mix` of each (start, end) of `periods` at each of `levels`, in one
        statement: one {level: frame} per period, in the order asked."""
        requested = [Period.of(start, end) for start, end in periods]
        if not requested or not levels:
            return [{} for _ in requested]
        frame = self.query(
            "select * from product_mix($1, $2, $3) order by revenue desc, item_id",
            [
                [{"period_start": p.start, "period_end": p.end} for p in requested],
                self.scope(**filters),
                list(levels),
            ],
        )
        return [
            {level: by_period.filter(pl.col("level") == level).drop("level") for level in levels}
            for by_period in _by_period(frame, len(requested))
        ]

    def open_items(
        self, as_of: DateLike, *, overdue_only: bool = False, **filters: FilterValue
    ) -> pl.DataFrame:
        """Open documents and unapplied cash at as_of, oldest due first; sums to open AR.
        With `overdue_only`, the collection worklist: the documents past due that still owe,
        which sum to overdue AR."""
        return self.query(
            "select * from open_items($1, $2, $3) "
            "order by days_past_due desc nulls last, open_balance desc, item_id",
            [parse_date(as_of, name="as_of"), self.scope(**filters), overdue_only],
        )

    def payment_behaviour(
        self,
        start: DateLike,
        end: DateLike,
        *,
        level: Level = "portfolio",
        **filters: FilterValue,
    ) -> pl.DataFrame:
        period = Period.of(start, end)
        return self.query(
            "select * from payment_behaviour_monthly($1, $2, $3, $4) order by unit_id, month",
            [period.start, period.end, self.scope(**filters), level],
        )

    def receivables_trend(
        self,
        start: DateLike,
        end: DateLike,
        *,
        level: Level = "portfolio",
        **filters: FilterValue,
    ) -> pl.DataFrame:
        """Open AR, overdue and DSO at every month end from start to end (end included)."""
        period = Period.of(start, end)
        return self.query(
            "select * from receivables_trend($1, $2, $3, $4) order by unit_id, as_of",
            [month_ends(period.start, period.end), self.dso_days, self.scope(**filters), level],
        )

    def close(self) -> None:
        self._con.close()


_ADDITIVE = {
    "accounts",
    "active_accounts",
    "revenue",
    "cogs",
    "gross_margin",
    "revenue_prior_year",
    "open_ar",
    "ar_current",
    "ar_1_30",
    "ar_31_60",
    "ar_61_90",
    "ar_91_plus",
    "unapplied_credits",
    "overdue_ar",
    "accounts_over_credit_limit",
    "billed",
}


def _as_list(value: FilterValue) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    values = [str(v) for v in value]
    return values or None


PeriodRequest = tuple[DateLike, DateLike, DateLike | None]
"""(start, end, as_of) of one period asked for; as_of None means the period's end."""


def _requested_periods(periods: Sequence[PeriodRequest]) -> list[dict[str, dt.date]]:
    """The `periods` parameter of account_metrics and rollup_metrics."""
    requested = []
    for start, end, as_of in periods:
        period, as_of_date = period_and_as_of(start, end, as_of)
        requested.append(
            {"period_start": period.start, "period_end": period.end, "as_of": as_of_date}
        )
    return requested


def _split_kinds(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """The account rows and the roll-up rows of account_table's result, each unpacked from its
    struct column. The few roll-up rows are found in Python and the account rows sliced off,
    without a copy: a pyarrow compute filter copies 150,000 rows of ~90 columns, and its first
    call in a process costs over a second to set up."""
    kinds = table.column("row_kind").to_pylist()
    rollup_at = [index for index, kind in enumerate(kinds) if kind == "rollup"]
    count = len(kinds)
    if rollup_at == list(range(count - len(rollup_at), count)):
        accounts = table.column("account_row").slice(0, count - len(rollup_at))
    elif rollup_at == list(range(len(rollup_at))):
        accounts = table.column("account_row").slice(len(rollup_at))
    else:  # interleaved (DuckDB does not promise the union's order): take them out
        keep = [index for index, kind in enumerate(kinds) if kind != "rollup"]
        accounts = table.column("account_row").take(pa.array(keep, type=pa.int64()))
    # typed, so that no roll-up row (no account in scope) is an empty take, not a null-typed one
    rollups = table.column("rollup_row").take(pa.array(rollup_at, type=pa.int64()))
    # the account rows are kept with the view: copied once into buffers of their own (tens of
    # ms), they let the result go, whose roll-up column runs its whole length. A slice kept it
    # alive: at 150,000 accounts each kept view held ~220 MB instead of ~100 MB
    compact = pa.concat_arrays(accounts.chunks) if accounts.num_chunks else accounts
    return pa.Table.from_struct_array(compact), pa.Table.from_struct_array(rollups)


def _by_period(frame: pl.DataFrame, count: int) -> list[pl.DataFrame]:
    """The rows of periods 1..count of a frame that carries period_index, one frame each."""
    return [
        frame.filter(pl.col("period_index") == index).drop("period_index")
        for index in range(1, count + 1)
    ]


def _without_margins(schema: pl.Schema) -> list[pl.Expr]:
    """Expressions that empty every margin column of `schema`, also one inside a struct
    column (a statement that returns two kinds of row, each whole in its own struct)."""
    emptied = []
    for name, dtype in schema.items():
        if name in MARGIN_COLUMNS:
            emptied.append(pl.lit(None, dtype=dtype).alias(name))
        elif isinstance(dtype, pl.Struct) and any(f.name in MARGIN_COLUMNS for f in dtype.fields):
            emptied.append(
                pl.when(pl.col(name).is_not_null())
                .then(
                    pl.col(name).struct.with_fields(
                        pl.lit(None, dtype=field.dtype).alias(field.name)
                        for field in dtype.fields
                        if field.name in MARGIN_COLUMNS
                    )
                )
                .alias(name)
            )
    return emptied


def _portfolio_row(frame: pl.DataFrame) -> dict[str, Any]:
    """The single portfolio roll-up row as a dict, without its unit columns."""
    if frame.is_empty():
        # no account in scope: sums are zero and every ratio is undefined
        return {
            name: (0 if frame.schema[name].is_numeric() and name in _ADDITIVE else None)
            for name in frame.columns
            if name not in ("unit_id", "unit_name")
        }
    row = frame.row(0, named=True)
    row.pop("unit_id")
    row.pop("unit_name")
    return row


def build_version() -> str:
    """Changes whenever the SQL, the contract or the validation rules change, so cached
    stores (and their cached reports) are rebuilt."""
    digest = hashlib.sha256()
    for obj in load_objects():
        digest.update(obj.create_statement().encode())
    for table in TABLES:
        digest.update(repr(table).encode())
    # every module of the validation package, in a fixed order: a rule changed anywhere in it
    # rebuilds the cache
    package = Path(validation.__file__ or "").parent
    for path in [*sorted(package.glob("*.py")), Path(sources_module.__file__ or "")]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _validated(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    memory_limit: str | None,
    progress: Progress | None,
) -> ValidationReport:
    """Validate and build on `con`; running out of DuckDB's memory becomes a clear error."""
    try:
        return validate_connection(con, sources, build=build, progress=progress)
    except duckdb.OutOfMemoryException as error:
        detail = str(error).splitlines()[0]
        raise KamdashError(
            f"building the store of {sources.data_dir} ran out of memory under the DuckDB "
            f"limit of {effective_memory_limit(memory_limit)} ({detail}); set KAMDASH_MEMORY_LIMIT "
            "higher (e.g. 4GB) and open it again"
        ) from error


def _open_cached(
    sources: DataSources,
    cache_dir: Path,
    memory_limit: str | None,
    threads: int | None,
    progress: Progress | None,
) -> tuple[duckdb.DuckDBPyConnection, ValidationReport]:
    """Open the store of this data version from the cache, building it there first if needed.

    The database is built under a temporary name and renamed into place only when complete,
    so a reader never sees half a build; a build whose input files changed meanwhile (an
    export being written) is not cached.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    readable = [sources.data_dir]
    key = f"{sources.fingerprint()}-{build_version()}"
    database = cache_dir / f"{key}.duckdb"
    report_file = cache_dir / f"{key}.report.json"
    if database.exists() and report_file.exists():
        report = ValidationReport.from_cache(report_file.read_text(encoding="utf-8"))
        return connect(
            memory_limit, threads, database=database, read_only=True, readable=readable
        ), report
    partial = cache_dir / f"{key}.{os.getpid()}.{threading.get_ident()}.building"
    partial.unlink(missing_ok=True)
    con = connect(memory_limit, threads, database=partial, readable=readable)
    try:
        report = _validated(con, sources, memory_limit, progress)
    except BaseException:
        # a failed build leaves nothing behind: at 50M lines a partial store is gigabytes
        con.close()
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    if report.has_errors or discover(sources.data_dir).fingerprint() != sources.fingerprint():
        partial.unlink(missing_ok=True)
        if report.has_errors:
            return connect(readable=readable), report
        raise KamdashError(
            f"the export in {sources.data_dir} changed while it was being read; try again"
        )
    report_file.write_text(report.to_cache(), encoding="utf-8")
    os.replace(partial, database)
    _prune_cache(cache_dir)
    return connect(
        memory_limit, threads, database=database, read_only=True, readable=readable
    ), report


CACHED_VERSIONS = 8


def _prune_cache(cache_dir: Path) -> None:
    """Keep the newest data versions only; an old one still open elsewhere stays readable
    until closed (unlinking an open file does not disturb its reader on POSIX)."""
    databases = sorted(cache_dir.glob("*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in databases[CACHED_VERSIONS:]:
        stale.unlink(missing_ok=True)
        stale.with_name(stale.name.removesuffix(".duckdb") + ".report.json").unlink(missing_ok=True)


def open_store(
    data_dir: str | Path,
    *,
    dso_days: int = DEFAULT_DSO_DAYS,
    memory_limit: str | None = None,
    threads: int | None = None,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> Store:
    """Validate and open a data folder; raises DataValidationError when it has errors.

    With `cache_dir`, the validated and built store of each data version (the files' names,
    sizes and times) is kept there as a DuckDB file, so the next process opens it at once.
    `progress` hears each step of a validation and build (none when the cache has it).
    """
    path = Path(data_dir).expanduser()
    if not path.is_dir():
        raise KamdashError(f"data folder {path} does not exist or is not a folder")
    sources = discover(path)
    if cache_dir is not None:
        con, report = _open_cached(
            sources, Path(cache_dir).expanduser(), memory_limit, threads, progress
        )
    else:
        con = connect(memory_limit, threads, readable=[path])
        try:
            report = _validated(con, sources, memory_limit, progress)
        except BaseException:
            con.close()
            raise
    if report.has_errors:
        con.close()
        raise DataValidationError(report)
    return Store(sources, con, report, dso_days)
