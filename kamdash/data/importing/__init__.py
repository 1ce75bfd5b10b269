"""`kamdash import`: report files saved from 1C or Excel (CSV, XLSX) to a contract folder.

`import_export(source_dir, mapping_path, out_dir)` reads the files each mapping section
names, converts them exactly (`convert`), writes Parquet into a staging folder (`write`),
validates it with the same report as `kamdash validate`, and only then replaces the output
folder in one step. Every row read is written or reported with its file, row, header and
reason; rows and money read = written + rejected, per file (`manifest`).

May import: `kamdash.data` and `kamdash.errors`. Never the engine, reports, tools or UI.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from kamdash.data.connection import connect
from kamdash.data.importing import convert, readers, write
from kamdash.data.importing.manifest import (
    IMPORT_MANIFEST,
    Example,
    FileImport,
    ImportRecord,
    MoneyCount,
    Rejection,
    read_import,
)
from kamdash.data.importing.mapping import TEMPLATE, MappingError, TableMapping, load_mapping
from kamdash.data.sources import write_manifest
from kamdash.data.validation import ValidationReport, validate_folder
from kamdash.errors import KamdashError

# the memory DuckDB may use for the conversion; the rest of the 1.5 GB is Python and buffers
IMPORT_MEMORY_LIMIT = "1GB"
MAX_REJECTION_EXAMPLES = 5

Progress = Callable[[str, float], None]

__all__ = [
    "IMPORT_MANIFEST",
    "TEMPLATE",
    "FileImport",
    "ImportError_",
    "ImportRecord",
    "ImportResult",
    "MappingError",
    "import_export",
    "load_mapping",
    "missing_arguments",
    "read_import",
]


class ImportError_(KamdashError):
    """The import failed; the output folder was left as it was."""


@dataclass
class ImportResult:
    record: ImportRecord
    report: ValidationReport
    out_dir: Path
    published: bool
    previous: Path | None = None
    problems: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """What `kamdash import` prints: per file the counts, then the verdict."""
        lines = [self.record.to_text()]
        if self.published:
            lines.append(f"published {self.out_dir}: {self.report.verdict}")
            if self.report.warnings:
                lines.append(self.report.to_text())
        else:
            lines.append(self.report.to_text())
            lines.append(f"NOT published: {self.out_dir} was left as it was, because")
            lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)


def missing_arguments(source_dir: Path | None, mapping: Path | None, out: Path | None) -> None:
    """`kamdash import` needs all three; say which are missing, with the command's shape."""
    missing = [
        name
        for name, value in (("SOURCE_DIR", source_dir), ("--mapping", mapping), ("--out", out))
        if value is None
    ]
    if missing:
        raise ImportError_(
            f"import needs {', '.join(missing)}: kamdash import SOURCE_DIR --mapping "
            "MAPPING.toml --out DATA_DIR (kamdash import --print-template writes a mapping)"
        )


def _files(source_dir: Path, mapping: TableMapping) -> list[Path]:
    found: set[Path] = set()
    for pattern in mapping.files:
        found.update(
            p for p in source_dir.glob(pattern) if p.is_file() and not p.name.startswith("~$")
        )
    if not found:
        present = sorted(p.name for p in source_dir.iterdir() if p.is_file())[:12]
        shown = ", ".join(repr(name) for name in present) or "no files"
        patterns = ", ".join(repr(p) for p in mapping.files)
        raise ImportError_(
            f"[{mapping.table}] files {patterns} match nothing in {source_dir} (it has {shown})"
        )
    return sorted(found)


def _rejections(
    con: Any, source: readers.Source, mapping: TableMapping, staged: convert.Staged, rejects: str
) -> list[Rejection]:
    """Why each rejected row of `source` was rejected: per header and reason, the count and
    the first rows with their values (a second, numbered pass over the file)."""
    plan = convert.build(source, mapping, staged, numbered=True)
    params = {
        **plan.params,
        "rejects_table": f"{rejects}_detail",
        "rejects_scan": f"{rejects}_detail_scan",
    }
    if source.kind == "xlsx":
        params = {k: v for k, v in params.items() if not k.startswith("rejects_")}
    # the derived line_no never fails and has no why_ column; the due date can
    checked = [c for c in (*plan.read, *mapping.derive) if c in plan.columns and c != "line_no"]
    unions = []
    for column in checked:
        position = source.positions.get(column)
        raw = f"c{position}" if position is not None else "null"
        unions.append(
            f"select '{column}' as column_name, \"why_{column}\" as why, count(*) as n, "
            f"list([_rec::varchar, {raw}] order by _rec)[1:{MAX_REJECTION_EXAMPLES}] as examples "
            f'from rejected where "why_{column}" is not null group by all'
        )
    if not unions:
        return []
    sql = (
        f"with rows as ({plan.sql}), rejected as (select * from rows where _part = 'rejected') "
        + " union all ".join(unions)
        + " order by column_name, why"
    )
    # only columns that have a why_ column: the derived line_no never fails
    rows = con.execute(sql, params).fetchall()
    records = sorted({int(e[0]) for row in rows for e in row[3]})
    lines = (
        readers.csv_record_lines(source, records, set())
        if source.kind == "csv"
        else {r: r for r in records}
    )
    out = []
    for column, why, count, examples in rows:
        header = plan.read.get(column) or f"{column} = {mapping.derive.get(column, '')}"
        out.append(
            Rejection(
                column,
                header,
                convert.reason_text(why),
                int(count),
                tuple(Example(lines.get(int(e[0])), e[1]) for e in examples),
            )
        )
    return out


