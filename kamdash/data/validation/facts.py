"""Small relations made once, after the build and before the row rules, so that the rules
reading a relation of their own (key.unique, rule.document_without_lines) answer a clean
export by reading an empty table instead of grouping its big tables again.

- `duplicated_keys(table)`: the keys that occur more than once (empty on a clean export).
  invoice_lines groups by its key only the lines of documents whose line numbers are not
  proven distinct by `LINES_BY_DOCUMENT`: at 6M lines, grouping every line by its key took
  2 s of CPU; grouping them by document, which the next fact needs anyway, takes 0.8 s.
- `LINES_BY_DOCUMENT`: per document id found in the lines, whether its line numbers are
  proven distinct.
- `DOCUMENTS_WITHOUT_LINES`: the ids of documents without a line. Empty, without an anti join,
  when counts prove it: every line was placed on a document by the build, no document id
  repeats, and there are as many documents as document ids among the lines.

Each fact is a temporary table; one that cannot be made (a damaged page, say) becomes a view
of the same query, so the rule reading it evaluates it itself and fails, or not, exactly as it
would without facts. `drop_facts` frees them once the rules have run.
"""

from __future__ import annotations

import duckdb

from kamdash.data.contract import TABLES, Table

LINES_BY_DOCUMENT = "kamdash_validation_lines_by_document"
DOCUMENTS_WITHOUT_LINES = "kamdash_validation_documents_without_lines"

# what the build proves: it placed each line on a document (int_sales_daily counts the lines
# each row sums), so when it placed as many lines as the export has, none is of an unknown
# document — unless a repeated document id placed a line twice (that is key.unique's error)
EVERY_LINE_PLACED = (
    "(select count(*) from stg_invoice_lines) "
    "= (select coalesce(sum(line_count), 0) from int_sales_daily)"
)

# Line numbers are proven distinct with one bit each (the number modulo 64): a document's lines
# are distinct when as many bits are set as it has lines. Exports number lines 1, 2, 3…; a
# document with more than 64 lines, or with numbers that share a bit, goes to the exact check.
_LINES_BY_DOCUMENT_SQL = """
    select
        invoice_id,
        bit_count(bit_or(1::ubigint << (line_no & 63)::integer)) = count(*)
            as line_numbers_distinct
    from stg_invoice_lines
    group by invoice_id
"""

_DOCUMENTS_WITHOUT_LINES_SQL = f"""
    select invoices.invoice_id
    from stg_invoices as invoices
    anti join {LINES_BY_DOCUMENT} as lines on lines.invoice_id = invoices.invoice_id
"""


def duplicated_keys(table: str) -> str:
    """The fact holding the keys of `table` that occur more than once."""
    return f"kamdash_validation_duplicated_keys_{table}"


def _duplicated_keys_sql(table: Table) -> str:
    key = ", ".join(f'"{k}"' for k in table.key)
    if table.name == "invoice_lines":
        return (
            f"select {key} from stg_invoice_lines as lines "
            f"semi join {LINES_BY_DOCUMENT} as documents "
            "on documents.invoice_id is not distinct from lines.invoice_id "
            "and not documents.line_numbers_distinct "
            "group by all having count(*) > 1"
        )
    # group by treats NULLs as equal: two unapplied rows of one payment (payment_id, NULL)
    # are duplicates too
    return f"select {key} from stg_{table.name} group by all having count(*) > 1"


def _no_document_without_lines() -> str:
    return (
        f"(select count(*) from {duplicated_keys('invoices')}) = 0 and {EVERY_LINE_PLACED} "
        f"and (select count(*) from stg_invoices) = (select count(*) from {LINES_BY_DOCUMENT})"
    )


def _holds(con: duckdb.DuckDBPyConnection, condition: str) -> bool:
    """Whether a scalar condition is true; one that cannot be evaluated is not."""
    try:
        rows = con.sql(f"select ({condition})").fetchall()
    except duckdb.Error:
        return False
    return bool(rows and rows[0][0])


def create_facts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Make every fact; returns (kind, name) of each, for `drop_facts`."""
    made: list[tuple[str, str]] = []
    _make(con, made, LINES_BY_DOCUMENT, _LINES_BY_DOCUMENT_SQL)
    for table in TABLES:
        _make(con, made, duplicated_keys(table.name), _duplicated_keys_sql(table))
    without_lines = _DOCUMENTS_WITHOUT_LINES_SQL
    if _holds(con, _no_document_without_lines()):
        without_lines += "limit 0"
    _make(con, made, DOCUMENTS_WITHOUT_LINES, without_lines)
    return made


def _make(
    con: duckdb.DuckDBPyConnection, made: list[tuple[str, str]], name: str, query: str
) -> None:
    try:
        con.sql(f"create or replace temp table {name} as {query}")
        made.append(("table", name))
    except duckdb.Error:
        con.sql(f"create or replace temp view {name} as {query}")
        made.append(("view", name))


def drop_facts(con: duckdb.DuckDBPyConnection, made: list[tuple[str, str]]) -> None:
    """Drop the facts: the validated connection may serve pages for hours."""
    for kind, name in reversed(made):
        con.sql(f"drop {kind} if exists {name}")
