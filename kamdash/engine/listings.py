"""Server-side tables: which rows each of the pages' tables holds, how it may be sorted and
searched, and one page of it at a time.

A whole customer base has 150,000 accounts; no person reads that many rows and no browser
should receive them. Every table is therefore selected, sorted, searched and cut in SQL
(`Store.account_listing`, `Store.open_item_listing`) and the page shows one page of it with
the total. The selections and sortable columns are fixed here: they are the only identifiers
that reach the SQL text, never anything a user typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from kamdash.errors import KamdashError

PAGE_SIZE = 200
SEARCH_LIMIT = 50  # the account picker's best matches

# the at-risk signs (see sql/marts/account_table.sql); changes smaller than these are noise
NO_ORDER_DAYS = 60
MARGIN_EROSION_PP = 0.02  # GM % down by more than 2 percentage points
OVERDUE_RISE_PP = 0.05  # overdue % up by more than 5 percentage points
REVENUE_DROP = -0.10  # revenue more than 10 % below the prior year
RISK_SIGNS = (
    "falling_revenue",
    "margin_erosion",
    "rising_overdue",
    "no_orders",
    "never_ordered",
    # the relationship (contract v2, from the CRM tables and contract_end_on)
    "no_meeting",
    "single_thread",
    "contract_renewal",
    "detractor",
)
# a meeting longer ago than this is "no meeting" (the 90 days ending at D of metrics.md)
NO_MEETING_DAYS = 90
PROMOTION_SIGNS = ("promote_top_revenue", "promote_top_growth", "promote_new_in_key_group")


def risk_thresholds() -> dict[str, float | None]:
    """The `thresholds` parameter of the account_table mart."""
    return {
        "no_order_days": NO_ORDER_DAYS,
        "revenue_drop": REVENUE_DROP,
        "margin_erosion_pp": MARGIN_EROSION_PP,
        "overdue_rise_pp": OVERDUE_RISE_PP,
    }


# what a column sorts by when it is not its own value: an account with revenue and no prior
# year reads "new" (kamdash.report.formatting.NEW_GROWTH) and ranks above every growth, as on screen
SORT_KEYS = {
    "growth_yoy": "coalesce(growth_yoy, case when revenue > 0 then 'infinity'::double end)"
}


@dataclass(frozen=True)
class Listing:
    """One table of the pages: the rows it holds (a fixed SQL condition over its mart's
    columns), the columns it may be sorted by, its default order and its tie-breakers."""

    name: str
    where: str
    sortable: tuple[str, ...]
    sort: str
    descending: bool
    # after the sort column, always: equal values keep one order on every page
    tie_breakers: tuple[tuple[str, bool], ...]

    def order_by(self, sort: str | None, descending: bool | None) -> str:
        column = sort or self.sort
        if column not in self.sortable:
            raise KamdashError(
                f"the {self.name} table cannot be sorted by {column!r}; "
                f"it sorts by {', '.join(self.sortable)}"
            )
        if descending is None:
            # another column than the table's own starts ascending, as a header click does
            down = self.descending if column == self.sort else False
        else:
            down = descending
        terms = [f"{SORT_KEYS.get(column, column)} {'desc' if down else 'asc'} nulls last"]
        terms += [f"{name} {'desc' if desc else 'asc'}" for name, desc in self.tie_breakers]
        return ", ".join(terms)


ACCOUNT_SORTABLE = (
    "account_name",
    "account_id",
    "kam_name",
    "abc_class",
    "revenue",
    "revenue_prior_year",
    "revenue_change",
    "growth_yoy",
    "gross_margin",
    "gross_margin_pct",
    "open_ar",
    "overdue_ar",
    "overdue_pct",
    "ar_91_plus",
    "dso",
    "credit_limit",
    "credit_utilisation",
    "last_order_date",
    "days_since_last_meeting",
    "decision_maker_coverage",
    "weighted_pipeline",
    "unsigned_closing_amount",
    "landing_forecast",
)
_BY_ID = (("account_id", False),)
ACCOUNT_LISTINGS: dict[str, Listing] = {
    listing.name: listing
    for listing in (
        Listing("accounts", "true", ACCOUNT_SORTABLE, "revenue", True, _BY_ID),
        # biggest relationship first: what the prior year was worth
        Listing("at_risk", "at_risk", ACCOUNT_SORTABLE, "revenue_prior_year", True, _BY_ID),
        Listing(
            "exposed", "open_ar <> 0", ACCOUNT_SORTABLE, "overdue_ar", True,
            (("open_ar", True), *_BY_ID),
        ),
        Listing(
            "over_limit", "credit_utilisation > 1", ACCOUNT_SORTABLE, "credit_utilisation", True,
            _BY_ID,
        ),
        Listing("promotion", "promote", ACCOUNT_SORTABLE, "revenue", True, _BY_ID),
        Listing("gainers", "revenue_change > 0", ACCOUNT_SORTABLE, "revenue_change", True, _BY_ID),
        Listing(
            "decliners", "revenue_change < 0", ACCOUNT_SORTABLE, "revenue_change", False, _BY_ID
        ),
    )
}  # fmt: skip

OPEN_ITEM_SORTABLE = (
    "days_past_due",
    "open_balance",
    "amount_due",
    "item_date",
    "due_date",
    "item_id",
    "account_name",
)
OPEN_ITEM_LISTINGS: dict[str, Listing] = {
    listing.name: listing
    for listing in (
        Listing(
            "open_items",
            "true",
            OPEN_ITEM_SORTABLE,
            "days_past_due",
            True,
            (("open_balance", True), ("item_id", False)),
        ),
        Listing(
            "worklist",
            "true",
            OPEN_ITEM_SORTABLE,
            "days_past_due",
            True,
            (("open_balance", True), ("item_id", False)),
        ),
    )
}


CLOSING_DOC_SORTABLE = (
    "days_unsigned",
    "amount",
    "issued_on",
    "invoice_date",
    "closing_doc_id",
    "invoice_id",
    "account_name",
)
CLOSING_DOC_LISTINGS: dict[str, Listing] = {
    # oldest first: what has waited longest for a signature
    "unsigned_closing_documents": Listing(
        "unsigned_closing_documents",
        "true",
        CLOSING_DOC_SORTABLE,
        "days_unsigned",
        True,
        (("amount", True), ("closing_doc_id", False)),
    ),
}


@dataclass(frozen=True)
class Page:
    """Rows `offset + 1 … offset + rows.height` of a table of `total` rows."""

    rows: pl.DataFrame
    total: int
    offset: int

    @property
    def first(self) -> int:
        return self.offset + 1 if self.rows.height else 0

    @property
    def last(self) -> int:
        return self.offset + self.rows.height


def listing(listings: dict[str, Listing], name: str) -> Listing:
    try:
        return listings[name]
    except KeyError:
        raise KamdashError(f"unknown table {name!r}; tables are {', '.join(listings)}") from None


def searched(
    rows: str, matches: str, params: Sequence[Any], search: str | None
) -> tuple[str, list[Any]]:
    """The statement `rows` (its parameters `params`) narrowed to the rows `matches` holds for,
    when the search box has text; `matches` is fixed SQL that reads that text as `$search`,
    bound as the next parameter. Without text no condition is added at all: no row pays for a
    search nobody asked for (the account-name subquery alone took ~20 ms at 150,000 rows)."""
    text = clean_search(search)
    if text is None:
        return rows, list(params)
    condition = matches.replace("$search", f"${len(params) + 1}")
    return f"select * from ({rows}) where {condition}", [*params, text]


def clean_search(text: str | None) -> str | None:
    """What a search box holds, trimmed; None when there is nothing to search for."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned or None
