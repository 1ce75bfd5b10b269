"""Reading report files as saved from 1C or Excel: CSV in any of the usual dialects, and XLSX.

What is detected, and how (a mapping section may state each instead):
- encoding: a byte order mark means UTF-8; otherwise the first chunk with non-ASCII bytes
  decides between UTF-8 (it decodes) and Windows-1251 (it does not);
- the header row: the first of the top rows that holds every header the mapping needs (a
  title block above it is skipped); the delimiter of a CSV is the one that yields that row;
- the decimal mark: from the numbers below the header (`1 234,56` or `1234.56`).

A CSV that is UTF-8 is read by DuckDB where it lies; one in another encoding is transcoded
once, in a stream, to a UTF-8 copy in the import's work folder. An XLSX sheet is read row by
row (openpyxl, read-only) into a Parquet file of text cells with their row numbers, so both
kinds reach the conversion as the same thing: a relation of text columns `c0`, `c1`, … .
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal

from kamdash.data.contract import Table
from kamdash.data.importing.mapping import DELIMITERS, TableMapping
from kamdash.errors import KamdashError

UTF8_BOM = codecs.BOM_UTF8
# how far down a header row may be (reports put a title block, parameters and a blank above)
HEADER_SEARCH_ROWS = 60
SAMPLE_BYTES = 512 * 1024
TRANSCODE_CHUNK = 8 * 1024 * 1024
# iconv processes transcoding one file at once (one per core, up to this)
TRANSCODE_PARTS = 4
XLSX_BATCH_ROWS = 50_000
NUMERIC_KINDS = ("money", "number", "integer")
# the date forms read without being stated, all unambiguous between them; each file's own
# form is moved first (a failed format costs as much as the conversion itself)
DATE_FORMATS = (
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)

Progress = Callable[[float], None]


class SourceError(KamdashError):
    """A source file cannot be read as the mapping says; the message names file and fix."""


def normalize_header(text: str) -> str:
    """Headers compare without case, surrounding space or doubled/no-break spaces."""
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


@dataclass(frozen=True)
class HeaderMatch:
    """Where the header row is and which of its columns fills which contract column."""

    row_index: int  # 0-based among the rows searched
    headers: tuple[str, ...]  # the header row as written
    positions: dict[str, int]  # contract column -> 0-based column in the file
    ignored: tuple[str, ...]  # headers of the file that fill no contract column


@dataclass
class Source:
    """One file, ready for the conversion: a SQL relation of text columns `c0…` (bound
    parameters in `params`), and what was detected about it."""

    path: Path
    relative: str
    kind: Literal["csv", "xlsx"]
    header_row: int  # 1-based line (CSV) or row (XLSX) of the header
    headers: tuple[str, ...]
    positions: dict[str, int]
    ignored: tuple[str, ...]
    decimal: str
    relation: str
    params: dict[str, Any]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    # the file DuckDB reads: the CSV itself, its UTF-8 copy, or the XLSX's cells as Parquet
    read_path: Path | None = None
    date_formats: tuple[str, ...] = DATE_FORMATS
    # XLSX: rows above the header, and whether the relation has the `_row` column
    notes: list[str] = field(default_factory=list)

    @property
    def row_word(self) -> str:
        return "line" if self.kind == "csv" else "row"

    def describe(self) -> str:
        if self.kind == "csv":
            delimiter = {"\t": "tab"}.get(self.delimiter or "", self.delimiter)
            return (
                f"CSV, {self.encoding}, delimiter {delimiter!r}, decimal {self.decimal!r}, "
                f"header at line {self.header_row}"
            )
        return f"XLSX sheet {self.sheet!r}, header at row {self.header_row}"


# -- headers -----------------------------------------------------------------------------------


def wanted_columns(mapping: TableMapping) -> dict[str, tuple[tuple[str, ...], bool]]:
    """Per contract column read from the files: the headers to look for, and whether the
    file must have one (a required column, or one the mapping names)."""
    wanted: dict[str, tuple[tuple[str, ...], bool]] = {}
    table = mapping.contract
    for column in table.columns:
        if column.name in mapping.constants or column.name in mapping.derive:
            continue
        must = column.required or column.name in mapping.columns
        wanted[column.name] = (mapping.headers_for(column.name), must)
    return wanted


def match_header(rows: Iterable[Sequence[Any]], mapping: TableMapping, where: str) -> HeaderMatch:
    """The first row holding every header the mapping needs. When none does, the error lists
    what the closest row lacks and what it has: a header is never guessed."""
    wanted = wanted_columns(mapping)
    best: tuple[int, int, list[str]] | None = None  # found, index, cells
    for index, row in enumerate(rows):
        if index >= HEADER_SEARCH_ROWS:
            break
        cells = ["" if cell is None else str(cell).strip() for cell in row]
        normal = [normalize_header(cell) for cell in cells]
        positions: dict[str, int] = {}
        missing: list[str] = []
        for column, (headers, must) in wanted.items():
            found = None
            for header in headers:
                hits = [
                    i for i, cell in enumerate(normal) if cell and cell == normalize_header(header)
                ]
                if len(hits) > 1:
                    raise SourceError(
                        f"{where}: header {header!r} appears {len(hits)} times in row "
                        f"{index + 1} (columns {', '.join(str(h + 1) for h in hits)}); "
                        "rename one in the report or map another header"
                    )
                if hits:
                    found = hits[0]
                    break
            if found is not None:
                positions[column] = found
            elif must:
                missing.append(" or ".join(repr(h) for h in headers))
        if not missing:
            used = set(positions.values())
            ignored = tuple(cell for i, cell in enumerate(cells) if cell and i not in used)
            return HeaderMatch(index, tuple(cells), positions, ignored)
        found_count = sum(1 for c in cells if c) and len(positions)
        if best is None or found_count > best[0]:
            best = (found_count, index, cells)
    if best is None or not any(best[2]):
        raise SourceError(f"{where}: the file has no rows")
    _, index, cells = best
    missing_all = [
        " or ".join(repr(h) for h in headers)
        for column, (headers, must) in wanted.items()
        if must
        and not any(normalize_header(h) in {normalize_header(c) for c in cells} for h in headers)
    ]
    shown = ", ".join(repr(c) for c in cells if c)
    raise SourceError(
        f"{where}: no header row has {', '.join(missing_all)}. The closest is row {index + 1}, "
        f"with headers {shown}. Correct the header in the mapping's [{mapping.table}.columns] "
        "(unknown headers are never guessed)"
    )


# -- CSV ---------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """`utf-8-sig` (a BOM), `utf-8` or `cp1251`, from the first chunk with non-ASCII bytes."""
    with path.open("rb") as file:
        first = file.read(len(UTF8_BOM))
        if first == UTF8_BOM:
            return "utf-8-sig"
        file.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        while chunk := file.read(1024 * 1024):
            if chunk.isascii():
                continue
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError:
                return "cp1251"
            return "utf-8"
    return "utf-8"


def _sample_text(path: Path, encoding: str) -> str:
    with path.open("rb") as file:
        raw = file.read(SAMPLE_BYTES)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        text: str = decoder.decode(raw, final=False)
    except UnicodeDecodeError as error:
        raise SourceError(
            f"{path.name}: is not {encoding} (byte {error.start + 1} cannot be decoded); "
            'state the encoding in the mapping, e.g. encoding = "cp1251"'
        ) from None
    if len(raw) == SAMPLE_BYTES and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # whole lines only
    return text


def _rows(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return []


def _physical_lines(text: str, delimiter: str, records: int) -> list[int]:
    """The 1-based line each of the first `records` CSV records (blank lines included) starts
    on: a quoted field may span lines."""
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    for _ in range(records):
        starts.append(line)
        try:
            next(reader)
        except (StopIteration, csv.Error):
            break
        line = reader.line_num + 1
    return starts


def open_csv(
    path: Path, relative: str, mapping: TableMapping, work: Path, progress: Progress | None
) -> Source:
    """Detect the CSV's dialect and header, transcode it to UTF-8 if needed, and describe the
    relation DuckDB reads it through."""
    where = f"{mapping.table}: {relative}"
    encoding = mapping.encoding or detect_encoding(path)
    if mapping.encoding == "utf-8":
        with path.open("rb") as file:
            if file.read(len(UTF8_BOM)) == UTF8_BOM:
                encoding = "utf-8-sig"
    text = _sample_text(path, encoding)
    delimiters = (mapping.delimiter,) if mapping.delimiter else DELIMITERS
    match: HeaderMatch | None = None
    delimiter = delimiters[0]
    first_error: SourceError | None = None
    for candidate in delimiters:
        rows = _rows(text, candidate)
        if not rows:
            continue
        try:
            found = match_header(rows, mapping, where)
        except SourceError as error:
            if first_error is None or len(str(error)) < len(str(first_error)):
                first_error = first_error or error
            continue
        if match is None or len(found.headers) > len(match.headers):
            match, delimiter = found, candidate
    if match is None:
        raise first_error or SourceError(f"{where}: the file has no rows")
    lines = _physical_lines(text, delimiter, match.row_index + 1)
    header_line = lines[match.row_index]
    sample_rows = _rows(text, delimiter)[match.row_index + 1 :]
    decimal = mapping.decimal or detect_decimal(sample_rows, match.positions, mapping.contract)

    read_path = path
    if encoding not in ("utf-8", "utf-8-sig"):
        read_path = work / f"{path.stem}.utf8.csv"
        transcode(path, read_path, encoding, progress)
    names = [f"c{i}" for i in range(len(match.headers))]
    relation = (
        "read_csv($path, delim = $delim, quote = '\"', escape = '\"', header = true, "
        "skip = $skip, all_varchar = true, names = $names, store_rejects = true, "
        "rejects_scan = $rejects_scan, rejects_table = $rejects_table, encoding = 'utf-8')"
    )
    params = {"path": str(read_path), "delim": delimiter, "skip": header_line - 1, "names": names}
    source = Source(
        path,
        relative,
        "csv",
        header_line,
        match.headers,
        match.positions,
        match.ignored,
        decimal,
        relation,
        params,
        encoding=encoding,
        delimiter=delimiter,
        read_path=read_path,
        date_formats=detect_date_formats(sample_rows, match.positions, mapping.contract),
    )
    if header_line > 1:
        source.notes.append(f"{header_line - 1} line(s) above the header skipped (title block)")
    return source


# encodings the system's iconv converts exactly as Python's codec does (checked for each of
# the 256 bytes of a single-byte encoding: the same text, and the same bytes refused)
ICONV_NAMES = {"cp1251": "CP1251"}


@dataclass
class _IconvPart:
    """An iconv process transcoding bytes `start:end` of a file into `out`."""

    process: subprocess.Popen[bytes]
    done: Callable[[], int]  # the bytes it has been given so far
    source: BinaryIO


def _iconv_part(
    iconv: str, encoding: str, path: Path, start: int, end: int, out: Path
) -> _IconvPart:
    """The last part reads the file itself, from `start` on; any other part is fed its bytes
    by a thread (sendfile: no copy through Python)."""
    source = path.open("rb")
    last = end >= path.stat().st_size
    if last:
        source.seek(start)
    with out.open("wb") as target:
        process = subprocess.Popen(
            [iconv, "-f", ICONV_NAMES[encoding], "-t", "UTF-8"],
            stdin=source if last else subprocess.PIPE,
            stdout=target,
            stderr=subprocess.DEVNULL,
        )
    if last:  # iconv reads through the same open file: its offset is ours
        return _IconvPart(
            process, lambda: os.lseek(source.fileno(), 0, os.SEEK_CUR) - start, source
        )
    assert process.stdin is not None
    pipe = process.stdin
    sent = [0]

    def feed() -> None:
        offset = start
        try:
            while offset < end:
                done = os.sendfile(
                    pipe.fileno(), source.fileno(), offset, min(end - offset, 1 << 20)
                )
                if done == 0:
                    break
                offset += done
                sent[0] += done
        except OSError:  # iconv stopped reading (it refused a byte): its exit code says so
            pass
        finally:
            pipe.close()

    threading.Thread(target=feed, daemon=True).start()
    return _IconvPart(process, lambda: sent[0], source)


def _iconv(path: Path, target: Path, encoding: str, progress: Progress | None) -> bool:
    """Transcode with iconv (three times faster than Python's codecs), a part of the file
    per core at once: in a single-byte encoding every byte is one character, so the file can
    be cut anywhere. False when there is no iconv or it refused the file, so that Python's
    codec says exactly where and why."""
    iconv = shutil.which("iconv")
    if iconv is None or encoding not in ICONV_NAMES:
        return False
    size = path.stat().st_size
    count = max(1, min(os.cpu_count() or 1, TRANSCODE_PARTS, size // TRANSCODE_CHUNK))
    bounds = [size * i // count for i in range(count + 1)]
    outputs = [target, *(target.with_name(f"{target.name}.{i}") for i in range(1, count))]
    parts = []
    codes = []
    try:
        for i, out in enumerate(outputs):
            parts.append(_iconv_part(iconv, encoding, path, bounds[i], bounds[i + 1], out))
        for part in parts:
            while True:
                try:
                    codes.append(part.process.wait(timeout=0.25))
                    break
                except subprocess.TimeoutExpired:
                    if progress:
                        progress(min(sum(p.done() for p in parts) / max(size, 1), 1.0))
    finally:
        for part in parts:
            part.source.close()
    try:
        if any(codes):
            return False
        # the parts after the first, appended in the kernel (copy_file_range refuses a file
        # opened for appending: the offset is given instead)
        with target.open("r+b") as whole:
            end = target.stat().st_size
            for out in outputs[1:]:
                with out.open("rb") as piece:
                    remaining = out.stat().st_size
                    while remaining > 0:
                        copied = os.copy_file_range(
                            piece.fileno(), whole.fileno(), remaining, offset_dst=end
                        )
                        if copied == 0:
                            raise OSError(f"{target}: could not append {out.name}")
                        remaining -= copied
                        end += copied
    finally:
        for out in outputs[1:]:
            out.unlink(missing_ok=True)
    if progress:
        progress(1.0)
    return True


def transcode(path: Path, target: Path, encoding: str, progress: Progress | None) -> None:
    """Stream `path` from `encoding` to UTF-8 (8 MB at a time: memory stays flat)."""
    if _iconv(path, target, encoding, progress):
        return
    total = max(path.stat().st_size, 1)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    done = 0
    with path.open("rb") as source, target.open("wb") as out:
        while chunk := source.read(TRANSCODE_CHUNK):
            try:
                out.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError as error:
                raise SourceError(
                    f"{path.name}: is not {encoding} (byte {done + error.start + 1} cannot be "
                    'decoded); state the encoding in the mapping, e.g. encoding = "utf-8"'
                ) from None
            done += len(chunk)
            if progress:
                progress(done / total)
        out.write(decoder.decode(b"", final=True).encode("utf-8"))


def csv_record_lines(
    source: Source, records: Sequence[int], skipped_lines: set[int]
) -> dict[int, int]:
    """The line each data record (1-based, in DuckDB's count: blank lines and lines DuckDB
    rejected as malformed are not records) starts on. Read only for rejected rows' reports."""
    wanted = set(records)
    if not wanted:
        return {}
    last = max(wanted)
    assert source.read_path is not None and source.delimiter is not None
    found: dict[int, int] = {}
    with source.read_path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter=source.delimiter)
        line = 1
        record = 0
        duck_line = 0
        for row in reader:
            start, line = line, reader.line_num + 1
            duck_line += 1
            if start <= source.header_row or not row or duck_line in skipped_lines:
                continue
            record += 1
            if record in wanted:
                found[record] = start
            if record >= last:
                break
    return found


