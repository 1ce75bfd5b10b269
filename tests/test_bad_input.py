"""The bad-input corpus: broken exports, built here, each with a named verdict.

Every case starts from the same small valid export and breaks one thing (a file, a column, a
key, a reference, a sign, a date, a layout). For each, `kamdash validate` must exit 1 when
the data cannot be shown and 0 when it can, name the finding (rule, table, column, example
keys, file) in JSON and in text, never print a traceback, and, when the data is shown, prove
with the conservation lines that the money it leaves out is exactly what the broken rows
carry. A representative subset is also opened in the app on the `/data` page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import exportkit as ek
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from appkit import open_page
from streamlit.testing.v1 import AppTest

from kamdash import open_store
from kamdash.cli import main as cli_main
from kamdash.engine.measures import Language
from kamdash.ui.components import escape_md
from kamdash.ui.i18n import t

D = dt.date

Tables = dict[str, Any]  # table name → list of row dicts, or a pyarrow Table
Builder = Callable[[Path], Tables | None]  # writes an export into the folder

MONEY_COLUMNS = (
    ("invoices", "amount_due"),
    ("invoice_lines", "net_amount"),
    ("invoice_lines", "cost_amount"),
    ("payments", "amount"),
)


def healthy() -> Tables:
    return ek.healthy_tables()


# the rows that break a reference; the excluded sums below are computed from them
ORPHAN_DOC = ek.invoice("I9", "GHOST", D(2024, 3, 1), 240.0)
ORPHAN_DOC_LINE = ek.line("I9", 1, "P1", 2, 200.0, 100.0)
ORPHAN_LINE = ek.line("NOPE", 1, "P2", 1, 50.0, 20.0)
ORPHAN_ALLOCATION = ek.payment("PAY7", "A1", "NOPE", D(2024, 3, 2), 70.0)
ORPHAN_CASH = ek.payment("PAY8", "GHOST", None, D(2024, 3, 2), 30.0)
ORPHAN_TARGET = {"account_id": "A9", "month": D(2024, 2, 1), "revenue_target": 10.0}
LONG = "Ж" * 5000 + "x" * 5240  # a 10 KB string (more than 10 240 characters, 15 KB UTF-8)
LONG_ORPHAN_LINE = ek.line("Q" * 10240, 1, "P1", 1, 5.0, 1.0)


# -- expectations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """One finding the report must contain; unset fields are not checked."""

    severity: str
    table: str
    column: str | None
    rule: str
    count: int | None = None
    examples: tuple[str, ...] | None = None
    files: tuple[str, ...] | None = None
    says: tuple[str, ...] = ()  # fragments of the message a person must read
    excluded: dict[str, float] | None = None

    @property
    def key(self) -> tuple[str, str, str | None, str]:
        return (self.severity, self.table, self.column, self.rule)


def error(where: str, rule: str, **details: Any) -> Expect:
    table, _, column = where.partition(".")
    return Expect("error", table, column or None, rule, **details)


def warning(where: str, rule: str, **details: Any) -> Expect:
    table, _, column = where.partition(".")
    return Expect("warning", table, column or None, rule, **details)


def unbalanced(where: str) -> Expect:
    """The conservation error that duplicate keys bring along (money counted twice)."""
    return error(where, "conservation", says=("NOT BALANCED", "duplicate keys"))


@dataclass(frozen=True)
class Case:
    name: str
    build: Builder
    findings: tuple[Expect, ...]  # every finding of the report, in any order
    file: str  # what the text report must name for the first finding
    excluded: dict[str, float] = field(default_factory=dict)  # "table.column" → roubles

    @property
    def code(self) -> int:
        return 1 if any(f.severity == "error" for f in self.findings) else 0

    @property
    def shown(self) -> bool:
        return self.code == 0


# -- builders ------------------------------------------------------------------------------------


def rows(mutate: Callable[[Tables], object], *, layout: ek.Layout = "file") -> Builder:
    """The healthy export with its rows changed by `mutate`."""

    def build(folder: Path) -> Tables:
        tables = healthy()
        mutate(tables)
        ek.write_export(folder, tables, layout=layout)
        return tables

    return build


def then(build: Builder, damage: Callable[[Path], None]) -> Builder:
    """`build`, then damage the written files; the rows no longer describe the files."""

    def run(folder: Path) -> None:
        build(folder)
        damage(folder)

    return run


def set_column(tables: Tables, table: str, column: str, values: pa.Array) -> None:
    arrow = tables[table]
    if not isinstance(arrow, pa.Table):
        arrow = ek.to_arrow(table, arrow)
    tables[table] = arrow.set_column(arrow.schema.get_field_index(column), column, values)


def text_money(value: float) -> str:
    """1234.56 as an ERP in a Russian locale writes it: '1 234,56'."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def as_text(table: str, column: str, formatter: Callable[[Any], str] = str) -> Builder:
    def mutate(tables: Tables) -> None:
        values = [formatter(row[column]) for row in tables[table]]
        set_column(tables, table, column, pa.array(values, type=pa.string()))

    return rows(mutate)


def drop(table: str) -> Builder:
    return rows(lambda tables: tables.pop(table))


def append(table: str, *new_rows: dict[str, Any]) -> Builder:
    return rows(lambda tables: tables[table].extend(new_rows))


def update(table: str, index: int, **values: Any) -> Builder:
    return rows(lambda tables: tables[table][index].update(values))


