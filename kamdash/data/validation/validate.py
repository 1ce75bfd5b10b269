"""The driver: runs the stages in order on a connection (`validate_connection`, which the store
calls with its build) or on a folder (`validate_folder`, what `kamdash validate` prints), each
stage only when the previous one left the data readable, and ends in a report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from kamdash.data.connection import Progress, build, connect, tables_built
from kamdash.data.contract import TABLES
from kamdash.data.sources import DataSources, discover
from kamdash.data.validation import rules as rule_table
from kamdash.data.validation.conservation import _conservation_money, conservation
from kamdash.data.validation.facts import create_facts, drop_facts
from kamdash.data.validation.partitions import check_partitions
from kamdash.data.validation.passes import (
    _column_exists,
    _first_row,
    _row_findings,
    _run_passes,
    _run_value_rules,
)
from kamdash.data.validation.report import Finding, TableSummary, ValidationReport
from kamdash.data.validation.schema import (
    _unreadable_files,
    check_manifest,
    check_schema,
    create_raw_views,
)


def _summaries(
    con: duckdb.DuckDBPyConnection, sources: DataSources, readable: bool
) -> list[TableSummary]:
    date_columns = {"invoices": "invoice_date", "payments": "payment_date", "targets": "month"}
    result = []
    for table in TABLES:
        source = sources.tables[table.name]
        rows: int | None = None
        first = last = None
        if readable and source.found:
            column = date_columns.get(table.name)
            select = (
                f"count(*), min({column})::varchar, max({column})::varchar"
                if column
                else "count(*), null, null"
            )
            row = _first_row(con, f"select {select} from stg_{table.name}")
            if row:
                rows, first, last = int(row[0]), row[1], row[2]
        result.append(
            TableSummary(table.name, source.location, len(source.files), rows, first, last)
        )
    return result


# the stages reported before the build's tables and after them (see `Progress`)
STAGES_BEFORE_BUILD = ("files", "values", "partitions")
STAGES_AFTER_BUILD = ("rules", "summaries")


class _Steps:
    """Counts the steps of one validation and build for a `Progress` callback."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.total = len(STAGES_BEFORE_BUILD) + tables_built() + len(STAGES_AFTER_BUILD)

    def __call__(self, step: str) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, step)
        self.done += 1


def validate_connection(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    *,
    build: Callable[[duckdb.DuckDBPyConnection, DataSources, Callable[[str], None]], None],
    progress: Progress | None = None,
) -> ValidationReport:
    """Run every stage on `con`; when the data is readable, `build` creates the SQL layers.
    `progress` hears each stage and each table built as it starts."""
    report = ValidationReport(sources.data_dir)
    step = _Steps(progress)
    step("files")
    scan = check_schema(sources)
    report.findings.extend(scan.findings)
    report.findings.extend(check_manifest(sources))
    if report.has_errors:
        report.tables = _summaries(con, sources, readable=False)
        return report

    report.findings.extend(create_raw_views(con, sources, scan))
    if report.has_errors:
        report.tables = _summaries(con, sources, readable=False)
        return report
    step("values")
    report.findings.extend(_run_value_rules(con, sources, scan))
    if report.has_errors:
        report.tables = _summaries(con, sources, readable=False)
        return report
    step("partitions")
    report.findings.extend(check_partitions(con, sources))

    try:
        build(con, sources, step)
    except duckdb.Error:
        # every value was read in stage 2, but not every column (optional text columns are
        # not): a damaged page there surfaces only now. Anything else is a bug of ours.
        unreadable = _unreadable_files(con, sources, [t.name for t in TABLES])
        if not unreadable:
            raise
        report.findings.extend(unreadable)
        report.tables = _summaries(con, sources, readable=False)
        return report
    rules = [rule for rule in rule_table._rules() if _column_exists(rule, scan.present, sources)]
    step("rules")
    facts = create_facts(con)
    try:
        # one pass per table counts every rule on its rows and takes conservation's sums; only
        # a rule with broken rows runs its own query, for examples, files and excluded money
        passes = _run_passes(con, rules, _conservation_money())
        report.findings.extend(_row_findings(con, sources, rules, passes.counts))
    finally:
        drop_facts(con, facts)
    report.conservation = conservation(con, passes.money)
    for line in report.conservation:
        if not line.balanced:
            report.findings.append(
                Finding(
                    "error",
                    line.table,
                    line.column,
                    "conservation",
                    "money loaded does not equal money in metrics plus money excluded "
                    f"({line.to_text()}); usually a consequence of duplicate keys",
                    0,
                )
            )
    step("summaries")
    report.tables = _summaries(con, sources, readable=True)
    return report


def validate_folder(data_dir: str | Path, progress: Progress | None = None) -> ValidationReport:
    """The report for a folder, without refusing it (what `kamdash validate` prints)."""
    path = Path(data_dir).expanduser()
    con = connect(readable=[path])
    try:
        return validate_connection(con, discover(path), build=build, progress=progress)
    finally:
        con.close()
