"""What an import did, per file: rows and money read, written, rejected and skipped, and why.

The same record is printed by `kamdash import`, written beside the tables as `_import.json`
(with the mapping used) and shown on the `/data` page. Money is kept as exact decimal text.
Conservation holds per file and money column: read = written + rejected, where a row's money
counts as read when its text is an amount (a rejected row's unreadable amount is listed with
its row instead); a report's totals row and empty rows are neither, and are said so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

IMPORT_MANIFEST = "_import.json"
MANIFEST_MAX_BYTES = 4 * 1024 * 1024
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Example:
    row: int | None  # the line (CSV) or row (XLSX) a person finds it on
    value: str | None


@dataclass(frozen=True)
class Rejection:
    """Rows of one file rejected for one reason on one header."""

    column: str  # contract column
    header: str  # the source header (or the derivation)
    reason: str
    rows: int
    examples: tuple[Example, ...] = ()

    def to_text(self, row_word: str) -> str:
        shown = ", ".join(
            f"{row_word} {e.row}" + (f" {e.value!r}" if e.value is not None else "")
            for e in self.examples
        )
        more = self.rows - len(self.examples)
        tail = f" and {more:,} more" if more > 0 else ""
        return f"{self.header!r} → {self.column}: {self.reason} ({self.rows:,} rows: {shown}{tail})"


@dataclass(frozen=True)
class MoneyCount:
    column: str
    read: Decimal
    written: Decimal
    rejected: Decimal
    # what the report's own totals row says for this column, when it has one
    totals_row: Decimal | None = None

    @property
    def balanced(self) -> bool:
        return self.read == self.written + self.rejected


@dataclass
class FileImport:
    table: str
    file: str
    kind: str  # "csv" | "xlsx"
    layout: str  # how it was read: encoding, delimiter, decimal mark, header row
    rows_read: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    rows_totals: int = 0
    rows_empty: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> source header
    ignored_headers: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    money: list[MoneyCount] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def row_word(self) -> str:
        return "line" if self.kind == "csv" else "row"

    @property
    def balanced(self) -> bool:
        rows = self.rows_read == self.rows_written + self.rows_rejected
        return rows and all(m.balanced for m in self.money)

    def to_text(self) -> str:
        lines = [
            f"{self.table} ← {self.file} ({self.layout}): {self.rows_read:,} rows read = "
            f"{self.rows_written:,} written + {self.rows_rejected:,} rejected"
        ]
        for money in self.money:
            line = (
                f"    {money.column}: {_money(money.read)} read = {_money(money.written)} "
                f"written + {_money(money.rejected)} rejected"
            )
            if money.totals_row is not None:
                line += f"; the report's totals row says {_money(money.totals_row)}"
            lines.append(line)
        if self.rows_totals:
            lines.append(f"    {self.rows_totals} totals row(s) skipped (not data)")
        if self.rows_empty:
            lines.append(f"    {self.rows_empty:,} empty row(s) skipped")
        lines.extend(f"    {note}" for note in self.notes)
        if self.ignored_headers:
            shown = ", ".join(repr(h) for h in self.ignored_headers)
            lines.append(f"    headers the mapping does not use (ignored): {shown}")
        lines.extend(f"    REJECTED {r.to_text(self.row_word)}" for r in self.rejections)
        return "\n".join(lines)


@dataclass
class ImportRecord:
    imported_at: str
    source_dir: str
    mapping_file: str
    mapping: str  # the TOML text
    files: list[FileImport] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def to_text(self) -> str:
        return "\n".join(f.to_text() for f in self.files)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str) + "\n"

    def write(self, folder: Path) -> Path:
        path = folder / IMPORT_MANIFEST
        path.write_text(self.to_json(), encoding="utf-8")
        return path


def _money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ")


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def read_import(folder: Path) -> ImportRecord | None:
    """The `_import.json` of a data folder written by `kamdash import`; None when there is
    none or it cannot be read (the page then simply shows no import)."""
    path = Path(folder) / IMPORT_MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > MANIFEST_MAX_BYTES:
            return None
        payload = json.loads(path.read_text(encoding="utf-8"))
        files = []
        for item in payload["files"]:
            money = [
                MoneyCount(
                    m["column"],
                    Decimal(m["read"]),
                    Decimal(m["written"]),
                    Decimal(m["rejected"]),
                    _decimal(m.get("totals_row")),
                )
                for m in item.get("money", [])
            ]
            rejections = [
                Rejection(
                    r["column"],
                    r["header"],
                    r["reason"],
                    r["rows"],
                    tuple(Example(e["row"], e["value"]) for e in r.get("examples", [])),
                )
                for r in item.get("rejections", [])
            ]
            fields = {k: v for k, v in item.items() if k not in ("money", "rejections")}
            fields["ignored_headers"] = tuple(fields.get("ignored_headers", ()))
            files.append(FileImport(**fields, money=money, rejections=rejections))
        return ImportRecord(
            payload["imported_at"],
            payload["source_dir"],
            payload["mapping_file"],
            payload["mapping"],
            files,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
