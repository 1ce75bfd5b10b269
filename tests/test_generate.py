"""The sample data generator: deterministic, contract-valid, the requested size, realistic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kamdash.contract import TABLES, TABLES_BY_NAME
from kamdash.generate import INDUSTRIES, GenerateSummary, generate_export

PARTITIONED = ("invoices", "invoice_lines", "payments")
SINGLE_FILE = ("accounts", "managers", "products", "targets")


def read_arrow(folder: Path, table: str) -> pa.Table:
    path = folder / table if table in PARTITIONED else folder / f"{table}.parquet"
    # partitioning=None: the year folders are storage, not a column of the contract
    return pq.read_table(path, partitioning=None)


def read(folder: Path, table: str) -> pl.DataFrame:
    frame = pl.from_arrow(read_arrow(folder, table))
    assert isinstance(frame, pl.DataFrame)
    return frame


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    folder = tmp_path_factory.mktemp("export")
    return folder, generate_export(folder)


def test_same_seed_gives_same_tables_and_another_seed_does_not(tmp_path: Path) -> None:
    first, again, other = tmp_path / "first", tmp_path / "again", tmp_path / "other"
    generate_export(first, accounts=8, lines=3000, seed=11)
    generate_export(again, accounts=8, lines=3000, seed=11)
    generate_export(other, accounts=8, lines=3000, seed=12)
    for table in PARTITIONED + SINGLE_FILE:
        assert read_arrow(first, table).equals(read_arrow(again, table)), table
    differing = [
        table
        for table in PARTITIONED + SINGLE_FILE
        if not read_arrow(first, table).equals(read_arrow(other, table))
    ]
    assert set(differing) >= {"accounts", "invoices", "invoice_lines", "payments", "targets"}


def test_layout_is_single_files_and_one_hive_partition_per_year(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, _ = export
    for table in SINGLE_FILE:
        assert (folder / f"{table}.parquet").is_file()
    for table in PARTITIONED:
        parts = sorted(
            p.relative_to(folder / table).as_posix() for p in (folder / table).rglob("*")
        )
        expected_years = range(2022, 2027)
        assert [p for p in parts if p.endswith(".parquet")] == [
            f"year={year}/part-0.parquet" for year in expected_years
        ]


def test_columns_follow_the_contract(export: tuple[Path, GenerateSummary]) -> None:
    folder, summary = export
    for table in TABLES:
        arrow = read_arrow(folder, table.name)
        assert tuple(arrow.column_names) == table.column_names
        for column in table.columns:
            if column.not_null:
                assert arrow[column.name].null_count == 0, (table.name, column.name)
    assert summary.rows == {table.name: read_arrow(folder, table.name).num_rows for table in TABLES}


def test_keys_are_unique_and_references_resolve(export: tuple[Path, GenerateSummary]) -> None:
    folder, _ = export
    frames = {table.name: read(folder, table.name) for table in TABLES}
    for name, frame in frames.items():
        key = list(TABLES_BY_NAME[name].key)
        assert frame.select(key).is_duplicated().sum() == 0, name

    def missing(child: str, column: str, parent: str, parent_column: str | None = None) -> int:
        references = frames[child].select(column).drop_nulls()
        known = frames[parent].select(pl.col(parent_column or column).alias(column))
        return references.join(known, on=column, how="anti").height

    assert missing("accounts", "kam_id", "managers") == 0
    assert missing("invoices", "account_id", "accounts") == 0
    assert missing("invoice_lines", "invoice_id", "invoices") == 0
    assert missing("invoice_lines", "product_id", "products") == 0
    assert missing("payments", "account_id", "accounts") == 0
    assert missing("payments", "invoice_id", "invoices") == 0
    assert missing("targets", "account_id", "accounts") == 0
    assert missing("invoices", "invoice_id", "invoice_lines") == 0  # no document without lines


def test_documents_follow_the_rules(export: tuple[Path, GenerateSummary]) -> None:
    folder, _ = export
    invoices = read(folder, "invoices")
    lines = read(folder, "invoice_lines")
    assert invoices.filter(pl.col("due_date") < pl.col("invoice_date")).height == 0
    assert set(invoices["doc_type"].unique()) == {"invoice", "credit_note"}
    is_credit = pl.col("doc_type") == "credit_note"
    assert invoices.filter(is_credit != (pl.col("amount_due") < 0)).height == 0
    assert invoices.filter(pl.col("amount_due") == 0).height == 0

    with_type = lines.join(invoices.select("invoice_id", "doc_type"), on="invoice_id")
    for column in ("quantity", "net_amount", "cost_amount"):
        assert with_type.filter(is_credit != (pl.col(column) < 0)).height == 0, column

    # amount_due = Σ net × 1.2, to the kopeck
    net = lines.group_by("invoice_id").agg(pl.col("net_amount").sum().alias("net"))
    checked = invoices.join(net, on="invoice_id").with_columns(
        expected=(pl.col("net").cast(pl.Float64) * 1.2).round(2),
        actual=pl.col("amount_due").cast(pl.Float64),
    )
    assert checked.filter((pl.col("expected") - pl.col("actual")).abs() > 0.005).height == 0

    targets = read(folder, "targets")
    assert targets.filter(pl.col("month").dt.day() != 1).height == 0
    assert read(folder, "accounts").filter(pl.col("payment_terms_days") < 0).height == 0


def test_payments_settle_documents_of_their_own_account(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, _ = export
    invoices = read(folder, "invoices")
    payments = read(folder, "payments")
    assert payments.filter(pl.col("amount") <= 0).height == 0
    assert payments["payment_date"].max() <= dt.date(2026, 6, 30)  # type: ignore[operator]
    applied = payments.drop_nulls("invoice_id").join(
        invoices.select("invoice_id", "account_id", "invoice_date", "doc_type"),
        on="invoice_id",
        suffix="_of_document",
    )
    assert applied.height == payments.drop_nulls("invoice_id").height
    assert applied.filter(pl.col("account_id") != pl.col("account_id_of_document")).height == 0
    assert applied.filter(pl.col("payment_date") < pl.col("invoice_date")).height == 0
    assert applied.filter(pl.col("doc_type") == "credit_note").height == 0


def test_realistic_russian_portfolio(export: tuple[Path, GenerateSummary]) -> None:
    folder, summary = export
    accounts = read(folder, "accounts")
    assert summary.accounts == 60
    assert accounts["account_name"].str.contains("[А-Яа-яЁё]").all()
    assert accounts["account_name"].str.contains(r"^(ООО|АО|ПАО) «").all()
    assert {"007", "O'KEY-01"} <= set(accounts["account_id"])
    assert set(accounts["industry"]) <= set(INDUSTRIES)
    assert set(accounts["payment_terms_days"]) <= {0, 14, 30, 45, 60, 90}
    assert accounts["credit_limit"].null_count() > 0
    assert "Москва" in set(accounts["region"])

    holdings = accounts.drop_nulls("group_name").group_by("group_name").len()
    assert holdings.height >= 3
    assert holdings["len"].is_between(2, 4).all()
    per_kam = accounts.group_by("kam_id").len()["len"]
    assert per_kam.len() == 6 and per_kam.is_between(3, 30).all()

    managers = read(folder, "managers")
    assert managers["email"].str.contains(r"^[a-z]\.[a-z]+@example\.ru$").all()
    products = read(folder, "products")
    assert products.height == 30 and products["category"].n_unique() == 6
    assert products["product_id"].str.contains(r"^P-\d{4}$").all()

    invoices = read(folder, "invoices")
    credit_share = (invoices["doc_type"] == "credit_note").mean()
    assert credit_share is not None and 0.01 < credit_share < 0.06
    per_account = invoices.group_by("account_id").len()["len"]
    assert 150 <= per_account.median() <= 250  # type: ignore[operator]

    payments = read(folder, "payments")
    assert payments["invoice_id"].null_count() > 0  # unapplied cash
    assert payments.group_by("payment_id").len().filter(pl.col("len") == 2).height > 0


def test_trajectories_show_churn_onboarding_and_overdue_debt(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, _ = export
    end = dt.date(2026, 6, 30)
    invoices = read(folder, "invoices")
    accounts = read(folder, "accounts")
    last_order = invoices.group_by("account_id").agg(pl.col("invoice_date").max())
    churned = last_order.filter(pl.col("invoice_date") < dt.date(2026, 1, 1))
    assert churned.height >= 3
    new = accounts.filter(pl.col("onboarded_on") > end - dt.timedelta(days=365))
    assert new.height >= 3

    payments = read(folder, "payments").drop_nulls("invoice_id")
    paid = payments.group_by("invoice_id").agg(pl.col("amount").sum().alias("paid"))
    balances = (
        invoices.filter(pl.col("doc_type") == "invoice")
        .join(paid, on="invoice_id", how="left")
        .with_columns(open=pl.col("amount_due") - pl.col("paid").fill_null(0))
    )
    very_overdue = balances.filter(
        (pl.col("open") > 0) & (pl.col("due_date") < end - dt.timedelta(days=90))
    )
    assert very_overdue["account_id"].n_unique() >= 2
    assert balances.filter(pl.col("open") < 0).height >= 1  # overpaid invoices
    unapplied = read(folder, "payments").filter(pl.col("invoice_id").is_null())
    open_ar = (
        balances.group_by("account_id")
        .agg(pl.col("open").sum())
        .join(
            invoices.filter(pl.col("doc_type") == "credit_note")
            .group_by("account_id")
            .agg(pl.col("amount_due").sum().alias("credits")),
            on="account_id",
            how="left",
        )
        .join(
            unapplied.group_by("account_id").agg(pl.col("amount").sum().alias("cash")),
            on="account_id",
            how="left",
        )
        .with_columns(
            ar=pl.col("open") + pl.col("credits").fill_null(0) - pl.col("cash").fill_null(0)
        )
        .join(accounts.select("account_id", "credit_limit"), on="account_id")
    )
    assert open_ar.filter(pl.col("ar") > pl.col("credit_limit")).height >= 2


def test_lines_scales_the_volume(tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    summary = generate_export(
        tmp_path,
        accounts=12,
        lines=20_000,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert 19_000 <= summary.invoice_lines <= 21_000
    assert read_arrow(tmp_path, "invoice_lines").num_rows == summary.invoice_lines
    assert len(progress) > 12
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    assert progress[-1] == (summary.invoice_lines, summary.invoice_lines)


def test_rerun_over_a_shorter_span_leaves_no_stale_years(tmp_path: Path) -> None:
    generate_export(tmp_path, accounts=5, lines=2000)
    (tmp_path / "notes.txt").write_text("kept")
    summary = generate_export(
        tmp_path, accounts=5, lines=2000, start=dt.date(2025, 3, 1), end=dt.date(2025, 12, 31)
    )
    assert sorted(p.name for p in (tmp_path / "invoices").iterdir()) == ["year=2025"]
    assert read_arrow(tmp_path, "invoice_lines").num_rows == summary.invoice_lines
    assert (tmp_path / "notes.txt").read_text() == "kept"


def test_rejects_impossible_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_export(tmp_path, accounts=0)
    with pytest.raises(ValueError):
        generate_export(tmp_path, start=dt.date(2025, 1, 1), end=dt.date(2024, 1, 1))
