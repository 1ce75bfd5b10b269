"""What the benchmark runs in fresh processes, so cold numbers include imports and reads.

`python -m kamdash.tools.bench_children NAME DATA_DIR [CACHE_DIR]` runs one of: `kamdash_cold` (open
the store — from CACHE_DIR when it holds this data version, else validating and building it
there — and compute the first portfolio page), `pandas_dashboard` (a typical pandas Streamlit
dashboard's work for the same figures: read Parquet, merge, groupby, then a rerun for another
period), `pandas_accounts` (a plain pandas script doing what `kamdash metrics accounts` does
for the year to date: read the Parquet files, merge, group by account, write CSV) or
`duckdb_floor` (DuckDB scanning only the Parquet columns those figures need). Each prints one
JSON line, including its own peak resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any


def kamdash_cold(data: Path, cache: Path | None = None) -> dict[str, Any]:
    from kamdash import open_store

    started = time.perf_counter()
    store = open_store(data, cache_dir=cache)
    open_s = time.perf_counter() - started
    _, last = store.data_range()
    assert last is not None
    start = last.replace(month=1, day=1)
    store.portfolio(start, last)
    return {"accounts": store.accounts(start, last).height, "open_s": open_s}


def _read_table(data: Path, name: str, columns: list[str]) -> Any:
    import pandas as pd

    single = data / f"{name}.parquet"
    return pd.read_parquet(single if single.exists() else data / name, columns=columns)


def pandas_accounts(data: Path, cache: Path | None = None) -> dict[str, Any]:
    """Per-account revenue, COGS and margin for the year to date, as a plain script would."""
    import pandas as pd

    accounts = _read_table(data, "accounts", ["account_id", "account_name", "kam_id"])
    invoices = _read_table(data, "invoices", ["invoice_id", "account_id", "invoice_date"])
    lines = _read_table(data, "invoice_lines", ["invoice_id", "net_amount", "cost_amount"])
    invoices["invoice_date"] = pd.to_datetime(invoices["invoice_date"])
    for column in ("net_amount", "cost_amount"):
        lines[column] = lines[column].astype(float)
    end = invoices.invoice_date.max()
    start = pd.Timestamp(end.year, 1, 1)
    period = invoices[(invoices.invoice_date >= start) & (invoices.invoice_date <= end)]
    pnl = (
        lines.merge(period[["invoice_id", "account_id"]], on="invoice_id")
        .groupby("account_id")[["net_amount", "cost_amount"]]
        .sum()
    )
    table = accounts.set_index("account_id").join(pnl).fillna({"net_amount": 0, "cost_amount": 0})
    table["gross_margin"] = table.net_amount - table.cost_amount
    written = table.to_csv()
    return {
        "rows": len(table),
        "revenue": float(table.net_amount.sum()),
        "csv_bytes": len(written),
        "start": str(start.date()),
    }


def pandas_dashboard(data: Path, cache: Path | None = None) -> dict[str, Any]:
    import pandas as pd

    def read(name: str, columns: list[str]) -> pd.DataFrame:
        frame: pd.DataFrame = _read_table(data, name, columns)
        return frame

    accounts = read("accounts", ["account_id", "account_name", "kam_id"])
    invoices = read(
        "invoices", ["invoice_id", "account_id", "invoice_date", "due_date", "amount_due"]
    )
    lines = read("invoice_lines", ["invoice_id", "net_amount", "cost_amount"])
    payments = read("payments", ["invoice_id", "payment_date", "amount"])
    for frame, column in (
        (invoices, "invoice_date"),
        (invoices, "due_date"),
        (payments, "payment_date"),
    ):
        frame[column] = pd.to_datetime(frame[column])
    for frame, column in (
        (invoices, "amount_due"),
        (lines, "net_amount"),
        (lines, "cost_amount"),
        (payments, "amount"),
    ):
        frame[column] = frame[column].astype(float)
    lines = lines.merge(invoices[["invoice_id", "account_id", "invoice_date"]], on="invoice_id")

    def page(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        period = lines[(lines.invoice_date >= start) & (lines.invoice_date <= end)]
        pnl = period.groupby("account_id")[["net_amount", "cost_amount"]].sum()
        docs = invoices[invoices.invoice_date <= end]
        paid = payments[payments.payment_date <= end].groupby("invoice_id")["amount"].sum()
        docs = docs.merge(paid.rename("paid"), left_on="invoice_id", right_index=True, how="left")
        docs["open"] = docs.amount_due - docs.paid.fillna(0)
        docs["days_past_due"] = (end - docs.due_date).dt.days
        docs["bucket"] = pd.cut(docs.days_past_due, [-(10**9), 0, 30, 60, 90, 10**9])
        aging = docs[docs.open > 0].pivot_table(
            index="account_id", columns="bucket", values="open", aggfunc="sum", observed=False
        )
        return accounts.set_index("account_id").join(pnl).join(aging)

    end = invoices.invoice_date.max()
    start = pd.Timestamp(end.year, 1, 1)
    table = page(start, end)
    rerun_started = time.perf_counter()
    page(pd.Timestamp(end.year - 1, 1, 1), pd.Timestamp(end.year - 1, 12, 31))
    return {
        "rerun_ms": (time.perf_counter() - rerun_started) * 1000,
        "start": str(start.date()),
        "end": str(end.date()),
        "revenue": {str(k): float(v) for k, v in table["net_amount"].fillna(0).items()},
    }


def duckdb_floor(data: Path, cache: Path | None = None) -> dict[str, Any]:
    import duckdb

    from kamdash.data.sources import discover

    sources = discover(data)
    con = duckdb.connect()
    scans = {
        "invoice_lines": "select sum(net_amount), sum(cost_amount), count(invoice_id)",
        "invoices": "select count(invoice_id), count(account_id), max(invoice_date), "
        "max(due_date), sum(amount_due)",
        "payments": "select count(invoice_id), max(payment_date), sum(amount)",
    }
    for table, select in scans.items():
        files = [str(path) for path in sources.files(table)]
        con.sql(f"{select} from read_parquet($1)", params=[files]).fetchall()
    return {}


CHILDREN = {
    "kamdash_cold": kamdash_cold,
    "pandas_dashboard": pandas_dashboard,
    "pandas_accounts": pandas_accounts,
    "duckdb_floor": duckdb_floor,
}

if __name__ == "__main__":
    name, data_dir = sys.argv[1], Path(sys.argv[2])
    cache_dir = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    output = CHILDREN[name](data_dir, cache_dir)
    output["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(output))
