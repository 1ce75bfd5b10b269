"""Write 1C-style report files for import tests: what an analyst saves from 1C or Excel.

`write_csv` and `write_xlsx` put a title block above the header and an «Итого» row below the
data, as 1C's report forms do; `reports_from_export` writes a whole contract folder (e.g.
sample_data) as the files examples/1c/mapping.toml reads: cp1251 and UTF-8 CSV and XLSX with
Russian headers, decimal commas, no-break thousands spaces and `dd.mm.yyyy 0:00:00` dates.
`assert_conserved` checks an import's counts against the folder it published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import openpyxl

from kamdash.data.importing import ImportResult

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_MAPPING = REPO / "examples" / "1c" / "mapping.toml"
NBSP = "\u00a0"
TITLES = {
    "accounts": "Контрагенты",
    "managers": "Пользователи",
    "products": "Номенклатура",
    "invoices": "Реализации товаров и услуг",
    "invoice_lines": "Валовая прибыль предприятия",
    "payments": "Оплаты от клиентов",
    "targets": "План продаж по клиентам",
}

# contract column -> the header examples/1c/mapping.toml reads it from, per table
HEADERS: dict[str, dict[str, str]] = {
    "accounts": {
        "account_id": "ИНН",
        "account_name": "Контрагент",
        "group_name": "Холдинг",
        "industry": "Отрасль",
        "region": "Регион",
        "kam_id": "Код менеджера",
        "payment_terms_days": "Отсрочка, дней",
        "credit_limit": "Кредитный лимит",
        "onboarded_on": "Дата начала работы",
        "contract_end_on": "Срок действия договора",
    },
    "managers": {"kam_id": "Код", "kam_name": "Менеджер", "email": "Email"},
    "products": {
        "product_id": "Артикул",
        "product_name": "Номенклатура",
        "category": "Вид номенклатуры",
    },
    "invoices": {
        "invoice_id": "Номер",
        "invoice_date": "Дата",
        "account_id": "ИНН",
        "doc_type": "Вид документа",
        "due_date": "Срок оплаты",
        "amount_due": "Сумма",
    },
    "invoice_lines": {
        "invoice_id": "Номер",
        "product_id": "Артикул",
        "quantity": "Количество",
        "net_amount": "Сумма без НДС",
        "cost_amount": "Себестоимость",
    },
    "payments": {
        "payment_id": "Документ оплаты",
        "payment_date": "Дата",
        "account_id": "ИНН",
        "invoice_id": "Документ расчетов",
        "amount": "Оплата",
    },
    "targets": {
        "account_id": "ИНН",
        "month": "Месяц",
        "revenue_target": "План выручки",
        "gross_margin_target": "План валовой прибыли",
    },
}
DOC_TYPES = {"invoice": "Реализация товаров и услуг", "credit_note": "Возврат товаров от клиента"}
MONEY = {
    "credit_limit",
    "amount_due",
    "net_amount",
    "cost_amount",
    "amount",
    "revenue_target",
    "gross_margin_target",
}


def money_text(value: Decimal | float | int, space: str = NBSP) -> str:
    """`1 234 567,89` as 1C writes it (no-break spaces between thousands)."""
    return f"{Decimal(str(value)):,.2f}".replace(",", space).replace(".", ",")


def number_text(value: float | int) -> str:
    text = format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(".", ",")


def cell_text(column: str, value: Any, *, with_time: bool = False) -> str:
    if value is None:
        return ""
    if column == "doc_type":
        return DOC_TYPES[value]
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y") + (" 0:00:00" if with_time else "")
    if column in MONEY:
        return money_text(value)
    if isinstance(value, float | int):
        return number_text(value)
    return str(value)


def write_csv(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "cp1251",
    delimiter: str = ";",
    title: Sequence[str] = (),
    totals: Sequence[str] | None = None,
) -> Path:
    """Rows of text as a CSV: quoted when a field holds the delimiter, a quote or a line break."""

    def field(text: str) -> str:
        if any(c in text for c in (delimiter, '"', "\n", "\r")):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [*title, delimiter.join(field(h) for h in headers)]
    lines += [delimiter.join(field(c) for c in row) for row in rows]
    if totals is not None:
        lines.append(delimiter.join(field(c) for c in totals))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "Лист1",
    title: Sequence[str] = (),
    totals: Sequence[Any] | None = None,
) -> Path:
    """Cells as typed values (numbers, dates) under a merged title block, as 1C saves XLSX."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for line in title:
        ws.append([line or None])
        if line:
            ws.merge_cells(
                start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=len(headers)
            )
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    if totals is not None:
        ws.append(list(totals))
    book.save(path)
    return path


