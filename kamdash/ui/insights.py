"""Portfolio signals read off the API's per-account figures: movers, at-risk reasons, sparklines.

No metric is computed here: every number is an API column (this period from
`Store.accounts(P, D)`, the prior year from `Store.accounts(P′, D − 1 year)`); this module only
compares them against thresholds and reshapes them for display. Pure polars, no streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

# the thresholds are the SQL's (account_table), defined once in kamdash.listings
from kamdash.listings import MARGIN_EROSION_PP as MARGIN_EROSION_PP
from kamdash.listings import NO_ORDER_DAYS as NO_ORDER_DAYS
from kamdash.listings import OVERDUE_RISE_PP as OVERDUE_RISE_PP
from kamdash.listings import REVENUE_DROP as REVENUE_DROP


@dataclass(frozen=True)
class Reason:
    """One warning sign of an account: its kind and the figures that show it."""

    kind: str  # falling_revenue | margin_erosion | rising_overdue | no_orders | never_ordered
    change: float | None = None
    date: dt.date | None = None


def with_prior(now: pl.DataFrame, prior: pl.DataFrame) -> pl.DataFrame:
    """This period's account rows with the prior year's GM % and overdue % beside them."""
    return now.join(
        prior.select(
            "account_id",
            pl.col("gross_margin_pct").alias("gross_margin_pct_prior"),
            pl.col("overdue_pct").alias("overdue_pct_prior"),
        ),
        on="account_id",
        how="left",
    )


def reasons(row: dict[str, Any], as_of: dt.date) -> list[Reason]:
    found: list[Reason] = []
    growth = row.get("growth_yoy")
    if isinstance(growth, float) and growth < REVENUE_DROP:
        found.append(Reason("falling_revenue", growth))
    margin, margin_before = row.get("gross_margin_pct"), row.get("gross_margin_pct_prior")
    if (
        isinstance(margin, float)
        and isinstance(margin_before, float)
        and margin - margin_before < -MARGIN_EROSION_PP
    ):
        found.append(Reason("margin_erosion", margin - margin_before))
    overdue, overdue_before = row.get("overdue_pct"), row.get("overdue_pct_prior")
    if isinstance(overdue, float) and overdue > 0:
        before = overdue_before if isinstance(overdue_before, float) else 0.0
        if overdue - before > OVERDUE_RISE_PP:
            found.append(Reason("rising_overdue", overdue - before))
    last_order = row.get("last_order_date")
    if isinstance(last_order, dt.date):
        if (as_of - last_order).days > NO_ORDER_DAYS:
            found.append(Reason("no_orders", date=last_order))
    elif float(row.get("revenue_prior_year") or 0) > 0:
        found.append(Reason("never_ordered"))
    return found


def signed_reasons(row: dict[str, Any]) -> list[Reason]:
    """The reasons of a row of `Store.account_listing`, whose SQL has already compared the
    figures with the thresholds (`kamdash.listings`): its sign flags, with the figures that
    show each."""
    found: list[Reason] = []
    if row.get("falling_revenue"):
        found.append(Reason("falling_revenue", row["growth_yoy"]))
    if row.get("margin_erosion"):
        found.append(
            Reason("margin_erosion", row["gross_margin_pct"] - row["gross_margin_pct_prior"])
        )
    if row.get("rising_overdue"):
        before = row.get("overdue_pct_prior") or 0.0
        found.append(Reason("rising_overdue", row["overdue_pct"] - before))
    if row.get("no_orders"):
        found.append(Reason("no_orders", date=row["last_order_date"]))
    if row.get("never_ordered"):
        found.append(Reason("never_ordered"))
    return found


def at_risk(accounts: pl.DataFrame, as_of: dt.date) -> list[tuple[dict[str, Any], list[Reason]]]:
    """Accounts with at least one warning sign, biggest prior-year revenue first.

    `accounts` is `with_prior(...)`. Accounts that bought nothing in either year are left out:
    there is no relationship at risk.
    """
    result = []
    ordered = accounts.sort(["revenue_prior_year", "account_id"], descending=[True, False])
    for row in ordered.iter_rows(named=True):
        if not row["revenue"] and not row["revenue_prior_year"]:
            continue
        found = reasons(row, as_of)
        if found:
            result.append((row, found))
    return result


def movers(accounts: pl.DataFrame, count: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Top gainers and decliners by revenue change against the prior year (API columns)."""
    change = accounts.with_columns(
        revenue_change=pl.col("revenue") - pl.col("revenue_prior_year")
    ).filter(pl.col("revenue_change") != 0)
    gainers = (
        change.filter(pl.col("revenue_change") > 0)
        .sort(["revenue_change", "account_id"], descending=[True, False])
        .head(count)
    )
    decliners = (
        change.filter(pl.col("revenue_change") < 0)
        .sort(["revenue_change", "account_id"])
        .head(count)
    )
    return gainers, decliners


def sparklines(monthly: pl.DataFrame) -> pl.DataFrame:
    """`account_id` → list of monthly revenue in month order, for a LineChartColumn."""
    return (
        monthly.sort(["unit_id", "month"])
        .group_by("unit_id", maintain_order=True)
        .agg(pl.col("revenue").alias("trend"))
        .rename({"unit_id": "account_id"})
    )


def mix_with_prior(now: pl.DataFrame, prior: pl.DataFrame) -> pl.DataFrame:
    """Product-mix rows of this period beside the prior year's (items of either period)."""
    before = prior.select(
        "item_id",
        pl.col("item_name").alias("item_name_prior"),
        pl.col("category").alias("category_prior"),
        pl.col("revenue").alias("revenue_prior"),
        pl.col("revenue_share").alias("revenue_share_prior"),
    )
    return (
        now.join(before, on="item_id", how="full", coalesce=True)
        .with_columns(
            item_name=pl.coalesce("item_name", "item_name_prior"),
            category=pl.coalesce("category", "category_prior"),
        )
        .sort(
            ["revenue", "revenue_prior", "item_id"], descending=[True, True, False], nulls_last=True
        )
    )
