"""Validation of an export against the contract, and the conservation of money.

Three stages, each only when the previous one leaves the data readable:
1. schema, per file: table present (and in one place), footer readable, required columns
   present once and readable by name, types allowed;
2. values, on the raw rows: every row readable, required values present, numbers finite and
   in range; Hive partition folders that contradict the file's values;
3. rules, on the typed staging views: keys unique, references resolve, signs, dates, doc_type.
Then the SQL layers are built and a conservation line per money column proves that what was
loaded equals what the metrics use plus what the findings exclude.

A 50M-line export makes every pass over a table cost seconds, so the rules of stages 2 and 3
that read a table's rows are counted in one pass per table (with conservation's sums); only a
rule that finds broken rows then runs its own query, for its examples, files and money.

Whatever the files hold, validation ends in a report, never in an exception: a file DuckDB
cannot read through is named as unreadable, and a rule that cannot be evaluated is an error.

Every finding names the table, column, rule, file(s), row count and up to five example keys;
a reference finding also names the values that resolve to nothing (up to five, each with its
row count): what a person must add to the referenced table or correct. Errors mean the data
cannot be shown, warnings mean it can.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kamdash.data.connection import bind_sources, build, connect, file_variable
from kamdash.data.contract import DOC_TYPES, SQL_TYPES, TABLES, TABLES_BY_NAME, Column, Table
from kamdash.data.sources import MANIFEST, DataSources, TableSource, discover

Severity = Literal["error", "warning"]
MAX_EXAMPLES = 5
# a 10 KB id quoted in full would drown the report: examples are cut to this length
MAX_EXAMPLE_CHARS = 80
# dates outside this window are almost always export bugs (1900-01-01 placeholders, 2200 typos)
PLAUSIBLE_DATES = ("1990-01-01", "2100-12-31")
MONEY_LIMIT = 10**14  # decimal(18,4) holds up to 10^14 roubles
INTEGER_LIMIT = 10**18  # bigint holds up to 9.2·10^18


@dataclass(frozen=True)
class Finding:
    severity: Severity
    table: str
    column: str | None
    rule: str
    message: str
    count: int
    examples: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    excluded: dict[str, float] = field(default_factory=dict)
    # reference rules: the most frequent values that resolve to nothing (as text, cut like the
    # examples), each with its row count, and how many distinct such values there are in all
    unresolved: tuple[tuple[str, int], ...] = ()
    unresolved_distinct: int = 0

    def unresolved_text(self) -> str:
        """`'K404' (120 rows), 'K9' (1 row) and 3 more`, or empty."""
        listed = ", ".join(f"{value!r} ({_rows(count)})" for value, count in self.unresolved)
        more = self.unresolved_distinct - len(self.unresolved)
        return f"{listed} and {more} more" if listed and more > 0 else listed

    def to_text(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        parts = [f"rule {self.rule}", _rows(self.count)]
        if self.files:
            parts.append("file " + ", ".join(self.files))
        if self.unresolved:
            parts.append("unresolved " + self.unresolved_text())
        if self.examples:
            parts.append("e.g. " + ", ".join(self.examples))
        return f"{self.severity.upper()} {where}: {self.message} ({'; '.join(parts)})"


@dataclass(frozen=True)
class ConservationLine:
    """loaded = used + excluded for one money column, in roubles."""

    table: str
    column: str
    loaded: Decimal
    used: Decimal
    excluded: Decimal

    @property
    def balanced(self) -> bool:
        return self.loaded == self.used + self.excluded

    def to_text(self) -> str:
        status = "balanced" if self.balanced else "NOT BALANCED"
        return (
            f"{self.table}.{self.column}: loaded {_money(self.loaded)} = in metrics "
            f"{_money(self.used)} + excluded by findings {_money(self.excluded)} — {status}"
        )


@dataclass(frozen=True)
class TableSummary:
    table: str
    location: str
    files: int
    rows: int | None
    first_date: str | None = None
    last_date: str | None = None


@dataclass
class ValidationReport:
    data_dir: Path
    findings: list[Finding] = field(default_factory=list)
    conservation: list[ConservationLine] = field(default_factory=list)
    tables: list[TableSummary] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def verdict(self) -> str:
        if self.has_errors:
            return f"cannot be shown: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if self.warnings:
            return f"can be shown with {len(self.warnings)} warning(s)"
        return "valid: no errors, no warnings"

    def to_text(self) -> str:
        lines = [f"Data folder {self.data_dir}: {self.verdict}"]
        for finding in self.errors + self.warnings:
            lines.append("  " + finding.to_text())
        if self.conservation:
            lines.append("Conservation of money:")
            lines.extend("  " + line.to_text() for line in self.conservation)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir),
            "verdict": self.verdict,
            "can_be_shown": not self.has_errors,
            "findings": [
                asdict(f)
                | {
                    "unresolved": [{"value": value, "rows": rows} for value, rows in f.unresolved],
                    "text": f.to_text(),
                }
                for f in self.findings
            ],
            "conservation": [
                {
                    "table": c.table,
                    "column": c.column,
                    "loaded": float(c.loaded),
                    "used": float(c.used),
                    "excluded": float(c.excluded),
                    "balanced": c.balanced,
                }
                for c in self.conservation
            ],
            "tables": [asdict(t) for t in self.tables],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, default=str)

    def to_cache(self) -> str:
        """Lossless JSON (money as exact decimal strings) for the per-data-version cache."""
        payload = self.to_dict()
        for line, stored in zip(self.conservation, payload["conservation"], strict=True):
            stored.update(loaded=str(line.loaded), used=str(line.used), excluded=str(line.excluded))
        return json.dumps(payload, ensure_ascii=False)

    @classmethod
    def from_cache(cls, text: str) -> ValidationReport:
        payload = json.loads(text)
        return cls(
            data_dir=Path(payload["data_dir"]),
            findings=[
                Finding(
                    severity=f["severity"],
                    table=f["table"],
                    column=f["column"],
                    rule=f["rule"],
                    message=f["message"],
                    count=f["count"],
                    examples=tuple(f["examples"]),
                    files=tuple(f["files"]),
                    excluded=f["excluded"],
                    # reports cached before unresolved values were reported have none
                    unresolved=tuple((u["value"], u["rows"]) for u in f.get("unresolved", [])),
                    unresolved_distinct=f.get("unresolved_distinct", 0),
                )
                for f in payload["findings"]
            ],
            conservation=[
                ConservationLine(
                    c["table"],
                    c["column"],
                    Decimal(c["loaded"]),
                    Decimal(c["used"]),
                    Decimal(c["excluded"]),
                )
                for c in payload["conservation"]
            ],
            tables=[TableSummary(**t) for t in payload["tables"]],
        )


def _first_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    rows = con.sql(sql).fetchall()
    return rows[0] if rows else None


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ")


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


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return str(path.relative_to(data_dir))
    except ValueError:
        return str(path)


def _clip(text: str, limit: int = MAX_EXAMPLE_CHARS) -> str:
    """A value quoted in a message: long ids and names are cut, with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


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


