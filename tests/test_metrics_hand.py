"""Hand-computed metric fixtures, one test per edge case of `shared/spec/metrics.md`.

Every expected number is worked out by hand in the comments next to it. Each test checks the
numbers twice: against the pure-Python oracle (tests/oracle.py) first, then against the engine
(`kamdash.open_store`) reading the same rows written as a real Parquet export. A failure in the
"oracle" step is a bug in the oracle; a failure in the "engine" step is an engine discrepancy.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import oracle
import pytest
from exportkit import account, add_document, base_tables, payment, write_export

d = dt.date
Tables = dict[str, list[dict[str, Any]]]


# --------------------------------------------------------------------------------------------
# helpers


_STORES: dict[str, Any] = {}


def _store(tmp_path: Path, tables: Tables) -> Any:
    """The engine over `tables` written as Parquet; one per distinct export (opening is slow)."""
    from kamdash import open_store

    key = repr(sorted(tables.items()))
    if key not in _STORES:
        folder = tmp_path / f"export{len(list(tmp_path.iterdir()))}"
        _STORES[key] = open_store(write_export(folder, tables))
    return _STORES[key]


def _expect(row: dict[str, Any], who: str, **want: Any) -> None:
    for key, value in want.items():
        assert key in row, f"{who}: no column {key!r}"
        got = row[key]
        if value is None:
            assert got is None, f"{who}: {key} = {got!r}, want None"
        elif isinstance(value, str):
            assert got == value, f"{who}: {key} = {got!r}, want {value!r}"
        else:
            assert got is not None, f"{who}: {key} is None, want {value!r}"
            assert got == pytest.approx(value, abs=1e-6), f"{who}: {key} = {got!r}, want {value!r}"


def engine_accounts(
    tmp_path: Path, tables: Tables, start: Any, end: Any, as_of: Any = None, **filters: Any
) -> dict[str, dict[str, Any]]:
    frame = _store(tmp_path, tables).accounts(start, end, as_of=as_of, **filters)
    return {row["account_id"]: row for row in frame.to_dicts()}


def check_account(
    tmp_path: Path,
    tables: Tables,
    start: Any,
    end: Any,
    account_id: str,
    as_of: Any = None,
    **want: Any,
) -> None:
    """The account's metrics equal `want` in the oracle, then in the engine."""
    ref = oracle.account_metrics(tables, start, end, as_of)
    _expect(ref[account_id], "oracle", **want)
    got = engine_accounts(tmp_path, tables, start, end, as_of)
    assert account_id in got, f"engine: no row for {account_id!r}; rows: {sorted(got)}"
    _expect(got[account_id], "engine", **want)


def check_portfolio(
    tmp_path: Path, tables: Tables, start: Any, end: Any, as_of: Any = None, **want: Any
) -> None:
    filters = want.pop("filters", {})
    _expect(oracle.portfolio_metrics(tables, start, end, as_of, **filters), "oracle", **want)
    got = _store(tmp_path, tables).portfolio(start, end, as_of=as_of, **filters)
    _expect(got, "engine", **want)


def products(*ids: str) -> list[dict[str, Any]]:
    return [{"product_id": p, "product_name": f"Товар {p}", "category": "Cat1"} for p in ids]


def one(
    tables: Tables, invoice_id: str, account_id: str, day: dt.date, amount: float, **kw: Any
) -> dict[str, Any]:
    """A one-line document: net = amount_due, cost = half of it, quantity ±1."""
    qty = 1.0 if amount >= 0 else -1.0
    return add_document(
        tables, invoice_id, account_id, day, [("P1", qty, amount, amount / 2)], **kw
    )


END = d(2024, 6, 30)  # D in most fixtures


# --------------------------------------------------------------------------------------------
# receivables


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (-5, "ar_current"),
        (0, "ar_current"),
        (1, "ar_1_30"),
        (30, "ar_1_30"),
        (31, "ar_31_60"),
        (60, "ar_31_60"),
        (61, "ar_61_90"),
        (90, "ar_61_90"),
        (91, "ar_91_plus"),
        (400, "ar_91_plus"),
    ],
)
def test_aging_bucket_boundary(tmp_path: Path, days_past_due: int, bucket: str) -> None:
    # one open invoice of 1000 whose due date is D - days_past_due: all 1000 is in `bucket`
    tables = base_tables()
    due = END - dt.timedelta(days=days_past_due)
    one(tables, "I1", "A1", min(due, END) - dt.timedelta(days=10), 1000.0, due_date=due)
    want = dict.fromkeys(oracle.BUCKETS, 0.0)
    want[bucket] = 1000.0
    overdue = 0.0 if bucket == "ar_current" else 1000.0
    check_account(
        tmp_path,
        tables,
        d(2024, 1, 1),
        END,
        "A1",
        **want,
        open_ar=1000.0,
        unapplied_credits=0.0,
        overdue_ar=overdue,
        overdue_pct=overdue / 1000.0,
    )


def test_aging_all_boundaries_in_one_account(tmp_path: Path) -> None:
    # amounts 100·2^k at days past due 0, 1, 30, 31, 60, 61, 90, 91 on D = 2024-06-30:
    # current 100; 1-30 = 200 + 400 = 600; 31-60 = 800 + 1600 = 2400;
    # 61-90 = 3200 + 6400 = 9600; 91+ = 12800. Open AR = 25500, overdue = 25400.
    tables = base_tables()
    for k, days in enumerate([0, 1, 30, 31, 60, 61, 90, 91]):
        due = END - dt.timedelta(days=days)
        one(tables, f"I{k}", "A1", due - dt.timedelta(days=10), 100.0 * 2**k, due_date=due)
    check_account(
        tmp_path,
        tables,
        d(2024, 1, 1),
        END,
        "A1",
        ar_current=100.0,
        ar_1_30=600.0,
        ar_31_60=2400.0,
        ar_61_90=9600.0,
        ar_91_plus=12800.0,
        unapplied_credits=0.0,
        open_ar=25500.0,
        overdue_ar=25400.0,
        overdue_pct=25400 / 25500,
    )


