"""House accounts (contract v2: `accounts.kam_id` empty or absent = served by no KAM): the
export is valid, every account's figures are what they would be with a KAM, and key accounts
plus house accounts make up the whole portfolio, in the segment roll-up, the KAM roll-up and
the KAM filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import exportkit as ek
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from kamdash import open_store
from kamdash.data.validation import validate_folder
from kamdash.engine.periods import Period, minus_years
from kamdash.engine.store import HOUSE_ACCOUNTS, Store

d = dt.date
Tables = dict[str, list[dict[str, Any]]]

# account → KAM as exported: None (null) and "" (empty text) are both house accounts
KAMS: dict[str, str | None] = {
    "A1": "K1",
    "A2": "K2",
    "A3": "K1",
    "H1": None,
    "H2": "",
    "H3": None,
    "H4": "",
}
HOUSE = ["H1", "H2", "H3", "H4"]
KEY = ["A1", "A2", "A3"]
PERIODS = [
    (d(2024, 1, 1), d(2024, 12, 31), d(2024, 12, 31)),
    (d(2024, 4, 1), d(2024, 6, 30), d(2024, 5, 15)),
]


def tables_with(kams: Mapping[str, str | None]) -> Tables:
    """Seven accounts with documents in two years, part paid, some overdue, one credit note,
    unapplied cash; `kams` says which KAM each account has."""
    tables = ek.base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": None})
    tables["accounts"] = [
        ek.account(account_id, kam_id=kam_id, credit_limit=2000.0 if n % 2 else None)
        for n, (account_id, kam_id) in enumerate(kams.items())
    ]
    payments = tables["payments"]
    for n, account_id in enumerate(kams):
        base = 100 * (n + 1)
        ek.add_document(
            tables, f"{account_id}-1", account_id, d(2023, 5, 10), [("P1", 1, base, base / 2)]
        )
        ek.add_document(
            tables, f"{account_id}-2", account_id, d(2024, 2, 10 + n), [("P1", 2, 3 * base, base)]
        )
        ek.add_document(
            tables, f"{account_id}-3", account_id, d(2024, 11, 1), [("P1", 1, 2 * base, base)]
        )
        payments.append(
            ek.payment(f"PAY-{account_id}-1", account_id, f"{account_id}-1", d(2023, 6, 1), base)
        )
        payments.append(
            ek.payment(f"PAY-{account_id}-2", account_id, f"{account_id}-2", d(2024, 4, 1), base)
        )
        if n % 3 == 0:
            ek.add_document(
                tables,
                f"{account_id}-C",
                account_id,
                d(2024, 6, 1),
                [("P1", -1, -base / 2, -base / 4)],
            )
        if n % 2 == 0:
            payments.append(ek.payment(f"PAY-{account_id}-U", account_id, None, d(2024, 7, 1), 25))
    return tables


def _write(tmp_path: Path, name: str, tables: Tables) -> Path:
    return ek.write_export(tmp_path / name, tables)


@pytest.fixture(scope="module")
def house(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return open_store(_write(tmp_path_factory.mktemp("house"), "export", tables_with(KAMS)))


@pytest.fixture(scope="module")
def all_key(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The same export with a KAM for every account."""
    every = {
        account_id: kam or ("K2" if n % 2 else "K1")
        for n, (account_id, kam) in enumerate(KAMS.items())
    }
    return open_store(_write(tmp_path_factory.mktemp("key"), "export", tables_with(every)))


# --------------------------------------------------------------------------------------------
# validation


def test_an_empty_or_missing_kam_is_no_finding(tmp_path: Path) -> None:
    folder = _write(tmp_path, "export", tables_with(KAMS))
    report = validate_folder(folder)
    assert report.findings == [], report.to_text()
    assert report.verdict == "valid: no errors, no warnings"


