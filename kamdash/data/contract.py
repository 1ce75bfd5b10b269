"""The export contract (v1) as data: tables, columns, kinds and keys.

Everything that reads, validates or generates an export takes table and column names from
here, so identifiers in SQL always come from this fixed list and never from user input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["string", "integer", "number", "money", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool = True
    not_null: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _optional(name: str, kind: ColumnKind) -> Column:
    return Column(name, kind, required=False, not_null=False)


ACCOUNTS = Table(
    "accounts",
    (
        Column("account_id", "string"),
        Column("account_name", "string"),
        _optional("group_name", "string"),
        Column("industry", "string"),
        Column("region", "string"),
        # empty (or absent) = a house account, served by no KAM (contract v2)
        _optional("kam_id", "string"),
        Column("payment_terms_days", "integer"),
        _optional("credit_limit", "money"),
        _optional("onboarded_on", "date"),
        _optional("contract_end_on", "date"),
    ),
    key=("account_id",),
)

MANAGERS = Table(
    "managers",
    (
        Column("kam_id", "string"),
        Column("kam_name", "string"),
        _optional("email", "string"),
    ),
    key=("kam_id",),
)

PRODUCTS = Table(
    "products",
    (
        Column("product_id", "string"),
        Column("product_name", "string"),
        Column("category", "string"),
    ),
    key=("product_id",),
)

INVOICES = Table(
    "invoices",
    (
        Column("invoice_id", "string"),
        Column("account_id", "string"),
        Column("invoice_date", "date"),
        Column("due_date", "date"),
        Column("doc_type", "string"),
        Column("amount_due", "money"),
    ),
    key=("invoice_id",),
)

INVOICE_LINES = Table(
    "invoice_lines",
    (
        Column("invoice_id", "string"),
        Column("line_no", "integer"),
        Column("product_id", "string"),
        Column("quantity", "number"),
        Column("net_amount", "money"),
        Column("cost_amount", "money"),
    ),
    key=("invoice_id", "line_no"),
)

PAYMENTS = Table(
    "payments",
    (
        Column("payment_id", "string"),
        Column("account_id", "string"),
        # null invoice_id is meaningful: unapplied cash on account
        Column("invoice_id", "string", not_null=False),
        Column("payment_date", "date"),
        Column("amount", "money"),
    ),
    key=("payment_id", "invoice_id"),
)

TARGETS = Table(
    "targets",
    (
        Column("account_id", "string"),
        Column("month", "date"),
        Column("revenue_target", "money"),
        _optional("gross_margin_target", "money"),
    ),
    key=("account_id", "month"),
    required=False,
)

TABLES: tuple[Table, ...] = (
    ACCOUNTS,
    MANAGERS,
    PRODUCTS,
    INVOICES,
    INVOICE_LINES,
    PAYMENTS,
    TARGETS,
)
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

DOC_TYPES: tuple[str, ...] = ("invoice", "credit_note")

# One numeric type for money everywhere: exact to 1/10000 of a rouble, int64-backed so sums
# over tens of millions of lines stay fast and exact.
MONEY_SQL_TYPE = "decimal(18,4)"

SQL_TYPES: dict[ColumnKind, str] = {
    "string": "varchar",
    "integer": "bigint",
    "number": "double",
    "money": MONEY_SQL_TYPE,
    "date": "date",
}
