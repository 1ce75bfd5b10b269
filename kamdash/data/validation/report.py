"""The validation report: findings, conservation lines and table summaries, as a person reads
them (text) and as programs and the cache read them (JSON), with the wording helpers every
finding shares (row counts, clipped examples, file paths relative to the data folder)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning"]
MAX_EXAMPLES = 5
# a 10 KB id quoted in full would drown the report: examples are cut to this length
MAX_EXAMPLE_CHARS = 80


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


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ")


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return str(path.relative_to(data_dir))
    except ValueError:
        return str(path)


def _clip(text: str, limit: int = MAX_EXAMPLE_CHARS) -> str:
    """A value quoted in a message: long ids and names are cut, with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
