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

    @property
    def found(self) -> bool:
        return bool(self.files)


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
        if single.is_file():
            files.append(single)
        if folder.is_dir():
            location = f"{table.name}/" if not files else f"{table.name}.parquet + {table.name}/"
            files.extend(sorted(p for p in folder.rglob("*.parquet") if _is_data_file(p)))
        tables[table.name] = TableSource(table.name, tuple(files), location)
    return DataSources(data_dir, tables)
