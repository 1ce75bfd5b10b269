"""Accounting identities the engine's figures must satisfy on multi-account exports.

These hold whatever the exact definitions: AR buckets plus unapplied credits add up to open AR,
gross margin is revenue minus COGS, the PVM parts add up to the revenue change, and the
portfolio is the sum of its accounts.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from exportkit import write_export
from test_property import RandomPicker, build_export, build_query

BUCKETS = ("ar_current", "ar_1_30", "ar_31_60", "ar_61_90", "ar_91_plus")
ADDITIVE = (
    "revenue",
    "cogs",
    "gross_margin",
    "revenue_prior_year",
    "open_ar",
    *BUCKETS,
    "unapplied_credits",
    "overdue_ar",
)
SEEDS = range(5)


def approx(value: float) -> Any:
    return pytest.approx(value, abs=1e-6, rel=1e-9)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from kamdash import open_store

    pick = RandomPicker(1000 + request.param)
    tables = build_export(pick, max_docs=40)
    query = build_query(pick, tables)
    folder = write_export(tmp_path_factory.mktemp("identities") / "export", tables)
    store = open_store(folder)
    args = (query["start"], query["end"])
    kwargs = {"as_of": query["as_of"], **query["filters"]}
    rows = store.accounts(*args, **kwargs).to_dicts()
    portfolio = store.portfolio(*args, **kwargs)
    return store, query, rows, portfolio


def test_account_buckets_plus_unapplied_equal_open_ar(case: Any) -> None:
    _, _, rows, _ = case
    for row in rows:
        total = sum(row[b] for b in BUCKETS) + row["unapplied_credits"]
        assert row["open_ar"] == approx(total), row["account_id"]
        assert row["unapplied_credits"] <= 1e-9, row["account_id"]
        assert all(row[b] >= -1e-9 for b in BUCKETS), row["account_id"]
        overdue = sum(row[b] for b in BUCKETS[1:])
        assert row["overdue_ar"] == approx(overdue), row["account_id"]


def test_portfolio_buckets_plus_unapplied_equal_open_ar(case: Any) -> None:
    _, _, _, portfolio = case
    total = sum(portfolio[b] for b in BUCKETS) + portfolio["unapplied_credits"]
    assert portfolio["open_ar"] == approx(total)
    assert portfolio["overdue_ar"] == approx(sum(portfolio[b] for b in BUCKETS[1:]))


def test_gross_margin_is_revenue_minus_cogs(case: Any) -> None:
    _, _, rows, portfolio = case
    for row in [*rows, portfolio]:
        assert row["gross_margin"] == approx(row["revenue"] - row["cogs"])


def test_portfolio_is_the_sum_of_its_accounts(case: Any) -> None:
    _, _, rows, portfolio = case
    assert portfolio["accounts"] == len(rows)
    for key in ADDITIVE:
        assert portfolio[key] == approx(sum(row[key] for row in rows)), key


def test_tiles_and_table_in_one_statement_equal_them_asked_apart(case: Any) -> None:
    # the portfolio and receivables pages ask accounts_and_portfolio_over; the figures must be
    # those of accounts and portfolio, row for row, also for the prior-year period beside it
    store, query, rows, portfolio = case
    now = (query["start"], query["end"], query["as_of"])
    prior = (query["start"] - dt.timedelta(days=365), query["start"] - dt.timedelta(days=1), None)
    (table, prior_table), (tiles, prior_tiles) = store.accounts_and_portfolio_over(
        [now, prior], **query["filters"]
    )
    assert table.to_dicts() == rows
    assert tiles == portfolio
    assert prior_table.equals(store.accounts(*prior, **query["filters"]))
    assert prior_tiles == store.portfolio(*prior, **query["filters"])


def test_open_items_sum_to_open_ar_and_the_worklist_to_overdue_ar(case: Any) -> None:
    # what the receivables page lists must add up to the tiles above it
    store, query, rows, portfolio = case
    as_of = query["as_of"] or query["end"]
    everything = store.open_items(as_of, **query["filters"])
    assert everything["open_balance"].sum() == approx(portfolio["open_ar"])
    worklist = store.open_items(as_of, overdue_only=True, **query["filters"])
    assert worklist["open_balance"].sum() == approx(portfolio["overdue_ar"])
    assert (worklist["days_past_due"] > 0).all() and (worklist["open_balance"] > 0).all()
    overdue = everything.filter((pl.col("days_past_due") > 0) & (pl.col("open_balance") > 0))
    assert worklist.equals(overdue)
    for row in rows:
        mine = worklist.filter(pl.col("account_id") == row["account_id"])
        assert mine["open_balance"].sum() == approx(row["overdue_ar"]), row["account_id"]


def test_pvm_parts_sum_to_revenue_change(case: Any) -> None:
    store, query, rows, portfolio = case
    base_start, base_end = query["base"]
    filters = query["filters"]
    bridge = store.bridge(base_start, base_end, query["start"], query["end"], **filters)
    parts = sum(bridge[k] for k in ("volume", "mix", "price", "new", "lost"))
    assert parts == approx(bridge["revenue"] - bridge["revenue_base"])
    # the bridge's period-1 revenue is the portfolio revenue of the same period and accounts
    assert bridge["revenue"] == approx(portfolio["revenue"])
    base = store.portfolio(base_start, base_end, **filters)
    assert bridge["revenue_base"] == approx(base["revenue"])
    # and per account
    for row in rows:
        account_bridge = store.bridge(
            base_start, base_end, query["start"], query["end"], account_id=row["account_id"]
        )
        parts = sum(account_bridge[k] for k in ("volume", "mix", "price", "new", "lost"))
        assert parts == approx(account_bridge["revenue"] - account_bridge["revenue_base"])
        assert account_bridge["revenue"] == approx(row["revenue"])


def test_identities_hold_on_a_known_export(tmp_path: Path) -> None:
    """The same identities on the hand-made PVM/receivables export of the hand tests."""
    from test_metrics_hand import _pvm_tables

    from kamdash import open_store

    store = open_store(write_export(tmp_path / "export", _pvm_tables()))
    rows = store.accounts("2024-01-01", "2024-06-30").to_dicts()
    portfolio = store.portfolio("2024-01-01", "2024-06-30")
    for row in [*rows, portfolio]:
        total = sum(row[b] for b in BUCKETS) + row["unapplied_credits"]
        assert row["open_ar"] == approx(total)
        assert row["gross_margin"] == approx(row["revenue"] - row["cogs"])
    assert portfolio["revenue"] == approx(sum(r["revenue"] for r in rows))