def test_credit_note(tmp_path: Path) -> None:
    # invoice 1000 on 2024-05-01 (due 05-31, 30 days past due at 06-30) with cost 600, and a
    # credit note -200 on 2024-05-10 with cost -100.
    # P = May-June: revenue 1000 - 200 = 800, COGS 600 - 100 = 500, GM 300, GM% 0.375.
    # At D: ar_1_30 = 1000, the credit note's open balance -200 is an unapplied credit,
    # open AR = 800, overdue 1000 → overdue % = 1000 / 800 = 1.25.
    tables = base_tables()
    add_document(tables, "INV", "A1", d(2024, 5, 1), [("P1", 10, 1000.0, 600.0)])
    add_document(tables, "CN", "A1", d(2024, 5, 10), [("P1", -2, -200.0, -100.0)])
    assert tables["invoices"][1]["doc_type"] == "credit_note"
    check_account(
        tmp_path,
        tables,
        d(2024, 5, 1),
        END,
        "A1",
        revenue=800.0,
        cogs=500.0,
        gross_margin=300.0,
        gross_margin_pct=0.375,
        ar_1_30=1000.0,
        ar_current=0.0,
        unapplied_credits=-200.0,
        open_ar=800.0,
        overdue_ar=1000.0,
        overdue_pct=1.25,
    )


def test_overpaid_invoice(tmp_path: Path) -> None:
    # invoice 500 on 2024-06-01 paid 600 on 2024-06-15: open balance -100 → unapplied credit.
    # No positive balance: buckets 0, open AR = -100, overdue % null, countback null.
    # Billed(D, 90) = 500 → DSO = -100 / 500 × 90 = -18.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 6, 1), 500.0)
    tables["payments"].append(payment("PAY1", "A1", "I1", d(2024, 6, 15), 600.0))
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A1",
        ar_current=0.0,
        ar_1_30=0.0,
        unapplied_credits=-100.0,
        open_ar=-100.0,
        overdue_ar=0.0,
        overdue_pct=None,
        countback_dso=None,
        dso=-18.0,
    )


def test_unapplied_cash(tmp_path: Path) -> None:
    # invoice 1000 on 2024-06-10 (due 07-10, current) and 300 unapplied cash on 2024-06-20:
    # ar_current 1000, unapplied credits -300, open AR 700.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 6, 10), 1000.0)
    tables["payments"].append(payment("PAY1", "A1", None, d(2024, 6, 20), 300.0))
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A1",
        ar_current=1000.0,
        unapplied_credits=-300.0,
        open_ar=700.0,
        overdue_ar=0.0,
        overdue_pct=0.0,
        # payment behaviour ignores unapplied cash
        avg_days_to_pay=None,
        avg_days_late=None,
    )


def test_payment_after_as_of_date(tmp_path: Path) -> None:
    # invoice 1000 on 2024-05-01 (due 05-31) paid in full on 2024-07-05, after D = 06-30:
    # at D the invoice is still open, 30 days past due → ar_1_30 = 1000.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 5, 1), 1000.0)
    tables["payments"].append(payment("PAY1", "A1", "I1", d(2024, 7, 5), 1000.0))
    tables["payments"].append(payment("PAY2", "A1", None, d(2024, 7, 6), 50.0))
    check_account(
        tmp_path,
        tables,
        d(2024, 5, 1),
        END,
        "A1",
        ar_1_30=1000.0,
        open_ar=1000.0,
        unapplied_credits=0.0,
    )
    # as of 2024-07-10 the invoice is paid and 50 sits unapplied → open AR -50
    check_account(
        tmp_path,
        tables,
        d(2024, 5, 1),
        END,
        "A1",
        as_of=d(2024, 7, 10),
        ar_1_30=0.0,
        open_ar=-50.0,
        unapplied_credits=-50.0,
    )


def test_invoice_paid_over_several_days(tmp_path: Path) -> None:
    # invoice 1000 on 2024-05-01 (due 05-31): 300 and 200 on 06-10 (two payments, one day),
    # 500 on 07-20. Open before the first payment day 1000, between the days 500, on and
    # after the last day 0 — the aging of a document paid over several days reads its
    # payments; one paid on a single day needs only its totals.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 5, 1), 1000.0)
    tables["payments"] += [
        payment("PAY1", "A1", "I1", d(2024, 6, 10), 300.0),
        payment("PAY2", "A1", "I1", d(2024, 6, 10), 200.0),
        payment("PAY3", "A1", "I1", d(2024, 7, 20), 500.0),
    ]
    for as_of, open_ar in [
        (d(2024, 6, 9), 1000.0),
        (d(2024, 6, 10), 500.0),
        (d(2024, 7, 19), 500.0),
        (d(2024, 7, 20), 0.0),
    ]:
        check_account(
            tmp_path,
            tables,
            d(2024, 5, 1),
            END,
            "A1",
            as_of=as_of,
            open_ar=open_ar,
            overdue_ar=open_ar,
            ar_current=0.0,
        )


def test_payment_split_over_two_documents(tmp_path: Path) -> None:
    # PAY1 on 2024-06-10 split: 400 to I1 (1000, 2024-05-01, due 05-31) and 600 to I2
    # (600, 2024-05-20, due 06-19). At D = 06-30: I1 open 600 (30 days → 1-30), I2 closed.
    # Days to pay: I1 40 days, I2 21 days → (400×40 + 600×21) / 1000 = 28600 / 1000 = 28.6.
    # Days late: I1 10 days late, I2 0 → 400×10 / 1000 = 4.0.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 5, 1), 1000.0)
    one(tables, "I2", "A1", d(2024, 5, 20), 600.0)
    tables["payments"] += [
        payment("PAY1", "A1", "I1", d(2024, 6, 10), 400.0),
        payment("PAY1", "A1", "I2", d(2024, 6, 10), 600.0),
    ]
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A1",
        ar_1_30=600.0,
        ar_current=0.0,
        open_ar=600.0,
        unapplied_credits=0.0,
        avg_days_to_pay=28.6,
        avg_days_late=4.0,
    )


def test_dso_zero_when_everything_billed_is_paid(tmp_path: Path) -> None:
    # D = 2024-06-30. A1: I1 1000 on 06-10 paid in full on 06-20, nothing open at D.
    # A2: I2 500 on 06-15, open. Billed(D, 90): A1 1000, A2 500.
    # A1: DSO = 0 / 1000 × 90 = 0 (not undefined: it was billed).
    # Portfolio: open AR 500 / billed 1500 × 90 = 30 (A1's billing counts).
    tables = base_tables()
    tables["accounts"].append(account("A2"))
    one(tables, "I1", "A1", d(2024, 6, 10), 1000.0)
    one(tables, "I2", "A2", d(2024, 6, 15), 500.0)
    tables["payments"].append(payment("PAY1", "A1", "I1", d(2024, 6, 20), 1000.0))
    as_of = d(2024, 6, 30)
    check_account(tmp_path, tables, d(2024, 6, 1), END, "A1", as_of=as_of, open_ar=0.0, dso=0.0)
    check_portfolio(tmp_path, tables, d(2024, 6, 1), END, as_of, open_ar=500.0, dso=30.0)


