"""Stage 1, the files themselves: each table present (in one place), footers readable, the
contract's columns present once, readable by name and of an allowed type; the manifest's export
time; and the `raw_<table>` views that stage 2 reads the rows through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kamdash.data.connection import bind_sources, file_variable
from kamdash.data.contract import SQL_TYPES, TABLES, Column, Table
from kamdash.data.sources import MANIFEST, DataSources, TableSource
from kamdash.data.validation.report import Finding, _clip, _relative, _short

# -- stage 1: schema ---------------------------------------------------------------------------


def _allowed(kind: str, arrow_type: pa.DataType) -> bool:
    if pa.types.is_null(arrow_type):
        return True  # an all-null column carries no type; value rules judge it
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if kind == "string":
        return pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    if kind == "boolean":
        return pa.types.is_boolean(arrow_type)
    if kind in ("integer", "number", "money"):
        return (
            pa.types.is_integer(arrow_type)
            or pa.types.is_floating(arrow_type)
            or pa.types.is_decimal(arrow_type)
        )
    return pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type)


_KIND_WORDS = {
    "string": "a string",
    "integer": "an integer, DECIMAL or floating number",
    "number": "an integer, DECIMAL or floating number",
    "money": "an integer, DECIMAL or floating number",
    "date": "a DATE or TIMESTAMP",
    "boolean": "a BOOLEAN",
}


@dataclass
class SchemaScan:
    """What stage 1 learned from the files' footers."""

    findings: list[Finding] = field(default_factory=list)
    # per table: the contract columns present in its files
    present: dict[str, set[str]] = field(default_factory=dict)
    # per table: every column name of its files, lower-cased (DuckDB matches names that way)
    names: dict[str, set[str]] = field(default_factory=dict)


def _missing_table(table: Table, source: TableSource) -> Finding | None:
    """Why a table without data files is missing, in the words of what is in the folder."""
    name = table.name
    if source.file_is_folder:
        reason = (
            f"{name}.parquet is a folder, not a file; rename the folder to {name}/ or "
            f"write a single {name}.parquet file"
        )
    elif source.folder_exists:
        reason = (
            f"the {name}/ folder holds no .parquet files (names starting with . or _ are skipped)"
        )
    elif table.required:
        reason = f"expected {name}.parquet or a {name}/ folder of .parquet files in the data folder"
    else:
        return None  # an optional table left out on purpose
    if table.required:
        return Finding("error", name, None, "table.missing", f"required table missing: {reason}", 0)
    return Finding(
        "warning",
        name,
        None,
        "table.missing",
        f"optional table not read: {reason}; until then there is no {name} data",
        0,
    )


def _text_sample(path: Path, column: str) -> str | None:
    """The first non-empty value of a text column, to show what the export wrote."""
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=256, columns=[column]):
            for value in batch.column(0).to_pylist():
                if value not in (None, ""):
                    return _clip(str(value), 40)
    except Exception:  # the sample only decorates the message; the finding stands without it
        return None
    return None


def _type_finding(
    table: Table, column: Column, arrow_type: pa.DataType, path: Path, relative: str
) -> Finding:
    stored = f"{arrow_type}"
    if column.kind != "string" and (
        pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    ):
        sample = _text_sample(path, column.name)
        if sample is not None:
            stored += f" (values such as {sample!r})"
    return Finding(
        "error",
        table.name,
        column.name,
        "column.type",
        f"column {column.name} is stored as {stored}; the contract needs "
        f"{_KIND_WORDS[column.kind]}",
        0,
        files=(relative,),
    )


def _column_findings(
    table: Table, schema: pa.Schema, path: Path, relative: str
) -> tuple[list[Finding], set[str]]:
    """Findings on the columns of one file, and the contract columns it provides."""
    findings: list[Finding] = []
    provided: set[str] = set()
    names = list(schema.names)
    for column in table.columns:
        exact = names.count(column.name)
        variants = sorted(
            {n for n in names if n != column.name and n.lower() == column.name.lower()}
        )
        if exact > 1:
            findings.append(
                Finding(
                    "error",
                    table.name,
                    column.name,
                    "column.duplicate",
                    f"column {column.name} appears {exact} times in the file; keep one",
                    0,
                    files=(relative,),
                )
            )
            continue
        if exact == 0:
            if column.required:
                hint = f"; the file has {', '.join(variants)} instead" if variants else ""
                findings.append(
                    Finding(
                        "error",
                        table.name,
                        column.name,
                        "column.missing",
                        f"required column {column.name} is missing (columns are "
                        f"matched by exact, case-sensitive name{hint})",
                        0,
                        files=(relative,),
                    )
                )
            continue
        # DuckDB matches names case-insensitively and keeps the first of two that differ
        # only in case: a variant before the contract's column would be read in its place
        earlier = [n for n in names[: names.index(column.name)] if n in variants]
        if earlier:
            findings.append(
                Finding(
                    "error",
                    table.name,
                    column.name,
                    "column.ambiguous",
                    f"the file has {', '.join(earlier)} before {column.name}, names that differ "
                    f"only in letter case; {column.name} would be read from "
                    f"{earlier[0]} — rename or drop {', '.join(earlier)}",
                    0,
                    files=(relative,),
                )
            )
            continue
        provided.add(column.name)
        arrow_type = schema.field(column.name).type
        if not _allowed(column.kind, arrow_type):
            findings.append(_type_finding(table, column, arrow_type, path, relative))
    return findings, provided


