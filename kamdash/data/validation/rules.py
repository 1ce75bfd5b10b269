"""What is checked on the rows: the declarative rule table.

Each rule is fixed SQL text: the rows of its relation (by default `stg_<table>`) that meet its
condition break it. The value rules (stage 2, `_value_rules`) follow from the contract's
column kinds and read the raw rows; the row rules (stage 3, `_rules`) read the typed staging
views and what the build made: the rules every table has (key, dates), then one section per
contract table with what is checked on it alone (managers and products have no rules of
their own). `passes` runs them; the report lists their findings in `_REPORT_ORDER`."""

from __future__ import annotations

from dataclasses import dataclass

from kamdash.data.contract import DOC_TYPES, TABLES, Table
from kamdash.data.validation.facts import (
    DOCUMENTS_WITHOUT_LINES,
    EVERY_LINE_PLACED,
    duplicated_keys,
)
from kamdash.data.validation.report import Severity

# dates outside this window are almost always export bugs (1900-01-01 placeholders, 2200 typos)
PLAUSIBLE_DATES = ("1990-01-01", "2100-12-31")
MONEY_LIMIT = 10**14  # decimal(18,4) holds up to 10^14 roubles
INTEGER_LIMIT = 10**18  # bigint holds up to 9.2·10^18

# The conditions of the reference rules that keep money out of the metrics: conservation sums
# the rows they exclude, and the rules' pass over the table computes each once for both
UNKNOWN_ACCOUNT = "account_id not in (select account_id from stg_accounts)"
LINE_OF_UNKNOWN_DOCUMENT = "invoice_id not in (select invoice_id from int_documents)"
PAYMENT_OF_UNKNOWN_DOCUMENT = (
    "invoice_id is not null and invoice_id not in (select invoice_id from int_documents)"
)
UNAPPLIED_CASH_OF_UNKNOWN_ACCOUNT = (
    "invoice_id is null and account_id not in (select account_id from stg_accounts)"
)


@dataclass(frozen=True)
class RowRule:
    """Rows of `relation` matching `condition` break the rule. All SQL here is fixed text."""

    rule: str
    severity: Severity
    table: str
    column: str | None
    message: str
    condition: str
    relation: str = ""  # defaults to stg_<table>
    excluded_money: tuple[str, ...] = ()  # money columns these rows keep out of the metrics
    # a cheap query over what the build made that is true only when no row can break the
    # rule: then its table's pass does not evaluate the condition (nor its excluded money)
    clean_when: str = ""