def _value_rules() -> list[RowRule]:
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


def _rules() -> list[RowRule]:
    rules: list[RowRule] = []
    for table in TABLES:
        key = ", ".join(f'"{k}"' for k in table.key)
        # `group by` and `is not distinct from` treat NULLs as equal: two unapplied rows of
        # one payment (payment_id, NULL) are duplicates too, which `in (...)` would miss. A
        # grouped semi join, not a window count: at 50M lines it takes half the time.
        same_key = " and ".join(
            f'rows."{k}" is not distinct from duplicated."{k}"' for k in table.key
        )
        duplicated = f"select {key} from stg_{table.name}"
        key_kinds = {table.column(k).kind for k in table.key}
        if len(table.key) > 1 and key_kinds != {"string"}:
            # a key of text and a number groups slowly; one hash of the key's text groups
            # fast, and only the rows whose hash repeats (none, when the key is unique) are
            # then grouped by the key itself. Equal keys hash alike, so nothing is missed:
            # 50M lines 8.0 s -> 4.9 s. For keys of text alone the hash costs more than it saves.
            key_hash = (
                "hash(concat_ws(chr(31), " + ", ".join(f'"{k}"::varchar' for k in table.key) + "))"
            )
            duplicated += (
                f" where {key_hash} in "
                f"(select {key_hash} from stg_{table.name} group by all having count(*) > 1)"
            )
        rules.append(
            RowRule(
                "key.unique",
                "error",
                table.name,
                ", ".join(table.key),
                f"({', '.join(table.key)}) must be unique; duplicated rows would be counted twice",
                "true",
                relation=f"(select rows.* from stg_{table.name} as rows semi join ("
                f"{duplicated} group by all having count(*) > 1"
                f") as duplicated on {same_key})",
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
    rules += [
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
            "table.empty",
            "warning",
            "invoices",
            None,
            "the invoices table has no rows: revenue, margins and receivables are all empty",
            "true",
            relation="(select 1 where not exists (select 1 from stg_invoices))",
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
            "reference.account_id",
            "warning",
            "invoices",
            "account_id",
            "account_id is not in accounts; the document is excluded from every metric "
            "(amount_due and its lines)",
            "account_id not in (select account_id from stg_accounts)",
            excluded_money=("amount_due",),
        ),
        RowRule(
            "reference.invoice_id",
            "warning",
            "invoice_lines",
            "invoice_id",
            "invoice_id is not a document of a known account; the line is excluded from revenue",
            "invoice_id not in (select invoice_id from int_documents)",
            excluded_money=("net_amount", "cost_amount"),
            # the sales build already matched every line to its document: when it placed as
            # many lines as the export has, none is unknown, and the pass need not match the
            # 50M lines again (2.7 s of its 5.4). Documents with a duplicated id could place a
            # line twice and hide a missing one; they are a key.unique error, and the money
            # would still not balance in conservation.
            clean_when="(select count(*) from stg_invoice_lines) "
            "= (select coalesce(sum(line_count), 0) from int_sales_daily)",
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
            "reference.invoice_id",
            "warning",
            "payments",
            "invoice_id",
            "invoice_id is not a document of a known account; the allocation is excluded "
            "from receivables and payment behaviour",
            "invoice_id is not null and invoice_id not in (select invoice_id from int_documents)",
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
            "invoice_id is null and account_id not in (select account_id from stg_accounts)",
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
            "reference.account_id",
            "warning",
            "targets",
            "account_id",
            "account_id is not in accounts; the plan row is ignored",
            "account_id not in (select account_id from stg_accounts)",
            excluded_money=("revenue_target",),
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
            "rule.sign",
            "warning",
            "invoice_lines",
            "net_amount",
            "a credit note's lines must have negative quantity, net_amount and cost_amount; "
            "used as given",
            "invoice_id in (select invoice_id from stg_invoices where doc_type = 'credit_note') "
            "and (quantity > 0 or net_amount > 0 or cost_amount > 0)",
        ),
        RowRule(
            "rule.sign",
            "warning",
            "payments",
            "amount",
            "amount must be > 0; used as given",
            "amount <= 0",
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
        RowRule(
            "rule.first_of_month",
            "warning",
            "targets",
            "month",
            "month must be the first day of a month; the plan is taken for that calendar month",
            "day(month) <> 1",
        ),
        RowRule(
            "rule.document_without_lines",
            "warning",
            "invoices",
            "invoice_id",
            "document has no lines: its amount_due counts in receivables but it adds no revenue",
            "true",
            # its own relation (an anti join) rather than a condition in the invoices pass:
            # at 50M lines 2.5 s, where in the pass it took 5.1 of the pass's 5.5 s
            relation="(select invoices.* from stg_invoices as invoices where not exists ("
            "select 1 from stg_invoice_lines as lines where lines.invoice_id = invoices.invoice_id"
            "))",
        ),
    ]
    return rules


def _relation(rule: RowRule) -> str:
    return rule.relation or f"stg_{rule.table}"


def _shares_pass(rule: RowRule) -> bool:
    """A rule on the rows of its own table (staging or raw view) is counted in that table's one
    pass; key.unique's grouped semi join and table.empty read a relation of their own."""
    return _relation(rule) in (f"stg_{rule.table}", f"raw_{rule.table}")


def _count_pass(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    conditions: Sequence[str],
    money: Sequence[tuple[str, Sequence[str]]] = (),
) -> tuple[list[int], list[Any]]:
    """One pass over `relation`: how many rows match each of `conditions` and, for each
    (money column, conditions that exclude a row) of `money`, the column's sum over all rows
    and over the excluded ones (what conservation needs).

    Each distinct condition is computed once per row, as a flag: a condition with a subquery
    is one join however many counts and sums read it. Without money the outer `where` lets
    DuckDB drop what the files' statistics rule out (`x is null` in files without nulls)
    before reading, and read nothing when it rules out every condition (on the 50M-line
    export it halves the raw invoice_lines pass)."""
    flags: dict[str, str] = {}
    for condition in [*conditions, *(c for _, excluded_when in money for c in excluded_when)]:
        flags.setdefault(condition, f"broken_{len(flags)}")
    selects = [f"count(*) filter (where {flags[c]})" for c in conditions]
    for column, excluded_when in money:
        excluded = " or ".join(flags[c] for c in excluded_when) or "false"
        selects += [f'sum("{column}")', f'sum("{column}") filter (where {excluded})']
    columns = [f'"{column}"' for column in dict.fromkeys(column for column, _ in money)]
    columns += [f"({condition}) as {flag}" for condition, flag in flags.items()]
    where = "" if money else "where " + " or ".join(flags.values())
    row = _first_row(
        con,
        f"select {', '.join(selects)} from (select {', '.join(columns)} from {relation}) {where}",
    )
    if row is None:  # an ungrouped aggregate always returns its one row
        raise duckdb.InvalidInputException(f"the pass over {relation} returned no row")
    return [int(count) for count in row[: len(conditions)]], list(row[len(conditions) :])


@dataclass
class _Passes:
    """What one pass per relation found, for the rules that share one."""

    counts: dict[int, int] = field(default_factory=dict)  # rule's index → rows that break it
    money: dict[str, list[Any]] = field(default_factory=dict)  # relation → `_count_pass` sums


def _run_passes(
    con: duckdb.DuckDBPyConnection,
    rules: Sequence[RowRule],
    money: Mapping[str, Sequence[tuple[str, Sequence[str]]]] | None = None,
) -> _Passes:
    """Count the broken rows of every rule that shares a pass, one query per relation.

    A pass that fails (an unreadable file, a rule that cannot be evaluated) leaves its rules
    uncounted: each then runs on its own, as before, which says which rule or file fails."""
    passes = _Passes()
    members: dict[str, list[int]] = {}
    clean: set[str] = set()  # conditions no row can meet: neither counted nor summed
    for index, rule in enumerate(rules):
        if not _shares_pass(rule):
            continue
        if rule.clean_when and _holds(con, rule.clean_when):
            passes.counts[index] = 0
            clean.add(rule.condition)
        else:
            members.setdefault(_relation(rule), []).append(index)
    for relation, indexes in members.items():
        sums = [
            (column, [c for c in excluded_when if c not in clean])
            for column, excluded_when in (money or {}).get(relation, ())
        ]
        try:
            counts, totals = _count_pass(con, relation, [rules[i].condition for i in indexes], sums)
        except duckdb.Error:
            continue
        passes.counts.update(zip(indexes, counts, strict=True))
        if sums:
            passes.money[relation] = totals
    return passes


def _holds(con: duckdb.DuckDBPyConnection, condition: str) -> bool:
    """Whether a scalar condition is true; one that cannot be evaluated is not."""
    try:
        row = _first_row(con, f"select ({condition})")
    except duckdb.Error:
        return False
    return bool(row and row[0])


def _run_rule(
    con: duckdb.DuckDBPyConnection, rule: RowRule, sources: DataSources
) -> Finding | None:
    table = TABLES_BY_NAME[rule.table]
    relation = _relation(rule)
    if rule.rule == "table.empty":
        hit = _first_row(con, f"select count(*) from {relation}")
        if hit and hit[0]:
            return Finding(
                rule.severity,
                rule.table,
                rule.column,
                rule.rule,
                rule.message,
                0,
                files=(sources.tables[rule.table].location,),
            )
        return None
    # staging views drop the source file; rules on them find it again through raw_<table>
    source_file = "source_file" if relation.startswith("raw_") else "null::varchar"
    money = [f'sum("{c}")' for c in rule.excluded_money]
    # a reference rule also names the values that resolve to nothing, the most frequent first:
    # the keys say which rows to look at, these what to add to the other table or correct
    reference = rule.rule.startswith("reference.") and rule.column is not None
    value_select = (
        f", coalesce(\"{rule.column}\"::varchar, 'NULL') as unresolved_value" if reference else ""
    )
    unresolved = (
        f"""(select list({{'value': unresolved_value, 'rows': value_rows}}
                    order by value_rows desc, unresolved_value) from (
                select unresolved_value, count(*) as value_rows from broken group by all
                order by value_rows desc, unresolved_value limit {MAX_EXAMPLES}
            )),
            (select count(distinct unresolved_value) from broken)"""
        if reference
        else "null, 0"
    )
    sql = f"""
        with broken as (
            select {_key_expression(table)} as example_key, {source_file} as source_file
                {value_select}{"".join(', "' + c + '"' for c in rule.excluded_money)}
            from {relation} where {rule.condition}
        )
        select
            count(*),
            (select list(example_key order by example_key) from (
                select distinct example_key from broken order by example_key limit {MAX_EXAMPLES}
            )),
            (select list(distinct source_file) filter (where source_file is not null) from broken),
            {unresolved}
            {"".join(", " + m for m in money)}
        from broken
    """
    row = _first_row(con, sql)
    if not row or not row[0]:
        return None
    examples = tuple(repr(_clip(k)) for k in (row[1] or []))
    files = tuple(sorted(_relative(Path(f), sources.data_dir) for f in (row[2] or [])))[:3]
    if not files:
        files = (sources.tables[rule.table].location,)
    excluded = {
        column: float(value or 0)
        for column, value in zip(rule.excluded_money, row[5:], strict=True)
    }
    return Finding(
        rule.severity,
        rule.table,
        rule.column,
        rule.rule,
        rule.message,
        int(row[0]),
        examples,
        files,
        excluded,
        tuple((_clip(u["value"]), int(u["rows"])) for u in (row[3] or [])),
        int(row[4] or 0),
    )


# -- conservation ------------------------------------------------------------------------------

_CONSERVATION: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    # table, its money columns, what the metrics read of each, and the conditions of the
    # findings that exclude a row (any one excludes it). The texts are those of the rules in
    # `_rules()`, so the rules' pass over the table computes each once for both.
    (
        "invoices",
        ("amount_due",),
        "select sum(amount_due) from int_documents",
        ("account_id not in (select account_id from stg_accounts)",),
    ),
    (
        "invoice_lines",
        ("net_amount", "cost_amount"),
        "select sum(revenue), sum(cogs) from int_sales_daily",
        ("invoice_id not in (select invoice_id from int_documents)",),
    ),
    (
        "payments",
        ("amount",),
        "select coalesce((select sum(amount) from int_allocations), 0) "
        "+ coalesce((select sum(amount) from int_unapplied_cash), 0)",
        (
            "invoice_id is not null and invoice_id not in (select invoice_id from int_documents)",
            "invoice_id is null and account_id not in (select account_id from stg_accounts)",
        ),
    ),
)


def _conservation_money() -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Per staging relation, what its pass sums for conservation (see `_count_pass`)."""
    return {
        f"stg_{table}": [(column, excluded_when) for column in columns]
        for table, columns, _, excluded_when in _CONSERVATION
    }


def conservation(
    con: duckdb.DuckDBPyConnection, summed: Mapping[str, Sequence[Any]] | None = None
) -> list[ConservationLine]:
    """One line per money column. `summed` holds, per staging relation, the loaded and excluded
    sums its rules' pass already took (`_conservation_money`); the others are read here."""
    lines = []
    for table, columns, used_sql, excluded_when in _CONSERVATION:
        loaded_excluded = (summed or {}).get(f"stg_{table}")
        if loaded_excluded is None:
            # loaded and excluded in one pass over the export: at 50M lines each pass is seconds
            excluded_where = " or ".join(f"({condition})" for condition in excluded_when)
            sums = ", ".join(
                f'sum("{column}"), sum("{column}") filter (where {excluded_where})'
                for column in columns
            )
            loaded_excluded = _first_row(con, f"select {sums} from stg_{table}") or ()
        used = _first_row(con, used_sql) or ()
        for index, column in enumerate(columns):
            loaded = loaded_excluded[2 * index] if loaded_excluded else None
            excluded = loaded_excluded[2 * index + 1] if loaded_excluded else None
            used_value = used[index] if used else None
            lines.append(
                ConservationLine(
                    table,
                    column,
                    Decimal(loaded or 0),
                    Decimal(used_value or 0),
                    Decimal(excluded or 0),
                )
            )
    return lines


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


def _run_value_rules(
    con: duckdb.DuckDBPyConnection, sources: DataSources, scan: SchemaScan
) -> list[Finding]:
    """Stage 2 on the raw rows; a table whose files fail to read gets that finding instead.

    One pass per raw view counts every value rule (see `_count_pass`); a table whose pass
    fails is checked rule by rule, which names the unreadable file as before."""
    rules = [rule for rule in _value_rules() if _column_exists(rule, scan.present, sources)]
    passes = _run_passes(con, rules)
    try:
        return _value_findings(con, sources, rules, passes.counts)
    except duckdb.Error:
        # a rule's own query also reads the key columns, which its table's pass did not: a
        # damaged page there fails it. Rule by rule from the start reports what the stage
        # reported before passes, so which rules ran before the failure stays the same.
        return _value_findings(con, sources, rules, {})


def _value_findings(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    rules: Sequence[RowRule],
    counts: Mapping[int, int],
) -> list[Finding]:
    """The findings of `rules`, skipping those a pass counted no broken row of; raises when a
    rule fails whose table's pass succeeded (the caller then goes rule by rule)."""
    findings: list[Finding] = []
    failed: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.table in failed or counts.get(index) == 0:
            continue
        try:
            finding = _run_rule(con, rule, sources)
        except duckdb.Error as exc:
            if index in counts:
                raise
            failed.add(rule.table)
            findings.extend(
                _unreadable_files(con, sources, [rule.table])
                or [_unreadable_table(rule.table, sources, exc)]
            )
            continue
        if finding:
            findings.append(finding)
    return findings


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


def validate_connection(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    *,
    build: Callable[[duckdb.DuckDBPyConnection, DataSources], None],
) -> ValidationReport:
    """Run every stage on `con`; when the data is readable, `build` creates the SQL layers."""
    report = ValidationReport(sources.data_dir)
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
    report.findings.extend(_run_value_rules(con, sources, scan))
    if report.has_errors:
        report.tables = _summaries(con, sources, readable=False)
        return report
    report.findings.extend(check_partitions(con, sources))

    try:
        build(con, sources)
    except duckdb.Error:
        # every value was read in stage 2, but not every column (optional text columns are
        # not): a damaged page there surfaces only now. Anything else is a bug of ours.
        unreadable = _unreadable_files(con, sources, [t.name for t in TABLES])
        if not unreadable:
            raise
        report.findings.extend(unreadable)
        report.tables = _summaries(con, sources, readable=False)
        return report
    rules = [rule for rule in _rules() if _column_exists(rule, scan.present, sources)]
    # one pass per table counts every rule on its rows and takes conservation's sums; only a
    # rule with broken rows runs its own query, for examples, files and excluded money
    passes = _run_passes(con, rules, _conservation_money())
    report.findings.extend(_row_findings(con, sources, rules, passes.counts))
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
    report.tables = _summaries(con, sources, readable=True)
    return report


def _check_rule(
    con: duckdb.DuckDBPyConnection, rule: RowRule, sources: DataSources
) -> tuple[Finding | None, bool]:
    """The rule's finding, and whether it could be checked at all."""
    try:
        return _run_rule(con, rule, sources), True
    except duckdb.Error as exc:
        # a bug of ours more likely than of the data; the rows are unproven either way
        return Finding(
            "error",
            rule.table,
            rule.column,
            rule.rule,
            f"this rule could not be checked ({_short(exc)}); please report it",
            0,
            files=(sources.tables[rule.table].location,),
        ), False


def _row_findings(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    rules: Sequence[RowRule],
    counts: Mapping[int, int],
) -> list[Finding]:
    """The findings of the row rules, in their order; a rule its pass counted no broken row
    of has none and is skipped, unless a rule of its table could not be checked."""
    results: dict[int, Finding | None] = {}
    unchecked: set[str] = set()
    for index, rule in enumerate(rules):
        if counts.get(index) != 0:
            results[index], checked = _check_rule(con, rule, sources)
            if not checked:
                unchecked.add(rule.table)
    # a rule's own query also reads its table's keys (for examples), which the pass did not: a
    # damaged page there fails every rule of the table, each named, as rule by rule did
    for index, rule in enumerate(rules):
        if index not in results and rule.table in unchecked:
            results[index], _ = _check_rule(con, rule, sources)
    return [finding for index in sorted(results) if (finding := results[index])]


def _column_exists(rule: RowRule, present: dict[str, set[str]], sources: DataSources) -> bool:
    """Optional tables and optional columns that are absent have nothing to check."""
    if not sources.tables[rule.table].found:
        return False
    table = TABLES_BY_NAME[rule.table]
    if rule.column is None or rule.column not in table.column_names:
        return True
    column: Column = table.column(rule.column)
    return column.required or column.name in present.get(rule.table, set())


def validate_folder(data_dir: str | Path) -> ValidationReport:
    """The report for a folder, without refusing it (what `kamdash validate` prints)."""
    path = Path(data_dir).expanduser()
    con = connect(readable=[path])
    try:
        return validate_connection(con, discover(path), build=build)
    finally:
        con.close()