def check_schema(sources: DataSources) -> SchemaScan:
    """Stage 1: per table, the files are there and readable, with the contract's columns."""
    scan = SchemaScan()
    for table in TABLES:
        source = sources.tables[table.name]
        if not source.found:
            finding = _missing_table(table, source)
            if finding:
                scan.findings.append(finding)
            continue
        if source.two_locations:
            scan.findings.append(
                Finding(
                    "warning",
                    table.name,
                    None,
                    "table.two_locations",
                    f"{table.name} is given twice, as {table.name}.parquet and as the "
                    f"{table.name}/ folder; both are read together as one table — delete "
                    "the one that is an old copy",
                    0,
                    files=(f"{table.name}.parquet", f"{table.name}/"),
                )
            )
        columns_seen: set[str] = set()
        all_names: set[str] = set()
        for path in source.files:
            relative = _relative(path, sources.data_dir)
            try:
                schema = pq.read_schema(path)
            except Exception as exc:  # pyarrow raises several types for corrupt files
                scan.findings.append(_unreadable_file(table.name, relative, exc))
                continue
            all_names.update(n.lower() for n in schema.names)
            findings, provided = _column_findings(table, schema, path, relative)
            scan.findings.extend(findings)
            columns_seen |= provided
        scan.present[table.name] = columns_seen
        scan.names[table.name] = all_names
    return scan


def _unreadable_file(table: str, relative: str, exc: Exception) -> Finding:
    return Finding(
        "error",
        table,
        None,
        "file.unreadable",
        f"file cannot be read as Parquet ({_short(exc)})",
        0,
        files=(relative,),
    )


def check_manifest(sources: DataSources) -> list[Finding]:
    """A manifest that does not state when the export was made: the dashboard falls back to
    the files' modification time, and says so; the person who wrote it should know why."""
    if sources.manifest is None:
        return []
    try:
        sources.stated_export_time()
    except ValueError as error:
        return [
            Finding(
                "warning",
                MANIFEST,
                None,
                "manifest.exported_at",
                f"{error}; the export date is not known, so the files' modification time is "
                "shown instead (as 'files modified')",
                0,
                files=(MANIFEST,),
            )
        ]
    return []


# -- raw views ---------------------------------------------------------------------------------


def _file_column(names: set[str]) -> str:
    """A name for the file-name column that no column of the files already has."""
    candidates = ["source_file"] + [f"kamdash_source_file_{n}" for n in range(1, 100)]
    return next(c for c in candidates if c not in names)


def create_raw_views(
    con: duckdb.DuckDBPyConnection, sources: DataSources, scan: SchemaScan
) -> list[Finding]:
    """`raw_<table>`: the contract columns as stored (missing optional ones as typed nulls),
    plus the file each row came from. Unknown columns are left out here.

    Returns the findings of tables whose files DuckDB cannot read together."""
    findings: list[Finding] = []
    bind_sources(con, sources)
    for table in TABLES:
        columns_present = scan.present.get(table.name, set())
        selects = [
            f'"{c.name}"'
            if c.name in columns_present
            else f'null::{SQL_TYPES[c.kind]} as "{c.name}"'
            for c in table.columns
        ]
        if sources.tables[table.name].found:
            # an export may carry its own `source_file` column: never clash with it
            file_column = _file_column(scan.names.get(table.name, set()))
            source = (
                f"read_parquet(getvariable('{file_variable(table.name)}'), "
                f"union_by_name = true, hive_partitioning = false, filename = '{file_column}')"
            )
            selects.append(f'"{file_column}" as source_file')
            body = f"select {', '.join(selects)} from {source}"
        else:
            selects.append("null::varchar as source_file")
            body = f"select {', '.join(selects)} where false"
        try:
            con.sql(f"create or replace view raw_{table.name} as {body}")
        except duckdb.Error as exc:
            findings.extend(
                _unreadable_files(con, sources, [table.name])
                or [_unreadable_table(table.name, sources, exc)]
            )
    return findings


def _unreadable_files(
    con: duckdb.DuckDBPyConnection, sources: DataSources, tables: Iterable[str]
) -> list[Finding]:
    """After a read failed: the files of `tables` that cannot be read through, each named.

    The footer (stage 1) can be intact while a data page is damaged; only reading every
    column of every row finds that, so this runs only once a query has failed."""
    findings = []
    for name in tables:
        for path in sources.files(name):
            try:
                con.execute(
                    "select max(hash(columns(*))) from read_parquet($1)", [str(path)]
                ).fetchall()
            except duckdb.Error as exc:
                findings.append(_unreadable_file(name, _relative(path, sources.data_dir), exc))
    return findings


def _unreadable_table(table: str, sources: DataSources, exc: Exception) -> Finding:
    return Finding(
        "error",
        table,
        None,
        "table.unreadable",
        f"the {table} files cannot be read as the contract's types ({_short(exc)})",
        0,
        files=(sources.tables[table].location,),
    )
