"""What is checked on the rows: the declarative rule table.

Each rule is fixed SQL text: the rows of its relation (by default `stg_<table>`) that meet its
condition break it. The value rules (stage 2, `_value_rules`) follow from the contract's
column kinds and read the raw rows; the row rules (stage 3, `_rules`) read the typed staging
views and what the build made: the rules every table has (key, dates), then one section per
contract table with what is checked on it alone (managers and products have no rules of
their own; the optional v2 tables' rules run only when the export has the table). `passes`
runs them; the report lists their findings in `_REPORT_ORDER`."""

from __future__ import annotations

from dataclasses import dataclass

from kamdash.data.contract import (
    ACTIVITY_TYPES,
    ATTITUDES,
    BUYING_ROLES,
    CLOSING_DOC_KINDS,
    DOC_TYPES,
    OPPORTUNITY_STAGES,
    TABLES,
    Table,
)
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
    # optional tables the rule refers to: without one of them the export has no such data,
    # and the rule is not checked (an activity's contact_id in an export without contacts)
    refers_to: tuple[str, ...] = ()


def _one_of(column: str, allowed: tuple[str, ...]) -> str:
    """`column not in (…)` over a contract's fixed list of values (never user input)."""
    return f"{column} not in ({', '.join(repr(value) for value in allowed)})"


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
            # the allocations build met every (payment, document) pair this joins and marked
            # whether the two accounts agree: none that disagrees, no broken row (1.0 s -> 0.01 s
            # of CPU at 6M lines)
            clean_when="not exists "
            "(select 1 from int_allocations where not payment_account_matches)",
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


# -- contacts (contract v2, optional) ---------------------------------------------------------


def _contacts() -> list[RowRule]:
    """The account exists; buying role and attitude from the contract's lists."""
    return [
        RowRule(
            "reference.account_id",
            "warning",
            "contacts",
            "account_id",
            "account_id is not in accounts; the contact is ignored",
            UNKNOWN_ACCOUNT,
        ),
        RowRule(
            "rule.buying_role",
            "warning",
            "contacts",
            "buying_role",
            f"buying_role must be one of {', '.join(BUYING_ROLES)}; the contact is shown with "
            "it as given and never counts as a decision maker",
            _one_of("buying_role", BUYING_ROLES),
        ),
        RowRule(
            "rule.attitude",
            "warning",
            "contacts",
            "attitude",
            f"attitude must be one of {', '.join(ATTITUDES)} or empty; shown as given, never "
            "as a detractor",
            f"attitude is not null and {_one_of('attitude', ATTITUDES)}",
        ),
    ]


# -- activities (contract v2, optional) -------------------------------------------------------


def _activities() -> list[RowRule]:
    """The account, the contact (of the same account) and the KAM exist; a known kind."""
    return [
        RowRule(
            "reference.account_id",
            "warning",
            "activities",
            "account_id",
            "account_id is not in accounts; the activity is ignored",
            UNKNOWN_ACCOUNT,
        ),
        RowRule(
            "reference.contact_id",
            "warning",
            "activities",
            "contact_id",
            "contact_id is not in contacts; the activity counts for its account but for no contact",
            "contact_id is not null and contact_id not in (select contact_id from stg_contacts)",
            refers_to=("contacts",),
        ),
        RowRule(
            "rule.contact_matches_account",
            "warning",
            "activities",
            "contact_id",
            "contact_id is a contact of another account; the activity counts for its own "
            "account but for no contact",
            "true",
            # its own relation, as the payments' document match: a contact whose id is
            # duplicated is a key.unique error and must not break this rule twice
            relation="(select activities.* from stg_activities as activities "
            "semi join stg_contacts as contacts on contacts.contact_id = activities.contact_id "
            "and contacts.account_id is distinct from activities.account_id)",
            refers_to=("contacts",),
        ),
        RowRule(
            "reference.kam_id",
            "warning",
            "activities",
            "kam_id",
            "kam_id is not in managers; the activity is shown without a KAM name",
            "kam_id is not null and kam_id not in (select kam_id from stg_managers)",
        ),
        RowRule(
            "rule.activity_type",
            "warning",
            "activities",
            "activity_type",
            f"activity_type must be one of {', '.join(ACTIVITY_TYPES)}; the activity counts "
            "as a touch, never as a meeting",
            _one_of("activity_type", ACTIVITY_TYPES),
        ),
    ]


# -- opportunities (contract v2, optional) ----------------------------------------------------