def csv_line_of_duck_line(source: Source, duck_lines: Iterable[int]) -> dict[int, int]:
    """DuckDB counts a quoted line break as no new line; the line a person sees does."""
    wanted = set(duck_lines)
    if not wanted:
        return {}
    assert source.read_path is not None and source.delimiter is not None
    found: dict[int, int] = {}
    with source.read_path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter=source.delimiter)
        line = 1
        for duck_line, _row in enumerate(reader, start=1):
            if duck_line in wanted:
                found[duck_line] = line
            if duck_line >= max(wanted):
                break
            line = reader.line_num + 1
    return found


# -- numbers -----------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def detect_decimal(rows: Sequence[Sequence[str]], positions: dict[str, int], table: Table) -> str:
    """`,` or `.`: the mark the numbers below the header use (`,` when they show none)."""
    commas = points = 0
    numeric = [
        positions[c.name] for c in table.columns if c.kind in NUMERIC_KINDS and c.name in positions
    ]
    for row in rows[:2000]:
        for index in numeric:
            if index >= len(row):
                continue
            value = _SPACES.sub("", row[index])
            if not value:
                continue
            comma, point = value.rfind(","), value.rfind(".")
            if comma > point:
                commas += 1
            elif point > comma:
                points += 1
    return "." if points > commas else ","