def test_documents_after_as_of_date(tmp_path: Path) -> None:
    # P = June 2024, D = 2024-06-15. I1 1000 on 06-10, I2 500 on 06-20 (after D).
    # Revenue(P) counts both = 1500; receivables only I1: open AR 1000 (current).
    # Billed(D, 90) = 1000 → DSO = 1000 / 1000 × 90 = 90.
    # Countback: June 1-15 billed 1000 ≥ AR 1000 → 1000/1000 × 15 = 15 days.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 6, 10), 1000.0)
    one(tables, "I2", "A1", d(2024, 6, 20), 500.0)
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A1",
        as_of=d(2024, 6, 15),
        revenue=1500.0,
        ar_current=1000.0,
        open_ar=1000.0,
        dso=90.0,
        countback_dso=15.0,
    )


def test_dso_billing_window_boundaries(tmp_path: Path) -> None:
    # D = 2024-06-30, N = 90 → window [2024-04-02, 2024-06-30].
    # 5000 on 04-01 (outside), 2000 on 04-02 (inside), 1000 on 06-30 (inside), nothing paid.
    # Open AR = 8000, Billed = 3000 → DSO = 8000 / 3000 × 90 = 240.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 4, 1), 5000.0)
    one(tables, "I2", "A1", d(2024, 4, 2), 2000.0)
    one(tables, "I3", "A1", d(2024, 6, 30), 1000.0)
    check_account(tmp_path, tables, d(2024, 4, 1), END, "A1", open_ar=8000.0, dso=240.0)


def test_dso_null_when_nothing_billed(tmp_path: Path) -> None:
    # only an old invoice (2023-01-10) open at D: Billed(D, 90) = 0 → DSO null.
    # Countback: June 2024 (30 days) and every month back to Feb 2023 bill 0, so each adds all
    # its days: Feb 2023..Jan 2024 = 365, Feb..May 2024 = 29+31+30+31 = 121; January 2023
    # bills 700 = AR left → 700/700 × 31. Total 30 + 365 + 121 + 31 = 547.
    tables = base_tables()
    one(tables, "I1", "A1", d(2023, 1, 10), 700.0)
    check_account(
        tmp_path, tables, d(2024, 1, 1), END, "A1", open_ar=700.0, dso=None, countback_dso=547.0
    )


def test_countback_dso_three_month_walk(tmp_path: Path) -> None:
    # D = 2024-06-15. Billed: March 3000 (03-15), April 4000 (04-20), May 2000 (05-10),
    # June 1-15 1000 (06-05). Paid: March fully (3000) and 3000 of April → open AR
    # = 1000 (Apr) + 2000 (May) + 1000 (Jun) = 4000.
    # Walk: June (15 days) billed 1000 < 4000 → left 3000, 15 days;
    #       May (31 days) billed 2000 < 3000 → left 1000, 46 days;
    #       April (30 days) billed 4000 ≥ 1000 → 46 + 1000/4000 × 30 = 53.5.
    # DSO: window [2024-03-18, 2024-06-15] bills 4000 + 2000 + 1000 = 7000
    #      → 4000 / 7000 × 90 = 51.428571...
    tables = base_tables()
    one(tables, "I3", "A1", d(2024, 3, 15), 3000.0)
    one(tables, "I4", "A1", d(2024, 4, 20), 4000.0)
    one(tables, "I5", "A1", d(2024, 5, 10), 2000.0)
    one(tables, "I6", "A1", d(2024, 6, 5), 1000.0)
    tables["payments"] += [
        payment("PAY1", "A1", "I3", d(2024, 4, 10), 3000.0),
        payment("PAY2", "A1", "I4", d(2024, 5, 25), 3000.0),
    ]
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        d(2024, 6, 15),
        "A1",
        open_ar=4000.0,
        countback_dso=53.5,
        dso=4000 / 7000 * 90,
    )


def test_countback_dso_long_walk_back_to_the_first_document(tmp_path: Path) -> None:
    # one invoice of 900 on 2019-03-10, nothing else, D = 2024-06-30: every month from June
    # 2024 back to April 2019 bills 0 and adds all its days; March 2019 bills 900 = AR left
    # → + 31. Days = (2024-06-30 - 2019-03-01) + 1: 2019-03-01 → 2024-03-01 is 5 × 365 + 2
    # leap days = 1827, → 2024-06-30 is 31 + 30 + 31 + 29 = 121; 1827 + 121 + 1 = 1949.
    tables = base_tables()
    one(tables, "I1", "A1", d(2019, 3, 10), 900.0)
    assert (END - d(2019, 3, 1)).days + 1 == 1949
    check_account(
        tmp_path, tables, d(2024, 1, 1), END, "A1", open_ar=900.0, countback_dso=1949.0, dso=None
    )


def test_countback_dso_month_with_only_a_credit_note(tmp_path: Path) -> None:
    # D = 2024-02-20. January invoice 1000 (open, due 01-31 → 20 days past due), February
    # credit note -200 (open, unapplied credit). Open AR = 1000 - 200 = 800.
    # Walk: February (20 days) billed -200 < 800 → left 1000, 20 days;
    #       January billed 1000 ≥ 1000 → 20 + 1000/1000 × 31 = 51.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 1, 1), 1000.0)
    one(tables, "CN", "A1", d(2024, 2, 5), -200.0)
    check_account(
        tmp_path,
        tables,
        d(2024, 2, 1),
        d(2024, 2, 20),
        "A1",
        open_ar=800.0,
        ar_1_30=1000.0,
        unapplied_credits=-200.0,
        countback_dso=51.0,
    )


def test_portfolio_countback_when_summed_ar_equals_the_billing(tmp_path: Path) -> None:
    # D = 2024-06-30. A1 billed 0.10 on 06-10, A2 0.20 on 06-20, nothing paid: open AR 0.30,
    # June's billing through D 0.30 covers it exactly → 0 + 0.30/0.30 × 30 = 30 days. Summed
    # in doubles, 0.1 + 0.2 = 0.30000000000000004 would not be covered by 0.30 and the walk
    # would run out of billing (null); found by the property test.
    tables = base_tables()
    tables["accounts"].append(account("A2"))
    one(tables, "I1", "A1", d(2024, 6, 10), 0.10)
    one(tables, "I2", "A2", d(2024, 6, 20), 0.20)
    check_portfolio(tmp_path, tables, d(2024, 6, 1), END, open_ar=0.30, countback_dso=30.0)


