"""The team page's table: each KAM's book with, where the export has the CRM tables, its
meetings per account, decision-maker coverage, weighted pipeline and landing vs plan
(`Store.kam_relationship`). House accounts (no KAM) keep their own row.

The figures come from the store in the viewer's scope, so a KAM's page holds only their own
book's rows; here they are only placed beside the team rows and given their columns.
"""

from __future__ import annotations

import polars as pl

from kamdash.engine.store import HOUSE_ACCOUNTS
from kamdash.ui.components import Column
from kamdash.ui.context import Context
from kamdash.ui.relationship import available_columns

RELATIONSHIP_FIGURES = (
    "meetings_per_account",
    "decision_maker_coverage",
    "weighted_pipeline",
    "landing_vs_plan",
)


def relationship_columns(context: Context) -> list[Column]:
    """The team table's relationship columns, for the tables the export has; landing vs plan
    needs invoices and the plan only, so it is always there."""
    return available_columns(context, RELATIONSHIP_FIGURES)


def with_relationship(kams: pl.DataFrame, figures: pl.DataFrame) -> pl.DataFrame:
    """`kams` (kam_id already filled with the house-accounts value) with each book's
    relationship figures (`kam_relationship`) beside it, rows kept in their order."""
    figures = figures.select(pl.col("kam_id").fill_null(HOUSE_ACCOUNTS), *RELATIONSHIP_FIGURES)
    return kams.join(figures, on="kam_id", how="left", maintain_order="left")
