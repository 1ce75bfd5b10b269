"""Find the Parquet files of each contract table in a data folder.

A table is `<table>.parquet` or a `<table>/` folder of `.parquet` files at any depth (Hive
partition folders included). Finding nothing for a required table is reported by validation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kamdash.contract import TABLES


@dataclass(frozen=True)
class TableSource:
    table: str
    files: tuple[Path, ...]
    # what the person put in the folder: `accounts.parquet` or `invoice_lines/`
    location: str
    # what else carries the table's name, so validation can say what is wrong with it
    in_file: bool = False  # `<table>.parquet` is a file (and is read)
    folder_exists: bool = False  # a `<table>/` folder exists, with or without data files
    file_is_folder: bool = False  # `<table>.parquet` exists but is a folder (as Spark writes)

    @property
    def found(self) -> bool:
        return bool(self.files)

    @property
    def two_locations(self) -> bool:
        """Both `<table>.parquet` and files under `<table>/` are read together."""
        return self.in_file and len(self.files) > 1


@dataclass(frozen=True)
class DataSources:
    data_dir: Path
    tables: dict[str, TableSource] = field(default_factory=dict)

    def files(self, table: str) -> tuple[Path, ...]:
        return self.tables[table].files

    def fingerprint(self) -> str:
        """Changes whenever a file is added, removed, replaced or rewritten."""
        digest = hashlib.sha256()
        for source in self.tables.values():
            for path in source.files:
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            if not source.found and (source.folder_exists or source.file_is_folder):
                # no data files, but what validation says about the table depends on these
                digest.update(
                    f"{source.table}\0{source.location}\0{source.file_is_folder}\n".encode()
                )
        return digest.hexdigest()[:16]

    def latest_modification(self) -> float | None:
        times = [p.stat().st_mtime for s in self.tables.values() for p in s.files]
        return max(times) if times else None


def _is_data_file(path: Path) -> bool:
    # writers leave hidden and temporary files (`_SUCCESS`, `.part-0.parquet.crc`) beside data
    return (
        path.is_file()
        and path.suffix == ".parquet"
        and not any(part.startswith((".", "_")) for part in path.parts[-1:])
    )


def discover(data_dir: Path) -> DataSources:
    """Map every contract table to its files, sorted so reads are deterministic."""
    tables: dict[str, TableSource] = {}
    for table in TABLES:
        single = data_dir / f"{table.name}.parquet"
        folder = data_dir / table.name
        files: list[Path] = []
        location = f"{table.name}.parquet"
        in_file = single.is_file()
        if in_file:
            files.append(single)
        folder_exists = folder.is_dir()
        if folder_exists:
            location = f"{table.name}/" if not files else f"{table.name}.parquet + {table.name}/"
            files.extend(sorted(p for p in folder.rglob("*.parquet") if _is_data_file(p)))
        tables[table.name] = TableSource(
            table.name,
            tuple(files),
            location,
            in_file=in_file,
            folder_exists=folder_exists,
            file_is_folder=single.is_dir(),
        )
    return DataSources(data_dir, tables)