def _malformed(con: Any, source: readers.Source, rejects: str) -> Rejection | None:
    """CSV lines DuckDB could not split into the header's fields (a field too many or few)."""
    if source.kind != "csv":
        return None
    try:
        rows = con.execute(
            f"select line, csv_line, error_message from {rejects} order by line"
        ).fetchall()
    except Exception:  # no rejects table: nothing was malformed
        return None
    if not rows:
        return None
    lines = readers.csv_line_of_duck_line(
        source, [int(r[0]) for r in rows[:MAX_REJECTION_EXAMPLES]]
    )
    examples = tuple(
        Example(lines.get(int(r[0])), str(r[1])[:80]) for r in rows[:MAX_REJECTION_EXAMPLES]
    )
    return Rejection(
        "(row)",
        "(whole line)",
        f"does not have the header's {len(source.headers)} fields",
        len(rows),
        examples,
    )


def _import_file(
    con: Any,
    path: Path,
    relative: str,
    index: int,
    mapping: TableMapping,
    staging: write.Staging,
    staged: convert.Staged,
    progress: Callable[[float], None] | None,
) -> FileImport:
    work = staging.work / f"{mapping.table}-{index}"
    work.mkdir(parents=True)
    source = readers.open_source(path, relative, mapping, work, progress)
    rejects = f"import_rejects_{mapping.table}_{index}"
    plan = convert.build(source, mapping, staged, numbered=False)
    params = dict(plan.params)
    if source.kind == "csv":
        params.update(rejects_table=rejects, rejects_scan=f"{rejects}_scan")
    try:
        if plan.stage is not None:  # converted in file order first, then numbered
            stage = work / "stage.parquet"
            write.copy_in_order(con, plan.stage, convert.bound(plan.stage, params), stage)
            params = {**convert.bound(plan.sql, params), "import_stage": str(stage)}
        copied = write.copy_partitions(con, plan.sql, params, work / "parts")
        if plan.stage is not None:
            stage.unlink()
    except Exception as error:  # DuckDB's word on an unreadable file, with the file named
        message = str(error).split("\n")[0]
        raise ImportError_(f"{mapping.table}: {relative} cannot be read: {message}") from None
    parts = write.partitions(work / "parts")
    written_files = [
        f for value, files in parts.items() if value not in write.SKIPPED_PARTS for f in files
    ]
    written, written_money = write.totals(con, written_files, plan.money)
    rejected, rejected_money = write.totals(con, parts.get("rejected", []), plan.money)
    totals_rows, totals_money = write.totals(con, parts.get("totals", []), plan.money)
    empty, _ = write.totals(con, parts.get("empty", []), ())
    result = FileImport(
        mapping.table,
        relative,
        source.kind,
        source.describe(),
        rows_written=written,
        rows_rejected=rejected,
        rows_totals=totals_rows,
        rows_empty=empty,
        columns=plan.read,
        ignored_headers=source.ignored,
        notes=list(source.notes),
    )
    if rejected:
        result.rejections = _rejections(con, source, mapping, staged, rejects)
    malformed = _malformed(con, source, rejects)
    if malformed is not None:
        result.rejections.append(malformed)
        result.rows_rejected += malformed.rows
    # read = what DuckDB produced from the file (and the lines it could not split), less the
    # totals and empty rows; `balanced` then checks it against the partition files on disk
    result.rows_read = copied - totals_rows - empty + (malformed.rows if malformed else 0)
    for column in plan.money:
        result.money.append(
            MoneyCount(
                column,
                written_money[column] + rejected_money[column],
                written_money[column],
                rejected_money[column],
                totals_money[column] if totals_rows == 1 else None,
            )
        )
    write.place(mapping.table, parts, staging.folder, index)
    return result


