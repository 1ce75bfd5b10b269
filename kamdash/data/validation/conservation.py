"""Conservation of money: for each money column, every rouble loaded is either in what the
metrics read or in what a finding excludes, one line per column in the report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import duckdb

from kamdash.data.validation.passes import _first_row
from kamdash.data.validation.report import ConservationLine
from kamdash.data.validation.rules import (
    LINE_OF_UNKNOWN_DOCUMENT,
    PAYMENT_OF_UNKNOWN_DOCUMENT,
    UNAPPLIED_CASH_OF_UNKNOWN_ACCOUNT,
    UNKNOWN_ACCOUNT,
)

_CONSERVATION: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    # table, its money columns, what the metrics read of each, and the conditions of the
    # findings that exclude a row (any one excludes it): the rules' own conditions.
    (
        "invoices",
        ("amount_due",),
        "select sum(amount_due) from int_documents",
        (UNKNOWN_ACCOUNT,),
    ),
    (
        "invoice_lines",
        ("net_amount", "cost_amount"),
        "select sum(revenue), sum(cogs) from int_sales_daily",
        (LINE_OF_UNKNOWN_DOCUMENT,),
    ),
    (
        "payments",
        ("amount",),
        "select coalesce((select sum(amount) from int_allocations), 0) "
        "+ coalesce((select sum(amount) from int_unapplied_cash), 0)",
        (
            PAYMENT_OF_UNKNOWN_DOCUMENT,
            UNAPPLIED_CASH_OF_UNKNOWN_ACCOUNT,
        ),
    ),
)


def _conservation_money() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per staging relation, what its pass sums for conservation (see `_count_pass`)."""
    return {
        f"stg_{table}": [(column, excluded_when) for column in columns]
        for table, columns, _, excluded_when in _CONSERVATION
    }


def conservation(
    con: duckdb.DuckDBPyConnection, summed: Mapping[str, Sequence[Any]] | None = None
) -> list[ConservationLine]:
    """One line per money column. `summed` holds, per staging relation, the loaded and excluded
    sums its rules' pass already took (`_conservation_money`); the others are read here."""
    lines = []
    for table, columns, used_sql, excluded_when in _CONSERVATION:
        loaded_excluded = (summed or {}).get(f"stg_{table}")
        if loaded_excluded is None:
            # loaded and excluded in one pass over the export: at 50M lines each pass is seconds
            excluded_where = " or ".join(f"({condition})" for condition in excluded_when)
            sums = ", ".join(
                f'sum("{column}"), sum("{column}") filter (where {excluded_where})'
                for column in columns
            )
            loaded_excluded = _first_row(con, f"select {sums} from stg_{table}") or ()
        used = _first_row(con, used_sql) or ()
        for index, column in enumerate(columns):
            loaded = loaded_excluded[2 * index] if loaded_excluded else None
            excluded = loaded_excluded[2 * index + 1] if loaded_excluded else None
            used_value = used[index] if used else None
            lines.append(
                ConservationLine(
                    table,
                    column,
                    Decimal(loaded or 0),
                    Decimal(used_value or 0),
                    Decimal(excluded or 0),
                )
            )
    return lines
