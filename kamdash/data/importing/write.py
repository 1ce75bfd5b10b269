"""Writing the contract folder: Parquet out, counted, and put in place atomically.

An import writes into a staging folder beside the output (`.<name>.import-<pid>`, on the same
file system), validates it there, and only then swaps it with the output folder in one step
(Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames a moment apart). Until then the
output folder is untouched: an import that fails, or is killed half-way, leaves the previous
version complete and served. The version it replaced is kept as `.<name>.previous` until the
next import (a server still reading its files finds them there). A lock file keeps two imports
into the same folder from running at once; staging folders of imports that died are removed.

Large tables are written as Hive folders by year (`invoices/year=2025/part-0-0.parquet`),
small ones as one file. Each source file is converted by one DuckDB `COPY … PARTITION_BY`,
streaming; its rejected rows, totals rows and empty rows land in partitions of their own,
which are counted and never published. A CSV whose line numbers are derived is first converted
into one Parquet stage file in file order (`copy_in_order`), which that COPY then numbers.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from kamdash.data.importing.manifest import IMPORT_MANIFEST
from kamdash.errors import KamdashError

SPLIT_BY_YEAR = ("invoices", "invoice_lines", "payments")
SKIPPED_PARTS = ("rejected", "totals", "empty")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class PublishError(KamdashError):
    """The output folder cannot be replaced (it is not one kamdash wrote, or is locked)."""


@dataclass(frozen=True)
class Staging:
    out: Path
    folder: Path  # becomes the output folder
    work: Path  # transcoded copies and raw partitions; removed before publishing


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale_staging(out: Path) -> Iterator[Path]:
    prefix = f".{out.name}.import-"
    if not out.parent.is_dir():
        return
    for path in out.parent.iterdir():
        if path.name.startswith(prefix) and path.is_dir():
            pid = path.name[len(prefix) :]
            if not pid.isdigit() or not _pid_alive(int(pid)):
                yield path


def check_output(out: Path, source_dir: Path) -> None:
    """Refuse an output folder whose replacement would lose something not written here."""
    resolved, source = out.resolve(), source_dir.resolve()
    if resolved == source or source in resolved.parents or resolved in source.parents:
        raise PublishError(
            f"--out {out} and the source folder {source_dir} overlap; write the data folder "
            "somewhere of its own"
        )
    if out.exists() and not out.is_dir():
        raise PublishError(f"--out {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / IMPORT_MANIFEST).is_file():
        raise PublishError(
            f"--out {out} holds files that kamdash import did not write (it has no "
            f"{IMPORT_MANIFEST}); an import replaces its output folder whole, so give it a "
            "new or empty folder"
        )


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Staging]:
    """A locked staging folder beside `out`; removed on the way out unless published."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.import.lock"
    with lock_path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise PublishError(
                f"another kamdash import into {out} is running; try again when it has ended"
            ) from None
        for stale in _stale_staging(out):
            shutil.rmtree(stale, ignore_errors=True)
        folder = out.parent / f".{out.name}.import-{os.getpid()}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        work = folder / "_work"
        work.mkdir()
        try:
            yield Staging(out, folder, work)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def copy_partitions(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], target: Path
) -> int:
    """Run the conversion into `target/_part=<partition>/…parquet`; the rows it wrote."""
    target.mkdir(parents=True, exist_ok=True)
    statement = (
        f"copy ({sql}) to $import_target "
        "(format parquet, compression zstd, partition_by (_part), overwrite_or_ignore)"
    )
    rows = con.execute(statement, {**params, "import_target": str(target)}).fetchall()
    return int(rows[0][0]) if rows else 0


def copy_in_order(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], target: Path
) -> None:
    """Run `sql` into the one Parquet file `target`, its rows in the order `sql` yields them
    (DuckDB keeps insertion order, scanning in parallel, unless told not to)."""
    (keeps,) = con.execute("select current_setting('preserve_insertion_order')").fetchall()[0]
    if not keeps:
        raise KamdashError("DuckDB is set not to keep insertion order; line numbers need it")
    con.execute(
        f"copy ({sql}) to $import_stage_target (format parquet, compression uncompressed)",
        {**params, "import_stage_target": str(target)},
    ).fetchall()


def partitions(target: Path) -> dict[str, list[Path]]:
    """Partition value -> its Parquet files, in name order."""
    found: dict[str, list[Path]] = {}
    for folder in sorted(target.glob("_part=*")):
        value = folder.name.split("=", 1)[1]
        found[value] = sorted(folder.rglob("*.parquet"))
    return found


def totals(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], money: Sequence[str]
) -> tuple[int, dict[str, Decimal]]:
    """Rows and the sum of each money column (exact decimals) over `files`."""
    if not files:
        return 0, {column: Decimal(0) for column in money}
    sums = "".join(f', coalesce(sum("{column}"), 0)' for column in money)
    row = con.execute(
        f"select count(*){sums} from read_parquet($files)", {"files": [str(f) for f in files]}
    ).fetchall()[0]
    return int(row[0]), {column: Decimal(row[i + 1]) for i, column in enumerate(money)}


def place(table: str, parts: dict[str, list[Path]], folder: Path, index: int) -> list[Path]:
    """Move the written partitions of one source file into the contract folder: by year for
    the large tables, else `<table>.parquet` (or `<table>/` when there are several)."""
    placed: list[Path] = []
    for value, files in parts.items():
        if value in SKIPPED_PARTS:
            continue
        for number, path in enumerate(files):
            if table in SPLIT_BY_YEAR:
                target = folder / table / f"year={value}" / f"part-{index}-{number}.parquet"
            else:
                target = folder / table / f"part-{index}-{number}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
            placed.append(target)
    return placed


def single_files(folder: Path, tables: Sequence[str]) -> None:
    """A small table written as one part becomes `<table>.parquet`, as exports usually are."""
    for table in tables:
        if table in SPLIT_BY_YEAR:
            continue
        parts = sorted((folder / table).glob("*.parquet"))
        if len(parts) == 1:
            parts[0].rename(folder / f"{table}.parquet")
            (folder / table).rmdir()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # a file system without the exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(second))


def publish(folder: Path, out: Path) -> Path | None:
    """Put the complete, validated `folder` in place of `out`; the previous version's folder
    (`.<name>.previous`), or None when there was none."""
    if not out.exists():
        folder.rename(out)
        return None
    previous = out.parent / f".{out.name}.previous"
    if previous.exists():
        shutil.rmtree(previous)
    if _exchange(folder, out):
        folder.rename(previous)  # the staging path now holds the previous version
    else:
        out.rename(previous)
        folder.rename(out)
    return previous
