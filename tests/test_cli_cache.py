"""The CLI reuses the app's per-data-version store cache: a repeated call on the same export
opens the built store instead of validating and building again, a changed export is built
anew, and `--no-cache` leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import os
import pty
import subprocess
import sys
from pathlib import Path

import exportkit as ek
import pytest

import kamdash.engine.store
from kamdash.cli import main
from kamdash.data.validation import ValidationReport

D = dt.date
PERIOD = ["--start", "2024-01-01", "--end", "2024-03-31"]


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The data folders validated and built in this test, one entry per build."""
    built: list[Path] = []
    validate = kamdash.engine.store.validate_connection

    def counting(con: object, sources: object, **kwargs: object) -> ValidationReport:
        report = validate(con, sources, **kwargs)  # type: ignore[arg-type]
        built.append(report.data_dir)
        return report

    monkeypatch.setattr(kamdash.engine.store, "validate_connection", counting)
    return built


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KAMDASH_CACHE_DIR", str(folder))
    return folder


def _export(folder: Path, revenue: float = 1000.0) -> Path:
    tables = ek.healthy_tables()
    tables["invoice_lines"][0] = ek.line("I1", 1, "P1", 10, revenue, 700.0)
    return ek.write_export(folder, tables)


def _accounts(data: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main(["metrics", "accounts", "--data", str(data), *PERIOD, *extra])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _stores(cache: Path) -> list[Path]:
    return sorted((cache / "stores").glob("*.duckdb"))


def test_a_second_call_reads_the_cached_store(
    tmp_path: Path, cache: Path, builds: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = _export(tmp_path / "data")
    first = _accounts(data, capsys)
    assert builds == [data]
    [store] = _stores(cache)
    built_at = store.stat().st_mtime_ns

    second = _accounts(data, capsys)
    assert builds == [data]  # not validated nor built again
    assert _stores(cache) == [store] and store.stat().st_mtime_ns == built_at
    assert second == first
    assert "\nA1,ООО «Клиент A1»,K1,900.0," in first  # 1,000 less a 100 credit note

    # the portfolio and another DSO window read the same store
    code = main(["metrics", "portfolio", "--data", str(data), *PERIOD, "--dso-days", "30"])
    assert code == 0, capsys.readouterr().err
    assert builds == [data]


def test_a_changed_export_is_built_again(
    tmp_path: Path, cache: Path, builds: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = _export(tmp_path / "data")
    before = _accounts(data, capsys, "--format", "json")
    _export(data, revenue=1500.0)
    after = _accounts(data, capsys, "--format", "json")
    assert builds == [data, data]
    assert len(_stores(cache)) == 2
    assert '"revenue": 900.0' in before and '"revenue": 1400.0' in after


def test_no_cache_leaves_nothing_behind(
    tmp_path: Path, cache: Path, builds: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = _export(tmp_path / "data")
    uncached = _accounts(data, capsys, "--no-cache")
    assert not cache.exists()
    assert builds == [data]
    # the figures are those of the cached store
    assert _accounts(data, capsys) == uncached
    assert builds == [data, data]


def test_qbr_reads_the_store_metrics_built(
    tmp_path: Path, cache: Path, builds: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = _export(tmp_path / "data")
    _accounts(data, capsys)
    out = tmp_path / "qbr.png"
    code = main(["qbr", "A1", "--data", str(data), *PERIOD, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes().startswith(b"\x89PNG")
    assert builds == [data]

    uncached = tmp_path / "uncached.png"
    code = main(["qbr", "A1", "--data", str(data), *PERIOD, "--no-cache", "--out", str(uncached)])
    assert code == 0, capsys.readouterr().err
    assert uncached.read_bytes().startswith(b"\x89PNG")
    assert builds == [data, data]
    assert len(_stores(cache)) == 1


def test_on_a_terminal_the_build_is_shown_on_stderr_and_the_result_stays_clean(
    tmp_path: Path, cache: Path
) -> None:
    """`kamdash metrics … > accounts.csv` typed at a terminal: the bar of the first call's
    build is drawn on the terminal (stderr), and the file holds the CSV and nothing else."""
    data = _export(tmp_path / "data")
    command = [sys.executable, "-m", "kamdash.cli", "metrics", "accounts", "--data", str(data)]
    expected = subprocess.run(
        [*command, *PERIOD, "--no-cache"], capture_output=True, text=True, check=True
    ).stdout
    terminal, other_end = pty.openpty()
    process = subprocess.Popen(
        [*command, *PERIOD],
        stdout=subprocess.PIPE,
        stderr=other_end,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(other_end)
    drawn = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the process closed its end
            break
        if not chunk:
            break
        drawn += chunk
    out, _ = process.communicate(timeout=120)
    os.close(terminal)
    assert process.returncode == 0
    assert out.decode() == expected  # only the result: no bar, no escape codes
    assert "preparing the export" in drawn.decode(errors="replace")
