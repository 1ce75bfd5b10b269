"""The `kamdash` command line as a user runs it: real files in, real CSV/JSON/Parquet out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import exportkit as ek
import polars as pl
import pytest

from kamdash.cli import ACCOUNT_COLUMNS, BRIDGE_COLUMNS, PORTFOLIO_COLUMNS, main

D = dt.date


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = ek.base_tables()
    tables["accounts"] += [ek.account("007", kam_id="K1"), ek.account("O'Hara")]
    tables["invoices"] += [
        ek.invoice("I1", "A1", D(2024, 1, 10), 1200.0),
        ek.invoice("I0", "A1", D(2023, 1, 10), 600.0),
        ek.invoice("I2", "007", D(2024, 2, 10), 600.0),
    ]
    tables["invoice_lines"] += [
        ek.line("I1", 1, "P1", 10, 1000.0, 700.0),
        ek.line("I0", 1, "P1", 5, 500.0, 300.0),
        ek.line("I2", 1, "P1", 5, 500.0, 300.0),
    ]
    tables["payments"] += [ek.payment("PAY1", "A1", "I1", D(2024, 2, 1), 1000.0)]
    return ek.write_export(tmp_path_factory.mktemp("cli"), tables)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_accounts_csv_has_the_contract_columns_and_empty_nulls(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "metrics",
            "accounts",
            "--data",
            str(export),
            "--start",
            "2024-01-01",
            "--end",
            "2024-03-31",
        ],
        capsys,
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[: len(ACCOUNT_COLUMNS)] == list(ACCOUNT_COLUMNS)
    by_id = {row["account_id"]: row for row in rows}
    assert set(by_id) == {"007", "A1", "O'Hara"}  # "007" keeps its zeros
    assert by_id["A1"]["revenue"] == "1000.0"
    assert by_id["A1"]["gross_margin_pct"] == "0.3"  # a fraction, not 30
    assert by_id["A1"]["growth_yoy"] == "1.0"  # 1000 / 500 − 1
    assert by_id["007"]["growth_yoy"] == ""  # no prior-year revenue: null → empty cell
    assert by_id["O'Hara"]["revenue"] == "0.0"  # dormant account still listed


def test_accounts_json_and_parquet_agree(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "metrics",
        "accounts",
        "--data",
        str(export),
        "--start",
        "2024-01-01",
        "--end",
        "2024-03-31",
        "--as-of",
        "2024-02-15",
    ]
    code, out, _ = run([*base, "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert rows[2]["account_id"] == "O'Hara" and rows[2]["dso"] is None
    target = tmp_path / "accounts.parquet"
    assert run([*base, "--format", "parquet", "--out", str(target)], capsys)[0] == 0
    frame = pl.read_parquet(target)
    assert frame["open_ar"].to_list() == [row["open_ar"] for row in rows]
    # 007: I2 unpaid 600; A1: I0 600 unpaid + I1 1200 − 1000 paid = 800
    assert frame["open_ar"].to_list() == [600.0, 800.0, 0.0]


def test_portfolio_and_filters(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [
        "metrics",
        "portfolio",
        "--data",
        str(export),
        "--start",
        "2024-01-01",
        "--end",
        "2024-03-31",
        "--format",
        "json",
    ]
    code, out, _ = run(base, capsys)
    portfolio = json.loads(out)
    assert code == 0 and list(portfolio)[: len(PORTFOLIO_COLUMNS)] == list(PORTFOLIO_COLUMNS)
    assert portfolio["revenue"] == 1500.0
    code, out, _ = run([*base, "--account-id", "007"], capsys)
    assert json.loads(out)["revenue"] == 500.0


def test_bridge_for_an_account(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        [
            "metrics",
            "bridge",
            "--data",
            str(export),
            "--account",
            "A1",
            "--base-start",
            "2023-01-01",
            "--base-end",
            "2023-03-31",
            "--start",
            "2024-01-01",
            "--end",
            "2024-03-31",
            "--format",
            "json",
        ],
        capsys,
    )
    bridge = json.loads(out)
    assert code == 0 and list(bridge) == list(BRIDGE_COLUMNS)
    # P1: 5 @ 100 → 10 @ 100: all volume
    assert bridge == {
        "volume": 500.0,
        "mix": 0.0,
        "price": 0.0,
        "new": 0.0,
        "lost": 0.0,
        "revenue_base": 500.0,
        "revenue": 1000.0,
    }


def test_user_errors_are_messages_not_tracebacks(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        [
            "metrics",
            "bridge",
            "--data",
            str(export),
            "--account",
            "a1",
            "--base-start",
            "2023-01-01",
            "--base-end",
            "2023-03-31",
            "--start",
            "2024-01-01",
            "--end",
            "2024-03-31",
        ],
        capsys,
    )
    assert code == 1 and err == "kamdash: account 'a1' not found\n"  # ids are case-sensitive
    code, _, err = run(
        [
            "metrics",
            "accounts",
            "--data",
            str(export),
            "--start",
            "2024-03-31",
            "--end",
            "2024-01-01",
        ],
        capsys,
    )
    assert code == 1 and err == "kamdash: period end 2024-01-01 is before its start 2024-03-31\n"
    code, _, err = run(
        [
            "metrics",
            "accounts",
            "--data",
            str(export / "nope"),
            "--start",
            "2024-01-01",
            "--end",
            "2024-01-31",
        ],
        capsys,
    )
    assert code == 1 and "does not exist" in err and "Traceback" not in err


def test_console_script_is_installed(export: Path) -> None:
    script = Path(sys.executable).parent / "kamdash"
    result = subprocess.run(
        [
            str(script),
            "metrics",
            "portfolio",
            "--data",
            str(export),
            "--start",
            "2024-01-01",
            "--end",
            "2024-03-31",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    header, values = result.stdout.splitlines()
    assert header.startswith("revenue,cogs,gross_margin,gross_margin_pct,growth_yoy,open_ar")
    assert values.startswith("1500.0,1000.0,500.0,")