def test_a_kam_not_in_managers_still_warns(tmp_path: Path) -> None:
    tables = tables_with({**KAMS, "U1": "K9"})
    report = validate_folder(_write(tmp_path, "export", tables))
    assert [(f.severity, f.table, f.column, f.rule, f.count) for f in report.findings] == [
        ("warning", "accounts", "kam_id", "reference.kam_id", 1)
    ], report.to_text()
    # the account with an unknown KAM is a key account with no KAM name, not a house account
    store = open_store(tmp_path / "export")
    row = store.account("U1")
    assert (row["kam_id"], row["kam_name"], row["is_house_account"]) == ("K9", None, False)
    assert sorted(store.scope(kam_id=HOUSE_ACCOUNTS) or []) == HOUSE
    kams = store.kams(*PERIODS[0])
    assert kams.filter(pl.col("kam_id") == "K9")["kam_name"].to_list() == ["K9"]


def test_an_export_without_the_kam_column_is_all_house_accounts(tmp_path: Path) -> None:
    folder = _write(tmp_path, "export", tables_with(KAMS))
    accounts = pq.read_table(folder / "accounts.parquet")
    pq.write_table(accounts.drop_columns(["kam_id"]), folder / "accounts.parquet")
    report = validate_folder(folder)
    assert report.findings == [], report.to_text()
    store = open_store(folder)
    segments = store.rollup(*PERIODS[0], level="segment")
    assert segments["unit_id"].to_list() == ["house"]
    assert segments["accounts"][0] == len(KAMS)
    assert sorted(store.scope(kam_id=HOUSE_ACCOUNTS) or []) == sorted(KAMS)


# --------------------------------------------------------------------------------------------
# figures


@pytest.mark.parametrize("period", PERIODS, ids=["year", "quarter-mid-month"])
def test_figures_per_account_are_those_of_a_key_account(
    house: Store, all_key: Store, period: tuple[dt.date, dt.date, dt.date]
) -> None:
    got = house.accounts(*period)
    want = all_key.accounts(*period)
    assert got["account_id"].to_list() == want["account_id"].to_list() == sorted(KAMS)
    # house accounts with figures to compare
    houses = got.filter(pl.col("account_id").is_in(HOUSE))
    assert (houses["revenue"] != 0).all() or period != PERIODS[0]
    assert (houses["revenue"] != 0).any()
    assert (houses["open_ar"] > 0).all()
    # revenue, open AR and every other figure, the ABC class included; only the KAM differs
    kam_columns = ["kam_id", "kam_name"]
    assert_frame_equal(got.drop(kam_columns), want.drop(kam_columns))
    assert got.filter(pl.col("account_id").is_in(HOUSE))["kam_id"].null_count() == len(HOUSE)
    assert got.filter(pl.col("account_id").is_in(HOUSE))["kam_name"].null_count() == len(HOUSE)
    # the open documents of each account too
    as_of = period[2]
    assert_frame_equal(
        house.open_items(as_of).drop(kam_columns), all_key.open_items(as_of).drop(kam_columns)
    )
    # and the portfolio as a whole
    assert house.portfolio(*period) == all_key.portfolio(*period)


# --------------------------------------------------------------------------------------------
# key + house = the whole portfolio

ADDITIVE = (
    "revenue",
    "cogs",
    "gross_margin",
    "revenue_prior_year",
    "open_ar",
    "overdue_ar",
    "accounts",
)


@pytest.mark.parametrize("period", PERIODS, ids=["year", "quarter-mid-month"])
def test_key_and_house_segments_make_the_portfolio(
    house: Store, period: tuple[dt.date, dt.date, dt.date]
) -> None:
    segments = house.rollup(*period, level="segment")
    assert sorted(segments["unit_id"].to_list()) == ["house", "key"]
    portfolio = house.portfolio(*period)
    for column in ADDITIVE:
        assert segments[column].sum() == pytest.approx(portfolio[column]), column
    by_segment = {row["unit_id"]: row for row in segments.to_dicts()}
    assert by_segment["house"]["accounts"] == len(HOUSE)
    assert by_segment["key"]["accounts"] == len(KEY)
    accounts = house.accounts(*period)
    for unit, ids in (("house", HOUSE), ("key", KEY)):
        mine = accounts.filter(pl.col("account_id").is_in(ids))
        for column in ("revenue", "gross_margin", "open_ar", "overdue_ar"):
            assert by_segment[unit][column] == pytest.approx(mine[column].sum()), (unit, column)
        # a segment is the portfolio of its accounts
        alone = house.portfolio(*period, account_id=ids)
        for column in ADDITIVE:
            assert by_segment[unit][column] == pytest.approx(alone[column]), (unit, column)