def detect_date_formats(
    rows: Sequence[Sequence[str]], positions: dict[str, int], table: Table
) -> tuple[str, ...]:
    """DATE_FORMATS with the one most dates below the header have first."""
    dates = [positions[c.name] for c in table.columns if c.kind == "date" and c.name in positions]
    hits = dict.fromkeys(DATE_FORMATS, 0)
    for row in rows[:200]:
        for index in dates:
            value = row[index].strip() if index < len(row) else ""
            for form in DATE_FORMATS:
                try:
                    dt.datetime.strptime(value, form)
                except ValueError:
                    continue
                hits[form] += 1
                break
    return tuple(sorted(DATE_FORMATS, key=lambda form: -hits[form]))


# -- XLSX --------------------------------------------------------------------------------------


def _cell_text(value: Any, decimal: str, is_date: bool) -> str | None:
    """A cell as the text a CSV of it would hold; numbers exactly as Excel stored them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if is_date:
            from openpyxl.utils.datetime import from_excel

            moment = from_excel(value)
            return _cell_text(moment, decimal, False)
        # repr is the shortest text that reads back as the same double: what Excel wrote
        text = format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
        return text.replace(".", decimal) if decimal != "." else text
    text = str(value).strip()
    return text or None


def open_xlsx(
    path: Path, relative: str, mapping: TableMapping, work: Path, progress: Progress | None
) -> Source:
    """Find the sheet and its header row, and write the cells below it (as text, with their
    Excel row numbers) to a Parquet file the conversion reads."""
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    where = f"{mapping.table}: {relative}"
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # a broken or encrypted file: say which and why
        raise SourceError(f"{where}: cannot be opened as XLSX ({error})") from None
    try:
        if mapping.sheet is not None:
            if mapping.sheet not in book.sheetnames:
                sheets = ", ".join(repr(s) for s in book.sheetnames)
                raise SourceError(f"{where}: has no sheet {mapping.sheet!r} (its sheets: {sheets})")
            sheet = book[mapping.sheet]
        else:
            sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        top: list[tuple[Any, ...]] = []
        for row in rows:
            top.append(row)
            if len(top) >= HEADER_SEARCH_ROWS:
                break
        match = match_header(top, mapping, where)
        decimal = mapping.decimal or ","
        width = len(match.headers)
        while width and not match.headers[width - 1]:
            width -= 1
        dates = {
            match.positions[c.name]
            for c in mapping.contract.columns
            if c.kind == "date" and c.name in match.positions
        }
        names = [f"c{i}" for i in range(width)]
        schema = pa.schema([("_row", pa.int64()), *((n, pa.string()) for n in names)])
        target = work / f"{path.stem}.cells.parquet"
        total_rows = max(sheet.max_row or 0, 1)

        def data_rows() -> Iterator[tuple[int, tuple[Any, ...]]]:
            number = match.row_index + 1
            for row in top[match.row_index + 1 :]:
                number += 1
                yield number, row
            for row in rows:
                number += 1
                yield number, row

        with pq.ParquetWriter(target, schema) as writer:
            batch: list[list[Any]] = [[] for _ in range(width + 1)]
            for number, row in data_rows():
                batch[0].append(number)
                for i in range(width):
                    value = row[i] if i < len(row) else None
                    batch[i + 1].append(_cell_text(value, decimal, i in dates))
                if len(batch[0]) >= XLSX_BATCH_ROWS:
                    writer.write_batch(pa.record_batch(batch, schema=schema))
                    batch = [[] for _ in range(width + 1)]
                    if progress:
                        progress(min(number / total_rows, 1.0))
            if batch[0]:
                writer.write_batch(pa.record_batch(batch, schema=schema))
    finally:
        book.close()
    header_row = match.row_index + 1
    source = Source(
        path,
        relative,
        "xlsx",
        header_row,
        match.headers,
        match.positions,
        match.ignored,
        decimal,
        "read_parquet($path)",
        {"path": str(target)},
        sheet=sheet.title,
        read_path=target,
        # datetime cells are written ISO; dates typed as text keep their own form
        date_formats=("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", *DATE_FORMATS[:3], DATE_FORMATS[5]),
    )
    if header_row > 1:
        source.notes.append(f"{header_row - 1} row(s) above the header skipped (title block)")
    return source


def open_source(
    path: Path, relative: str, mapping: TableMapping, work: Path, progress: Progress | None
) -> Source:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return open_csv(path, relative, mapping, work, progress)
    if suffix in (".xlsx", ".xlsm"):
        return open_xlsx(path, relative, mapping, work, progress)
    raise SourceError(
        f"{mapping.table}: {relative} is neither CSV nor XLSX (by its suffix {suffix!r}); "
        "save the report as .csv or .xlsx (an .xls must be saved again as .xlsx)"
    )
