"""The sample data generator: deterministic, contract-valid, the requested size, realistic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kamdash.data.contract import (
    ACTIVITY_TYPES,
    ATTITUDES,
    BUYING_ROLES,
    OPEN_STAGES,
    OPPORTUNITY_STAGES,
    TABLES,
    TABLES_BY_NAME,
)
from kamdash.tools.generate import INDUSTRIES, GenerateSummary, generate_export
from kamdash.tools.generate.context import Run

PARTITIONED = ("invoices", "invoice_lines", "payments", "closing_documents")
SINGLE_FILE = ("accounts", "managers", "products", "targets")
CRM_FILES = ("contacts", "activities", "opportunities")  # single files too (contract v2)


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
    for table in PARTITIONED + SINGLE_FILE + CRM_FILES:
        assert read_arrow(first, table).equals(read_arrow(again, table)), table
    differing = [
        table
        for table in PARTITIONED + SINGLE_FILE + CRM_FILES
        if not read_arrow(first, table).equals(read_arrow(other, table))
    ]
    assert set(differing) >= {
        "accounts",
        "invoices",
        "invoice_lines",
        "payments",
        "targets",
        *CRM_FILES,
        "closing_documents",
    }


def test_layout_is_single_files_and_one_hive_partition_per_year(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, _ = export
    for table in SINGLE_FILE + CRM_FILES:
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
    assert missing("contacts", "account_id", "accounts") == 0
    assert missing("activities", "account_id", "accounts") == 0
    assert missing("activities", "contact_id", "contacts") == 0
    assert missing("activities", "kam_id", "managers") == 0
    assert missing("opportunities", "account_id", "accounts") == 0
    assert missing("closing_documents", "invoice_id", "invoices") == 0
    # an activity's contact is a person of the same account
    met = (
        frames["activities"]
        .drop_nulls("contact_id")
        .join(
            frames["contacts"].select("contact_id", pl.col("account_id").alias("contact_account")),
            on="contact_id",
        )
    )
    assert met.height == frames["activities"]["contact_id"].drop_nulls().len() > 0
    assert met.filter(pl.col("account_id") != pl.col("contact_account")).is_empty()


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


# --------------------------------------------------------------------------------------------
# The CRM side and the closing documents (contract v2)

EXPORT_END = dt.date(2026, 6, 30)


def days_before(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=days)


def test_contacts_are_the_buying_centre_of_every_key_account(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, summary = export
    contacts = read(folder, "contacts")
    assert summary.contacts == contacts.height
    per_account = contacts.group_by("account_id").len()
    assert per_account.height == 60  # every key account
    assert per_account["len"].is_between(3, 12).all()
    assert per_account["len"].n_unique() >= 5  # larger accounts have more people in the CRM
    # surname, name and patronymic, agreeing in sex: Орлова Наталья Викторовна
    name = r"^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$"
    assert contacts["full_name"].str.contains(name).all()
    female = contacts.filter(pl.col("full_name").str.contains("на$"))
    male = contacts.filter(pl.col("full_name").str.contains("ич$"))
    assert female.height + male.height == contacts.height
    assert female["full_name"].str.contains(r"^\S+а ").all()
    assert not male["full_name"].str.contains(r"^\S+а ").any()

    titles = set(contacts["job_title"])
    assert {
        "Генеральный директор",
        "Директор по закупкам",
        "Главный инженер",
        "Финансовый директор",
        "Главный бухгалтер",
    } <= titles
    directors = contacts.filter(pl.col("job_title") == "Генеральный директор")
    assert directors["account_id"].n_unique() == directors.height == 60
    assert (directors["buying_role"] == "decision_maker").all()
    assert set(contacts["buying_role"]) == set(BUYING_ROLES)
    assert set(contacts["attitude"].drop_nulls()) == set(ATTITUDES)
    assert contacts["attitude"].null_count() > 0
    left = contacts.filter(~pl.col("active"))
    assert 0.03 * contacts.height <= left.height <= 0.2 * contacts.height


def test_activities_come_more_before_renewals_and_fade_on_churning_accounts(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, summary = export
    activities = read(folder, "activities")
    assert summary.activities == activities.height
    assert set(activities["activity_type"]) == set(ACTIVITY_TYPES)
    assert activities["activity_date"].is_between(dt.date(2022, 1, 1), EXPORT_END).all()
    assert activities["activity_date"].dt.weekday().is_between(1, 5).all()  # working days
    last_order = (
        read(folder, "invoices")
        .group_by("account_id")
        .agg(pl.col("invoice_date").max().alias("last_order"))
    )
    accounts = read(folder, "accounts").join(last_order, on="account_id")
    renewal_due = accounts.filter(
        pl.col("contract_end_on").is_between(
            EXPORT_END + dt.timedelta(days=1), EXPORT_END + dt.timedelta(days=90)
        )
    )
    churned = accounts.filter(pl.col("last_order") < days_before(EXPORT_END, 180))
    assert renewal_due.height >= 5 and churned.height >= 3

    def per_account(chosen: pl.DataFrame, last_day: pl.Expr) -> float:
        """Activities per account in the 90 days ending on `last_day`."""
        window = activities.join(chosen, on="account_id").filter(
            pl.col("activity_date").is_between(last_day - pl.duration(days=89), last_day)
        )
        return window.height / chosen.height

    before_renewal = per_account(renewal_due, pl.lit(EXPORT_END))
    others = accounts.join(renewal_due, on="account_id", how="anti").join(
        churned, on="account_id", how="anti"
    )
    usual = per_account(others, pl.lit(EXPORT_END))
    churning = per_account(churned, pl.col("last_order"))
    assert before_renewal > 1.3 * usual
    assert usual > 3 * churning
    # and next to nothing once a churned account has gone
    gone = activities.join(churned, on="account_id").filter(
        pl.col("activity_date") > pl.col("last_order") + pl.duration(days=90)
    )
    assert gone.height <= churned.height

    # mostly the account's own KAM; with a contact as a rule
    own = activities.join(
        accounts.select("account_id", pl.col("kam_id").alias("account_kam")), on="account_id"
    ).filter(pl.col("kam_id") == pl.col("account_kam"))
    assert own.height >= 0.85 * activities.height
    assert activities["contact_id"].null_count() < 0.15 * activities.height
    # a person who left is not met afterwards: their last activity is not in the last month
    contacts = read(folder, "contacts")
    left = contacts.filter(~pl.col("active"))["contact_id"].implode()
    last_met = activities.filter(pl.col("contact_id").is_in(left))["activity_date"].max()
    assert last_met is not None and last_met < days_before(EXPORT_END, 60)  # type: ignore[operator]


def test_opportunities_in_every_stage_with_consistent_dates(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, summary = export
    opportunities = read(folder, "opportunities")
    assert summary.opportunities == opportunities.height
    stages = opportunities.group_by("stage").len()
    assert set(stages["stage"]) == set(OPPORTUNITY_STAGES)
    assert stages.filter(pl.col("stage").is_in(OPEN_STAGES))["len"].min() >= 5  # type: ignore[operator]
    closed = pl.col("stage").is_in(["won", "lost"])
    assert opportunities.filter(closed != pl.col("closed_on").is_not_null()).is_empty()
    assert opportunities.filter(pl.col("expected_close_on") < pl.col("created_on")).is_empty()
    assert opportunities.filter(pl.col("closed_on") < pl.col("created_on")).is_empty()
    assert opportunities["closed_on"].max() <= EXPORT_END  # type: ignore[operator]
    assert opportunities["created_on"].max() <= EXPORT_END  # type: ignore[operator]
    assert (opportunities["amount"].cast(pl.Float64) > 0).all()
    given = opportunities["probability"].drop_nulls()
    assert 0 < given.len() < opportunities.height  # some left to the stage default
    assert given.is_between(0, 1).all()
    assert set(opportunities["category"]) <= set(read(folder, "products")["category"])
    won = (opportunities["stage"] == "won").sum()
    lost = (opportunities["stage"] == "lost").sum()
    assert 0.15 <= won / (won + lost) <= 0.5


def test_closing_documents_come_back_faster_by_edo_and_some_never(
    export: tuple[Path, GenerateSummary],
) -> None:
    folder, summary = export
    documents = read(folder, "closing_documents")
    invoices = read(folder, "invoices")
    assert summary.closing_documents == documents.height
    assert set(documents["doc_kind"]) == {"act", "upd", "waybill"}
    closed = documents.join(
        invoices.select("invoice_id", "invoice_date", "doc_type"), on="invoice_id"
    )
    assert closed.height == documents.height
    assert (closed["doc_type"] == "invoice").all()  # a credit note has none here
    per_invoice = closed.group_by("invoice_id").len()
    # every invoice is closed, but an act of the last days may not be issued yet
    issued_by_now = invoices.filter(
        (pl.col("doc_type") == "invoice") & (pl.col("invoice_date") < days_before(EXPORT_END, 7))
    )
    assert issued_by_now.join(per_invoice, on="invoice_id", how="anti").is_empty()
    assert set(per_invoice["len"]) == {1, 2}  # an act and a waybill for goods and services
    assert closed.filter(pl.col("issued_on") < pl.col("invoice_date")).is_empty()
    assert closed.filter(pl.col("signed_on") < pl.col("issued_on")).is_empty()
    assert closed["signed_on"].max() <= EXPORT_END  # type: ignore[operator]
    assert closed["issued_on"].max() <= EXPORT_END  # type: ignore[operator]

    settled = closed.filter(pl.col("issued_on") < days_before(EXPORT_END, 90)).with_columns(
        days=(pl.col("signed_on") - pl.col("issued_on")).dt.total_days()
    )
    by_channel = {
        row["via_edo"]: row
        for row in settled.group_by("via_edo")
        .agg(
            pl.col("days").median().alias("median_days"),
            pl.col("signed_on").is_null().mean().alias("never_share"),
            pl.len().alias("documents"),
        )
        .iter_rows(named=True)
    }
    edo, paper = by_channel[True], by_channel[False]
    assert edo["documents"] > paper["documents"] > 0.2 * settled.height
    assert edo["median_days"] <= 5 and paper["median_days"] >= 3 * edo["median_days"]
    # some never came back, more of them on paper
    assert 0 < edo["never_share"] < paper["never_share"] < 0.1
    # and the latest ones are still out
    recent = closed.filter(pl.col("issued_on") > days_before(EXPORT_END, 10))
    assert recent["signed_on"].null_count() > 0


def test_v1_tables_do_not_depend_on_the_crm_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CRM tables and closing documents draw from streams of their own: other draws there
    change them and leave every v1 file the same, byte for byte (so every v1 figure too)."""
    plain = generate_export(tmp_path / "plain", accounts=8, lines=3000, seed=11)
    original_init = Run.__init__

    def other_crm_draws(self: Run, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.crm_rng = np.random.default_rng([11, 99])
        self.closing_rng = np.random.default_rng([11, 98])

    monkeypatch.setattr(Run, "__init__", other_crm_draws)
    other = generate_export(tmp_path / "other", accounts=8, lines=3000, seed=11)
    v1 = [
        path.relative_to(plain.out_dir)
        for path in plain.out_dir.rglob("*.parquet")
        if path.relative_to(plain.out_dir).parts[0].removesuffix(".parquet")
        in PARTITIONED[:3] + SINGLE_FILE
    ]
    assert len(v1) == 3 * 5 + 4
    for relative in v1:
        assert (plain.out_dir / relative).read_bytes() == (other.out_dir / relative).read_bytes()
    for table in (*CRM_FILES, "closing_documents"):
        assert not read_arrow(plain.out_dir, table).equals(read_arrow(other.out_dir, table))


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


def test_whole_base_keeps_crm_rows_for_key_accounts_and_closes_every_invoice(
    base: tuple[Path, GenerateSummary],
) -> None:
    folder, _ = base
    accounts = read(folder, "accounts")
    key = accounts.filter(pl.col("kam_id").is_not_null()).select("account_id", "industry")
    for table in CRM_FILES:
        frame = read(folder, table)
        assert frame.join(key, on="account_id", how="anti").is_empty(), table  # no house rows
    documents = read(folder, "closing_documents").join(
        read(folder, "invoices").select("invoice_id", "account_id"), on="invoice_id"
    )
    assert documents.join(key, on="account_id", how="anti").height > documents.height / 2

    # each KAM does what a month allows: no more than ~70 activities a month on average
    months = 54
    per_kam = read(folder, "activities").drop_nulls("kam_id").group_by("kam_id").len()
    assert (per_kam["len"] / months).max() <= 90  # type: ignore[operator]

    # win rates differ by industry: IT wins most, Retail least
    closed = (
        read(folder, "opportunities")
        .filter(pl.col("stage").is_in(["won", "lost"]))
        .join(key, on="account_id")
        .group_by("industry")
        .agg((pl.col("stage") == "won").mean().alias("win_rate"), pl.len().alias("closed"))
    )
    rate = dict(zip(closed["industry"], closed["win_rate"], strict=True))
    assert closed["closed"].min() >= 100  # type: ignore[operator]
    assert rate["IT"] > rate["Manufacturing"] > rate["Retail"]
    assert rate["IT"] - rate["Retail"] >= 0.1


def test_whole_base_validates_without_errors(base: tuple[Path, GenerateSummary]) -> None:
    from kamdash.data.validation import validate_folder

    folder, summary = base
    report = validate_folder(folder)
    assert not report.has_errors, report.to_text()
    assert report.findings == [], report.to_text()
    rows = {table.table: table.rows for table in report.tables}
    assert rows == summary.rows


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
    for table in PARTITIONED + SINGLE_FILE + CRM_FILES:
        assert read_arrow(folder, table).equals(read_arrow(sample, table)), table
    accounts = read(folder, "accounts")
    assert accounts["kam_id"].null_count() == 0  # a key-account portfolio: no house accounts
    assert accounts["contract_end_on"].null_count() == 0
