"""The pages' server-side tables: accounts, at risk, receivables per account, over the credit
limit, the collection worklist, open documents and the house accounts to promote.

Each is a `kamdash.ui.paged.paged_table` over a `kamdash.engine.listings` table: the columns it
shows, the figures it asks the Store for (one page, cached like every figure) and the whole
table for its files (asked on the download's click only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from kamdash.engine.listings import ACCOUNT_LISTINGS, OPEN_ITEM_LISTINGS, PAGE_SIZE, Page
from kamdash.engine.measures import measure
from kamdash.report.formatting import format_date
from kamdash.ui import insights
from kamdash.ui.components import Column
from kamdash.ui.context import Context
from kamdash.ui.i18n import t
from kamdash.ui.paged import TableView, paged_table
from kamdash.ui.views import DOC_KINDS, reason_text, with_links


def account_columns(context: Context, *rest: Column) -> list[Column]:
    """Name, link and KAM, then `rest`."""
    return [
        Column("account_name", "text", context.t("col.account"), width="medium"),
        Column("link", "link", context.t("col.open"), link_text="↗", width=60),
        Column("kam_name", "text", context.t("col.kam")),
        *rest,
    ]


def account_table(
    context: Context,
    name: str,
    columns: Sequence[Column],
    *,
    prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    describe: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    empty_message: str | None = None,
    **options: Any,
) -> tuple[Any, pl.DataFrame]:
    """A paged table of `kamdash.engine.listings.ACCOUNT_LISTINGS[name]` for the view's period (and
    its prior year), scoped by the sidebar filters. `describe` adds columns to the rows shown
    and to the files (e.g. reasons in words); `prepare` only to the rows shown (e.g.
    sparklines, which files leave out)."""
    store, q, f = context.store, context.q, context.filters
    table = ACCOUNT_LISTINGS[name]

    def fetch(view: TableView) -> Page:
        return q.account_listing(name, f.now_and_prior, **_asked(view), **context.f)

    def described(rows: pl.DataFrame) -> pl.DataFrame:
        rows = _house_named(rows, context)
        return describe(rows) if describe is not None else rows

    def everything(view: TableView) -> pl.DataFrame:
        asked = _asked(view) | {"limit": None, "offset": 0}
        return described(store.account_listing(name, f.now_and_prior, **asked, **context.f).rows)

    def shown(rows: pl.DataFrame) -> pl.DataFrame:
        rows = described(with_links(rows, context))
        return prepare(rows) if prepare is not None else rows

    return paged_table(
        name,
        table,
        fetch,
        everything,
        columns,
        context.lang,
        prepare=shown,
        empty_message=empty_message,
        **options,
    )


def _asked(view: TableView) -> dict[str, Any]:
    return {
        "sort": view.sort,
        "descending": view.descending,
        "search": view.search,
        "limit": PAGE_SIZE,
        "offset": view.offset,
    }


def _house_named(rows: pl.DataFrame, context: Context) -> pl.DataFrame:
    """A house account's KAM column says so instead of staying empty."""
    if "kam_name" not in rows.columns:
        return rows
    house = context.t("house.kam")
    return rows.with_columns(
        kam_name=pl.when(pl.col("kam_id").is_null())
        .then(pl.lit(house))
        .otherwise(pl.col("kam_name"))
    )


def at_risk_table(context: Context) -> None:
    """Accounts with warning signs and why, in words, biggest prior-year revenue first."""
    lang = context.lang

    def reasons(rows: pl.DataFrame) -> pl.DataFrame:
        texts = [
            "; ".join(reason_text(r, lang) for r in insights.signed_reasons(row))
            for row in rows.iter_rows(named=True)
        ]
        return rows.with_columns(reasons=pl.Series(texts, dtype=pl.String))

    account_table(
        context,
        "at_risk",
        [
            *account_columns(context)[:2],
            Column("reasons", "text", t("col.reasons", lang), width="large"),
            account_columns(context)[2],
            Column("revenue"),
            Column("revenue_prior_year"),
            Column("gross_margin_pct"),
            Column(
                "gross_margin_pct_prior",
                label=t("col.gm_pct_prior", lang),
                measure_name="gross_margin_pct",
            ),
            Column("overdue_pct"),
            Column("last_order_date", "date", t("col.last_order", lang)),
        ],
        describe=reasons,
        empty_message=context.t("empty.no_risk"),
        key="portfolio.at_risk",
    )