def _key_expression(table: Table, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    parts = [f"coalesce({prefix}\"{k}\"::varchar, 'NULL')" for k in table.key]
    if len(parts) == 1:
        return parts[0]
    return " || ' / ' || ".join(parts)


# -- every column: values as stored (stage 2) ---------------------------------------------------


def _value_rules() -> list[RowRule]:
    """Required values present, numbers finite and within what the typed columns hold."""
    rules: list[RowRule] = []
    for table in TABLES:
        for column in table.columns:
            if column.not_null:
                rules.append(
                    RowRule(
                        "value.not_null",
                        "error",
                        table.name,
                        column.name,
                        f"{column.name} is required but empty",
                        f'"{column.name}" is null',
                        relation=f"raw_{table.name}",
                    )
                )
            if column.kind in ("money", "number"):
                rules.append(
                    RowRule(
                        "value.not_finite",
                        "error",
                        table.name,
                        column.name,
                        f"{column.name} must be a finite number (found NaN or infinity)",
                        f'not isfinite("{column.name}"::double)',
                        relation=f"raw_{table.name}",
                    )
                )
            if column.kind == "money":
                rules.append(
                    RowRule(
                        "value.out_of_range",
                        "error",
                        table.name,
                        column.name,
                        f"{column.name} is beyond ±10^14, the largest amount kamdash holds",
                        f'isfinite("{column.name}"::double) '
                        f'and abs("{column.name}"::double) >= {MONEY_LIMIT}',
                        relation=f"raw_{table.name}",
                    )
                )
            if column.kind == "integer":
                rules.append(
                    RowRule(
                        "value.out_of_range",
                        "error",
                        table.name,
                        column.name,
                        f"{column.name} is beyond ±10^18, the largest whole number kamdash holds",
                        f'abs("{column.name}"::double) >= {INTEGER_LIMIT}',
                        relation=f"raw_{table.name}",
                    )
                )
                rules.append(
                    RowRule(
                        "value.not_integer",
                        "error",
                        table.name,
                        column.name,
                        f"{column.name} must be a whole number",
                        f'"{column.name}"::double <> round("{column.name}"::double)',
                        relation=f"raw_{table.name}",
                    )
                )
    return rules


# -- every table: keys and dates --------------------------------------------------------------


def _every_table() -> list[RowRule]:
    """On every table: its key is unique, its dates are plausible."""
    rules: list[RowRule] = []
    for table in TABLES:
        # `is not distinct from` treats NULLs as equal, as the fact's `group by` does: two
        # unapplied rows of one payment (payment_id, NULL) are duplicates too. The duplicated
        # keys are a fact made once (facts.py): on a clean export an empty table, so the rule's
        # own query reads nothing
        same_key = " and ".join(
            f'rows."{k}" is not distinct from duplicated."{k}"' for k in table.key
        )
        rules.append(
            RowRule(
                "key.unique",
                "error",
                table.name,
                ", ".join(table.key),
                f"({', '.join(table.key)}) must be unique; duplicated rows would be counted twice",
                "true",
                relation=f"(select rows.* from stg_{table.name} as rows "
                f"semi join {duplicated_keys(table.name)} as duplicated on {same_key})",
            )
        )
        for column in table.columns:
            if column.kind == "date":
                rules.append(
                    RowRule(
                        "date.implausible",
                        "warning",
                        table.name,
                        column.name,
                        f"{column.name} lies outside {PLAUSIBLE_DATES[0]}..{PLAUSIBLE_DATES[1]}; "
                        "used as given, but check the export",
                        f"\"{column.name}\" not between date '{PLAUSIBLE_DATES[0]}' "
                        f"and date '{PLAUSIBLE_DATES[1]}'",
                    )
                )
    return rules


# -- accounts ----------------------------------------------------------------------------------


def _accounts() -> list[RowRule]:
    """A KAM that exists; terms and credit limits not negative; the table not empty."""
    return [
        RowRule(
            "table.empty",
            "error",
            "accounts",
            None,
            "the accounts table has no rows, so there is nothing to show",
            "true",
            relation="(select 1 where not exists (select 1 from stg_accounts))",
        ),
        RowRule(
            "reference.kam_id",
            "warning",
            "accounts",
            "kam_id",
            "kam_id is not in managers; the account is shown without a KAM name",
            # no kam_id is a house account, not a broken reference (even with no managers)
            "kam_id is not null and kam_id not in (select kam_id from stg_managers)",
        ),
        RowRule(
            "rule.non_negative",
            "warning",
            "accounts",
            "payment_terms_days",
            "payment_terms_days must be ≥ 0",
            "payment_terms_days < 0",
        ),
        RowRule(
            "rule.non_negative",
            "warning",
            "accounts",
            "credit_limit",
            "credit_limit must be ≥ 0; a negative limit is not used for utilisation",
            "credit_limit < 0",
        ),
    ]


# -- invoices ----------------------------------------------------------------------------------


def _invoices() -> list[RowRule]:
    """The account exists; dates, doc_type and sign consistent; a document has lines."""
    return [
        RowRule(
            "table.empty",
            "warning",
            "invoices",
            None,
            "the invoices table has no rows: revenue, margins and receivables are all empty",
            "true",
            relation="(select 1 where not exists (select 1 from stg_invoices))",
        ),
        RowRule(
            "reference.account_id",
            "warning",
            "invoices",
            "account_id",
            "account_id is not in accounts; the document is excluded from every metric "
            "(amount_due and its lines)",
            UNKNOWN_ACCOUNT,
            excluded_money=("amount_due",),
        ),
        RowRule(
            "rule.due_date",
            "warning",
            "invoices",
            "due_date",
            "due_date is before invoice_date; aging uses the due_date as given",
            "due_date < invoice_date",
        ),
        RowRule(
            "rule.doc_type",
            "warning",
            "invoices",
            "doc_type",
            f"doc_type must be one of {', '.join(DOC_TYPES)}; amounts are used with their sign",
            "doc_type not in ('invoice', 'credit_note')",
        ),
        RowRule(
            "rule.sign",
            "warning",
            "invoices",
            "amount_due",
            "amount_due must be > 0 on an invoice and < 0 on a credit note; used as given",
            "(doc_type = 'invoice' and amount_due <= 0) "
            "or (doc_type = 'credit_note' and amount_due >= 0)",
        ),
        RowRule(
            "rule.document_without_lines",
            "warning",
            "invoices",
            "invoice_id",
            "document has no lines: its amount_due counts in receivables but it adds no revenue",
            "true",
            # its own relation rather than a condition in the invoices pass (at 50M lines 2.5 s,
            # where in the pass it took 5.1 of the pass's 5.5 s): the documents an anti join
            # with the lines' document ids leaves, a fact (facts.py) that counts prove empty
            # on a clean export (6M lines: 0.75 s of CPU -> 0.01 s)
            relation="(select invoices.* from stg_invoices as invoices "
            f"semi join {DOCUMENTS_WITHOUT_LINES} as documents "
            "on documents.invoice_id is not distinct from invoices.invoice_id)",
        ),
    ]


# -- invoice_lines -----------------------------------------------------------------------------


def _invoice_lines() -> list[RowRule]:
    """The document and product exist; a credit note's lines are negative."""
    return [
        RowRule(
            "reference.invoice_id",
            "warning",
            "invoice_lines",
            "invoice_id",
            "invoice_id is not a document of a known account; the line is excluded from revenue",
            LINE_OF_UNKNOWN_DOCUMENT,
            excluded_money=("net_amount", "cost_amount"),
            # the sales build already matched every line to its document: when it placed as
            # many lines as the export has, none is unknown, and the pass need not match the
            # 50M lines again (2.7 s of its 5.4). Documents with a duplicated id could place a
            # line twice and hide a missing one; they are a key.unique error, and the money
            # would still not balance in conservation.
            clean_when=EVERY_LINE_PLACED,
        ),
        RowRule(
            "reference.product_id",
            "warning",
            "invoice_lines",
            "product_id",
            "product_id is not in products; revenue is counted under category (unknown)",
            "product_id not in (select product_id from stg_products)",
        ),
        RowRule(
            "rule.sign",
            "warning",
            "invoice_lines",
            "net_amount",
            "a credit note's lines must have negative quantity, net_amount and cost_amount; "
            "used as given",
            "invoice_id in (select invoice_id from stg_invoices where doc_type = 'credit_note') "
            "and (quantity > 0 or net_amount > 0 or cost_amount > 0)",
        ),
    ]


# -- payments ----------------------------------------------------------------------------------


def _payments() -> list[RowRule]:
    """The document (or, for unapplied cash, the account) exists and matches; amount > 0."""
    return [
        RowRule(
            "reference.invoice_id",
            "warning",
            "payments",
            "invoice_id",
            "invoice_id is not a document of a known account; the allocation is excluded "
            "from receivables and payment behaviour",
            PAYMENT_OF_UNKNOWN_DOCUMENT,
            excluded_money=("amount",),
            # as for the lines: the allocations build matched each payment to its document,
            # and when it kept all of them none is unknown (the pass 2.4 s -> 0.5 s at 50M)
            clean_when="(select count(*) from stg_payments where invoice_id is not null) "
            "= (select count(*) from int_allocations)",
        ),
        RowRule(
            "reference.account_id",
            "warning",
            "payments",
            "account_id",
            "unapplied cash on an account_id that is not in accounts; excluded from receivables",
            UNAPPLIED_CASH_OF_UNKNOWN_ACCOUNT,
            excluded_money=("amount",),
        ),
        RowRule(
            "rule.account_matches_document",
            "warning",
            "payments",
            "account_id",
            "account_id differs from the document's account; the allocation is counted on the "
            "document's account",
            "true",
            # a semi join, not a scalar subquery: duplicate documents are reported by
            # key.unique and must not break this rule. Its own relation, not a condition in
            # the payments pass: there DuckDB marks every payment with a join to the
            # documents, at 50M lines 3.8 s of the pass's 6.1, where this reads 2.4 s
            relation="(select payments.* from stg_payments as payments "
            "semi join int_documents as documents on documents.invoice_id = payments.invoice_id "
            "and documents.account_id is distinct from payments.account_id)",
        ),
        RowRule(
            "rule.sign",
            "warning",
            "payments",
            "amount",
            "amount must be > 0; used as given",
            "amount <= 0",
        ),
    ]


# -- targets -----------------------------------------------------------------------------------


def _targets() -> list[RowRule]:
    """The account exists; the month is a first of month."""
    return [
        RowRule(
            "reference.account_id",
            "warning",
            "targets",
            "account_id",
            "account_id is not in accounts; the plan row is ignored",
            UNKNOWN_ACCOUNT,
            excluded_money=("revenue_target",),
        ),
        RowRule(
            "rule.first_of_month",
            "warning",
            "targets",
            "month",
            "month must be the first day of a month; the plan is taken for that calendar month",
            "day(month) <> 1",
        ),
    ]


# -- the order of the report ------------------------------------------------------------------

# Findings are listed by kind of rule, and within a kind by table in the contract's order (then
# as declared above): the order the report has always had
_REPORT_ORDER: tuple[tuple[str, ...], ...] = (
    ("key.unique", "date.implausible"),
    ("table.empty",),
    (
        "reference.kam_id",
        "reference.account_id",
        "reference.invoice_id",
        "reference.product_id",
        "rule.account_matches_document",
    ),
    ("rule.due_date",),
    ("rule.doc_type",),
    ("rule.sign",),
    ("rule.non_negative",),
    ("rule.first_of_month",),
    ("rule.document_without_lines",),
)
_TABLE_ORDER = [table.name for table in TABLES]


def _report_position(rule: RowRule) -> tuple[int, int]:
    kind = next(index for index, kinds in enumerate(_REPORT_ORDER) if rule.rule in kinds)
    return kind, _TABLE_ORDER.index(rule.table)


def _rules() -> list[RowRule]:
    """Every row rule (stage 3), in the order the report lists their findings."""
    declared = [
        *_every_table(),
        *_accounts(),
        *_invoices(),
        *_invoice_lines(),
        *_payments(),
        *_targets(),
    ]
    return sorted(declared, key=_report_position)
