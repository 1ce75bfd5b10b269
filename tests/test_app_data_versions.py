"""Export files replaced while the app serves: the previous good version stays on screen until
the new one validates, and a vanished folder comes back when it returns."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import exportkit as ek
import pytest

from kamdash.errors import KamdashError
from kamdash.ui import data

D = dt.date


def write(folder: Path, revenue: float) -> None:
    tables = ek.base_tables()
    tables["invoices"].append(ek.invoice("I1", "A1", D(2024, 1, 10), revenue * 1.2))
    tables["invoice_lines"].append(ek.line("I1", 1, "P1", 1, revenue, revenue / 2))
    ek.write_export(folder, tables)
    # make every rewrite a new version even within one clock tick
    for path in folder.rglob("*.parquet"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + int(revenue) * 10**6))


def revenue(opened: data.Opened) -> float:
    assert opened.store is not None
    return float(opened.store.portfolio("2024-01-01", "2024-01-31")["revenue"])


def test_half_written_export_keeps_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "cache"))
    folder = tmp_path / "export"
    write(folder, 1000.0)
    first = data.open_data(folder)
    assert revenue(first) == 1000.0 and first.stale_report is None

    # the writer has replaced invoices but not yet its lines: a duplicate key meanwhile
    tables = ek.base_tables()
    tables["accounts"].append(ek.account("A1"))
    ek.write_export(folder, {"accounts": tables["accounts"]})
    during = data.open_data(folder)
    assert revenue(during) == 1000.0  # still the old figures, never an error page
    assert during.stale_report is not None and during.stale_report.has_errors

    write(folder, 2500.0)
    after = data.open_data(folder)
    assert revenue(after) == 2500.0 and after.stale_report is None


def test_a_vanished_folder_is_reported_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "cache"))
    folder = tmp_path / "export"
    write(folder, 1000.0)
    assert revenue(data.open_data(folder)) == 1000.0
    shutil.move(folder, tmp_path / "away")
    with pytest.raises(KamdashError, match="does not exist"):
        data.open_data(folder)
    shutil.move(tmp_path / "away", folder)
    assert revenue(data.open_data(folder)) == 1000.0
