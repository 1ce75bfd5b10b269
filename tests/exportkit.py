"""Build small, real Parquet exports for tests from plain Python rows.

Tests describe an export as `{table: [row dict, ...]}` and choose how it is stored (one file, a
folder of files, Hive partitions), which physical types money and dates use, so the same
hand-computed case can be checked across every storage variant the contract allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from kamdash.data.contract import TABLES_BY_NAME, ColumnKind

Layout = Literal["file", "folder", "hive"]
MoneyType = Literal["double", "decimal", "integer"]
DateType = Literal["date", "timestamp"]

Rows = Sequence[Mapping[str, Any]]


def base_tables() -> dict[str, list[dict[str, Any]]]:
    """One manager, one account, one product and empty transaction tables."""
    return {
        "managers": [{"kam_id": "K1", "kam_name": "Иванова Анна", "email": "anna@example.ru"}],
        "accounts": [account("A1")],
        "products": [{"product_id": "P1", "product_name": "Товар 1", "category": "Cat1"}],
        "invoices": [],
        "invoice_lines": [],
        "payments": [],
    }


def healthy_tables() -> dict[str, list[dict[str, Any]]]:
    """Two accounts, two products, two invoices, a credit note, an allocation, unapplied cash
    and a plan row: every table and both document types, and no finding at all."""
    tables = base_tables()
    tables["accounts"].append(account("A2", credit_limit=5000.0))
    tables["products"].append({"product_id": "P2", "product_name": "Товар 2", "category": "Cat2"})
    tables["invoices"] += [
        invoice("I1", "A1", dt.date(2024, 1, 10), 1200.0),
        invoice("I2", "A2", dt.date(2024, 2, 10), 600.0),
        invoice("C1", "A1", dt.date(2024, 2, 15), -120.0),
    ]
    tables["invoice_lines"] += [
        line("I1", 1, "P1", 10, 1000.0, 700.0),
        line("I2", 1, "P2", 5, 500.0, 300.0),
        line("C1", 1, "P1", -1, -100.0, -70.0),
    ]
    tables["payments"] += [
        payment("PAY1", "A1", "I1", dt.date(2024, 2, 1), 1000.0),
        payment("PAY2", "A2", None, dt.date(2024, 2, 20), 50.0),
    ]
    tables["targets"] = [
        {
            "account_id": "A1",
            "month": dt.date(2024, 1, 1),
            "revenue_target": 900.0,
            "gross_margin_target": 300.0,
        }
    ]
    return tables


def account(account_id: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "account_id": account_id,
        "account_name": f"ООО «Клиент {account_id}»",
        "group_name": None,
        "industry": "IT",
        "region": "Москва",
        "kam_id": "K1",
        "payment_terms_days": 30,
        "credit_limit": None,
        "onboarded_on": dt.date(2020, 1, 1),
    }
    row.update(overrides)
    return row


def invoice(
    invoice_id: str,
    account_id: str,
    invoice_date: dt.date,
    amount_due: float,
    *,
    due_date: dt.date | None = None,
    doc_type: str | None = None,
) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "account_id": account_id,
        "invoice_date": invoice_date,
        "due_date": due_date if due_date is not None else invoice_date + dt.timedelta(days=30),
        "doc_type": doc_type or ("credit_note" if amount_due < 0 else "invoice"),
        "amount_due": amount_due,
    }


def line(
    invoice_id: str,
    line_no: int,
    product_id: str,
    quantity: float,
    net_amount: float,
    cost_amount: float,
) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "line_no": line_no,
        "product_id": product_id,
        "quantity": quantity,
        "net_amount": net_amount,
        "cost_amount": cost_amount,
    }


def payment(
    payment_id: str,
    account_id: str,
    invoice_id: str | None,
    payment_date: dt.date,
    amount: float,
) -> dict[str, Any]:
    return {
        "payment_id": payment_id,
        "account_id": account_id,
        "invoice_id": invoice_id,
        "payment_date": payment_date,
        "amount": amount,
    }


def _arrow_type(kind: ColumnKind, money: MoneyType, dates: DateType) -> pa.DataType:
    if kind == "string":
        return pa.string()
    if kind == "integer":
        return pa.int32()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "money":
        return {"double": pa.float64(), "decimal": pa.decimal128(18, 2), "integer": pa.int64()}[
            money
        ]
    return pa.date32() if dates == "date" else pa.timestamp("us")


def _convert(value: Any, arrow_type: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_decimal(arrow_type):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    if pa.types.is_timestamp(arrow_type) and isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, 13, 45)
    if pa.types.is_integer(arrow_type) and isinstance(value, float):
        return round(value)
    return value


def to_arrow(
    table_name: str,
    rows: Rows,
    *,
    money: MoneyType = "double",
    dates: DateType = "date",
    extra_columns: Iterable[str] = (),
) -> pa.Table:
    """Rows → Arrow with contract types; columns a row carries beyond the contract are kept."""
    contract = TABLES_BY_NAME.get(table_name)
    names: list[str] = []
    types: dict[str, pa.DataType] = {}
    if contract is not None:
        for column in contract.columns:
            names.append(column.name)
            types[column.name] = _arrow_type(column.kind, money, dates)
    for row in rows:
        for name in row:
            if name not in types:
                names.append(name)
    names.extend(name for name in extra_columns if name not in names)
    arrays = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name in types:
            arrays[name] = pa.array([_convert(v, types[name]) for v in values], type=types[name])
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def write_export(
    directory: Path,
    tables: Mapping[str, Rows | pa.Table],
    *,
    layout: Layout = "file",
    money: MoneyType = "double",
    dates: DateType = "date",
) -> Path:
    """Write every table of `tables` as Parquet under `directory` and return it.

    `layout="folder"` splits each table over two files in a nested folder; `"hive"` writes
    `<table>/year=YYYY/part-N.parquet` (by the first date column, or a constant partition).
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        table = (
            rows if isinstance(rows, pa.Table) else to_arrow(name, rows, money=money, dates=dates)
        )
        if layout == "file":
            pq.write_table(table, directory / f"{name}.parquet")
        elif layout == "folder":
            half = table.num_rows // 2
            (directory / name / "deep" / "er").mkdir(parents=True, exist_ok=True)
            pq.write_table(table.slice(0, half), directory / name / "part-0.parquet")
            pq.write_table(table.slice(half), directory / name / "deep" / "er" / "part-1.parquet")
        else:
            _write_hive(directory / name, table)
    return directory


