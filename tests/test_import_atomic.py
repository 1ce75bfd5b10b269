"""Safe to re-run nightly: the output folder is replaced in one step, only by a complete and
valid import. An import killed half-way, or one that fails after its files were staged, leaves
the previous folder complete (every file byte for byte) and valid; the next import clears what
the dead one left and publishes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from importkit import DOC, INVOICE_HEADERS, assert_conserved, invoices_out, reports, write_csv

import kamdash.data.importing as importing
from kamdash.cli import main
from kamdash.data.importing import import_export
from kamdash.data.validation import validate_folder

REPO = Path(__file__).resolve().parent.parent


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _published(tmp_path: Path, invoices: int) -> tuple[Path, Path]:
    """A source folder with `invoices` one-line invoices (cp1251), imported once into out."""
    ids = [str(n) for n in range(1, invoices + 1)]
    src = reports(tmp_path / "src", ids)
    rows = [[i, "10.01.2025", "A1", DOC, "09.02.2025", "1 000,01"] for i in ids]
    write_csv(src / "Реализации.csv", INVOICE_HEADERS, rows)
    out = tmp_path / "out"
    first = import_export(src, tmp_path / "mapping.toml", out)
    assert first.published, first.to_text()
    assert_conserved(first)
    return src, out


def _staging_folders(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.import-*"))


def test_failure_after_staging_leaves_previous_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The new folder is staged and validated, then the disk fills up: exit 1 with the reason,
    the previous folder untouched, the staging folder gone."""
    src, out = _published(tmp_path, 2)
    before = _snapshot(out)
    write_csv(
        src / "Реализации.csv",
        INVOICE_HEADERS,
        [[str(n), "10.01.2025", "A1", DOC, "09.02.2025", "7,00"] for n in (1, 2)],
    )
    real_validate = importing.validate_folder

    def validate_then_fail(folder: Path) -> object:
        assert any((folder / "invoices").rglob("*.parquet"))  # staged, complete
        real_validate(folder)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(importing, "validate_folder", validate_then_fail)
    code = main(
        ["import", str(src), "--mapping", str(tmp_path / "mapping.toml"), "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert f"import failed, {out} was left as it was" in err and "No space left" in err
    assert "Traceback" not in err
    assert _snapshot(out) == before
    assert _staging_folders(out) == []


def test_import_killed_half_way_leaves_previous_folder(tmp_path: Path) -> None:
    """`kamdash import` killed (SIGKILL) while it converts: the previous folder is complete and
    valid; the next import removes the dead one's staging folder and publishes."""
    src, out = _published(tmp_path, 3)
    before = _snapshot(out)
    old_invoices = invoices_out(out)
    ids = [str(n) for n in range(1, 200_001)]
    reports(src, ids)
    rows = [[i, "10.01.2025", "A2", DOC, "24.02.2025", "2 000,02"] for i in ids]
    write_csv(src / "Реализации.csv", INVOICE_HEADERS, rows)

    command = [sys.executable, "-m", "kamdash.cli", "import", str(src)]
    command += ["--mapping", str(tmp_path / "mapping.toml"), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        # kill it once it has staged something: the first table's Parquet in its staging folder
        while time.monotonic() < deadline and process.poll() is None:
            try:
                staged = [f for s in _staging_folders(out) for f in s.rglob("*.parquet")]
            except FileNotFoundError:  # the import renamed a folder while we looked
                staged = []
            if staged:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    assert len(_staging_folders(out)) == 1  # what the dead import left
    assert _snapshot(out) == before
    assert invoices_out(out) == old_invoices
    assert not validate_folder(out).has_errors

    again = import_export(src, tmp_path / "mapping.toml", out)
    assert again.published, again.to_text()
    assert_conserved(again)
    assert _staging_folders(out) == []
    assert len(invoices_out(out)) == 200_000
    assert again.previous is not None and _snapshot(again.previous) == before