def overwrite(name: str, content: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """Replace the bytes of one written file by `content(old bytes)`."""

    def damage(folder: Path) -> None:
        path = folder / name
        path.write_bytes(content(path.read_bytes()))

    return damage


def damage_page(name: str, column: str) -> Callable[[Path], None]:
    """Overwrite the first data page of `column`, leaving the footer intact (a bad disk sector
    or an interrupted copy): the schema reads, the rows do not."""

    def damage(folder: Path) -> None:
        path = folder / name
        metadata = pq.read_metadata(path)
        index = metadata.schema.names.index(column)
        offset = metadata.row_group(0).column(index).data_page_offset
        data = bytearray(path.read_bytes())
        data[offset : offset + 40] = b"\xff" * 40
        path.write_bytes(bytes(data))

    return damage


def rewrite_part(table: str, part: str, change: Callable[[pa.Table], pa.Table]) -> Builder:
    """A folder export whose file `part` of `table` is rewritten by `change`."""

    def damage(folder: Path) -> None:
        path = folder / table / part
        pq.write_table(change(pq.read_table(path)), path)

    return then(rows(lambda tables: None, layout="folder"), damage)


def without_columns(*names: str) -> Callable[[pa.Table], pa.Table]:
    return lambda table: table.drop_columns(list(names))


def column_as(name: str, values: Callable[[pa.Table], pa.Array]) -> Callable[[pa.Table], pa.Table]:
    return lambda table: table.set_column(table.schema.get_field_index(name), name, values(table))


def renamed(old: str, new: str) -> Callable[[pa.Table], pa.Table]:
    return lambda table: table.rename_columns([new if n == old else n for n in table.column_names])


def arrow_change(table: str, change: Callable[[pa.Table], pa.Table]) -> Builder:
    def mutate(tables: Tables) -> None:
        tables[table] = change(ek.to_arrow(table, tables[table]))

    return rows(mutate)


def compatible_types(folder: Path) -> Tables:
    """invoices over two files: DATE + double money in one, TIMESTAMP + DECIMAL in the other."""
    tables = healthy()
    ek.write_export(folder, {k: v for k, v in tables.items() if k != "invoices"})
    part = folder / "invoices"
    part.mkdir()
    first, second = tables["invoices"][:1], tables["invoices"][1:]
    pq.write_table(ek.to_arrow("invoices", first), part / "a.parquet")
    pq.write_table(
        ek.to_arrow("invoices", second, money="decimal", dates="timestamp"), part / "b.parquet"
    )
    return tables


def hive_by_account(*, truthful: bool) -> Builder:
    """invoices/account_id=X/ folders; untruthful: each file sits under the other account."""

    def build(folder: Path) -> Tables:
        tables = healthy()
        ek.write_export(folder, {k: v for k, v in tables.items() if k != "invoices"})
        for account_id, label in (
            (("A1", "A1"), ("A2", "A2")) if truthful else (("A1", "A2"), ("A2", "A1"))
        ):
            documents = [r for r in tables["invoices"] if r["account_id"] == account_id]
            part = folder / "invoices" / f"account_id={label}"
            part.mkdir(parents=True)
            pq.write_table(ek.to_arrow("invoices", documents), part / "part-0.parquet")
        return tables

    return build


def two_locations(*, overlapping: bool) -> Builder:
    """invoices both as invoices.parquet and as an invoices/ folder (an old copy left behind,
    or a second batch put beside the first)."""

    def build(folder: Path) -> Tables:
        tables = healthy()
        if overlapping:
            ek.write_export(folder, tables)
            ek.write_export(folder, {"invoices": tables["invoices"]}, layout="folder")
            return {**tables, "invoices": tables["invoices"] * 2}
        extra = ek.invoice("I7", "A2", D(2024, 3, 1), 10.0)
        tables["invoice_lines"].append(ek.line("I7", 1, "P2", 1, 8.0, 4.0))
        ek.write_export(folder, tables)
        (folder / "invoices").mkdir()
        pq.write_table(ek.to_arrow("invoices", [extra]), folder / "invoices" / "batch-2.parquet")
        return {**tables, "invoices": [*tables["invoices"], extra]}

    return build


def table_as_spark_folder(folder: Path) -> None:
    """accounts.parquet/part-0.parquet, the way Spark writes a 'file'."""
    tables = healthy()
    ek.write_export(folder, {k: v for k, v in tables.items() if k != "accounts"})
    (folder / "accounts.parquet").mkdir()
    pq.write_table(
        ek.to_arrow("accounts", tables["accounts"]), folder / "accounts.parquet" / "part-0.parquet"
    )


def folder_without_files(table: str) -> Builder:
    def build(folder: Path) -> Tables:
        tables = healthy()
        kept = {k: v for k, v in tables.items() if k != table}
        ek.write_export(folder, kept)
        (folder / table).mkdir()
        (folder / table / "_SUCCESS").write_text("", encoding="utf-8")
        (folder / table / "part-0.csv").write_text("a,b\n", encoding="utf-8")
        return kept

    return build


def no_invoices(tables: Tables) -> None:
    tables["invoices"] = []


def no_transactions(tables: Tables) -> None:
    tables["invoices"], tables["invoice_lines"], tables["payments"] = [], [], []


def long_strings(tables: Tables) -> None:
    """10 KB names and ids everywhere a person could paste a long value."""
    tables["accounts"][0]["account_name"] = LONG
    tables["managers"][0]["kam_name"] = LONG
    tables["products"][0]["product_name"] = LONG
    long_id = "I2-" + LONG
    for row in tables["invoices"] + tables["invoice_lines"]:
        if row["invoice_id"] == "I2":
            row["invoice_id"] = long_id


def unknown_columns(tables: Tables) -> None:
    """Columns the contract does not name, including names the reader itself uses."""
    for row in tables["invoices"]:
        row.update(source_file="erp-7.parquet", filename="x", note="проверено", erp_id=17)
    for row in tables["accounts"]:
        row["Comment"] = "<b>html</b>"


def healthy_sum(table: str, column: str, where: Callable[[dict[str, Any]], bool]) -> float:
    return float(sum(row[column] for row in healthy()[table] if where(row)))


ALL_LINES_NET = healthy_sum("invoice_lines", "net_amount", lambda r: True)
ALL_LINES_COST = healthy_sum("invoice_lines", "cost_amount", lambda r: True)
ALLOCATED = healthy_sum("payments", "amount", lambda r: r["invoice_id"] is not None)
RANDOM_BYTES = random.Random(6).randbytes(4096)

# -- the corpus ----------------------------------------------------------------------------------

CASES: tuple[Case, ...] = (
    # files and tables
    Case(
        "missing_table",
        drop("payments"),
        (error("payments", "table.missing", says=("required table missing", "payments/ folder")),),
        "payments.parquet",
    ),
    Case(
        "table_as_spark_folder",
        table_as_spark_folder,
        (error("accounts", "table.missing", says=("accounts.parquet is a folder", "accounts/")),),
        "accounts.parquet",
    ),
    Case(
        "table_folder_without_parquet",
        folder_without_files("invoice_lines"),
        (
            error(
                "invoice_lines", "table.missing", says=("invoice_lines/ folder holds no .parquet",)
            ),
        ),
        "invoice_lines/",
    ),
    Case(
        "optional_table_folder_without_parquet",
        folder_without_files("targets"),
        (warning("targets", "table.missing", says=("optional table not read", "no targets data")),),
        "targets/",
    ),
    Case(
        "corrupt_file",
        then(rows(lambda t: None), overwrite("products.parquet", lambda _: RANDOM_BYTES)),
        (
            error(
                "products",
                "file.unreadable",
                files=("products.parquet",),
                says=("cannot be read as Parquet",),
            ),
        ),
        "products.parquet",
    ),
    Case(
        "truncated_file",
        then(rows(lambda t: None), overwrite("invoices.parquet", lambda b: b[: len(b) // 2])),
        (
            error(
                "invoices",
                "file.unreadable",
                files=("invoices.parquet",),
                says=("cannot be read as Parquet",),
            ),
        ),
        "invoices.parquet",
    ),
    Case(
        "empty_file",
        then(rows(lambda t: None), overwrite("invoice_lines.parquet", lambda _: b"")),
        (
            error(
                "invoice_lines",
                "file.unreadable",
                files=("invoice_lines.parquet",),
                says=("0 bytes",),
            ),
        ),
        "invoice_lines.parquet",
    ),
    Case(
        "damaged_data_page",
        then(rows(lambda t: None), damage_page("invoice_lines.parquet", "net_amount")),
        (
            error(
                "invoice_lines",
                "file.unreadable",
                files=("invoice_lines.parquet",),
                says=("cannot be read",),
            ),
        ),
        "invoice_lines.parquet",
    ),
    Case(
        "text_not_utf8",
        rows(
            lambda t: set_column(
                t,
                "managers",
                "kam_name",
                pa.array([b"\xff\xfe"], type=pa.binary()).view(pa.string()),
            )
        ),
        (error("managers", "file.unreadable", files=("managers.parquet",), says=("UTF8",)),),
        "managers.parquet",
    ),
    # columns and types
    Case(
        "missing_required_column",
        arrow_change("invoices", without_columns("amount_due")),
        (
            error(
                "invoices.amount_due",
                "column.missing",
                files=("invoices.parquet",),
                says=("required column amount_due",),
            ),
        ),
        "invoices.parquet",
    ),
    Case(
        "column_name_in_wrong_case",
        arrow_change("payments", renamed("amount", "Amount")),
        (
            error(
                "payments.amount",
                "column.missing",
                says=("case-sensitive", "the file has Amount instead"),
            ),
        ),
        "payments.parquet",
    ),
    Case(
        "column_twice_in_a_file",
        arrow_change("payments", lambda a: a.append_column("amount", a["amount"])),
        (
            error(
                "payments.amount",
                "column.duplicate",
                files=("payments.parquet",),
                says=("appears 2 times",),
            ),
        ),
        "payments.parquet",
    ),
    Case(
        "column_differing_only_in_case_before_it",
        arrow_change("payments", lambda a: a.add_column(0, "AMOUNT", pa.array([7.0] * a.num_rows))),
        (
            error(
                "payments.amount",
                "column.ambiguous",
                files=("payments.parquet",),
                says=("AMOUNT before amount", "would be read from AMOUNT", "rename or drop AMOUNT"),
            ),
        ),
        "payments.parquet",
    ),
    # after the contract's column, the variant is read as what it is: an unknown column
    Case(
        "column_differing_only_in_case_after_it",
        arrow_change("payments", lambda a: a.append_column("AMOUNT", pa.array([7.0] * a.num_rows))),
        (),
        "valid",
    ),
    Case(
        "money_as_text",
        as_text("invoice_lines", "net_amount", lambda v: f"{v:.2f}"),
        (
            error(
                "invoice_lines.net_amount",
                "column.type",
                says=("stored as string", "'1000.00'", "DECIMAL"),
            ),
        ),
        "invoice_lines.parquet",
    ),
    Case(
        "money_as_text_with_comma_decimals",
        as_text("payments", "amount", text_money),
        (error("payments.amount", "column.type", says=("stored as string", "'1 000,00'")),),
        "payments.parquet",
    ),
    Case(
        "numeric_ids",
        rows(lambda t: set_column(t, "accounts", "account_id", pa.array([1, 2], type=pa.int64()))),
        (error("accounts.account_id", "column.type", says=("stored as int64", "needs a string")),),
        "accounts.parquet",
    ),
    Case(
        "date_as_text",
        as_text("invoices", "invoice_date", lambda d: d.isoformat()),
        (
            error(
                "invoices.invoice_date", "column.type", says=("'2024-01-10'", "DATE or TIMESTAMP")
            ),
        ),
        "invoices.parquet",
    ),
    # values
    Case(
        "nan_money",
        update("invoice_lines", 0, net_amount=float("nan")),
        (
            error(
                "invoice_lines.net_amount",
                "value.not_finite",
                count=1,
                examples=("'I1 / 1'",),
                says=("NaN",),
            ),
        ),
        "invoice_lines.parquet",
    ),
    Case(
        "infinite_money",
        rows(
            lambda t: (
                t["payments"][1].update(amount=float("inf")),
                t["invoices"][2].update(amount_due=float("-inf")),
            )
        ),
        (
            error("payments.amount", "value.not_finite", count=1, examples=("'PAY2 / NULL'",)),
            error("invoices.amount_due", "value.not_finite", count=1, examples=("'C1'",)),
        ),
        "payments.parquet",
    ),
    Case(
        "required_value_empty",
        update("invoices", 1, account_id=None),
        (error("invoices.account_id", "value.not_null", count=1, examples=("'I2'",)),),
        "invoices.parquet",
    ),
    Case(
        "money_beyond_range",
        update("payments", 0, amount=2e14),
        (error("payments.amount", "value.out_of_range", count=1, examples=("'PAY1 / I1'",)),),
        "payments.parquet",
    ),
    Case(
        "whole_number_beyond_range",
        rows(
            lambda t: set_column(
                t, "invoice_lines", "line_no", pa.array([1, 2**64 - 1, 1], type=pa.uint64())
            )
        ),
        (error("invoice_lines.line_no", "value.out_of_range", count=1, says=("10^18",)),),
        "invoice_lines.parquet",
    ),
    # keys: each table's, and unapplied cash whose key holds a NULL
    Case(
        "duplicate_accounts",
        append("accounts", ek.account("A1", account_name="Дубль")),
        (error("accounts.account_id", "key.unique", count=2, examples=("'A1'",)),),
        "accounts.parquet",
    ),
    Case(
        "duplicate_managers",
        append("managers", {"kam_id": "K1", "kam_name": "Дубль"}),
        (error("managers.kam_id", "key.unique", count=2, examples=("'K1'",)),),
        "managers.parquet",
    ),
    Case(
        "duplicate_products",
        append("products", {"product_id": "P1", "product_name": "Дубль", "category": "Cat9"}),
        (
            error("products.product_id", "key.unique", count=2, examples=("'P1'",)),
            unbalanced("invoice_lines.net_amount"),
            unbalanced("invoice_lines.cost_amount"),
        ),
        "products.parquet",
    ),
    Case(
        "duplicate_invoices",
        append("invoices", ek.invoice("I1", "A1", D(2024, 1, 11), 5.0)),
        (
            error("invoices.invoice_id", "key.unique", count=2, examples=("'I1'",)),
            unbalanced("invoice_lines.net_amount"),
            unbalanced("invoice_lines.cost_amount"),
            unbalanced("payments.amount"),
        ),
        "invoices.parquet",
    ),
    Case(
        "duplicate_invoice_lines",
        append("invoice_lines", ek.line("I1", 1, "P2", 1, 10.0, 5.0)),
        (
            error(
                "invoice_lines.invoice_id, line_no", "key.unique", count=2, examples=("'I1 / 1'",)
            ),
        ),
        "invoice_lines.parquet",
    ),
    Case(
        "duplicate_payments",
        append("payments", ek.payment("PAY1", "A1", "I1", D(2024, 2, 2), 3.0)),
        (
            error(
                "payments.payment_id, invoice_id", "key.unique", count=2, examples=("'PAY1 / I1'",)
            ),
        ),
        "payments.parquet",
    ),
    Case(
        "duplicate_unapplied_cash",
        append("payments", ek.payment("PAY2", "A2", None, D(2024, 2, 21), 50.0)),
        (
            error(
                "payments.payment_id, invoice_id",
                "key.unique",
                count=2,
                examples=("'PAY2 / NULL'",),
            ),
        ),
        "payments.parquet",
    ),
    Case(
        "duplicate_targets",
        append("targets", {"account_id": "A1", "month": D(2024, 1, 1), "revenue_target": 1.0}),
        (
            error(
                "targets.account_id, month", "key.unique", count=2, examples=("'A1 / 2024-01-01'",)
            ),
        ),
        "targets.parquet",
    ),
    # zero rows
    Case(
        "zero_accounts",
        rows(lambda t: t.update(accounts=[])),
        (
            error("accounts", "table.empty", says=("no rows",)),
            warning("invoices.account_id", "reference.account_id", count=3),
            warning("invoice_lines.invoice_id", "reference.invoice_id", count=3),
            warning("payments.invoice_id", "reference.invoice_id", count=1),
            warning("payments.account_id", "reference.account_id", count=1),
            warning("targets.account_id", "reference.account_id", count=1),
        ),
        "accounts.parquet",
    ),
    Case(
        "zero_invoices",
        rows(no_invoices),
        (
            warning("invoices", "table.empty", says=("no rows",)),
            warning(
                "invoice_lines.invoice_id",
                "reference.invoice_id",
                count=3,
                excluded={"net_amount": ALL_LINES_NET, "cost_amount": ALL_LINES_COST},
            ),
            warning(
                "payments.invoice_id",
                "reference.invoice_id",
                count=1,
                excluded={"amount": ALLOCATED},
            ),
        ),
        "invoices.parquet",
        excluded={
            "invoice_lines.net_amount": ALL_LINES_NET,
            "invoice_lines.cost_amount": ALL_LINES_COST,
            "payments.amount": ALLOCATED,
        },
    ),
    Case(
        "zero_transactions",
        rows(no_transactions),
        (warning("invoices", "table.empty", files=("invoices.parquet",)),),
        "invoices.parquet",
    ),
    # references
    Case(
        "orphan_kam",
        update("accounts", 1, kam_id="K9"),
        (warning("accounts.kam_id", "reference.kam_id", count=1, examples=("'A2'",)),),
        "accounts.parquet",
    ),
    Case(
        "orphan_invoice_account",
        rows(
            lambda t: (t["invoices"].append(ORPHAN_DOC), t["invoice_lines"].append(ORPHAN_DOC_LINE))
        ),
        (
            warning(
                "invoices.account_id",
                "reference.account_id",
                count=1,
                examples=("'I9'",),
                excluded={"amount_due": ORPHAN_DOC["amount_due"]},
            ),
            warning(
                "invoice_lines.invoice_id",
                "reference.invoice_id",
                count=1,
                examples=("'I9 / 1'",),
                excluded={
                    "net_amount": ORPHAN_DOC_LINE["net_amount"],
                    "cost_amount": ORPHAN_DOC_LINE["cost_amount"],
                },
            ),
        ),
        "invoices.parquet",
        excluded={
            "invoices.amount_due": ORPHAN_DOC["amount_due"],
            "invoice_lines.net_amount": ORPHAN_DOC_LINE["net_amount"],
            "invoice_lines.cost_amount": ORPHAN_DOC_LINE["cost_amount"],
        },
    ),
    Case(
        "orphan_line_invoice",
        append("invoice_lines", ORPHAN_LINE),
        (
            warning(
                "invoice_lines.invoice_id",
                "reference.invoice_id",
                count=1,
                examples=("'NOPE / 1'",),
                excluded={
                    "net_amount": ORPHAN_LINE["net_amount"],
                    "cost_amount": ORPHAN_LINE["cost_amount"],
                },
            ),
        ),
        "invoice_lines.parquet",
        excluded={
            "invoice_lines.net_amount": ORPHAN_LINE["net_amount"],
            "invoice_lines.cost_amount": ORPHAN_LINE["cost_amount"],
        },
    ),
    Case(
        "orphan_line_product",
        update("invoice_lines", 1, product_id="P404"),
        (
            warning(
                "invoice_lines.product_id", "reference.product_id", count=1, examples=("'I2 / 1'",)
            ),
        ),
        "invoice_lines.parquet",
    ),
    Case(
        "orphan_payment_invoice",
        append("payments", ORPHAN_ALLOCATION),
        (
            warning(
                "payments.invoice_id",
                "reference.invoice_id",
                count=1,
                examples=("'PAY7 / NOPE'",),
                excluded={"amount": ORPHAN_ALLOCATION["amount"]},
            ),
        ),
        "payments.parquet",
        excluded={"payments.amount": ORPHAN_ALLOCATION["amount"]},
    ),
    Case(
        "orphan_unapplied_cash_account",
        append("payments", ORPHAN_CASH),
        (
            warning(
                "payments.account_id",
                "reference.account_id",
                count=1,
                examples=("'PAY8 / NULL'",),
                excluded={"amount": ORPHAN_CASH["amount"]},
            ),
        ),
        "payments.parquet",
        excluded={"payments.amount": ORPHAN_CASH["amount"]},
    ),
    Case(
        "orphan_target_account",
        append("targets", ORPHAN_TARGET),
        (
            warning(
                "targets.account_id",
                "reference.account_id",
                count=1,
                examples=("'A9 / 2024-02-01'",),
                excluded={"revenue_target": ORPHAN_TARGET["revenue_target"]},
            ),
        ),
        "targets.parquet",
    ),
    Case(
        "payment_on_another_account",
        update("payments", 0, account_id="A2"),
        (
            warning(
                "payments.account_id",
                "rule.account_matches_document",
                count=1,
                examples=("'PAY1 / I1'",),
            ),
        ),
        "payments.parquet",
    ),
    # signs, dates, document types
    Case(
        "negative_invoice",
        update("invoices", 1, amount_due=-600.0, doc_type="invoice"),
        (warning("invoices.amount_due", "rule.sign", count=1, examples=("'I2'",)),),
        "invoices.parquet",
    ),
    Case(
        "positive_credit_note",
        update("invoices", 2, amount_due=120.0),
        (warning("invoices.amount_due", "rule.sign", count=1, examples=("'C1'",)),),
        "invoices.parquet",
    ),
    Case(
        "positive_credit_note_line",
        update("invoice_lines", 2, net_amount=100.0),
        (warning("invoice_lines.net_amount", "rule.sign", count=1, examples=("'C1 / 1'",)),),
        "invoice_lines.parquet",
    ),
    Case(
        "payment_zero_and_negative",
        rows(
            lambda t: (t["payments"][0].update(amount=0.0), t["payments"][1].update(amount=-50.0))
        ),
        (
            warning(
                "payments.amount", "rule.sign", count=2, examples=("'PAY1 / I1'", "'PAY2 / NULL'")
            ),
        ),
        "payments.parquet",
    ),
    Case(
        "due_before_invoice_date",
        update("invoices", 0, due_date=D(2024, 1, 9)),
        (warning("invoices.due_date", "rule.due_date", count=1, examples=("'I1'",)),),
        "invoices.parquet",
    ),
    Case(
        "unknown_doc_type",
        update("invoices", 1, doc_type="debit_note"),
        (
            warning(
                "invoices.doc_type",
                "rule.doc_type",
                count=1,
                examples=("'I2'",),
                says=("invoice, credit_note",),
            ),
        ),
        "invoices.parquet",
    ),
    Case(
        "dates_in_1900",
        rows(
            lambda t: (
                t["invoices"][0].update(invoice_date=D(1900, 1, 1)),
                t["payments"][1].update(payment_date=D(1900, 1, 1)),
            )
        ),
        (
            warning("invoices.invoice_date", "date.implausible", count=1, examples=("'I1'",)),
            warning(
                "payments.payment_date", "date.implausible", count=1, examples=("'PAY2 / NULL'",)
            ),
        ),
        "invoices.parquet",
    ),
    Case(
        "dates_in_2200",
        update("invoices", 1, invoice_date=D(2200, 2, 10), due_date=D(2200, 3, 12)),
        (
            warning(
                "invoices.invoice_date",
                "date.implausible",
                count=1,
                examples=("'I2'",),
                says=("2100-12-31",),
            ),
            warning("invoices.due_date", "date.implausible", count=1, examples=("'I2'",)),
        ),
        "invoices.parquet",
    ),
    # long strings
    Case("long_strings", rows(long_strings), (), "valid"),
    Case(
        "long_orphan_id",
        append("invoice_lines", LONG_ORPHAN_LINE),
        (
            warning(
                "invoice_lines.invoice_id",
                "reference.invoice_id",
                count=1,
                examples=("'" + "Q" * 79 + "…'",),
                excluded={
                    "net_amount": LONG_ORPHAN_LINE["net_amount"],
                    "cost_amount": LONG_ORPHAN_LINE["cost_amount"],
                },
            ),
        ),
        "invoice_lines.parquet",
        excluded={
            "invoice_lines.net_amount": LONG_ORPHAN_LINE["net_amount"],
            "invoice_lines.cost_amount": LONG_ORPHAN_LINE["cost_amount"],
        },
    ),
    # the files of one folder, and the folder layout
    Case(
        "mixed_schema_missing_column",
        rewrite_part("invoice_lines", "part-0.parquet", without_columns("cost_amount")),
        (
            error(
                "invoice_lines.cost_amount",
                "column.missing",
                files=("invoice_lines/part-0.parquet",),
            ),
        ),
        "invoice_lines/part-0.parquet",
    ),
    Case(
        "mixed_schema_other_type",
        rewrite_part(
            "payments",
            "deep/er/part-1.parquet",
            column_as("amount", lambda a: pa.array(["50"] * a.num_rows)),
        ),
        (
            error(
                "payments.amount",
                "column.type",
                files=("payments/deep/er/part-1.parquet",),
                says=("'50'",),
            ),
        ),
        "payments/deep/er/part-1.parquet",
    ),
    Case(
        "mixed_schema_optional_column_in_one_file",
        rewrite_part(
            "accounts", "deep/er/part-1.parquet", without_columns("credit_limit", "group_name")
        ),
        (),
        "valid",
    ),
    Case("mixed_schema_compatible_types", compatible_types, (), "valid"),
    Case(
        "hive_partition_contradicts_file",
        hive_by_account(truthful=False),
        (
            warning(
                "invoices.account_id",
                "partition.mismatch",
                count=3,
                examples=("'C1'", "'I1'", "'I2'"),
                files=(
                    "invoices/account_id=A1/part-0.parquet",
                    "invoices/account_id=A2/part-0.parquet",
                ),
                says=("the value in the file is used",),
            ),
        ),
        "invoices/account_id=A1/part-0.parquet",
    ),
    Case("hive_partition_agrees_with_file", hive_by_account(truthful=True), (), "valid"),
    Case(
        "table_in_two_places",
        two_locations(overlapping=False),
        (
            warning(
                "invoices",
                "table.two_locations",
                files=("invoices.parquet", "invoices/"),
                says=("given twice",),
            ),
        ),
        "invoices.parquet, invoices/",
    ),
    Case(
        "table_in_two_places_overlapping",
        two_locations(overlapping=True),
        (
            warning("invoices", "table.two_locations"),
            error(
                "invoices.invoice_id",
                "key.unique",
                count=6,
                files=("invoices.parquet + invoices/",),
            ),
            unbalanced("invoice_lines.net_amount"),
            unbalanced("invoice_lines.cost_amount"),
            unbalanced("payments.amount"),
        ),
        "invoices.parquet, invoices/",
    ),
    Case(
        "unknown_columns_only",
        rows(unknown_columns),
        (),
        "valid",
    ),
)
CASES_BY_NAME = {case.name: case for case in CASES}
SHOWN = [case for case in CASES if case.shown]


def by_name(*names: str) -> list[Case]:
    return [CASES_BY_NAME[name] for name in names]


# -- running the command line once per case and format ------------------------------------------


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class Corpus:
    """Every case written once into its own folder; each CLI run done once and kept."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tables: dict[str, Tables | None] = {}
        self.runs: dict[tuple[str, str], Run] = {}

    def folder(self, case: Case) -> Path:
        folder = self.root / case.name
        if case.name not in self.tables:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            self.tables[case.name] = case.build(folder)
        return folder

    def run(self, case: Case, fmt: str) -> Run:
        if (case.name, fmt) not in self.runs:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli_main(["validate", str(self.folder(case)), "--format", fmt])
            self.runs[case.name, fmt] = Run(code, out.getvalue(), err.getvalue())
        return self.runs[case.name, fmt]

    def report(self, case: Case) -> dict[str, Any]:
        run = self.run(case, "json")
        payload: dict[str, Any] = json.loads(run.out)
        return payload


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("bad_input"))


def finding_key(finding: dict[str, Any]) -> tuple[str, str, str | None, str]:
    return (finding["severity"], finding["table"], finding["column"], finding["rule"])


# -- the tests -----------------------------------------------------------------------------------


def test_the_corpus_is_large_and_covers_both_verdicts() -> None:
    assert len(CASES) >= 25
    assert len(CASES_BY_NAME) == len(CASES), "case names must be unique"
    assert sum(case.code == 1 for case in CASES) >= 10
    assert sum(case.code == 0 and bool(case.findings) for case in CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_json_verdict_names_the_finding(corpus: Corpus, case: Case) -> None:
    run = corpus.run(case, "json")
    assert run.code == case.code, run.out + run.err
    report = corpus.report(case)
    assert report["can_be_shown"] is case.shown
    found = {finding_key(f): f for f in report["findings"]}
    assert sorted(found, key=str) == sorted((e.key for e in case.findings), key=str), [
        f["text"] for f in report["findings"]
    ]
    assert len(found) == len(report["findings"]), "one finding per table, column and rule"
    for expected in case.findings:
        finding = found[expected.key]
        if expected.count is not None:
            assert finding["count"] == expected.count, finding["text"]
        if expected.examples is not None:
            assert tuple(finding["examples"]) == expected.examples, finding["text"]
        if expected.files is not None:
            assert tuple(finding["files"]) == expected.files, finding["text"]
        for fragment in expected.says:
            assert fragment in finding["message"], finding["text"]
        if expected.excluded is not None:
            assert finding["excluded"] == pytest.approx(expected.excluded), finding["text"]
        # what a person reads carries the facts the JSON carries
        assert f"rule {finding['rule']}" in finding["text"]
        for example in finding["examples"]:
            assert example in finding["text"]
        assert len(finding["text"]) < 1200, "long values must not drown the report"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_text_report_names_the_file(corpus: Corpus, case: Case) -> None:
    run = corpus.run(case, "text")
    assert run.code == case.code
    lines = run.out.splitlines()
    assert str(corpus.folder(case)) in lines[0]
    if not case.findings:
        assert lines[0].endswith("valid: no errors, no warnings")
        return
    first = case.findings[0]
    where = f"{first.table}.{first.column}" if first.column else first.table
    named = [
        line
        for line in lines
        if line.strip().startswith(f"{first.severity.upper()} {where}: ")
        and f"rule {first.rule}" in line
    ]
    assert named, run.out
    assert any(case.file in line for line in named), run.out
    verdict = "cannot be shown" if case.code else "can be shown with"
    assert verdict in lines[0]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_no_traceback(corpus: Corpus, case: Case) -> None:
    for fmt in ("json", "text"):
        run = corpus.run(case, fmt)
        assert run.code in (0, 1)
        for stream in (run.out, run.err):
            assert "Traceback" not in stream
            assert "internal error" not in stream
        assert run.err == ""


@pytest.mark.parametrize("case", SHOWN, ids=lambda case: case.name)
def test_conservation_accounts_for_every_rouble(corpus: Corpus, case: Case) -> None:
    report = corpus.report(case)
    lines = {(c["table"], c["column"]): c for c in report["conservation"]}
    assert sorted(lines) == sorted(MONEY_COLUMNS)
    for (table, column), line in lines.items():
        assert line["balanced"], line
        assert line["loaded"] == pytest.approx(line["used"] + line["excluded"])
        # what the broken rows carry is what is excluded, nothing more
        assert line["excluded"] == pytest.approx(case.excluded.get(f"{table}.{column}", 0.0))
        # and the findings list every excluded rouble
        listed = sum(
            f["excluded"].get(column, 0.0) for f in report["findings"] if f["table"] == table
        )
        assert listed == pytest.approx(line["excluded"])
        # loaded is what the files hold, row by row
        tables = corpus.tables[case.name]
        if tables is not None:
            assert line["loaded"] == pytest.approx(_file_sum(tables.get(table, []), column))


def _file_sum(rows_or_table: Any, column: str) -> float:
    if isinstance(rows_or_table, pa.Table):
        return float(pc.sum(rows_or_table[column]).as_py() or 0)
    return float(sum(row[column] for row in rows_or_table))


# the store is opened (validated again) only where money is excluded or the layout is unusual
OPENED = [
    case
    for case in SHOWN
    if case.excluded
    or case.name
    in (
        "dates_in_1900",
        "dates_in_2200",
        "long_strings",
        "zero_transactions",
        "column_differing_only_in_case_after_it",
        "hive_partition_contradicts_file",
        "table_in_two_places",
        "mixed_schema_compatible_types",
    )
]


@pytest.mark.parametrize("case", OPENED, ids=lambda case: case.name)
def test_shown_data_opens_and_its_figures_are_the_used_money(corpus: Corpus, case: Case) -> None:
    report = corpus.report(case)
    used = {(c["table"], c["column"]): c["used"] for c in report["conservation"]}
    store = open_store(corpus.folder(case))
    try:
        assert len(store.report.findings) == len(report["findings"])
        first, last = store.data_range()
        if first is None or last is None:
            assert used["invoice_lines", "net_amount"] == 0
            return
        figures = store.portfolio(first, last)
        assert figures["revenue"] == pytest.approx(used["invoice_lines", "net_amount"])
        assert figures["cogs"] == pytest.approx(used["invoice_lines", "cost_amount"])
    finally:
        store.close()


# -- the app ------------------------------------------------------------------------------------

APP_CASES: tuple[tuple[str, Language], ...] = (
    ("corrupt_file", "en"),
    ("missing_table", "ru"),
    ("duplicate_invoices", "en"),
    ("nan_money", "ru"),
    ("mixed_schema_missing_column", "en"),
    ("damaged_data_page", "en"),
    ("orphan_invoice_account", "ru"),
    ("dates_in_2200", "en"),
    ("hive_partition_contradicts_file", "en"),
    ("zero_invoices", "ru"),
    ("long_strings", "ru"),
)


@pytest.fixture
def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    monkeypatch.setenv("KAMDASH_CACHE_DIR", str(tmp_path / "cache"))

    def point(folder: Path) -> None:
        monkeypatch.setenv("KAMDASH_DATA_DIR", str(folder))

    yield point


def _page_text(at: AppTest) -> str:
    parts = [
        element.value
        for kind in ("title", "markdown", "caption", "info", "warning", "error", "success")
        for element in getattr(at, kind)
    ]
    return "\n".join(str(part) for part in parts)


@pytest.mark.parametrize(("name", "lang"), APP_CASES, ids=[name for name, _ in APP_CASES])
def test_the_data_page_shows_the_verdict(
    corpus: Corpus, app_env: Callable[[Path], None], name: str, lang: Language
) -> None:
    case = CASES_BY_NAME[name]
    report = corpus.report(case)
    app_env(corpus.folder(case))
    at = open_page("data", lang=lang)
    text = _page_text(at)
    assert "Traceback" not in text
    errors = sum(f["severity"] == "error" for f in report["findings"])
    warnings = len(report["findings"]) - errors
    if errors:
        assert at.title[0].value == t("error.invalid_title", lang)
        expected = t("verdict.errors", lang, errors=errors, warnings=warnings)
        assert escape_md(expected) in text
    elif warnings:
        assert at.title[0].value == t("data.title", lang)
        assert t("verdict.warnings", lang, warnings=warnings) in [w.value for w in at.warning]
    else:
        assert at.title[0].value == t("data.title", lang)
        assert t("data.no_findings", lang) in text
        return
    findings = at.dataframe[0].value
    shown = set(zip(findings["table"], findings["rule"], strict=True))
    for expected_finding in case.findings:
        assert (expected_finding.table, expected_finding.rule) in shown
        for example in expected_finding.examples or ():
            assert example in " ".join(findings["examples"])
    severities = set(findings["severity"])
    assert severities <= {t("severity.error", lang), t("severity.warning", lang)}


# -- what no corpus file reaches: validation itself failing -------------------------------------


def test_a_rule_that_cannot_be_evaluated_is_an_error_not_an_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kamdash.data import validation
    from kamdash.data.validation import rules as rule_table

    broken = validation.RowRule(
        "rule.sign", "warning", "payments", "amount", "never shown", "no_such_column > 0"
    )
    monkeypatch.setattr(rule_table, "_rules", lambda: [broken])
    report = validation.validate_folder(ek.write_export(tmp_path / "export", healthy()))
    assert [(f.severity, f.table, f.rule) for f in report.findings] == [
        ("error", "payments", "rule.sign")
    ]
    text = report.findings[0].to_text()
    assert text.startswith("ERROR payments.amount: this rule could not be checked (")
    assert "please report it" in text
    assert text.endswith("(rule rule.sign; 0 rows; file payments.parquet)")


def test_a_table_that_cannot_be_read_as_typed_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kamdash.data import validation
    from kamdash.data.validation import rules as rule_table

    broken = validation.RowRule(
        "value.not_null",
        "error",
        "invoices",
        "amount_due",
        "never shown",
        "no_such_column is null",
        relation="raw_invoices",
    )
    monkeypatch.setattr(rule_table, "_value_rules", lambda: [broken])
    report = validation.validate_folder(ek.write_export(tmp_path / "export", healthy()))
    # every file reads on its own, so the table as a whole is named, with DuckDB's reason
    assert [(f.severity, f.table, f.rule, f.files) for f in report.findings] == [
        ("error", "invoices", "table.unreadable", ("invoices.parquet",))
    ]
    assert "no_such_column" in report.findings[0].message
    assert report.conservation == []


@pytest.mark.parametrize(("page", "params"), [("portfolio", {}), ("account", {"account": "A1"})])
def test_long_strings_render_on_the_dashboard(
    corpus: Corpus, app_env: Callable[[Path], None], page: str, params: dict[str, str]
) -> None:
    """10 KB names are shown (as text) where names are shown, without an exception."""
    app_env(corpus.folder(CASES_BY_NAME["long_strings"]))
    at = open_page(page, **params)
    assert not at.error, [e.value for e in at.error]
    if page == "account":
        assert at.title[0].value == LONG
