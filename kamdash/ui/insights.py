"""Portfolio signals as the pages show them: at-risk reasons, sparklines, mix beside the prior year.

No metric is computed here and no threshold compared: the SQL (`Store.account_listing`) has
flagged each sign, and this module only turns API columns into reasons and reshapes them for
display. Pure polars, no streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Reason:
    """One warning sign of an account: its kind and the figures that show it."""

    # falling_revenue | margin_erosion | rising_overdue | no_orders | never_ordered |
    # no_meeting | single_thread | contract_renewal | detractor
    kind: str
    change: float | None = None
    date: dt.date | None = None


def signed_reasons(row: dict[str, Any]) -> list[Reason]:
    """The reasons of a row of `Store.account_listing`, whose SQL has already compared the
    figures with the thresholds (`kamdash.engine.listings`): its sign flags, with the figures that
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
    if row.get("no_meeting"):
        days = row.get("days_since_last_meeting")
        found.append(Reason("no_meeting", None if days is None else float(days)))
    if row.get("single_thread"):
        found.append(Reason("single_thread"))
    if row.get("contract_renewal"):
        found.append(Reason("contract_renewal", date=row.get("contract_end_on")))
    if row.get("detractor"):
        found.append(Reason("detractor"))
    return found


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
