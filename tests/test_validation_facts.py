"""The facts that let key.unique and rule.document_without_lines skip their big groupings on a
clean export (kamdash/data/validation/facts.py) never hide a broken row.

Line numbers are proven distinct per document by one bit each (the number modulo 64), and a
document without lines is ruled out by counts; these tests build the exports where those
shortcuts could go wrong and check the findings a person reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import exportkit as ek

from kamdash import validate_folder
from kamdash.data.connection import build, connect
from kamdash.data.sources import discover
from kamdash.data.validation import validate_connection

D = dt.date


def lines_numbered(invoice_id: str, numbers: list[int], sign: int = 1) -> list[dict[str, Any]]:
    return [ek.line(invoice_id, n, "P1", sign, sign * 10.0, sign * 6.0) for n in numbers]


def numbered_tables() -> dict[str, list[dict[str, Any]]]:
    """Documents whose distinct line numbers share a bit: 70 lines on I1 (1 and 65 both
    there), 1 and 65 on I2, -1 and 63 on the credit note."""
    tables = ek.healthy_tables()
    tables["invoice_lines"] += lines_numbered("I1", list(range(2, 71)))
    tables["invoice_lines"] += lines_numbered("I2", [65])
    tables["invoice_lines"] += lines_numbered("C1", [-1, 63], sign=-1)
    return tables


def test_line_numbers_sharing_a_bit_are_not_duplicates(tmp_path: Path) -> None:
    report = validate_folder(ek.write_export(tmp_path / "export", numbered_tables()))
    assert [f.to_text() for f in report.findings] == []


def test_repeated_line_numbers_beyond_the_bits_are_found(tmp_path: Path) -> None:
    tables = numbered_tables()
    tables["invoice_lines"] += lines_numbered("I1", [70]) + lines_numbered("I2", [65])
    tables["invoice_lines"] += lines_numbered("C1", [-1], sign=-1)
    report = validate_folder(ek.write_export(tmp_path / "export", tables))
    assert [f.to_text() for f in report.errors] == [
        "ERROR invoice_lines.invoice_id, line_no: (invoice_id, line_no) must be unique; "
        "duplicated rows would be counted twice (rule key.unique; 6 rows; "
        "file invoice_lines.parquet; e.g. 'C1 / -1', 'I1 / 70', 'I2 / 65')"
    ]


def test_a_document_without_lines_is_found_where_counts_balance_by_accident(
    tmp_path: Path,
) -> None:
    """I1 is exported twice, so its two lines are placed twice; two lines of unknown
    documents are not placed at all. The build placed as many lines as the export has, and
    there are as many documents as document ids among the lines, yet I3 has no line."""
    tables = ek.healthy_tables()
    tables["invoices"] += [
        ek.invoice("I1", "A1", D(2024, 1, 10), 1200.0),
        ek.invoice("I3", "A2", D(2024, 3, 1), 10.0),
    ]
    tables["invoice_lines"] += [
        ek.line("I1", 2, "P2", 1, 200.0, 100.0),
        ek.line("NOPE", 1, "P1", 1, 50.0, 20.0),
        ek.line("NOPE2", 1, "P1", 1, 70.0, 30.0),
    ]
    report = validate_folder(ek.write_export(tmp_path / "export", tables))
    texts = [f.to_text() for f in report.findings]
    assert (
        "WARNING invoices.invoice_id: document has no lines: its amount_due counts in "
        "receivables but it adds no revenue (rule rule.document_without_lines; 1 row; "
        "file invoices.parquet; e.g. 'I3')"
    ) in texts
    assert [(f.table, f.count) for f in report.errors if f.rule == "key.unique"] == [
        ("invoices", 2)
    ]


def test_validation_leaves_no_facts_on_the_connection(tmp_path: Path) -> None:
    """The validated connection goes on to serve pages: the facts are dropped."""
    folder = ek.write_export(tmp_path / "export", ek.healthy_tables())
    con = connect(readable=[folder])
    try:
        report = validate_connection(con, discover(folder), build=build)
        left = con.sql(
            "select table_name from duckdb_tables() where table_name like 'kamdash_validation%' "
            "union all "
            "select view_name from duckdb_views() where view_name like 'kamdash_validation%'"
        ).fetchall()
    finally:
        con.close()
    assert report.findings == []
    assert left == []
