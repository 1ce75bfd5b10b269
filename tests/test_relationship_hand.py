"""The v2 relationship, pipeline, closing-document, renewal and landing figures against
numbers computed by hand (metrics.md), with the issue's edges each named; the oracle must
agree with the same hand numbers, and a v1 export keeps every figure it had."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import oracle
import pytest
from crmkit import PERIOD, D, crm_tables
from exportkit import add_document, base_tables, write_export

from kamdash import open_store

CRM = ("contacts", "activities", "opportunities", "closing_documents")

HAND: dict[str, dict[str, Any]] = {
    "A1": {
        # X1 is a meeting on D itself; X2 (the day after) does not exist at D
        "days_since_last_meeting": 0,
        "meetings_in_period": 1,
        # X1, X3, X4 (on the period's first day) and X6
        "touches_in_period": 4,
        # active decision makers C1, C2 (active left empty), C5 — C3 left; C1 met on D,
        # C2 only by a colleague (K2): 2 / 3. C5's e-mail on D − 90 is outside the 90 days
        "decision_maker_coverage": 2 / 3,
        "single_threaded": False,
        # open at D: O1 1000 (probability empty: qualify 0.1), O2 2000 × 0.5, O4 500 (lost
        # after D, so open at D, stage default 0); O3 closed on D is not open; O6 comes later
        "pipeline": 3500.0,
        "weighted_pipeline": 100.0 + 1000.0 + 0.0,
        # closed in P: O3 won (on D), O5 lost; O4 closes after D
        "win_rate": 0.5,
        "win_rate_by_amount": 3000 / 4500,
        # CD1 half of I1's 1200 (I1 has two documents), CD3 signed after D (500), CD4 300
        "unsigned_closing_docs": 3,
        "unsigned_closing_amount": 1400.0,
        "unsigned_0_5": 300.0,  # CD4, 2 days
        "unsigned_6_30": 600.0,  # CD1, 28 days
        "unsigned_31_90": 0.0,
        "unsigned_91_plus": 500.0,  # CD3, 121 days
        # issued in P: CD1 (unsigned), CD2 (3 days), CD4 (unsigned), CD5 (5 days)
        "signed_on_time_pct": 0.5,
        "renewal_due": True,  # contract ends on D + 90 days
        # 1 Jan–D: 400 + 600 + 1000 + 250; the 90 days to D: 600 + 1000 + 250 = 1850 at
        # 1850 / 90 a day for the 184 days left in 2024; O1 due in September, weighted 100
        "landing_forecast": 2250 + 1850 / 90 * 184 + 100,
        "landing_vs_plan": (2250 + 1850 / 90 * 184 + 100) / 6000 - 1,
    },
    "A2": {
        "days_since_last_meeting": 150,  # the QBR on 1 Feb 2024 (29 Feb in between)
        "meetings_in_period": 0,
        "touches_in_period": 2,
        "decision_maker_coverage": 0.0,
        "single_threaded": True,  # Y2 names C7 alone; Y3 names nobody
        "pipeline": 0.0,
        "weighted_pipeline": 0.0,
        "win_rate": None,  # none closed
        "win_rate_by_amount": None,
        "unsigned_closing_docs": 0,
        "unsigned_closing_amount": 0.0,
        "unsigned_0_5": 0.0,
        "unsigned_6_30": 0.0,
        "unsigned_31_90": 0.0,
        "unsigned_91_plus": 0.0,
        "signed_on_time_pct": None,
        "renewal_due": False,  # D + 91 days
        "landing_forecast": 80 + 80 / 90 * 184,
        "landing_vs_plan": None,  # a year with no plan
    },
    "A3": {
        "days_since_last_meeting": None,
        "meetings_in_period": 0,
        "touches_in_period": 0,
        "decision_maker_coverage": None,  # no decision maker at all
        "single_threaded": None,
        "renewal_due": True,  # invoiced after its contract ended
        "landing_forecast": 50 + 50 / 90 * 184,
        "landing_vs_plan": None,
    },
    "A4": {"renewal_due": False, "landing_forecast": -10 - 10 / 90 * 184},  # a credit note only
}


@pytest.fixture(scope="module")
def crm_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return open_store(write_export(tmp_path_factory.mktemp("crm") / "export", crm_tables()))


def test_every_figure_matches_the_hand_computation(crm_store: Any) -> None:
    rows = {row["account_id"]: row for row in crm_store.accounts(*PERIOD).to_dicts()}
    for account_id, expected in HAND.items():
        problems = oracle.mismatches(rows[account_id], expected)
        assert not problems, (account_id, problems)
        # booleans stay booleans (a "flag" measure), not 0/1
        for flag in ("single_threaded", "renewal_due"):
            if flag in expected and expected[flag] is not None:
                assert rows[account_id][flag] is expected[flag]


def test_the_oracle_agrees_with_the_hand_computation() -> None:
    computed = oracle.relationship_metrics(crm_tables(), *PERIOD)
    for account_id, expected in HAND.items():
        assert not oracle.mismatches(computed[account_id], expected), account_id


def test_the_engine_agrees_with_the_oracle_at_other_dates(crm_store: Any) -> None:
    tables = crm_tables()
    for start, end, as_of in (
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), dt.date(2024, 7, 1)),
        (dt.date(2024, 3, 1), dt.date(2024, 3, 31), None),
        (dt.date(2023, 1, 1), dt.date(2023, 12, 31), None),
    ):
        want = oracle.relationship_metrics(tables, start, end, as_of)
        got = {r["account_id"]: r for r in crm_store.accounts(start, end, as_of).to_dicts()}
        for account_id, expected in want.items():
            assert not oracle.mismatches(got[account_id], expected), (as_of or end, account_id)


def test_the_day_after_d_counts_once_d_moves_on(crm_store: Any) -> None:
    """X2 (a meeting with C5 on D + 1) exists at D + 1: the meeting is 0 days ago and C5 met."""
    row = crm_store.accounts(PERIOD[0], D + dt.timedelta(days=1)).row(0, named=True)
    assert row["days_since_last_meeting"] == 0
    assert row["decision_maker_coverage"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("as_of", "days_left"),
    [
        (dt.date(2024, 2, 28), 307),  # a leap year: 29 Feb is still ahead
        (dt.date(2023, 2, 28), 306),
        (dt.date(2024, 12, 31), 0),  # the last day: landing is the year's revenue
    ],
)
def test_landing_counts_the_days_left_of_leap_years(
    tmp_path: Path, as_of: dt.date, days_left: int
) -> None:
    tables = base_tables()
    add_document(tables, "I1", "A1", as_of.replace(month=1, day=5), [("P1", 1, 900.0, 1.0)])
    add_document(tables, "I2", "A1", as_of - dt.timedelta(days=10), [("P1", 1, 90.0, 1.0)])
    store = open_store(write_export(tmp_path / "export", tables))
    row = store.accounts(as_of.replace(month=1, day=1), as_of).row(0, named=True)
    last_90 = 90.0 + (900.0 if (as_of - as_of.replace(month=1, day=5)).days < 90 else 0.0)
    assert row["landing_forecast"] == pytest.approx(990.0 + last_90 / 90 * days_left)
    # no targets table at all: a year without a plan
    assert row["landing_vs_plan"] is None


def test_a_v1_export_keeps_every_figure_and_leaves_the_new_ones_empty(tmp_path: Path) -> None:
    with_crm = crm_tables()
    v1 = {name: rows for name, rows in with_crm.items() if name not in CRM}
    for account_row in v1["accounts"]:
        account_row.pop("contract_end_on")
    before = open_store(write_export(tmp_path / "v1", v1)).accounts(*PERIOD)
    after = open_store(write_export(tmp_path / "v2", with_crm)).accounts(*PERIOD)
    new = set(after.columns) - set(oracle.ACCOUNT_METRIC_KEYS)
    kept = [c for c in before.columns if c in oracle.ACCOUNT_METRIC_KEYS]
    assert before.select(kept).equals(after.select(kept))
    assert {"pipeline", "decision_maker_coverage", "unsigned_closing_amount"} <= new
    for column in (
        "days_since_last_meeting",
        "decision_maker_coverage",
        "single_threaded",
        "pipeline",
        "weighted_pipeline",
        "win_rate",
        "unsigned_closing_amount",
        "unsigned_closing_docs",
        "signed_on_time_pct",
    ):
        assert before[column].is_null().all(), column
    assert not before["renewal_due"].any()
    # landing needs invoices only: without the pipeline, A1 lands 100 (O1's weight) lower
    landing = dict(zip(before["account_id"], before["landing_forecast"], strict=True))
    assert landing["A1"] == pytest.approx(HAND["A1"]["landing_forecast"] - 100)
    assert landing["A2"] == pytest.approx(HAND["A2"]["landing_forecast"])


def test_an_empty_crm_table_is_no_data_rather_than_zero(tmp_path: Path) -> None:
    tables = crm_tables()
    tables["opportunities"] = []
    row = open_store(write_export(tmp_path / "export", tables)).accounts(*PERIOD).row(0, named=True)
    assert row["pipeline"] is None and row["weighted_pipeline"] is None
    assert row["decision_maker_coverage"] == pytest.approx(2 / 3)


def test_cli_metrics_accounts_prints_the_new_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    from kamdash.cli import main

    data = write_export(tmp_path / "export", crm_tables())
    code = main(
        ["metrics", "accounts", "--data", str(data), "--start", "2024-04-01", "--end", "2024-06-30"]
    )
    assert code == 0
    rows = {r["account_id"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["A1"]["unsigned_closing_amount"] == "1400.0"
    assert rows["A1"]["weighted_pipeline"] == "1100.0"
    assert rows["A1"]["renewal_due"] == "true"
    assert rows["A2"]["single_threaded"] == "true"
    assert rows["A2"]["win_rate"] == ""  # none closed: empty, not 0
    assert float(rows["A1"]["decision_maker_coverage"]) == pytest.approx(2 / 3)


def test_an_invoice_split_over_three_documents_is_counted_to_the_last_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1,000.00 over three unsigned documents: 333.3334 for the first by id, 333.3333 for the
    others (the store keeps money to 0.0001), adding up to the invoice exactly — in the
    listing, the aging and the CLI's CSV, where a division in floating point printed figures
    such as 165794030.92000002 that changed from run to run."""
    import csv
    import io

    from kamdash.cli import main

    tables = crm_tables()
    add_document(tables, "I9", "A2", dt.date(2024, 5, 10), [("P1", 1, 1000.0, 1.0)])
    tables["closing_documents"] += [
        {**tables["closing_documents"][0], "closing_doc_id": f"CD9{n}", "invoice_id": "I9"}
        for n in (3, 1, 2)
    ]
    data = write_export(tmp_path / "export", tables)
    store = open_store(data)
    listing = store.closing_document_listing(D, account_id="A2", limit=None).rows
    amounts = dict(zip(listing["closing_doc_id"], listing["amount"], strict=True))
    assert amounts == {"CD91": 333.3334, "CD92": 333.3333, "CD93": 333.3333}
    assert store.closing_document_aging(*PERIOD, account_id="A2")["unsigned_closing_amount"] == (
        1000.0
    )
    code = main(
        ["metrics", "accounts", "--data", str(data), "--start", "2024-04-01", "--end", str(D)]
    )
    assert code == 0
    rows = {r["account_id"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["A2"]["unsigned_closing_amount"] == "1000.0"
    assert rows["A2"]["unsigned_closing_docs"] == "3"
