"""The row and value rules count their broken rows in one pass per table, not one per rule.

At 50M invoice lines each pass over the lines costs seconds, so a clean export must be read
once per table for its rules (and conservation's sums); only a rule that finds broken rows
runs its own query, for example keys, files and excluded money. These tests prove that the
one-pass path reports exactly what the rule-by-rule path reports on exports that break many
rules, and that a clean export is read once per table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import duckdb
import exportkit as ek
import pyarrow.parquet as pq
import pytest

from kamdash.data import validation
from kamdash.data.connection import build, connect
from kamdash.data.contract import TABLES
from kamdash.data.sources import discover
from kamdash.data.validation import RowRule, ValidationReport
from kamdash.data.validation import passes as running
from kamdash.data.validation import rules as rule_table

D = dt.date


class RecordingConnection:
    """A DuckDB connection that keeps the text of every query validation sends it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.queries: list[str] = []

    def sql(self, query: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyRelation:
        self.queries.append(query)
        return self.con.sql(query, *args, **kwargs)

    def execute(self, query: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        self.queries.append(query)
        return self.con.execute(query, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


def validate(folder: Path) -> tuple[ValidationReport, list[str]]:
    """The report, and every query validation sent (the SQL layers' build is not recorded)."""
    con = connect(readable=[folder])
    recording = RecordingConnection(con)
    try:
        report = validation.validate_connection(
            cast(duckdb.DuckDBPyConnection, recording),
            discover(folder),
            build=lambda _, sources, step: build(con, sources, step),
        )
    finally:
        con.close()
    return report, recording.queries


def rule_by_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every pass fail, so each rule runs its own query as it did before passes."""

    def fail(*args: object, **kwargs: object) -> Any:
        raise duckdb.InvalidInputException("the pass is switched off for this test")

    monkeypatch.setattr(running, "_count_pass", fail)


def spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[Any, ...]]:
    """Record the arguments of each call of running.<name> (and still make the call)."""
    calls: list[tuple[Any, ...]] = []
    function: Callable[..., Any] = getattr(running, name)

    def recorded(*args: Any) -> Any:
        calls.append(args)
        return function(*args)

    monkeypatch.setattr(running, name, recorded)
    return calls


def many_warnings(tables: dict[str, Any]) -> None:
    """One export that breaks nearly every row rule at once, some rules on several rows, plus
    a duplicate line (key.unique and an unbalanced conservation line)."""
    tables["accounts"][1].update(kam_id="K9", credit_limit=-1.0)
    tables["accounts"][0].update(payment_terms_days=-5, onboarded_on=D(1900, 1, 1))
    tables["invoices"][0].update(due_date=D(2024, 1, 9))
    tables["invoices"][1].update(doc_type="INVOICE")
    tables["invoices"] += [
        ek.invoice("I3", "A2", D(2024, 3, 1), -10.0, doc_type="invoice"),  # no lines, sign
        ek.invoice("I9", "GHOST", D(2200, 3, 1), 240.0),  # unknown account, implausible date
    ]
    tables["invoice_lines"][1].update(product_id="P404")
    tables["invoice_lines"][2].update(net_amount=100.0)  # on a credit note
    tables["invoice_lines"] += [
        ek.line("I9", 1, "P1", 2, 200.0, 100.0),
        ek.line("NOPE", 1, "P405", 1, 50.0, 20.0),
        ek.line("NOPE", 1, "P1", 1, 7.0, 3.0),  # duplicate key
    ]
    tables["payments"][0].update(account_id="A2")
    tables["payments"] += [
        ek.payment("PAY7", "A1", "NOPE", D(2024, 3, 2), 70.0),
        ek.payment("PAY8", "GHOST", None, D(2024, 3, 2), -30.0),
    ]
    tables["targets"] += [
        {"account_id": "A9", "month": D(2024, 2, 1), "revenue_target": 10.0},
        {"account_id": "A1", "month": D(2024, 2, 15), "revenue_target": 5.0},
    ]


def many_bad_values(tables: dict[str, Any]) -> None:
    """Empty, NaN, infinite and out-of-range values in several tables (stage 2 errors)."""
    tables["invoices"][1]["invoice_date"] = None
    tables["invoices"][2]["amount_due"] = float("-inf")
    tables["invoice_lines"][0]["net_amount"] = float("nan")
    tables["invoice_lines"][1]["cost_amount"] = float("inf")
    tables["invoice_lines"][2]["product_id"] = None
    tables["payments"][0]["amount"] = 2e14
    tables["accounts"][1]["region"] = None
    tables["managers"][0]["kam_name"] = None


def plain(rules: Sequence[RowRule]) -> list[RowRule]:
    """The rules that share their table's pass."""
    return [rule for rule in rules if running._shares_pass(rule)]


@pytest.mark.parametrize(
    ("mutate", "layout", "stage"),
    [
        (many_warnings, "folder", "rules"),
        (many_warnings, "file", "rules"),
        (many_bad_values, "folder", "values"),
    ],
    ids=["warnings_folder", "warnings_file", "bad_values"],
)
def test_one_pass_reports_what_rule_by_rule_reports(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mutate: Callable[[dict[str, Any]], None],
    layout: ek.Layout,
    stage: str,
) -> None:
    tables = ek.healthy_tables()
    mutate(tables)
    folder = ek.write_export(tmp_path / "export", tables, layout=layout)

    with monkeypatch.context() as patch:
        passes = spy(patch, "_count_pass")
        runs = spy(patch, "_run_rule")
        one_pass, _ = validate(folder)
    with monkeypatch.context() as patch:
        rule_by_rule(patch)
        before, _ = validate(folder)

    # the same findings, in the same order, with the same counts, examples, files and money;
    # the same conservation lines and table summaries
    assert one_pass.to_dict() == before.to_dict()
    assert one_pass.findings == before.findings
    assert one_pass.conservation == before.conservation

    # the rules of the tables this export has (the optional CRM tables are absent here)
    rules = [
        rule
        for rule in {"rules": rule_table._rules, "values": rule_table._value_rules}[stage]()
        if rule.table in tables
    ]
    broken = {(f.table, f.column, f.rule) for f in one_pass.findings}
    tripped = [r for r in plain(rules) if (r.table, r.column, r.rule) in broken]
    # the export breaks many rules, or the comparison proves little
    assert len(tripped) >= {"rules": 12, "values": 7}[stage], [f.to_text() for f in before.findings]
    # the passes did the counting: one per relation, none failed back to rule by rule
    relations = [call[1] for call in passes]
    assert len(relations) == len(set(relations))
    assert {running._relation(r) for r in plain(rules)} <= set(relations)
    # and only a rule with broken rows ran its own query
    ran = [call[1] for call in runs]
    assert [r for r in plain(ran) if r in plain(rules)] == tripped


def test_a_clean_export_is_read_once_per_table_for_its_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = ek.healthy_tables()  # the v1 tables: the optional CRM tables are absent
    folder = ek.write_export(tmp_path / "export", tables, layout="folder")
    passes = spy(monkeypatch, "_count_pass")
    runs = spy(monkeypatch, "_run_rule")
    report, queries = validate(folder)
    assert report.findings == []
    assert all(line.balanced for line in report.conservation)

    # one pass per raw view (value rules) and per staging view (row rules), each once, and it
    # counts every rule that reads that view's rows; none of those runs a query of its own.
    # A rule the build already proves clean (every line placed on a document) is not counted
    expected: dict[str, list[str]] = {}
    for rule in plain(rule_table._value_rules() + rule_table._rules()):
        if not rule.clean_when and rule.table in tables:
            expected.setdefault(running._relation(rule), []).append(rule.condition)
    assert [call[1] for call in passes] == list(expected)
    assert {call[1]: list(call[2]) for call in passes} == expected
    assert plain([call[1] for call in runs]) == []
    for table in ("invoice_lines", "payments"):
        table_pass = next(q for q in queries if f"from stg_{table})" in q and "count(*)" in q)
        assert "int_documents" not in table_pass, table

    # at the connection: each raw view is read by one query, not one per value rule
    for table in (t.name for t in TABLES if t.name in tables):
        reads = [q for q in queries if re.search(rf"\bfrom raw_{table}\b", q)]
        assert len(reads) == 1, reads
    # the only rule queries of their own are those of the rules that read a relation of their
    # own: key.unique's grouped semi joins and the document without lines (an anti join), one
    # query each. The payment whose account differs from its document's is proven absent by
    # the build (int_allocations.payment_account_matches) and runs none
    own = [q for q in queries if "with broken as" in q]
    own_relations = [
        running._relation(rule)
        for rule in rule_table._rules()
        if not running._shares_pass(rule)
        and rule.rule != "table.empty"
        and not rule.clean_when
        and rule.table in tables
    ]
    assert not any("stg_payments as payments semi join int_documents" in q for q in own)
    assert {rule.rule for rule in rule_table._rules() if rule.relation} >= {
        "key.unique",
        "rule.account_matches_document",
        "rule.document_without_lines",
    }
    assert len(own) == len(own_relations)
    assert all(sum(relation in q for q in own) == 1 for relation in own_relations), own
    # conservation took its sums in the staging passes, not in a pass of its own
    for column in ("amount_due", "net_amount", "cost_amount", "amount"):
        sums = [q for q in queries if f'sum("{column}")' in q]
        assert len(sums) == 1 and "count(*) filter" in sums[0], sums


def test_a_failed_pass_falls_back_to_each_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule that cannot be evaluated fails its table's pass; the other rules of that table
    are still checked one by one, and the other tables keep their pass."""
    broken = RowRule("rule.sign", "warning", "payments", "amount", "never shown", "nope > 0")
    rules = rule_table._rules()
    monkeypatch.setattr(rule_table, "_rules", lambda: [*rules, broken])
    tables = ek.healthy_tables()
    tables["payments"][1].update(amount=-50.0)
    folder = ek.write_export(tmp_path / "export", tables)
    runs = spy(monkeypatch, "_run_rule")
    report, _ = validate(folder)
    assert [(f.severity, f.table, f.rule, f.count) for f in report.findings] == [
        ("warning", "payments", "rule.sign", 1),
        ("error", "payments", "rule.sign", 0),
    ]
    assert "this rule could not be checked" in report.findings[1].message
    ran = {(r.table, r.rule) for r in plain([call[1] for call in runs])}
    assert {table for table, _ in ran} == {"payments"}
    assert all(line.balanced for line in report.conservation)


def test_a_rule_failing_after_its_tables_pass_redoes_the_values_rule_by_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule's own query reads more columns than its table's pass (the keys): when it fails
    although the pass read the table, stage 2 is redone rule by rule, so the report is the one
    the rule-by-rule path gives, failure included.

    Here every invoice_lines rule fails but the one on product_id: rule by rule, the first
    (invoice_id, no broken row) fails before product_id's finding is made; the passes alone
    would skip it and report product_id's finding too."""
    tables = ek.healthy_tables()
    many_bad_values(tables)
    folder = ek.write_export(tmp_path / "export", tables)
    run_rule = running._run_rule

    def fails_on_lines(
        con: duckdb.DuckDBPyConnection, rule: RowRule, sources: Any
    ) -> validation.Finding | None:
        if rule.table == "invoice_lines" and rule.column != "product_id":
            raise duckdb.IOException("a damaged page in a key column")
        return run_rule(con, rule, sources)

    monkeypatch.setattr(running, "_run_rule", fails_on_lines)
    one_pass, _ = validate(folder)
    with monkeypatch.context() as patch:
        rule_by_rule(patch)
        before, _ = validate(folder)
    assert one_pass.findings == before.findings
    lines = [(f.column, f.rule) for f in before.findings if f.table == "invoice_lines"]
    assert lines == [(None, "table.unreadable")]
    # the other tables' findings are still there
    assert {f.table for f in one_pass.findings} >= {"invoices", "payments", "accounts"}


def damage_page(path: Path, column: str) -> None:
    """Overwrite the first data page of `column`, leaving the footer intact."""
    metadata = pq.read_metadata(path)
    offset = metadata.row_group(0).column(metadata.schema.names.index(column)).data_page_offset
    data = bytearray(path.read_bytes())
    data[offset : offset + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("orphan", [False, True], ids=["clean", "orphan_product"])
def test_a_damaged_key_page_is_reported_as_rule_by_rule_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, orphan: bool
) -> None:
    """line_no is read by no condition (its value rules are answered from the footer's
    statistics) and by no SQL layer, but by every invoice_lines rule's own query, for its
    example keys: each of those rules says it could not be checked, skipped or not."""
    tables = ek.healthy_tables()
    if orphan:
        tables["invoice_lines"][1].update(product_id="P404")
    folder = ek.write_export(tmp_path / "export", tables)
    damage_page(folder / "invoice_lines.parquet", "line_no")
    one_pass, _ = validate(folder)
    with monkeypatch.context() as patch:
        rule_by_rule(patch)
        before, _ = validate(folder)
    assert one_pass.to_dict() == before.to_dict()
    assert [f.rule for f in one_pass.findings] == [
        "key.unique",
        "reference.invoice_id",
        "reference.product_id",
        "rule.sign",
    ]
    assert all("could not be checked" in f.message for f in one_pass.findings)


def test_a_line_of_an_unknown_document_is_counted_in_its_tables_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build placed fewer lines than the export has, so the reference rule is counted in
    the lines pass, with its excluded money for conservation, and reported with examples."""
    tables = ek.healthy_tables()
    tables["invoice_lines"].append(ek.line("NOPE", 1, "P1", 1, 50.0, 20.0))
    folder = ek.write_export(tmp_path / "export", tables, layout="folder")
    passes = spy(monkeypatch, "_count_pass")
    report, _ = validate(folder)
    lines_pass = next(call for call in passes if call[1] == "stg_invoice_lines")
    reference = next(
        rule
        for rule in rule_table._rules()
        if rule.table == "invoice_lines" and rule.rule == "reference.invoice_id"
    )
    assert reference.condition in lines_pass[2]
    [finding] = report.findings
    assert (finding.rule, finding.count, finding.examples) == (
        "reference.invoice_id",
        1,
        ("'NOPE / 1'",),
    )
    net = next(c for c in report.conservation if c.column == "net_amount")
    assert (float(net.excluded), net.balanced) == (50.0, True)