def test_credit_utilisation(tmp_path: Path) -> None:
    # open AR 1500 against a 6000 limit → 0.25; no limit → null; limit 0 → null.
    tables = base_tables()
    tables["accounts"] = [
        account("A1", credit_limit=6000.0),
        account("A2"),
        account("A3", credit_limit=0.0),
    ]
    for account_id in ("A1", "A2", "A3"):
        one(tables, f"I-{account_id}", account_id, d(2024, 6, 1), 1500.0)
    check_account(tmp_path, tables, d(2024, 6, 1), END, "A1", credit_utilisation=0.25)
    check_account(tmp_path, tables, d(2024, 6, 1), END, "A2", credit_utilisation=None)
    check_account(tmp_path, tables, d(2024, 6, 1), END, "A3", credit_utilisation=None)


# --------------------------------------------------------------------------------------------
# P&L


def test_29_feb_prior_year_mapping(tmp_path: Path) -> None:
    # P = 2024-02-01..2024-02-29 → P' = 2023-02-01..2023-02-28.
    # 2023: 01-31 → 7 (outside), 02-28 → 100 (inside), 03-01 → 1000 (outside).
    # 2024: 02-29 → 150. Revenue 150, prior 100, growth 0.5.
    tables = base_tables()
    one(tables, "I0", "A1", d(2023, 1, 31), 7.0)
    one(tables, "I1", "A1", d(2023, 2, 28), 100.0)
    one(tables, "I2", "A1", d(2023, 3, 1), 1000.0)
    one(tables, "I3", "A1", d(2024, 2, 29), 150.0)
    check_account(
        tmp_path,
        tables,
        d(2024, 2, 1),
        d(2024, 2, 29),
        "A1",
        revenue=150.0,
        revenue_prior_year=100.0,
        growth_yoy=0.5,
    )
    # P = 2024-02-29..2024-03-31 → P' = 2023-02-28..2023-03-31: 100 + 1000 = 1100.
    check_account(
        tmp_path,
        tables,
        "2024-02-29",
        "2024-03-31",
        "A1",
        revenue=150.0,
        revenue_prior_year=1100.0,
        growth_yoy=150 / 1100 - 1,
    )


def test_no_prior_year_revenue_growth_null(tmp_path: Path) -> None:
    # revenue 500 in P, nothing a year before → prior 0, growth null (a new account)
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 6, 1), 500.0)
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A1",
        revenue=500.0,
        revenue_prior_year=0.0,
        growth_yoy=None,
    )


def test_negative_prior_year_revenue_growth_null(tmp_path: Path) -> None:
    # prior year only a credit note (-80) → Revenue(P') ≤ 0 → growth null
    tables = base_tables()
    one(tables, "CN", "A1", d(2023, 6, 10), -80.0)
    one(tables, "I1", "A1", d(2024, 6, 1), 500.0)
    check_account(
        tmp_path, tables, d(2024, 6, 1), END, "A1", revenue_prior_year=-80.0, growth_yoy=None
    )


def test_negative_revenue_gm_pct_null(tmp_path: Path) -> None:
    # only a credit note in P: revenue -200, COGS -100, GM -100, GM% null (Revenue ≤ 0)
    tables = base_tables()
    one(tables, "CN", "A1", d(2024, 6, 5), -200.0)
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A1",
        revenue=-200.0,
        cogs=-100.0,
        gross_margin=-100.0,
        gross_margin_pct=None,
    )


def test_dormant_account_row_present_with_zeros(tmp_path: Path) -> None:
    # A2 has no documents or payments at all; A1 has some so the export is not empty.
    tables = base_tables()
    tables["accounts"].append(account("A2", credit_limit=5000.0))
    one(tables, "I1", "A1", d(2024, 6, 1), 500.0)
    zeros = dict.fromkeys(
        [
            "revenue",
            "cogs",
            "gross_margin",
            "revenue_prior_year",
            "open_ar",
            *oracle.BUCKETS,
            "unapplied_credits",
            "overdue_ar",
        ],
        0.0,
    )
    nulls = dict.fromkeys(
        [
            "gross_margin_pct",
            "growth_yoy",
            "overdue_pct",
            "dso",
            "countback_dso",
            "avg_days_to_pay",
            "avg_days_late",
            "plan_attainment",
        ]
    )
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A2",
        **zeros,
        **nulls,
        credit_utilisation=0.0,
        abc_class="C",
    )
    rows = engine_accounts(tmp_path, tables, d(2024, 6, 1), END)
    assert list(rows) == ["A1", "A2"]


def test_payment_behaviour_days_to_pay_and_days_late(tmp_path: Path) -> None:
    # P = June 2024, D = 2024-06-15 (as-of before end: behaviour still uses all of P).
    # I1 1000 on 2024-04-01 due 05-01; I2 2000 on 2024-05-10 due 06-09.
    # Allocations: 2024-05-31 300 → I1 (before P, ignored);
    #              2024-06-05 500 → I1: 65 days to pay, 35 days late;
    #              2024-06-20 1500 → I2 (after D but in P): 41 days to pay, 11 days late;
    #              2024-06-10 999 unapplied (ignored).
    # Days to pay = (500×65 + 1500×41) / 2000 = (32500 + 61500) / 2000 = 47.
    # Days late = (500×35 + 1500×11) / 2000 = (17500 + 16500) / 2000 = 17.
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 4, 1), 1000.0, due_date=d(2024, 5, 1))
    one(tables, "I2", "A1", d(2024, 5, 10), 2000.0, due_date=d(2024, 6, 9))
    tables["payments"] += [
        payment("PAY0", "A1", "I1", d(2024, 5, 31), 300.0),
        payment("PAY1", "A1", "I1", d(2024, 6, 5), 500.0),
        payment("PAY2", "A1", "I2", d(2024, 6, 20), 1500.0),
        payment("PAY3", "A1", None, d(2024, 6, 10), 999.0),
    ]
    # receivables at D = 06-15: I1 open 200 (45 days → 31-60); I2 open 2000 (6 days → 1-30);
    # unapplied -999 → open AR = 200 + 2000 - 999 = 1201
    check_account(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        "A1",
        as_of=d(2024, 6, 15),
        avg_days_to_pay=47.0,
        avg_days_late=17.0,
        ar_31_60=200.0,
        ar_1_30=2000.0,
        unapplied_credits=-999.0,
        open_ar=1201.0,
    )