def _opportunities() -> list[RowRule]:
    """The account exists; a known stage, closed exactly when won or lost; dates in order;
    amount > 0 and probability in 0…1."""
    return [
        RowRule(
            "reference.account_id",
            "warning",
            "opportunities",
            "account_id",
            "account_id is not in accounts; the opportunity is ignored",
            UNKNOWN_ACCOUNT,
            excluded_money=("amount",),
        ),
        RowRule(
            "rule.stage",
            "warning",
            "opportunities",
            "stage",
            f"stage must be one of {', '.join(OPPORTUNITY_STAGES)}; the opportunity is neither "
            "won nor lost and, without a probability, adds nothing to the weighted pipeline",
            _one_of("stage", OPPORTUNITY_STAGES),
        ),
        RowRule(
            "rule.closed_on",
            "warning",
            "opportunities",
            "closed_on",
            "closed_on must be set when stage is won or lost and only then; an opportunity "
            "counts as open until its closed_on",
            "(stage in ('won', 'lost') and closed_on is null) "
            "or (stage in ('qualify', 'propose', 'negotiate') and closed_on is not null)",
        ),
        RowRule(
            "rule.expected_close_on",
            "warning",
            "opportunities",
            "expected_close_on",
            "expected_close_on is before created_on; used as given",
            "expected_close_on < created_on",
        ),
        RowRule(
            "rule.closed_before_created",
            "warning",
            "opportunities",
            "closed_on",
            "closed_on is before created_on; used as given",
            "closed_on < created_on",
        ),
        RowRule(
            "rule.sign",
            "warning",
            "opportunities",
            "amount",
            "amount must be > 0; used as given",
            "amount <= 0",
        ),
        RowRule(
            "rule.probability",
            "warning",
            "opportunities",
            "probability",
            "probability must be between 0 and 1; used as given in the weighted pipeline",
            "probability < 0 or probability > 1",
        ),
    ]


# -- closing_documents (contract v2, optional) ------------------------------------------------


def _closing_documents() -> list[RowRule]:
    """The invoice exists; a known kind; issued on or after the invoice, signed on or after
    being issued."""
    return [
        RowRule(
            "reference.invoice_id",
            "warning",
            "closing_documents",
            "invoice_id",
            "invoice_id is not a document of a known account; the closing document is "
            "excluded from the unsigned documents and signed on time",
            LINE_OF_UNKNOWN_DOCUMENT,
            # the build placed every closing document on its invoice: when it kept all of
            # them and no invoice id is duplicated (which could place one twice and hide a
            # missing one), none is unknown, and the pass need not match millions again
            clean_when="(select count(*) from stg_closing_documents) "
            "= (select count(*) from int_closing_documents) "
            f"and (select count(*) from {duplicated_keys('invoices')}) = 0",
        ),
        RowRule(
            "rule.doc_kind",
            "warning",
            "closing_documents",
            "doc_kind",
            f"doc_kind must be one of {', '.join(CLOSING_DOC_KINDS)}; shown as given",
            _one_of("doc_kind", CLOSING_DOC_KINDS),
        ),
        RowRule(
            "rule.issued_on",
            "warning",
            "closing_documents",
            "issued_on",
            "issued_on is before the invoice's invoice_date; used as given",
            "true",
            # its own relation: the export's rows that the build, which placed each on its
            # invoice, found issued early (a semi join, so a duplicated invoice, a key.unique
            # error, does not break the rule twice). Reading the built table rather than
            # joining the export with the documents again: 6M lines, 2.2M closing documents
            # 1.0-1.3 s -> 0.04 s
            relation="(select closing.* from stg_closing_documents as closing "
            "semi join (select closing_doc_id, invoice_id, issued_on from int_closing_documents "
            "where issued_on < invoice_date) as early "
            "on early.closing_doc_id = closing.closing_doc_id "
            "and early.invoice_id = closing.invoice_id and early.issued_on = closing.issued_on)",
        ),
        RowRule(
            "rule.signed_on",
            "warning",
            "closing_documents",
            "signed_on",
            "signed_on is before issued_on; used as given",
            "signed_on < issued_on",
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
        "reference.contact_id",
        "rule.account_matches_document",
        "rule.contact_matches_account",
    ),
    (
        "rule.due_date",
        "rule.expected_close_on",
        "rule.closed_before_created",
        "rule.closed_on",
        "rule.issued_on",
        "rule.signed_on",
    ),
    ("rule.doc_type", "rule.buying_role", "rule.attitude", "rule.activity_type", "rule.stage"),
    ("rule.doc_kind",),
    ("rule.sign",),
    ("rule.non_negative", "rule.probability"),
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
        *_contacts(),
        *_activities(),
        *_opportunities(),
        *_closing_documents(),
    ]
    return sorted(declared, key=_report_position)