def promotion_table(context: Context) -> None:
    """House accounts that look like key accounts, with the reason."""
    lang = context.lang

    def why(rows: pl.DataFrame) -> pl.DataFrame:
        texts = []
        for row in rows.iter_rows(named=True):
            parts = []
            if row["promote_top_revenue"]:
                parts.append(t("promotion.top_revenue", lang))
            if row["promote_top_growth"]:
                parts.append(t("promotion.top_growth", lang))
            if row["promote_new_in_key_group"]:
                parts.append(t("promotion.key_group", lang, group=row["group_name"]))
            texts.append("; ".join(parts))
        return rows.with_columns(reasons=pl.Series(texts, dtype=pl.String))

    account_table(
        context,
        "promotion",
        [
            *account_columns(context)[:2],
            Column("reasons", "text", t("col.reasons", lang), width="large"),
            Column("revenue"),
            Column("growth_yoy"),
            Column("gross_margin_pct"),
            Column("open_ar"),
            Column("last_order_date", "date", t("col.last_order", lang)),
        ],
        describe=why,
        empty_message=context.t("empty.no_promotion"),
        key="portfolio.promotion",
    )


def open_items_table(context: Context, *, overdue_only: bool, **filters: Any) -> None:
    """Open documents (the collection worklist with `overdue_only`), paged; `filters` default
    to the sidebar's (the account page passes its account)."""
    lang, q, store, f = context.lang, context.q, context.store, context.filters
    scope = filters or context.f
    name = "worklist" if overdue_only else "open_items"
    with_account = "account_id" not in filters

    def fetch(view: TableView) -> Page:
        return q.open_item_listing(f.as_of, overdue_only=overdue_only, **_asked(view), **scope)

    def everything(view: TableView) -> pl.DataFrame:
        asked = _asked(view) | {"limit": None, "offset": 0}
        rows = store.open_item_listing(f.as_of, overdue_only=overdue_only, **asked, **scope).rows
        return _readable_items(rows, context)

    def shown(rows: pl.DataFrame) -> pl.DataFrame:
        rows = _readable_items(rows, context)
        return _house_named(with_links(rows, context), context) if with_account else rows

    columns = [Column("item_id", "text", t("col.document", lang))]
    if with_account:
        columns += account_columns(context)[:2]
    columns += [
        Column("kind", "text", t("col.doc_type", lang)),
        Column("item_date", "date", t("col.doc_date", lang)),
        Column("due_date", "date", t("col.due", lang)),
        Column("days_past_due", "number", t("col.days_past_due", lang)),
        Column("amount_due", label=t("col.amount_due", lang), measure_name="revenue"),
        Column("open_balance", label=t("col.open_amount", lang), measure_name="open_ar"),
        Column("bucket", "text", t("col.bucket", lang)),
    ]
    if with_account:
        columns.append(account_columns(context)[2])
    paged_table(
        name,
        OPEN_ITEM_LISTINGS[name],
        fetch,
        everything,
        columns,
        lang,
        prepare=shown,
        empty_message=(
            context.t("empty.no_overdue", as_of=format_date(f.as_of, lang))
            if overdue_only
            else None
        ),
        height=420,
    )


def _readable_items(items: pl.DataFrame, context: Context) -> pl.DataFrame:
    kinds = {kind: context.t(f"doc.{kind}") for kind in DOC_KINDS}
    buckets = {name: measure(name).label(context.lang) for name in items["aging_bucket"].unique()}
    return items.with_columns(
        kind=pl.col("item_type").replace(kinds),
        bucket=pl.col("aging_bucket").replace(buckets),
    )