def test_plan_attainment_pro_rata(tmp_path: Path) -> None:
    # P = 2024-01-16..2024-03-10. Targets: Jan 3100 × 16/31 = 1600; Feb 2900 × 29/29 = 2900;
    # Mar 3100 × 10/31 = 1000; Apr 9999 × 0. Σ = 5500. Revenue(P) = 4400 (2024-02-10;
    # the 2024-01-15 document is outside P) → attainment 0.8.
    tables = base_tables()
    tables["accounts"].append(account("A2"))
    one(tables, "I0", "A1", d(2024, 1, 15), 1000.0)
    one(tables, "I1", "A1", d(2024, 2, 10), 4400.0)
    tables["targets"] = [
        {"account_id": "A1", "month": d(2024, m, 1), "revenue_target": t}
        for m, t in [(1, 3100.0), (2, 2900.0), (3, 3100.0), (4, 9999.0)]
    ]
    start, end = d(2024, 1, 16), d(2024, 3, 10)
    check_account(tmp_path, tables, start, end, "A1", revenue=4400.0, plan_attainment=0.8)
    # A2 has no targets → null
    check_account(tmp_path, tables, start, end, "A2", plan_attainment=None)
    check_portfolio(tmp_path, tables, start, end, revenue=4400.0, plan_attainment=0.8)


def test_plan_attainment_null_when_targets_sum_to_zero(tmp_path: Path) -> None:
    # targets exist but only for months outside P (and one of 0 inside) → Σ = 0 → null
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 6, 10), 4400.0)
    tables["targets"] = [
        {"account_id": "A1", "month": dt.date(2024, 5, 1), "revenue_target": 1000.0},
        {"account_id": "A1", "month": dt.date(2024, 6, 1), "revenue_target": 0.0},
    ]
    check_account(tmp_path, tables, d(2024, 6, 1), END, "A1", plan_attainment=None)


# --------------------------------------------------------------------------------------------
# portfolio


def _revenue_accounts(tables: Tables, revenues: dict[str, float], day: dt.date) -> None:
    tables["accounts"] = [account(a) for a in revenues]
    for account_id, amount in revenues.items():
        if amount:
            one(tables, f"I-{account_id}", account_id, day, amount)


def test_abc_classes(tmp_path: Path) -> None:
    # revenues Y 700, Z1 100, Z2 100, W 50, V 30, U 20, Q 0 → total 1000.
    # Ranked (ties by id): Y, Z1, Z2, W, V, U, Q. Cumulative share before each:
    # Y 0 → A; Z1 0.70 → A; Z2 0.80 → B (not < 0.80); W 0.90 → B; V 0.95 → C (not < 0.95);
    # U 0.98 → C; Q 1.00 → C.
    tables = base_tables()
    revenues = {"Z2": 100.0, "Y": 700.0, "U": 20.0, "Z1": 100.0, "W": 50.0, "V": 30.0, "Q": 0.0}
    _revenue_accounts(tables, revenues, d(2024, 6, 10))
    want = {"Y": "A", "Z1": "A", "Z2": "B", "W": "B", "V": "C", "U": "C", "Q": "C"}
    ref = oracle.account_metrics(tables, d(2024, 6, 1), END)
    assert {a: r["abc_class"] for a, r in ref.items()} == want
    got = engine_accounts(tmp_path, tables, d(2024, 6, 1), END)
    assert {a: r["abc_class"] for a, r in got.items()} == want


def test_two_periods_asked_in_one_call(tmp_path: Path) -> None:
    # June 2024 as in test_abc_classes (Y 700 … Q 0); in July only Q sells, 1000 on 07-10.
    # Asked together, each period is ranked, aged and counted back on its own: in June Y is
    # A and Q is C; in July Q is A (all the revenue) and Y is C (none). Every figure of both
    # periods equals the oracle's for that period alone, for accounts and the portfolio, asked
    # apart (accounts_over, portfolio_over) or in the one statement of the portfolio page.
    tables = base_tables()
    revenues = {"Z2": 100.0, "Y": 700.0, "U": 20.0, "Z1": 100.0, "W": 50.0, "V": 30.0, "Q": 0.0}
    _revenue_accounts(tables, revenues, d(2024, 6, 10))
    one(tables, "I-Q-07", "Q", d(2024, 7, 10), 1000.0)
    june = (d(2024, 6, 1), d(2024, 6, 30), d(2024, 6, 30))
    july = (d(2024, 7, 1), d(2024, 7, 31), d(2024, 7, 31))
    store = _store(tmp_path, tables)
    figures = ("revenue", "abc_class", "open_ar", "overdue_ar", "dso", "countback_dso")
    totals = ("revenue", "open_ar", "dso", "countback_dso", "top5_share", "hhi")
    together = store.accounts_and_portfolio_over([june, july])
    apart = (store.accounts_over([june, july]), store.portfolio_over([june, july]))
    for account_frames, portfolio_rows in (together, apart):
        for period, frame in zip((june, july), account_frames, strict=True):
            ref = oracle.account_metrics(tables, *period)
            assert sorted(frame["account_id"]) == sorted(ref)
            for row in frame.to_dicts():
                _expect(row, "engine", **{name: ref[row["account_id"]][name] for name in figures})
        june_rows, july_rows = (
            {row["account_id"]: row["abc_class"] for row in frame.to_dicts()}
            for frame in account_frames
        )
        assert (june_rows["Y"], june_rows["Q"], july_rows["Y"], july_rows["Q"]) == (
            "A",
            "C",
            "C",
            "A",
        )
        for period, row in zip((june, july), portfolio_rows, strict=True):
            ref_portfolio = oracle.portfolio_metrics(tables, *period)
            _expect(row, "engine", **{name: ref_portfolio[name] for name in totals})


def test_abc_boundary_reached_by_many_small_amounts(tmp_path: Path) -> None:
    # five accounts of 0.01 ₽ → total 0.05. Share before the fifth (E) = 0.04 / 0.05 = 0.80
    # exactly → B (not < 0.80). In doubles 0.01 + 0.01 + 0.01 + 0.01 = 0.04 and the share
    # comes out 0.7999999999999999, which would make it A (found by the property test).
    tables = base_tables()
    _revenue_accounts(tables, {a: 0.01 for a in "ABCDE"}, d(2024, 6, 10))
    want = {"A": "A", "B": "A", "C": "A", "D": "A", "E": "B"}
    got = engine_accounts(tmp_path, tables, d(2024, 6, 1), END)
    assert {a: r["abc_class"] for a, r in got.items()} == want


