"""The Store's questions about the CRM side and the closing documents (contract v2): the
stakeholder map, activities, pipeline and unsigned documents of an account or a scope.

A mixin of `kamdash.engine.store.Store`, kept in its own module so the relationship queries
read together. Every method honours the store's restriction: an account out of scope is
answered like one that does not exist, and lists are cut to the scope in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import polars as pl

from kamdash.data.contract import TABLES_BY_NAME
from kamdash.engine.listings import CLOSING_DOC_LISTINGS, PAGE_SIZE, Page, listing, searched
from kamdash.engine.periods import DateLike, Period, parse_date, period_and_as_of

if TYPE_CHECKING:
    import pyarrow as pa

    from kamdash.data.sources import DataSources

RECENT_ACTIVITIES = 20
# the optional tables whose rows the pages ask about, and the relation that holds them once
# built (an export may name a file that holds no rows)
_OPTIONAL_RELATIONS = {
    "contacts": "int_contacts",
    "activities": "int_activities",
    "opportunities": "int_opportunities",
    "closing_documents": "int_closing_documents",
}


class RelationshipQueries:
    """Contacts, activities, opportunities and closing documents, as the pages ask for them."""

    if TYPE_CHECKING:
        sources: DataSources

        def query(
            self, sql: str, params: Sequence[Any] = (), *, account_rows: pa.Table | None = None
        ) -> pl.DataFrame: ...
        def scope(self, **filters: Any) -> list[str] | None: ...
        def account(self, account_id: str) -> dict[str, Any]: ...
        def _page(
            self,
            rows: str,
            order: str,
            params: list[Any],
            limit: int | None,
            offset: int,
            *,
            account_rows: pa.Table | None = None,
        ) -> Page: ...
        def _order(self, table: Any, sort: str | None, descending: bool | None) -> str: ...

    def has_table(self, name: str) -> bool:
        """Whether the export has the (optional) table `name` with at least one row; a page
        that needs a missing one says which export would fill it."""
        if name not in TABLES_BY_NAME:
            raise KeyError(name)
        if not self.sources.tables[name].found:
            return False
        if name not in _OPTIONAL_RELATIONS:
            return True
        return name in self._optional_tables_with_rows

    @cached_property
    def _optional_tables_with_rows(self) -> frozenset[str]:
        """The optional tables the export holds rows of, asked in one statement the first time
        a page wants to know: the export behind a store never changes (a restricted copy of
        the store shares the answer)."""
        found = [name for name in _OPTIONAL_RELATIONS if self.sources.tables[name].found]
        if not found:
            return frozenset()
        # table and relation names come from the fixed mapping _OPTIONAL_RELATIONS
        columns = ", ".join(
            f"exists (select 1 from {_OPTIONAL_RELATIONS[name]}) as {name}" for name in found
        )
        row = self.query(f"select {columns}").row(0, named=True)
        return frozenset(name for name in found if row[name])

    def stakeholders(self, account_id: str, as_of: DateLike) -> pl.DataFrame:
        """The account's contacts by buying role (decision makers first), with attitude, last
        touch and whether an active decision maker went unmet in the 90 days to as_of."""
        self.account(account_id)  # out of scope: not found
        return self.query(
            "select * from account_stakeholders($1, $2) "
            "order by active desc, role_rank, not_met_decision_maker desc, full_name, contact_id",
            [account_id, parse_date(as_of, name="as_of")],
        )

    def activity_timeline(self, account_id: str, start: DateLike, end: DateLike) -> pl.DataFrame:
        """The account's activities per month and type from start to end."""
        self.account(account_id)
        period = Period.of(start, end)
        return self.query(
            "select * from account_activity_timeline($1, $2, $3) order by month, activity_type",
            [account_id, period.start, period.end],
        )

    def recent_activities(
        self, account_id: str, as_of: DateLike, limit: int = RECENT_ACTIVITIES
    ) -> pl.DataFrame:
        """The account's latest `limit` activities on or before as_of, newest first."""
        self.account(account_id)
        return self.query(
            "select * from account_activities($1, $2) "
            "order by activity_date desc, activity_id limit $3",
            [account_id, parse_date(as_of, name="as_of"), limit],
        )

    def opportunities(
        self, account_id: str, start: DateLike, end: DateLike, as_of: DateLike | None = None
    ) -> pl.DataFrame:
        """The account's opportunities open at as_of (by stage, latest first) and those won
        or lost in the period."""
        self.account(account_id)
        period, as_of_date = period_and_as_of(start, end, as_of)
        return self.query(
            "select * from account_opportunities($1, $2, $3, $4) "
            "order by status <> 'open', stage_rank, expected_close_on, opportunity_id",
            [account_id, period.start, period.end, as_of_date],
        )

    def closing_document_listing(
        self,
        as_of: DateLike,
        *,
        sort: str | None = None,
        descending: bool | None = None,
        search: str | None = None,
        limit: int | None = PAGE_SIZE,
        offset: int = 0,
        **filters: Any,
    ) -> Page:
        """One page of the closing documents unsigned at as_of (oldest first), searched by
        document, invoice or account, sorted and cut in SQL."""
        table = listing(CLOSING_DOC_LISTINGS, "unsigned_closing_documents")
        order = self._order(table, sort, descending)
        rows, params = searched(
            "select * from unsigned_closing_documents($1, $2)",
            "contains(search_key(closing_doc_id || ' ' || invoice_id || ' ' || account_name"
            " || ' ' || account_id), search_key($search))",
            [parse_date(as_of, name="as_of"), self.scope(**filters)],
            search,
        )
        return self._page(rows, order, params, limit, offset)

    def signed_on_time_trend(self, start: DateLike, end: DateLike, **filters: Any) -> pl.DataFrame:
        """Signed on time % per month of issue from start to end."""
        period = Period.of(start, end)
        return self.query(
            "select * from signed_on_time_monthly($1, $2, $3) order by month",
            [period.start, period.end, self.scope(**filters)],
        )

    def closing_document_aging(
        self, start: DateLike, end: DateLike, as_of: DateLike | None = None, **filters: Any
    ) -> dict[str, Any]:
        """The scope's closing documents unsigned at as_of (count, amount and the 0–5, 6–30,
        31–90, 91+ days buckets, which sum to the amount) and signed on time % in the period."""
        period, as_of_date = period_and_as_of(start, end, as_of)
        frame = self.query(
            "select * from closing_document_aging($1, $2, $3, $4)",
            [period.start, period.end, as_of_date, self.scope(**filters)],
        )
        return frame.row(0, named=True)

    def kam_relationship(
        self, start: DateLike, end: DateLike, as_of: DateLike | None = None, **filters: Any
    ) -> pl.DataFrame:
        """Per KAM's book in scope (kam_id empty: house accounts): meetings in the period per
        account, decision-maker coverage, weighted pipeline and landing vs plan."""
        period, as_of_date = period_and_as_of(start, end, as_of)
        return self.query(
            "select * from kam_relationship($1, $2, $3, $4) order by kam_id nulls last",
            [period.start, period.end, as_of_date, self.scope(**filters)],
        )

    def landing(self, as_of: DateLike, **filters: Any) -> dict[str, Any]:
        """The scope's landing forecast for the calendar year of as_of, its year plan and
        landing vs plan (the director's tile)."""
        frame = self.query(
            "select * from landing_rollup($1, $2)",
            [parse_date(as_of, name="as_of"), self.scope(**filters)],
        )
        return frame.row(0, named=True)