def test_the_kam_roll_up_has_a_house_row(house: Store) -> None:
    period = PERIODS[0]
    kams = house.kams(*period)
    house_rows = kams.filter(pl.col("kam_id").is_null())
    assert house_rows.height == 1
    segments = {row["unit_id"]: row for row in house.rollup(*period, level="segment").to_dicts()}
    assert house_rows["revenue"][0] == pytest.approx(segments["house"]["revenue"])
    assert house_rows["open_ar"][0] == pytest.approx(segments["house"]["open_ar"])
    assert house_rows["accounts"][0] == len(HOUSE)
    assert sorted(kams["kam_id"].drop_nulls().to_list()) == ["K1", "K2"]
    assert kams["revenue"].sum() == pytest.approx(house.portfolio(*period)["revenue"])


def test_the_house_filter_selects_exactly_the_house_accounts(house: Store) -> None:
    period = PERIODS[0]
    assert house.scope(kam_id=HOUSE_ACCOUNTS) == HOUSE
    assert house.accounts(*period, kam_id=HOUSE_ACCOUNTS)["account_id"].to_list() == HOUSE
    assert sorted(house.scope(kam_id=["K2", HOUSE_ACCOUNTS]) or []) == sorted(["A2", *HOUSE])
    assert house.scope(kam_id="K1") == ["A1", "A3"]
    segments = {row["unit_id"]: row for row in house.rollup(*period, level="segment").to_dicts()}
    assert house.portfolio(*period, kam_id=HOUSE_ACCOUNTS)["revenue"] == pytest.approx(
        segments["house"]["revenue"]
    )
    # a restricted view keeps its restriction under the house filter
    assert house.restricted(["H2", "A1"]).scope(kam_id=HOUSE_ACCOUNTS) == ["H2"]
    # the house filter value is no KAM an export can name: the empty text is not it
    assert house.scope(kam_id="") == []


# 2025 has no sales, its prior year 2024 and the year before 2023 have: every prior-year
# ratio of the split is defined
@pytest.mark.parametrize(
    "period",
    [*PERIODS, (d(2025, 1, 1), d(2025, 12, 31), d(2025, 12, 31))],
    ids=["year", "quarter-mid-month", "year-after"],
)
def test_the_portfolio_split_is_the_segment_roll_up_of_both_years(
    house: Store, period: tuple[dt.date, dt.date, dt.date]
) -> None:
    """What the portfolio page shows of key against house accounts (summed from the view's
    account rows) equals the 'segment' roll-up, this year and the prior year."""
    start, end, as_of = period
    prior = Period(start, end).prior_year()
    both = [period, (prior.start, prior.end, minus_years(as_of, 1))]
    split = {row["unit_id"]: row for row in house.segment_split(both).to_dicts()}
    now, before = (
        {row["unit_id"]: row for row in frame.to_dicts()}
        for frame in house.rollup_over(both, level="segment")
    )
    assert sorted(split) == ["house", "key"]
    if start.year == 2025:
        assert all(row["growth_yoy_prior"] is not None for row in split.values())
    for unit in split:
        shown = split[unit]
        assert shown["accounts"] == now[unit]["accounts"]
        for column in ("revenue", "cogs", "revenue_prior_year"):
            assert shown[column] == pytest.approx(now[unit][column]), (unit, column)
        for column in ("gross_margin_pct", "growth_yoy"):
            assert shown[column] == pytest.approx(now[unit][column], nan_ok=True), (unit, column)
            assert shown[f"{column}_prior"] == pytest.approx(before[unit][column], nan_ok=True), (
                unit,
                column,
            )
    # a viewer without margins gets the split without them
    hidden = house.restricted(None, hide_margins=True).segment_split(both)
    assert hidden["gross_margin_pct"].null_count() == hidden.height
    assert hidden["cogs_prior_year"].null_count() == hidden.height