def test_abc_class_null_when_total_revenue_not_positive(tmp_path: Path) -> None:
    tables = base_tables()
    _revenue_accounts(tables, {"A1": 100.0, "A2": -100.0}, d(2024, 6, 10))
    check_account(tmp_path, tables, d(2024, 6, 1), END, "A1", abc_class=None)
    check_account(tmp_path, tables, d(2024, 6, 1), END, "A2", abc_class=None)


def test_top5_top10_share_and_hhi(tmp_path: Path) -> None:
    # revenues 700, 100, 100, 50, 30, 20, 0 and -50 → total 950.
    # top 5 = 700+100+100+50+30 = 980 → 980/950; top 10 = all 950/950 = 1.
    # HHI over the six accounts with revenue > 0 (their total 1000):
    # 70² + 10² + 10² + 5² + 3² + 2² = 4900 + 100 + 100 + 25 + 9 + 4 = 5138.
    tables = base_tables()
    revenues = {
        "Y": 700.0,
        "Z1": 100.0,
        "Z2": 100.0,
        "W": 50.0,
        "V": 30.0,
        "U": 20.0,
        "Q": 0.0,
        "N": -50.0,
    }
    _revenue_accounts(tables, revenues, d(2024, 6, 10))
    check_portfolio(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        revenue=950.0,
        top5_share=980 / 950,
        top10_share=1.0,
        hhi=5138.0,
        accounts=8,
    )


def test_top_share_and_hhi_null_without_revenue(tmp_path: Path) -> None:
    tables = base_tables()
    tables["accounts"].append(account("A2"))
    check_portfolio(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        revenue=0.0,
        top5_share=None,
        top10_share=None,
        hhi=None,
        accounts=2,
    )


def test_nrr_grr(tmp_path: Path) -> None:
    # D = 2024-06-30: TTM = [2023-07-01, 2024-06-30], prior TTM = [2022-07-01, 2023-06-30].
    # G1 prior 1000 (2022-07-01), TTM 700 (2023-07-01) + 500 (2024-06-30) = 1200;
    #    999 on 2022-06-30 is outside both.
    # G2 prior 500, TTM 300.  G3 prior 200, TTM -50 (credit note only).
    # G4 prior 0 (new), TTM 800 → excluded.  G5 prior -100, TTM 100 → excluded.
    # Σ prior = 1700. NRR = (1200 + 300 - 50) / 1700 = 1450 / 1700.
    # GRR = (min(1200,1000) + min(300,500) + min(max(-50,0),200)) / 1700 = 1300 / 1700.
    tables = base_tables()
    tables["accounts"] = [account(a) for a in ("G1", "G2", "G3", "G4", "G5")]
    docs = [
        ("G1", d(2022, 6, 30), 999.0),
        ("G1", d(2022, 7, 1), 1000.0),
        ("G1", d(2023, 7, 1), 700.0),
        ("G1", d(2024, 6, 30), 500.0),
        ("G2", d(2023, 6, 30), 500.0),
        ("G2", d(2024, 1, 15), 300.0),
        ("G3", d(2022, 12, 1), 200.0),
        ("G3", d(2024, 1, 10), -50.0),
        ("G4", d(2024, 2, 1), 800.0),
        ("G5", d(2022, 9, 1), -100.0),
        ("G5", d(2024, 3, 1), 100.0),
    ]
    for n, (account_id, day, amount) in enumerate(docs):
        one(tables, f"D{n}", account_id, day, amount)
    check_portfolio(
        tmp_path, tables, d(2024, 1, 1), END, nrr=1450 / 1700, grr=1300 / 1700, accounts=5
    )
    # with as_of = 2024-06-29 the 2024-06-30 500 of G1 leaves TTM: and G1's prior TTM becomes
    # [2022-06-30, 2023-06-29] = 999 + 1000 = 1999; G2 prior (2023-06-30) leaves → 0, excluded.
    # Σ prior = 1999 + 200 = 2199; NRR = (700 - 50) / 2199; GRR = (700 + 0) / 2199.
    check_portfolio(
        tmp_path,
        tables,
        d(2024, 1, 1),
        END,
        as_of=d(2024, 6, 29),
        nrr=650 / 2199,
        grr=700 / 2199,
    )


def test_ttm_windows_around_29_feb(tmp_path: Path) -> None:
    # D = 2024-02-29: TTM = [2023-03-01, 2024-02-29], prior TTM = [2022-03-01, 2023-02-28].
    # A1: 2022-02-28 → 1 (neither), 2022-03-01 → 10 (prior), 2023-02-28 → 100 (prior),
    #     2023-03-01 → 1000 (TTM), 2024-02-29 → 10000 (TTM).
    # NRR = 11000 / 110 = 100; GRR = min(11000, 110) / 110 = 1.
    tables = base_tables()
    for n, (day, amount) in enumerate(
        [
            (d(2022, 2, 28), 1.0),
            (d(2022, 3, 1), 10.0),
            (d(2023, 2, 28), 100.0),
            (d(2023, 3, 1), 1000.0),
            (d(2024, 2, 29), 10000.0),
        ]
    ):
        one(tables, f"I{n}", "A1", day, amount)
    check_portfolio(tmp_path, tables, d(2024, 2, 1), d(2024, 2, 29), nrr=100.0, grr=1.0)
    # D = 2025-02-28: TTM = [2024-02-29, 2025-02-28] (D - 1 year = 2024-02-28, + 1 day);
    # prior TTM = [2023-03-01, 2024-02-28] (D - 2 years + 1 day = 2023-03-01).
    # TTM: 10000 (2024-02-29). Prior: 1000 (2023-03-01); 2023-02-28 is in neither.
    # NRR = 10000 / 1000 = 10, GRR = 1000 / 1000 = 1.
    check_portfolio(tmp_path, tables, d(2025, 2, 1), d(2025, 2, 28), nrr=10.0, grr=1.0)
    # D = 2025-03-01: TTM = [2024-03-02, 2025-03-01] → 0; prior = [2023-03-02, 2024-03-01]
    # → 10000 (2024-02-29). NRR = 0, GRR = 0.
    check_portfolio(tmp_path, tables, d(2025, 3, 1), d(2025, 3, 1), nrr=0.0, grr=0.0)


