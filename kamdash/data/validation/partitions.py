"""Hive partition folders (`invoices/account_id=A2/`) whose value contradicts the rows of the
files inside them: kamdash reads the value in the file and warns where the two disagree."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import duckdb

from kamdash.data.contract import SQL_TYPES, TABLES, Table
from kamdash.data.sources import DataSources
from kamdash.data.validation.report import MAX_EXAMPLES, Finding, _clip, _relative
from kamdash.data.validation.rules import _key_expression
from kamdash.data.validation.schema import _unreadable_files, _unreadable_table

# -- partition folders -------------------------------------------------------------------------


def _partition_values(path: Path, sources: DataSources, table: Table) -> list[tuple[str, str]]:
    """(column, value) of each `column=value` folder above `path` that names a contract column."""
    folder = sources.data_dir / table.name
    try:
        parts = path.relative_to(folder).parts[:-1]
    except ValueError:  # `<table>.parquet` itself
        return []
    pairs = []
    for part in parts:
        name, equals, value = part.partition("=")
        if equals and name in table.column_names:
            pairs.append((name, unquote(value)))
    return pairs


def check_partitions(con: duckdb.DuckDBPyConnection, sources: DataSources) -> list[Finding]:
    """Hive folders named after a contract column (`invoices/account_id=A2/`) are ignored: the
    value in the file is used. Where the two disagree the export contradicts itself: say so."""
    findings = []
    for table in TABLES:
        expected: dict[str, tuple[list[str], list[str | None]]] = {}
        for path in sources.files(table.name):
            for column, value in _partition_values(path, sources, table):
                files, values = expected.setdefault(column, ([], []))
                files.append(str(path))
                values.append(None if value == "__HIVE_DEFAULT_PARTITION__" else value)
        for column, (files, values) in expected.items():
            try:
                finding = _partition_finding(con, sources, table, column, files, values)
            except duckdb.Error as exc:
                findings.extend(
                    _unreadable_files(con, sources, [table.name])
                    or [_unreadable_table(table.name, sources, exc)]
                )
                break
            if finding:
                findings.append(finding)
    return findings


def _partition_finding(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    table: Table,
    column: str,
    files: list[str],
    values: list[str | None],
) -> Finding | None:
    """Rows of `files` whose `column` differs from their partition folder's value (the file
    names and values are bound parameters; the column comes from the contract)."""
    sql_type = SQL_TYPES[table.column(column).kind]
    row = con.execute(
        f"""
        with expected as (
            select unnest($1::varchar[]) as source_file,
                unnest($2::varchar[]) as partition_value
        ),
        broken as (
            select {_key_expression(table)} as example_key, source_file
            from raw_{table.name} join expected using (source_file)
            where "{column}"::{sql_type}
                is distinct from try_cast(partition_value as {sql_type})
        )
        select count(*),
            (select list(example_key order by example_key) from (
                select distinct example_key from broken order by example_key
                limit {MAX_EXAMPLES}
            )),
            (select list(distinct source_file order by source_file) from broken)
        from broken
        """,
        [files, values],
    ).fetchall()[0]
    if not row[0]:
        return None
    return Finding(
        "warning",
        table.name,
        column,
        "partition.mismatch",
        f"{column} in the file differs from the {column}=… partition folder the "
        "file sits in; the value in the file is used (partition folder names are "
        "ignored) — check which one is right",
        int(row[0]),
        tuple(repr(_clip(k)) for k in row[1] or []),
        tuple(_relative(Path(f), sources.data_dir) for f in row[2] or [])[:3],
    )
