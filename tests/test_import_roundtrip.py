"""The round trip: the sample export saved as 1C would save it (cp1251 CSV and XLSX, Russian
headers, decimal commas, no-break thousands spaces, a title block and an «Итого» row), imported
back with examples/1c/mapping.toml, gives the very figures `kamdash metrics` prints for the
sample's ERP tables (1C's reports hold no CRM and no closing documents) — and the import's
counts agree with the reports' own totals rows."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from importkit import EXAMPLE_MAPPING, assert_conserved, published_totals, reports_from_export

from kamdash.cli import main
from kamdash.data.contract import CLOSING_DOCUMENTS, CRM_TABLES
from kamdash.data.importing import ImportResult, import_export

PERIODS = [
    ("2023-01-01", "2023-12-31"),
    ("2025-04-01", "2025-06-30"),
    ("2026-01-01", "2026-06-30"),
]


@pytest.fixture(scope="module")
def imported(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ImportResult:
    work = tmp_path_factory.mktemp("roundtrip")
    reports = reports_from_export(data_dir, work / "reports")
    exported_at = json.loads((data_dir / "_export.json").read_text())["exported_at"]
    return import_export(
        reports, EXAMPLE_MAPPING, work / "data", now=dt.datetime.fromisoformat(exported_at)
    )


@pytest.fixture(scope="module")
def erp_part(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample without the tables 1C's reports do not hold (contract v2's CRM tables and
    closing documents)."""
    folder = tmp_path_factory.mktemp("erp_part")
    for entry in data_dir.iterdir():
        name = entry.name.removesuffix(".parquet")
        if name in (*CRM_TABLES, CLOSING_DOCUMENTS.name) or entry.suffix == ".md":
            continue
        if entry.is_dir():
            shutil.copytree(entry, folder / entry.name)
        else:
            shutil.copy2(entry, folder / entry.name)
    return folder


def _metrics(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(args) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("start", "end"), PERIODS)
@pytest.mark.parametrize("kind", ["accounts", "portfolio"])
def test_figures_identical_after_round_trip(
    imported: ImportResult,
    erp_part: Path,
    kind: str,
    start: str,
    end: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert imported.published, imported.to_text()
    common = ["--start", start, "--end", end, "--format", "csv"]
    original = _metrics(["metrics", kind, "--data", str(erp_part), *common], capsys)
    again = _metrics(["metrics", kind, "--data", str(imported.out_dir), *common], capsys)
    assert len(original.splitlines()) > 1
    assert again == original


def test_every_row_and_kopeck_arrives(imported: ImportResult, data_dir: Path) -> None:
    assert imported.published, imported.to_text()
    assert not imported.report.findings
    assert_conserved(imported)
    by_table = {f.table: f for f in imported.record.files}
    for table, money in {
        "invoices": ["amount_due"],
        "invoice_lines": ["net_amount", "cost_amount"],
        "payments": ["amount"],
        "targets": ["revenue_target", "gross_margin_target"],
        "accounts": ["credit_limit"],
    }.items():
        rows, sums = published_totals(data_dir, table, money)
        item = by_table[table]
        assert (item.rows_read, item.rows_written, item.rows_rejected) == (rows, rows, 0)
        assert item.rows_totals == 1  # the «Итого» row is skipped, and said so
        assert published_totals(imported.out_dir, table, money) == (rows, sums)
        for count in item.money:
            # the report's own totals row agrees with what was read, to the kopeck
            assert count.read == count.written == sums[count.column]
            assert count.totals_row == sums[count.column]
    assert by_table["invoices"].notes == ["3 line(s) above the header skipped (title block)"]
    assert by_table["payments"].layout == "XLSX sheet 'Лист1', header at row 3"
    assert "cp1251" in by_table["invoice_lines"].layout
    assert not any(f.rejections for f in imported.record.files)


def test_examples_1c_import_cleanly(tmp_path: Path) -> None:
    """The README's walk-through: examples/1c with its mapping publishes, nothing rejected,
    every report's «Итого» row equal to what was read."""
    result = import_export(EXAMPLE_MAPPING.parent, EXAMPLE_MAPPING, tmp_path / "data")
    assert result.published, result.to_text()
    assert_conserved(result)
    assert sorted(f.table for f in result.record.files) == [
        "accounts",
        "invoice_lines",
        "invoices",
        "managers",
        "payments",
        "products",
        "targets",
    ]
    for item in result.record.files:
        assert item.rows_rejected == 0 and item.rows_written > 0
        assert all(m.totals_row == m.read for m in item.money), item.to_text()