def test_nrr_grr_null_without_prior_revenue(tmp_path: Path) -> None:
    tables = base_tables()
    one(tables, "I1", "A1", d(2024, 6, 1), 500.0)
    check_portfolio(tmp_path, tables, d(2024, 6, 1), END, nrr=None, grr=None)


def test_portfolio_receivables_and_ratios(tmp_path: Path) -> None:
    # A1: I1 1000 on 2024-05-01 (due 05-31, 30 days → 1-30), cost 600.
    # A2: I2 3000 on 2024-06-10 (current) with 1000 paid 06-20, cost 1000; CN -500 on 06-12.
    # Revenue (June) = 3000 - 500 = 2500 (I1 is in May); COGS = 1000 - 250 = 750.
    # With P = May-June: revenue 3500, COGS 600 + 750 = 1350, GM 2150, GM% 2150/3500.
    # AR: 1-30 = 1000, current = 2000, unapplied = -500 → open AR 2500, overdue 1000,
    # overdue % = 0.4. Billed(D, 90) = 1000 + 3000 - 500 = 3500 → DSO = 2500/3500×90.
    # Countback: June billed 2500 ≥ 2500 → 2500/2500 × 30 = 30.
    tables = base_tables()
    tables["accounts"].append(account("A2"))
    add_document(tables, "I1", "A1", d(2024, 5, 1), [("P1", 1, 1000.0, 600.0)])
    add_document(tables, "I2", "A2", d(2024, 6, 10), [("P1", 3, 3000.0, 1000.0)])
    add_document(tables, "CN", "A2", d(2024, 6, 12), [("P1", -1, -500.0, -250.0)])
    tables["payments"].append(payment("PAY1", "A2", "I2", d(2024, 6, 20), 1000.0))
    check_portfolio(
        tmp_path,
        tables,
        d(2024, 5, 1),
        END,
        revenue=3500.0,
        cogs=1350.0,
        gross_margin=2150.0,
        gross_margin_pct=2150 / 3500,
        ar_current=2000.0,
        ar_1_30=1000.0,
        ar_31_60=0.0,
        ar_61_90=0.0,
        ar_91_plus=0.0,
        unapplied_credits=-500.0,
        open_ar=2500.0,
        overdue_ar=1000.0,
        overdue_pct=0.4,
        dso=2500 / 3500 * 90,
        countback_dso=30.0,
        accounts=2,
    )


# --------------------------------------------------------------------------------------------
# price–volume–mix


def _pvm_tables() -> Tables:
    # Account A1, period 0 = 2023 H1, period 1 = 2024 H1.
    # Period 0: P1 q10 r100 (p 10), P2 q10 r200 (p 20), P3 q5 r30, P5 q5 r50.
    # Period 1: P1 q15 r165 (p 11), P2 q10 r210 (p 21), P4 q2 r40,
    #           P5 q2 r40 and a credit note q-2 r-20 → P5 q0 r20 (not sold: q ≤ 0).
    # Account A2 sells P1 q10 r100 in both periods.
    tables = base_tables()
    tables["accounts"].append(account("A2"))
    tables["products"] = products("P1", "P2", "P3", "P4", "P5")
    add_document(
        tables,
        "X0",
        "A1",
        d(2023, 3, 1),
        [
            ("P1", 10, 100.0, 50.0),
            ("P2", 10, 200.0, 90.0),
            ("P3", 5, 30.0, 10.0),
            ("P5", 5, 50.0, 20.0),
        ],
    )
    add_document(
        tables,
        "X1",
        "A1",
        d(2024, 3, 1),
        [
            ("P1", 15, 165.0, 70.0),
            ("P2", 10, 210.0, 90.0),
            ("P4", 2, 40.0, 5.0),
            ("P5", 2, 40.0, 16.0),
        ],
    )
    add_document(tables, "X2", "A1", d(2024, 4, 1), [("P5", -2, -20.0, -8.0)])
    add_document(tables, "Y0", "A2", d(2023, 2, 1), [("P1", 10, 100.0, 50.0)])
    add_document(tables, "Y1", "A2", d(2024, 2, 1), [("P1", 10, 100.0, 50.0)])
    return tables


PERIOD0 = (d(2023, 1, 1), d(2023, 6, 30))
PERIOD1 = (d(2024, 1, 1), d(2024, 6, 30))


def _check_bridge(tmp_path: Path, tables: Tables, want: dict[str, float], **filters: Any) -> None:
    _expect(oracle.bridge(tables, *PERIOD0, *PERIOD1, **filters), "oracle", **want)
    got = _store(tmp_path, tables).bridge(*PERIOD0, *PERIOD1, **filters)
    _expect(got, "engine", **want)
    total = sum(got[k] for k in ("volume", "mix", "price", "new", "lost"))
    assert total == pytest.approx(got["revenue"] - got["revenue_base"], abs=1e-6)


def test_pvm_with_new_and_lost_products_account(tmp_path: Path) -> None:
    # A1, products sold in both periods: P1, P2. Q0 = 20, R0 = 300, ASP0 = 15; Q1 = 25.
    # Volume = (25 - 20) × 15 = 75.
    # s0 = (0.5, 0.5), s1 = (0.6, 0.4): Mix = 25 × (0.1×10 - 0.1×20) = -25.
    # Price = 15 × (11 - 10) + 10 × (21 - 20) = 25.
    # New = P4 40 + P5 20 = 60; Lost = -(P3 30 + P5 50) = -80.
    # Revenue1 = 165 + 210 + 40 + 20 = 435; Revenue0 = 100 + 200 + 30 + 50 = 380;
    # 75 - 25 + 25 + 60 - 80 = 55 = 435 - 380.
    want = {
        "volume": 75.0,
        "mix": -25.0,
        "price": 25.0,
        "new": 60.0,
        "lost": -80.0,
        "revenue_base": 380.0,
        "revenue": 435.0,
    }
    _check_bridge(tmp_path, _pvm_tables(), want, account_id="A1")


def test_pvm_with_new_and_lost_products_portfolio(tmp_path: Path) -> None:
    # A1 + A2 by product: P1 q0 20 r0 200 (p0 10), q1 25 r1 265 (p1 10.6);
    #                     P2 q0 10 r0 200 (p0 20), q1 10 r1 210 (p1 21).
    # Q0 = 30, R0 = 400, ASP0 = 40/3; Q1 = 35. Volume = 5 × 40/3 = 200/3.
    # s0 = (2/3, 1/3), s1 = (5/7, 2/7): Mix = 35 × (1/21 × 10 - 1/21 × 20) = -50/3.
    # Price = 25 × 0.6 + 10 × 1 = 25. New 60, Lost -80 as for A1.
    # Revenue0 = 380 + 100 = 480, Revenue1 = 435 + 100 = 535; 200/3 - 50/3 + 25 + 60 - 80 = 55.
    want = {
        "volume": 200 / 3,
        "mix": -50 / 3,
        "price": 25.0,
        "new": 60.0,
        "lost": -80.0,
        "revenue_base": 480.0,
        "revenue": 535.0,
    }
    _check_bridge(tmp_path, _pvm_tables(), want)