def import_export(
    source_dir: Path,
    mapping_path: Path,
    out_dir: Path,
    *,
    max_rejected: int = 0,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Import the reports in `source_dir` as `mapping_path` says into `out_dir`.

    Publishes (replaces `out_dir` in one step) only when the folder validates without errors
    and at most `max_rejected` rows were rejected; otherwise `out_dir` is left untouched and
    the result says why (`published` False, `problems`). Raises KamdashError for what stops
    the import before it can count anything (a mapping, file or header problem)."""
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    if max_rejected < 0:
        raise ImportError_(f"--max-rejected must be 0 or more, not {max_rejected}")
    if not source_dir.is_dir():
        raise ImportError_(f"source folder {source_dir} does not exist or is not a folder")
    mapping = load_mapping(Path(mapping_path))
    write.check_output(out_dir, source_dir)
    moment = now or dt.datetime.now().astimezone()
    record = ImportRecord(
        moment.isoformat(timespec="seconds"),
        str(source_dir.resolve()),
        str(Path(mapping_path).resolve()),
        mapping.text,
    )
    plans = {name: _files(source_dir, section) for name, section in mapping.tables.items()}
    with write.staging(out_dir) as staging:
        con = connect(IMPORT_MEMORY_LIMIT, readable=[source_dir, staging.folder])
        try:
            staged = convert.Staged()
            for name, section in mapping.tables.items():
                for index, path in enumerate(plans[name]):
                    relative = path.relative_to(source_dir).as_posix()

                    def file_progress(fraction: float, label: str = f"{name} ← {relative}") -> None:
                        if progress:
                            progress(label, fraction)

                    file_progress(0.0)
                    record.files.append(
                        _import_file(
                            con, path, relative, index, section, staging, staged, file_progress
                        )
                    )
                    file_progress(1.0)
                write.single_files(staging.folder, [name])
                staged = _staged(staged, name, staging.folder)
                _check_placed(con, name, staged_files(name, staging.folder), record)
        except duckdb.Error as error:  # DuckDB's word on what it could not do, named
            raise ImportError_(_failed(out_dir, str(error).splitlines()[0])) from None
        except OSError as error:  # a full disk, a folder it may not write
            raise ImportError_(_failed(out_dir, str(error))) from None
        finally:
            con.close()
        try:
            return _finish(record, staging, out_dir, moment, max_rejected)
        except OSError as error:
            raise ImportError_(_failed(out_dir, str(error))) from None


def _failed(out_dir: Path, reason: str) -> str:
    return f"import failed, {out_dir} was left as it was: {reason}"


def _finish(
    record: ImportRecord,
    staging: write.Staging,
    out_dir: Path,
    moment: dt.datetime,
    max_rejected: int,
) -> ImportResult:
    """Validate the staged folder as `kamdash validate` would, and publish it only when it has
    no error and the rejected rows are within what is allowed."""
    _remove(staging.work)
    write_manifest(staging.folder, moment, source="kamdash import")
    record.write(staging.folder)
    report = validate_folder(staging.folder)
    report.data_dir = out_dir
    problems = _problems(record, report, max_rejected)
    result = ImportResult(record, report, out_dir, published=False, problems=problems)
    if not problems:
        result.previous = write.publish(staging.folder, out_dir)
        result.published = True
    return result


def staged_files(table: str, folder: Path) -> tuple[str, ...]:
    """The Parquet files of `table` in the staged folder (one file or a folder of parts)."""
    return tuple(
        str(p)
        for p in [folder / f"{table}.parquet", *sorted((folder / table).rglob("*.parquet"))]
        if p.is_file()
    )


def _check_placed(con: Any, table: str, files: tuple[str, ...], record: ImportRecord) -> None:
    """The table as placed in the staged folder holds exactly the rows and money its files
    wrote: nothing lost or doubled between the conversion and the folder that is published."""
    imports = [f for f in record.files if f.table == table]
    rows = sum(f.rows_written for f in imports)
    money = sorted({m.column for f in imports for m in f.money})
    placed_rows, placed_money = write.totals(con, [Path(f) for f in files], money)
    for column in money:
        expected = sum(
            (m.written for f in imports for m in f.money if m.column == column), Decimal(0)
        )
        if placed_money[column] != expected:
            raise ImportError_(
                f"{table}.{column}: the files wrote {expected} but the folder holds "
                f"{placed_money[column]}; nothing was published"
            )
    if placed_rows != rows:
        raise ImportError_(
            f"{table}: the files wrote {rows:,} rows but the folder holds {placed_rows:,}; "
            "nothing was published"
        )


def _staged(staged: convert.Staged, table: str, folder: Path) -> convert.Staged:
    files = staged_files(table, folder)
    if table == "accounts":
        return convert.Staged(files, staged.invoices)
    if table == "invoices":
        return convert.Staged(staged.accounts, files)
    return staged


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _problems(record: ImportRecord, report: ValidationReport, max_rejected: int) -> list[str]:
    problems = []
    rejected = record.rows_rejected
    if rejected > max_rejected:
        allowed = "none is allowed" if max_rejected == 0 else f"at most {max_rejected:,} allowed"
        problems.append(
            f"{rejected:,} row(s) rejected ({allowed}: correct them in the reports or the "
            "mapping, or pass --max-rejected)"
        )
    for item in record.files:
        if not item.balanced:
            problems.append(f"{item.table} ← {item.file}: rows or money do not add up")
    if report.has_errors:
        problems.append(f"the imported data {report.verdict}")
    return problems
