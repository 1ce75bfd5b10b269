"""The export contract (v2) as data: tables, columns, kinds and keys.

Everything that reads, validates or generates an export takes table and column names from
here, so identifiers in SQL always come from this fixed list and never from user input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["string", "integer", "number", "money", "date", "boolean"]


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

# -- the CRM side and the closing documents (contract v2, all optional) -----------------------

CONTACTS = Table(
    "contacts",
    (
        Column("contact_id", "string"),
        Column("account_id", "string"),
        Column("full_name", "string"),
        _optional("job_title", "string"),
        Column("buying_role", "string"),
        _optional("attitude", "string"),
        # empty (or absent) = true: false means the person left or is no longer involved
        _optional("active", "boolean"),
    ),
    key=("contact_id",),
    required=False,
)

ACTIVITIES = Table(
    "activities",
    (
        Column("activity_id", "string"),
        Column("account_id", "string"),
        _optional("contact_id", "string"),
        _optional("kam_id", "string"),
        Column("activity_date", "date"),
        Column("activity_type", "string"),
        _optional("subject", "string"),
    ),
    key=("activity_id",),
    required=False,
)

OPPORTUNITIES = Table(
    "opportunities",
    (
        Column("opportunity_id", "string"),
        Column("account_id", "string"),
        _optional("category", "string"),
        Column("amount", "money"),
        Column("stage", "string"),
        # empty = the stage's default probability (STAGE_PROBABILITY)
        _optional("probability", "number"),
        Column("created_on", "date"),
        Column("expected_close_on", "date"),
        _optional("closed_on", "date"),
    ),
    key=("opportunity_id",),
    required=False,
)

CLOSING_DOCUMENTS = Table(
    "closing_documents",
    (
        Column("closing_doc_id", "string"),
        Column("invoice_id", "string"),
        Column("doc_kind", "string"),
        Column("issued_on", "date"),
        # empty = the signed copy has not come back yet
        _optional("signed_on", "date"),
        _optional("via_edo", "boolean"),
    ),
    key=("closing_doc_id",),
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
    CONTACTS,
    ACTIVITIES,
    OPPORTUNITIES,
    CLOSING_DOCUMENTS,
)
# the optional tables a CRM export fills; without them the pages that need them say so
CRM_TABLES: tuple[str, ...] = ("contacts", "activities", "opportunities")
TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}

DOC_TYPES: tuple[str, ...] = ("invoice", "credit_note")
BUYING_ROLES: tuple[str, ...] = ("decision_maker", "influencer", "user", "gatekeeper", "sponsor")
ATTITUDES: tuple[str, ...] = ("supporter", "neutral", "detractor")
ACTIVITY_TYPES: tuple[str, ...] = ("meeting", "call", "email", "qbr", "visit")
# the activity types that count as meeting the client in person (days since last meeting)
MEETING_TYPES: tuple[str, ...] = ("meeting", "qbr", "visit")
OPPORTUNITY_STAGES: tuple[str, ...] = ("qualify", "propose", "negotiate", "won", "lost")
OPEN_STAGES: tuple[str, ...] = ("qualify", "propose", "negotiate")
# the probability an opportunity carries when the export leaves it empty (contract v2)
STAGE_PROBABILITY: dict[str, float] = {
    "qualify": 0.1,
    "propose": 0.3,
    "negotiate": 0.6,
    "won": 1.0,
    "lost": 0.0,
}
CLOSING_DOC_KINDS: tuple[str, ...] = ("act", "upd", "waybill")

# One numeric type for money everywhere: exact to 1/10000 of a rouble, int64-backed so sums
# over tens of millions of lines stay fast and exact.
MONEY_SQL_TYPE = "decimal(18,4)"

SQL_TYPES: dict[ColumnKind, str] = {
    "string": "varchar",
    "integer": "bigint",
    "number": "double",
    "money": MONEY_SQL_TYPE,
    "date": "date",
    "boolean": "boolean",
}
