"""Find the Parquet files of each contract table in a data folder, and when it was exported.

A table is `<table>.parquet` or a `<table>/` folder of `.parquet` files at any depth (Hive
partition folders included). Finding nothing for a required table is reported by validation.

When the export was made is what the export says: `exported_at` (ISO 8601, with its UTC
offset) in the manifest `_export.json` beside the tables, written after them. Without one the
only date there is the files' modification time, which a copy or a clone resets: shown, but
as "files modified", never as the export's date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from kamdash.data.contract import TABLES

MANIFEST = "_export.json"
# a manifest is a few lines; anything much larger is not one, and is not read whole
MANIFEST_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class ExportTime:
    """When the data was exported, as the export states it (`files_modified` False) or, when it
    does not, the newest modification time of its files (`files_modified` True)."""

    moment: dt.datetime
    files_modified: bool

    @property
    def date(self) -> dt.date:
        return self.moment.date()


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
    manifest: Path | None = None  # `_export.json`, when the folder has one

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
        if self.manifest is not None:
            # the export date (and validation's word on the manifest) is part of the version
            stat = self.manifest.stat()
            digest.update(f"{self.manifest}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()[:16]

    def latest_modification(self) -> float | None:
        times = [p.stat().st_mtime for s in self.tables.values() for p in s.files]
        return max(times) if times else None

    def stated_export_time(self) -> dt.datetime:
        """`exported_at` of the manifest; raises ValueError (with the reason) when there is no
        manifest or it does not state a valid time."""
        if self.manifest is None:
            raise ValueError(f"there is no {MANIFEST}")
        try:
            with self.manifest.open("rb") as file:
                text = file.read(MANIFEST_MAX_BYTES + 1)
        except OSError as error:
            raise ValueError(f"{MANIFEST} cannot be read ({error.strerror})") from error
        if len(text) > MANIFEST_MAX_BYTES:
            raise ValueError(f"{MANIFEST} is over {MANIFEST_MAX_BYTES // 1024} KB")
        try:
            payload = json.loads(text.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"{MANIFEST} is not UTF-8 JSON ({error})") from error
        value = payload.get("exported_at") if isinstance(payload, dict) else None
        if not isinstance(value, str):
            raise ValueError(f"{MANIFEST} has no exported_at text")
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError as error:
            raise ValueError(
                f"exported_at {value[:40]!r} is not an ISO 8601 date and time "
                "such as 2026-06-30T18:00:00+03:00"
            ) from error

    def export_time(self) -> ExportTime | None:
        """When the data was exported: the manifest's `exported_at` when it states a valid
        one (validation reports one that does not), else the files' modification time."""
        try:
            return ExportTime(self.stated_export_time(), files_modified=False)
        except ValueError:
            modified = self.latest_modification()
            if modified is None:
                return None
            return ExportTime(dt.datetime.fromtimestamp(modified), files_modified=True)


def write_manifest(data_dir: Path, exported_at: dt.datetime, **details: str) -> Path:
    """Write `_export.json` stating `exported_at` (and `details`); an exporter writes it last,
    after every table."""
    path = Path(data_dir) / MANIFEST
    payload = {"exported_at": exported_at.isoformat(), **details}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


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
    manifest = data_dir / MANIFEST
    return DataSources(data_dir, tables, manifest if manifest.is_file() else None)