def _write_hive(folder: Path, table: pa.Table) -> None:
    date_columns = [
        f.name for f in table.schema if pa.types.is_date(f.type) or pa.types.is_timestamp(f.type)
    ]
    if not date_columns or table.num_rows == 0:
        (folder / "year=0").mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "year=0" / "part-0.parquet")
        return
    years = [value.year if value is not None else 0 for value in table[date_columns[0]].to_pylist()]
    for year in sorted(set(years)):
        mask = pa.array([y == year for y in years])
        (folder / f"year={year}").mkdir(parents=True, exist_ok=True)
        pq.write_table(table.filter(mask), folder / f"year={year}" / "part-0.parquet")


LineSpec = tuple[str, float, float, float]
"""(product_id, quantity, net_amount, cost_amount) of one invoice line."""


def add_document(
    tables: dict[str, list[dict[str, Any]]],
    invoice_id: str,
    account_id: str,
    invoice_date: dt.date,
    lines: Sequence[LineSpec],
    *,
    amount_due: float | None = None,
    due_date: dt.date | None = None,
) -> dict[str, Any]:
    """Append one document and its lines to `tables`; amount_due defaults to Σ net_amount.

    The document is a credit note when its amount is negative. Returns the invoice row.
    """
    if amount_due is None:
        amount_due = round(sum(spec[2] for spec in lines), 2)
    row = invoice(invoice_id, account_id, invoice_date, amount_due, due_date=due_date)
    tables.setdefault("invoices", []).append(row)
    for number, (product_id, quantity, net_amount, cost_amount) in enumerate(lines, start=1):
        tables.setdefault("invoice_lines", []).append(
            line(invoice_id, number, product_id, quantity, net_amount, cost_amount)
        )
    return row