def test_pvm_no_common_products(tmp_path: Path) -> None:
    # A2 only has P1 in both periods; restrict to A1 and make period 1 only P4:
    # everything is new/lost, volume = mix = price = 0.
    tables = base_tables()
    tables["products"] = products("P1", "P4")
    add_document(tables, "X0", "A1", d(2023, 3, 1), [("P1", 3, 90.0, 10.0)])
    add_document(tables, "X1", "A1", d(2024, 3, 1), [("P4", 1, 25.0, 10.0)])
    want = {
        "volume": 0.0,
        "mix": 0.0,
        "price": 0.0,
        "new": 25.0,
        "lost": -90.0,
        "revenue_base": 90.0,
        "revenue": 25.0,
    }
    _check_bridge(tmp_path, tables, want)


# --------------------------------------------------------------------------------------------
# filters and identifiers


def _filter_tables() -> Tables:
    # A1 (K1, IT) revenue 100; A2 (K2, Pharma) revenue 200; A3 (K1, Retail) revenue 400.
    tables = base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": None})
    tables["accounts"] = [
        account("A1"),
        account("A2", kam_id="K2", industry="Pharma", region="Санкт-Петербург"),
        account("A3", industry="Retail"),
    ]
    for account_id, amount in (("A1", 100.0), ("A2", 200.0), ("A3", 400.0)):
        one(tables, f"I-{account_id}", account_id, d(2024, 6, 10), amount)
    return tables


def test_filter_kam_id(tmp_path: Path) -> None:
    tables = _filter_tables()
    rows = engine_accounts(tmp_path, tables, d(2024, 6, 1), END, kam_id="K1")
    assert list(rows) == ["A1", "A3"]
    assert [rows[a]["revenue"] for a in rows] == pytest.approx([100.0, 400.0])
    check_portfolio(
        tmp_path, tables, d(2024, 6, 1), END, revenue=500.0, accounts=2, filters={"kam_id": "K1"}
    )
    check_portfolio(
        tmp_path, tables, d(2024, 6, 1), END, revenue=200.0, accounts=1, filters={"kam_id": "K2"}
    )


def test_filter_account_id_list(tmp_path: Path) -> None:
    tables = _filter_tables()
    rows = engine_accounts(tmp_path, tables, d(2024, 6, 1), END, account_id=["A2", "A3"])
    assert list(rows) == ["A2", "A3"]
    filters = {"account_id": ["A2", "A3"]}
    check_portfolio(
        tmp_path, tables, d(2024, 6, 1), END, revenue=600.0, accounts=2, filters=filters
    )
    rows = engine_accounts(tmp_path, tables, d(2024, 6, 1), END, industry="Pharma")
    assert list(rows) == ["A2"]
    rows = engine_accounts(tmp_path, tables, d(2024, 6, 1), END, region="Москва")
    assert list(rows) == ["A1", "A3"]


def test_ids_that_differ_only_by_zeros_case_or_contain_apostrophe(tmp_path: Path) -> None:
    # five distinct accounts; ids sort by code point: "007" < "7" < "ACC-5" < "O'Hara" < "acc-5"
    revenues = {"007": 100.0, "7": 200.0, "acc-5": 300.0, "ACC-5": 400.0, "O'Hara": 500.0}
    tables = base_tables()
    tables["accounts"] = [account(a) for a in revenues]
    for n, (account_id, amount) in enumerate(revenues.items()):
        one(tables, f"INV'{n}", account_id, d(2024, 6, 10), amount)
    tables["payments"].append(payment("PAY'1", "O'Hara", "INV'4", d(2024, 6, 20), 120.0))
    rows = engine_accounts(tmp_path, tables, d(2024, 6, 1), END)
    assert list(rows) == ["007", "7", "ACC-5", "O'Hara", "acc-5"]
    assert {a: r["revenue"] for a, r in rows.items()} == pytest.approx(revenues)
    assert rows["O'Hara"]["open_ar"] == pytest.approx(380.0)
    for account_id, amount in revenues.items():
        only = engine_accounts(tmp_path, tables, d(2024, 6, 1), END, account_id=account_id)
        assert list(only) == [account_id]
        assert only[account_id]["revenue"] == pytest.approx(amount)
    check_portfolio(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        revenue=500.0,
        open_ar=380.0,
        accounts=1,
        filters={"account_id": "O'Hara"},
    )
    check_portfolio(
        tmp_path,
        tables,
        d(2024, 6, 1),
        END,
        revenue=300.0,
        accounts=2,
        filters={"account_id": ["007", "7"]},
    )
    got = _store(tmp_path, tables).bridge(
        d(2023, 6, 1), d(2023, 6, 30), d(2024, 6, 1), END, account_id="O'Hara"
    )
    _expect(got, "engine", new=500.0, lost=0.0, revenue=500.0, revenue_base=0.0)


def test_portfolio_money_is_summed_to_the_kopeck(tmp_path: Path) -> None:
    """Three accounts invoiced 0.10, 0.20 and 0.40 ₽: the portfolio's revenue is 0.70 and its
    open AR too, exactly — accounts' figures added as doubles give 0.7000000000000001, which
    a CSV or JSON of the portfolio would print, and which changed with the order of adding."""
    tables = base_tables()
    tables["accounts"] += [account("A2"), account("A3", kam_id=None)]
    for number, (account_id, amount) in enumerate((("A1", 0.1), ("A2", 0.2), ("A3", 0.4))):
        add_document(tables, f"I{number}", account_id, d(2024, 3, 1), [("P1", 1, amount, 0.0)])
    assert 0.1 + 0.2 + 0.4 != 0.7  # what adding the accounts' doubles gives
    got = _store(tmp_path, tables).portfolio(d(2024, 1, 1), d(2024, 12, 31))
    assert got["revenue"] == 0.7
    assert got["open_ar"] == 0.7
    assert got["gross_margin"] == 0.7
    # the top five of three accounts are all three
    assert got["top5_share"] == 1.0
