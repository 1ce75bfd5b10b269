"""The same export stored in every way the contract allows gives the same figures."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import oracle
import polars as pl
import pyarrow.parquet as pq
import pytest
from exportkit import (
    account,
    add_document,
    base_tables,
    payment,
    to_arrow,
    write_export,
)
from polars.testing import assert_frame_equal

d = dt.date
Tables = dict[str, list[dict[str, Any]]]
START, END = d(2024, 1, 1), d(2024, 6, 30)


def hand_export(*, whole: bool = False) -> Tables:
    """Three accounts with invoices, a credit note, split/unapplied/late payments and targets.

    With `whole=True` every money amount is a whole number (for integer money columns).
    """
    k = 1.0 if whole else 0.01
    tables = base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": None})
    tables["accounts"] = [
        account("A1", credit_limit=50000.0),
        account("O'Hara", kam_id="K2", group_name="Холдинг"),
        account("007", onboarded_on=None),
    ]
    tables["products"].append({"product_id": "P2", "product_name": "Товар 2", "category": "X"})
    add_document(
        tables,
        "I1",
        "A1",
        d(2023, 11, 15),
        [("P1", 3, 1200 + 34 * k, 700 + 1 * k), ("P2", 1.5, 450 + 5 * k, 200.0)],
    )
    add_document(tables, "I2", "A1", d(2024, 2, 29), [("P1", 2, 800 + 99 * k, 400.0)])
    add_document(tables, "CN1", "A1", d(2024, 3, 3), [("P1", -1, -(400 + 50 * k), -200.0)])
    add_document(tables, "I3", "O'Hara", d(2024, 4, 1), [("P2", 10, 3000 + 1 * k, 1000.0)])
    add_document(tables, "I4", "O'Hara", d(2023, 4, 1), [("P2", 8, 2500.0, 900.0)])
    add_document(tables, "I5", "007", d(2024, 6, 30), [("P1", 1, 99 + 99 * k, 50.0)])
    tables["payments"] = [
        payment("PAY1", "A1", "I1", d(2024, 1, 10), 1000.0),
        payment("PAY2", "A1", "I1", d(2024, 3, 10), 600 + 10 * k),
        payment("PAY2", "A1", "I2", d(2024, 3, 10), 300.0),
        payment("PAY3", "O'Hara", None, d(2024, 5, 5), 250 + 25 * k),
        payment("PAY4", "O'Hara", "I3", d(2024, 7, 2), 3000 + 1 * k),
        payment("PAY5", "O'Hara", "I4", d(2023, 5, 1), 2500.0),
    ]
    tables["targets"] = [
        {"account_id": "A1", "month": d(2024, m, 1), "revenue_target": 500.0 + m}
        for m in range(1, 7)
    ] + [{"account_id": "O'Hara", "month": d(2024, 4, 1), "revenue_target": 2000.0}]
    return tables


VARIANTS = list(
    itertools.product(("file", "folder", "hive"), ("double", "decimal"), ("date", "timestamp"))
)


def _accounts(folder: Path, tables: Any, **kw: Any) -> pl.DataFrame:
    from kamdash import open_store

    return open_store(write_export(folder, tables, **kw)).accounts(START, END)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    return _accounts(tmp_path_factory.mktemp("base") / "export", hand_export())


def test_baseline_matches_oracle(baseline: pl.DataFrame) -> None:
    want = oracle.account_metrics(hand_export(), START, END)
    got = {row["account_id"]: row for row in baseline.to_dicts()}
    assert list(got) == list(want)
    problems = {
        account_id: oracle.mismatches(
            got[account_id], {k: w[k] for k in oracle.ACCOUNT_METRIC_KEYS}
        )
        for account_id, w in want.items()
    }
    assert not any(problems.values()), problems


@pytest.mark.parametrize(("layout", "money", "dates"), VARIANTS)
def test_storage_variant_gives_identical_accounts(
    tmp_path: Path, baseline: pl.DataFrame, layout: str, money: str, dates: str
) -> None:
    got = _accounts(tmp_path / "export", hand_export(), layout=layout, money=money, dates=dates)
    assert_frame_equal(got, baseline, check_exact=True)


def test_integer_money_columns(tmp_path: Path) -> None:
    tables = hand_export(whole=True)
    as_double = _accounts(tmp_path / "double", tables)
    as_integer = _accounts(tmp_path / "integer", tables, money="integer", layout="hive")
    assert_frame_equal(as_integer, as_double, check_exact=True)


def test_unknown_extra_columns_are_ignored(tmp_path: Path, baseline: pl.DataFrame) -> None:
    tables = hand_export()
    for name, rows in tables.items():
        for n, row in enumerate(rows):
            row["erp_comment"] = f"{name} #{n} — примечание"
            row["Revenue"] = 1e9  # differs from a contract column only by case
    tables["invoice_lines"][0]["x_weight_kg"] = 12.5
    assert_frame_equal(_accounts(tmp_path / "export", tables), baseline, check_exact=True)


def test_missing_targets_table_means_no_plan(tmp_path: Path, baseline: pl.DataFrame) -> None:
    tables = hand_export()
    del tables["targets"]
    got = _accounts(tmp_path / "export", tables)
    assert got["plan_attainment"].null_count() == got.height == 3
    assert baseline["plan_attainment"].null_count() < 3  # with targets, A1 and O'Hara have plans
    plan_columns = (
        "plan_attainment",
        "revenue_target",
        "gross_margin_target",
        "year_revenue_target",
        "landing_vs_plan",
    )
    others = [c for c in baseline.columns if c not in plan_columns]
    assert_frame_equal(got.select(others), baseline.select(others), check_exact=True)
    from kamdash import open_store

    portfolio = open_store(tmp_path / "export").portfolio(START, END)
    assert portfolio["plan_attainment"] is None


def test_hive_partition_duplicating_a_contract_column(
    tmp_path: Path, baseline: pl.DataFrame
) -> None:
    # invoices/doc_type=<type>/part-0.parquet, where each file still holds doc_type itself
    tables = hand_export()
    folder = tmp_path / "export"
    write_export(folder, {k: v for k, v in tables.items() if k != "invoices"})
    arrow = to_arrow("invoices", tables["invoices"])
    for doc_type in ("invoice", "credit_note"):
        part = folder / "invoices" / f"doc_type={doc_type}"
        part.mkdir(parents=True)
        mask = [t == doc_type for t in arrow["doc_type"].to_pylist()]
        pq.write_table(arrow.filter(mask), part / "part-0.parquet")
    from kamdash import open_store

    got = open_store(folder).accounts(START, END)
    assert_frame_equal(got, baseline, check_exact=True)


def test_extra_column_differing_from_a_contract_column_only_by_case(
    tmp_path: Path, baseline: pl.DataFrame
) -> None:
    # the contract matches names case-sensitively: `Amount_Due` is an unknown column
    tables = hand_export()
    for row in tables["invoices"]:
        row["Amount_Due"] = -1.0
    for row in tables["accounts"]:
        row["KAM_ID"] = "nobody"
    assert_frame_equal(_accounts(tmp_path / "export", tables), baseline, check_exact=True)


def test_other_physical_types(tmp_path: Path, baseline: pl.DataFrame) -> None:
    """Other integer/decimal/float widths and date/timestamp units the contract allows."""
    import pyarrow as pa

    casts: dict[str, dict[str, pa.DataType]] = {
        "accounts": {"payment_terms_days": pa.int8(), "credit_limit": pa.decimal128(38, 10)},
        "invoices": {
            "invoice_date": pa.timestamp("ns"),
            "due_date": pa.timestamp("ms"),
            "amount_due": pa.decimal128(38, 10),
        },
        "invoice_lines": {
            "line_no": pa.int16(),
            "quantity": pa.decimal128(10, 3),
            "net_amount": pa.decimal128(12, 2),
            "cost_amount": pa.decimal128(18, 6),
        },
        "payments": {"payment_date": pa.timestamp("s"), "amount": pa.decimal128(20, 4)},
        "targets": {"month": pa.date64(), "revenue_target": pa.int64()},
    }
    tables = hand_export()
    arrow_tables: dict[str, Any] = {}
    for name, rows in tables.items():
        table = to_arrow(name, rows, dates="timestamp")
        for column, new_type in casts.get(name, {}).items():
            index = table.schema.get_field_index(column)
            table = table.set_column(index, column, table[column].cast(new_type))
        arrow_tables[name] = table

    assert all(float(t).is_integer() for t in arrow_tables["targets"]["revenue_target"].to_pylist())
    got = _accounts(tmp_path / "export", arrow_tables, layout="folder")
    assert_frame_equal(got, baseline, check_exact=True)
