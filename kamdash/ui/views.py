"""Composite views shared by pages: account facts, document lists, mix and bridge tables.

Each takes API frames and the language and lays them out; the pages decide what to show where.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import streamlit as st

from kamdash.formatting import (
    format_date,
    format_days,
    format_measure,
    format_points,
    format_value,
    format_years,
)
from kamdash.measures import Language, measure
from kamdash.ui import components as ui
from kamdash.ui import insights
from kamdash.ui.components import Column
from kamdash.ui.context import Context
from kamdash.ui.i18n import t

DOC_KINDS = ("invoice", "credit_note", "unapplied_cash")


def with_links(frame: pl.DataFrame, context: Context, page: str = "account") -> pl.DataFrame:
    """Adds `link`: the page of each row's account, keeping the view's filters."""
    links = [context.href(page, account=i) for i in frame["account_id"].to_list()]
    return frame.with_columns(link=pl.Series(links, dtype=pl.String))


def account_facts(row: dict[str, Any], as_of: dt.date, lang: Language) -> None:
    """Holding, industry, region, KAM, terms, credit limit and tenure in one line."""
    since = row["onboarded_on"]
    tenure = t("account.unknown", lang)
    if since is not None:
        years = (as_of - since).days * 100 // 36525  # whole years, leap days included
        tenure = f"{format_date(since, lang)} ({format_years(max(years, 0), lang)})"
    terms = row["payment_terms_days"]
    facts = {
        "account.holding": row["holding_name"],
        "account.industry": row["industry"],
        "account.region": row["region"],
        "account.kam": row["kam_name"] or row["kam_id"],
        "account.terms": format_days(terms, lang) if terms else t("account.prepaid", lang),
        "account.credit_limit": format_measure(row["credit_limit"], "open_ar", lang)
        if row["credit_limit"]
        else t("account.no_limit", lang),
        "account.tenure": tenure,
    }
    st.markdown(
        " · ".join(f"{t(key, lang)}: **{ui.escape_md(value)}**" for key, value in facts.items())
    )


def open_items_table(
    items: pl.DataFrame, lang: Language, *, with_account: bool = False, height: int = 320
) -> None:
    """Open documents (and unapplied cash) with their age, as the API orders them."""
    kinds = {kind: t(f"doc.{kind}", lang) for kind in DOC_KINDS}
    buckets = {name: measure(name).label(lang) for name in items["aging_bucket"].unique()}
    frame = items.with_columns(
        kind=pl.col("item_type").replace(kinds),
        bucket=pl.col("aging_bucket").replace(buckets),
    )
    columns = [Column("item_id", "text", t("col.document", lang))]
    if with_account:
        columns += [
            Column("account_name", "text", t("col.account", lang), width="medium"),
            Column("link", "link", t("col.open", lang), link_text="↗", width=60),
        ]
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
        columns.append(Column("kam_name", "text", t("col.kam", lang)))
    ui.table(frame, columns, lang, height=height)


def mix_table(mix: pl.DataFrame, lang: Language) -> None:
    """Products this period beside the prior year (`insights.mix_with_prior`)."""
    ui.table(
        mix,
        [
            Column("item_name", "text", t("col.product", lang), width="medium"),
            Column("category", "text", t("col.category", lang)),
            Column("revenue"),
            Column("revenue_share", "number", t("col.share_now", lang), value_format="percent"),
            Column("gross_margin_pct"),
            Column("revenue_prior", label=t("col.revenue_prior", lang), measure_name="revenue"),
            Column(
                "revenue_share_prior", "number", t("col.share_prior", lang), value_format="percent"
            ),
        ],
        lang,
        height=360,
    )


def bridge_table(products: pl.DataFrame, lang: Language) -> None:
    """The bridge attributed to products (`Store.bridge_by_product`)."""
    ui.table(
        products,
        [
            Column("product_name", "text", t("col.product", lang), width="medium"),
            Column("revenue_base", label=t("col.revenue_prior", lang), measure_name="revenue"),
            Column("revenue"),
            Column("volume"),
            Column("mix"),
            Column("price_effect", measure_name="price"),
            Column("new"),
            Column("lost"),
        ],
        lang,
    )


def aging_columns() -> list[Column]:
    """Per-account receivables columns, buckets in age order."""
    return [
        Column("open_ar"),
        Column("ar_current"),
        Column("ar_1_30"),
        Column("ar_31_60"),
        Column("ar_61_90"),
        Column("ar_91_plus"),
        Column("unapplied_credits"),
        Column("overdue_pct"),
        Column("dso"),
        Column("credit_utilisation"),
    ]


def mover_links(frame: pl.DataFrame, context: Context, title: str) -> None:
    """Accounts with their revenue change (`insights.movers`), each a link to its page."""
    st.markdown(f"**{title}**")
    for row in frame.iter_rows(named=True):
        change = row["revenue_change"]
        text = format_value(change, "money", context.lang, short=True, signed=True)
        st.page_link(
            context.pages["account"],
            label=f"{ui.escape_md(row['account_name'])} · {text}",
            query_params=context.filters.query(account=row["account_id"]),
            icon=":material/trending_up:" if change > 0 else ":material/trending_down:",
        )


def reason_text(reason: insights.Reason, lang: Language) -> str:
    if reason.kind == "falling_revenue":
        change = format_value(reason.change, "percent", lang, signed=True)
        return t("risk.falling_revenue", lang, change=change)
    if reason.kind in ("margin_erosion", "rising_overdue"):
        return t(f"risk.{reason.kind}", lang, change=format_points(reason.change, lang))
    if reason.kind == "no_orders":
        return t("risk.no_orders", lang, date=format_date(reason.date, lang))
    return t("risk.never_ordered", lang)


def at_risk_table(
    flagged: list[tuple[dict[str, Any], list[insights.Reason]]], context: Context
) -> None:
    """Accounts with warning signs (`insights.at_risk`) and why, in words."""
    lang = context.lang
    frame = pl.DataFrame(
        [
            {**row, "reasons": "; ".join(reason_text(r, lang) for r in found)}
            for row, found in flagged
        ],
        infer_schema_length=None,
    )
    ui.table(
        with_links(frame, context),
        [
            Column("account_name", "text", t("col.account", lang), width="medium"),
            Column("link", "link", t("col.open", lang), link_text="↗", width=60),
            Column("reasons", "text", t("col.reasons", lang), width="large"),
            Column("kam_name", "text", t("col.kam", lang)),
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
        lang,
        key="portfolio.at_risk",
    )