def _table_rows(con: duckdb.DuckDBPyConnection, data: Path, table: str) -> list[dict[str, Any]]:
    single = data / f"{table}.parquet"
    source = str(single) if single.is_file() else str(data / table / "**" / "*.parquet")
    order = {
        "invoice_lines": "invoice_id, line_no",
        "invoices": "invoice_id",
        "payments": "payment_id",
    }.get(table, "1, 2")
    columns = ", ".join(f'"{c}"' for c in HEADERS[table])
    relation = con.sql(f"select {columns} from read_parquet(?) order by {order}", params=[source])
    names = relation.columns
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def _totals_row(table: str, rows: list[dict[str, Any]], xlsx: bool) -> list[Any]:
    cells: list[Any] = []
    for index, column in enumerate(HEADERS[table]):
        if index == 0:
            cells.append("Итого")
        elif column in MONEY:
            total = sum((Decimal(str(r[column] or 0)) for r in rows), Decimal(0))
            cells.append(float(total) if xlsx else money_text(total))
        else:
            cells.append(None if xlsx else "")
    return cells


def reports_from_export(data: Path, out: Path) -> Path:
    """`data` (a contract folder) as the 1C reports examples/1c/mapping.toml reads, in `out`:
    Реализации and Продажи as Windows-1251 CSV with `;`, Менеджеры and Номенклатура as UTF-8
    CSV with a BOM (`,` and tab), Контрагенты, Оплаты and План as XLSX; every file with a title
    block and, where it has money, an «Итого» row."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    csv_files = {
        "invoices": ("Реализации.csv", "cp1251", ";", True),
        "invoice_lines": ("Продажи.csv", "cp1251", ";", False),
        "managers": ("Менеджеры.csv", "utf-8-sig", ",", False),
        "products": ("Номенклатура.csv", "utf-8-sig", "\t", False),
    }
    for table, (name, encoding, delimiter, with_time) in csv_files.items():
        rows = _table_rows(con, data, table)
        texts = [[cell_text(c, r[c], with_time=with_time) for c in HEADERS[table]] for r in rows]
        has_money = any(c in MONEY for c in HEADERS[table])
        write_csv(
            out / name,
            list(HEADERS[table].values()),
            texts,
            encoding=encoding,
            delimiter=delimiter,
            title=[TITLES[table], "Параметры: Организация = ООО «Торговый дом»", ""],
            totals=_totals_row(table, rows, xlsx=False) if has_money else None,
        )
    xlsx_files = {"accounts": "Контрагенты.xlsx", "payments": "Оплаты.xlsx", "targets": "План.xlsx"}
    for table, name in xlsx_files.items():
        rows = _table_rows(con, data, table)
        cells = [
            [float(v) if isinstance(v, Decimal) else v for v in (r[c] for c in HEADERS[table])]
            for r in rows
        ]
        write_xlsx(
            out / name,
            list(HEADERS[table].values()),
            cells,
            title=[TITLES[table], "Параметры: Организация = ООО «Торговый дом»"],
            totals=_totals_row(table, rows, xlsx=True),
        )
    con.close()
    return out


def published_totals(out: Path, table: str, money: Sequence[str]) -> tuple[int, dict[str, Decimal]]:
    """Rows and exact money sums of `table` as published in `out`."""
    single = out / f"{table}.parquet"
    source = str(single) if single.is_file() else str(out / table / "**" / "*.parquet")
    sums = "".join(f', coalesce(sum("{c}"), 0)' for c in money)
    con = duckdb.connect()
    row = con.sql(f"select count(*){sums} from read_parquet(?)", params=[source]).fetchall()[0]
    con.close()
    assert row is not None
    return int(row[0]), {c: Decimal(row[i + 1]) for i, c in enumerate(money)}


def assert_conserved(result: ImportResult) -> None:
    """Per file: rows and money read = written + rejected; per table, when published: the
    folder holds exactly the rows and money the files wrote."""
    for item in result.record.files:
        assert item.rows_read == item.rows_written + item.rows_rejected, item.to_text()
        for money in item.money:
            assert money.read == money.written + money.rejected, item.to_text()
    if not result.published:
        return
    for table in {f.table for f in result.record.files}:
        files = [f for f in result.record.files if f.table == table]
        columns = sorted({m.column for f in files for m in f.money})
        rows, sums = published_totals(result.out_dir, table, columns)
        assert rows == sum(f.rows_written for f in files), table
        for column in columns:
            written = sum(
                (m.written for f in files for m in f.money if m.column == column), Decimal(0)
            )
            assert sums[column] == written, (table, column)


# -- small hand-made reports -----------------------------------------------------------

INVOICE_HEADERS = ["Номер", "Дата", "Контрагент", "Вид документа", "Срок оплаты", "Сумма"]
DOC = "Реализация товаров и услуг"
RETURN = "Возврат товаров от клиента"

MAPPING = """
[managers]
files = "managers.csv"
[accounts]
files = "accounts.csv"
[products]
files = "products.csv"
[payments]
files = "payments.csv"
[invoice_lines]
files = "lines.csv"
[invoices]
files = "Реализации*"
[invoices.columns]
invoice_id = "Номер"
invoice_date = "Дата"
account_id = "Контрагент"
doc_type = "Вид документа"
due_date = "Срок оплаты"
amount_due = "Сумма"
[invoices.values.doc_type]
"Реализация товаров и услуг" = "invoice"
"Возврат товаров от клиента" = "credit_note"
"""


def contract_csv(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    write_csv(path, headers, rows, encoding="utf-8", delimiter=";")


def reports(folder: Path, invoice_ids: list[str], mapping: str = MAPPING) -> Path:
    """Every table but invoices, in contract headers: two accounts (terms 30 and 45 days), a
    line per invoice of `invoice_ids` and one payment on the first."""
    folder.mkdir(parents=True, exist_ok=True)
    contract_csv(folder / "managers.csv", ["kam_id", "kam_name"], [["K1", "Иванова Анна"]])
    contract_csv(
        folder / "accounts.csv",
        ["account_id", "account_name", "industry", "region", "kam_id", "payment_terms_days"],
        [
            ["A1", "ООО «Альфа»", "IT", "Москва", "K1", "30"],
            ["A2", "АО «Бета»", "Retail", "Казань", "K1", "45"],
        ],
    )
    contract_csv(
        folder / "products.csv",
        ["product_id", "product_name", "category"],
        [["P1", "Товар 1", "Cat"]],
    )
    contract_csv(
        folder / "lines.csv",
        ["invoice_id", "line_no", "product_id", "quantity", "net_amount", "cost_amount"],
        [[i, "1", "P1", "1", "1.00", "0.50"] for i in invoice_ids],
    )
    contract_csv(
        folder / "payments.csv",
        ["payment_id", "account_id", "invoice_id", "payment_date", "amount"],
        [["PAY1", "A1", invoice_ids[0], "2025-02-01", "10.00"]],
    )
    (folder.parent / "mapping.toml").write_text(mapping, encoding="utf-8")
    return folder


def invoices_out(out: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    rows = con.sql(
        "select invoice_id, account_id, invoice_date, due_date, doc_type, amount_due "
        "from read_parquet(?) order by invoice_id",
        params=[str(out / "invoices" / "**" / "*.parquet")],
    ).fetchall()
    con.close()
    return rows
