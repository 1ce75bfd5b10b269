"""The sample data generator: deterministic, contract-valid, the requested size, realistic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kamdash.data.contract import TABLES, TABLES_BY_NAME
from kamdash.tools.generate import INDUSTRIES, GenerateSummary, generate_export

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


# --------------------------------------------------------------------------------------------
# A whole customer base: key accounts with KAMs and the long tail of house accounts

BASE_ACCOUNTS = 20_000
BASE_END = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    folder = tmp_path_factory.mktemp("whole_base")
    return folder, generate_export(folder, accounts=BASE_ACCOUNTS, lines=200_000)


def account_revenue(folder: Path) -> pl.DataFrame:
    """Every account with its revenue over the whole span (0 without documents), largest first."""
    lines = read(folder, "invoice_lines").join(
        read(folder, "invoices").select("invoice_id", "account_id"), on="invoice_id"
    )
    revenue = lines.group_by("account_id").agg(
        pl.col("net_amount").cast(pl.Float64).sum().alias("revenue")
    )
    return (
        read(folder, "accounts")
        .join(revenue, on="account_id", how="left")
        .with_columns(pl.col("revenue").fill_null(0.0), house=pl.col("kam_id").is_null())
        .sort("revenue", "account_id", descending=[True, False])
    )


def test_whole_base_is_a_few_hundred_key_accounts_and_a_long_tail_of_house_accounts(
    base: tuple[Path, GenerateSummary],
) -> None:
    folder, summary = base
    accounts = read(folder, "accounts")
    key = accounts.filter(pl.col("kam_id").is_not_null())
    assert summary.accounts == accounts.height == BASE_ACCOUNTS
    assert 200 <= key.height <= 600
    assert accounts["kam_id"].null_count() == BASE_ACCOUNTS - key.height

    managers = read(folder, "managers")
    per_kam = key.group_by("kam_id").len()
    assert 20 <= managers.height <= 25 and summary.managers == managers.height
    assert set(per_kam["kam_id"]) == set(managers["kam_id"])  # no KAM without accounts
    assert per_kam["len"].is_between(3, 30).all()
    assert managers["kam_name"].str.contains("^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$").all()
    assert managers["email"].str.contains(r"^[a-z]\.[a-z]+@example\.ru$").all()
    assert managers["email"].n_unique() == managers.height
    # the six KAMs of the default portfolio stay who they are
    default_managers = generate_export(folder.parent / "six_kams", accounts=8, lines=500).out_dir
    assert read(folder, "managers").head(6).equals(read(default_managers, "managers"))


def test_whole_base_plans_and_contracts_only_key_accounts(
    base: tuple[Path, GenerateSummary],
) -> None:
    folder, summary = base
    accounts = read(folder, "accounts")
    key = accounts.filter(pl.col("kam_id").is_not_null())
    house = accounts.filter(pl.col("kam_id").is_null())
    targets = read(folder, "targets")
    assert set(targets["account_id"]) == set(key["account_id"])
    assert summary.targets == targets.height < 60 * key.height

    assert house["contract_end_on"].null_count() == house.height
    assert key["contract_end_on"].null_count() == 0
    ends = key["contract_end_on"]
    renewing = ends.is_between(BASE_END + dt.timedelta(days=1), BASE_END + dt.timedelta(days=90))
    assert renewing.sum() >= 0.1 * key.height
    assert (ends > BASE_END + dt.timedelta(days=365)).sum() >= 0.2 * key.height
    # a renewal overdue: the contract ran out but the account still buys
    last_order = read(folder, "invoices").group_by("account_id").agg(pl.col("invoice_date").max())
    overdue = key.join(last_order, on="account_id").filter(
        pl.col("contract_end_on") < pl.col("invoice_date")
    )
    assert overdue.height >= 0.03 * key.height


def test_whole_base_revenue_is_heavy_tailed_with_many_small_tail_documents(
    base: tuple[Path, GenerateSummary],
) -> None:
    folder, _ = base
    revenue = account_revenue(folder)
    total = revenue["revenue"].sum()
    top_percent = revenue.head(BASE_ACCOUNTS // 100)["revenue"].sum()
    assert top_percent >= 0.4 * total
    key_median = revenue.filter(~pl.col("house"))["revenue"].median()
    house_median = revenue.filter(pl.col("house"))["revenue"].median()
    assert key_median is not None and house_median is not None
    assert key_median >= 20 * house_median  # type: ignore[operator]

    documents = read(folder, "invoices").join(
        revenue.select("account_id", "house"), on="account_id"
    )
    by_kind = documents.group_by("house").agg(
        pl.len().alias("documents"),
        pl.col("amount_due").cast(pl.Float64).median().alias("median_amount"),
    )
    tail = by_kind.filter(pl.col("house")).row(0, named=True)
    keys = by_kind.filter(~pl.col("house")).row(0, named=True)
    assert tail["documents"] > keys["documents"]
    assert tail["median_amount"] * 5 < keys["median_amount"]


def test_whole_base_has_house_accounts_in_key_accounts_holdings(
    base: tuple[Path, GenerateSummary],
) -> None:
    folder, _ = base
    accounts = read(folder, "accounts")
    key_groups = (
        accounts.filter(pl.col("kam_id").is_not_null()).drop_nulls("group_name")["group_name"]
    ).implode()
    assert key_groups.list.len().item() >= 15
    members = accounts.filter(pl.col("kam_id").is_null() & pl.col("group_name").is_in(key_groups))
    assert members.height >= 3
    # some of them newly won: a new holding member is a candidate for a KAM
    assert members.filter(pl.col("onboarded_on") > BASE_END - dt.timedelta(days=365)).height >= 1
    assert accounts.filter(
        pl.col("kam_id").is_null()
        & pl.col("group_name").is_not_null()
        & ~pl.col("group_name").is_in(key_groups)
    ).is_empty()
    assert accounts["account_name"].str.contains("[А-Яа-яЁё]").all()
    assert accounts.filter(pl.col("account_name").str.starts_with("ИП ")).height > 0


def test_whole_base_validates_without_errors(base: tuple[Path, GenerateSummary]) -> None:
    from kamdash.data.validation import validate_folder

    folder, summary = base
    report = validate_folder(folder)
    assert not report.has_errors, report.to_text()
    rows = {table.table: table.rows for table in report.tables}
    assert rows["accounts"] == summary.accounts and rows["targets"] == summary.targets


def test_house_share_sets_the_share_of_house_accounts(tmp_path: Path) -> None:
    summary = generate_export(tmp_path / "half", accounts=60, lines=3000, house_share=0.5)
    accounts = read(summary.out_dir, "accounts")
    assert accounts["kam_id"].null_count() == 30
    assert set(read(summary.out_dir, "targets")["account_id"]) == set(
        accounts.drop_nulls("kam_id")["account_id"]
    )
    none = generate_export(tmp_path / "none", accounts=450, lines=3000, house_share=0)
    assert read(none.out_dir, "accounts")["kam_id"].null_count() == 0
    automatic = generate_export(tmp_path / "auto", accounts=450, lines=3000)
    assert read(automatic.out_dir, "accounts")["kam_id"].null_count() == 50
    for impossible in (-0.1, 1.0):
        with pytest.raises(ValueError, match="house_share"):
            generate_export(tmp_path / "bad", accounts=10, house_share=impossible)


def test_cli_says_what_is_wrong_with_the_house_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kamdash.cli import main

    assert main(["generate", "--out", str(tmp_path), "--house-share", "1.5"]) == 1
    error = capsys.readouterr().err
    assert "house_share must be at least 0 and below 1" in error and "Traceback" not in error


def test_default_shape_is_the_committed_sample_data(export: tuple[Path, GenerateSummary]) -> None:
    """`kamdash generate` with defaults made sample_data/: a change to the generator that
    moves the default shape must regenerate it (sample_data/README.md)."""
    folder, _ = export
    sample = Path(__file__).resolve().parent.parent / "sample_data"
    for table in PARTITIONED + SINGLE_FILE:
        assert read_arrow(folder, table).equals(read_arrow(sample, table)), table
    accounts = read(folder, "accounts")
    assert accounts["kam_id"].null_count() == 0  # a key-account portfolio: no house accounts
    assert accounts["contract_end_on"].null_count() == 0
