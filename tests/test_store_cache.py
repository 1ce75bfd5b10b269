"""The per-data-version store cache: same figures, rebuilt when the export changes."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import exportkit as ek
import pytest

from kamdash import DataValidationError, KamdashError, open_store
from kamdash.engine import store as store_module

D = dt.date


def small_export(path: Path, amount: float = 1200.0) -> Path:
    tables = ek.base_tables()
    tables["invoices"].append(ek.invoice("I1", "A1", D(2024, 1, 10), amount))
    tables["invoice_lines"].append(ek.line("I1", 1, "P1", 10, amount / 1.2, 700.0))
    tables["payments"].append(ek.payment("PAY1", "A1", "I1", D(2024, 2, 1), 100.0))
    return ek.write_export(path, tables)


def test_cached_store_answers_like_a_fresh_one(tmp_path: Path) -> None:
    export = small_export(tmp_path / "export")
    fresh = open_store(export).accounts("2024-01-01", "2024-03-31")
    first = open_store(export, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.duckdb"))) == 1
    second = open_store(export, cache_dir=tmp_path / "cache")
    assert second.report.to_text() == first.report.to_text()
    assert second.accounts("2024-01-01", "2024-03-31").equals(fresh)
    assert not list((tmp_path / "cache").glob("*.building"))


def test_changed_export_is_rebuilt(tmp_path: Path) -> None:
    export = small_export(tmp_path / "export")
    cache = tmp_path / "cache"
    assert open_store(export, cache_dir=cache).portfolio("2024-01-01", "2024-01-31")[
        "revenue"
    ] == pytest.approx(1000.0)
    small_export(export, amount=2400.0)
    # same size files can keep their mtime within a second: make the change visible
    for path in export.glob("*.parquet"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert open_store(export, cache_dir=cache).portfolio("2024-01-01", "2024-01-31")[
        "revenue"
    ] == pytest.approx(2000.0)
    assert len(list(cache.glob("*.duckdb"))) == 2


def test_an_export_with_errors_is_refused_and_not_cached(tmp_path: Path) -> None:
    tables = ek.base_tables()
    tables["accounts"].append(ek.account("A1"))
    export = ek.write_export(tmp_path / "export", tables)
    with pytest.raises(DataValidationError, match=r"rule key\.unique"):
        open_store(export, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").glob("*.duckdb"))


def test_the_connection_is_sandboxed_to_the_data_folder(tmp_path: Path) -> None:
    export = small_export(tmp_path / "export")
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    for store in (open_store(export), open_store(export, cache_dir=tmp_path / "cache")):
        # the store's own data stays readable through its views
        assert store.portfolio("2024-01-01", "2024-01-31")["revenue"] == pytest.approx(1000.0)
        for statement in (
            f"select * from read_csv('{secret}')",
            "select * from read_parquet('/etc/hostname')",
            "install httpfs",
            "set enable_external_access = true",
            "set lock_configuration = false",
            f"attach '{tmp_path / 'other.duckdb'}' as other",
        ):
            with pytest.raises(duckdb.Error):
                store.query(statement)


def test_running_out_of_memory_is_a_clear_error_and_leaves_no_partial_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a 50M-line build once did under the default limit
    def out_of_memory(con: duckdb.DuckDBPyConnection, sources: object, step: object) -> None:
        raise duckdb.OutOfMemoryException(
            "Out of Memory Error: could not allocate block of size 256.0 KiB (2.3 GiB/2.3 GiB used)"
        )

    export = small_export(tmp_path / "export")
    cache = tmp_path / "cache"
    monkeypatch.delenv("KAMDASH_MEMORY_LIMIT", raising=False)
    monkeypatch.setattr(store_module, "build", out_of_memory)
    with pytest.raises(KamdashError) as caught:
        open_store(export, cache_dir=cache)
    message = str(caught.value)
    assert f"building the store of {export} ran out of memory" in message
    assert "limit of 2.5GB" in message and "(2.3 GiB/2.3 GiB used)" in message
    assert "set KAMDASH_MEMORY_LIMIT higher" in message
    assert list(cache.iterdir()) == []  # no gigabytes of half-built store left behind
    with pytest.raises(KamdashError, match="ran out of memory"):
        open_store(export)  # without a cache folder too


def test_a_new_version_reports_each_step_of_its_build_and_a_cached_one_none(
    tmp_path: Path,
) -> None:
    from kamdash.data.sqlfiles import load_objects
    from kamdash.data.validation.validate import STAGES_AFTER_BUILD, STAGES_BEFORE_BUILD

    export = small_export(tmp_path / "export")
    heard: list[tuple[int, int, str]] = []

    def hear(done: int, total: int, step: str) -> None:
        heard.append((done, total, step))

    open_store(export, cache_dir=tmp_path / "cache", progress=hear).close()
    tables = [obj.name for obj in load_objects() if obj.kind == "table"]
    # every stage and every table, in the order they run, counted from 0 to one short of all
    assert [step for _, _, step in heard] == [
        *STAGES_BEFORE_BUILD,
        *tables,
        *STAGES_AFTER_BUILD,
    ]
    assert [done for done, _, _ in heard] == list(range(len(heard)))
    assert {total for _, total, _ in heard} == {len(heard)}
    assert "int_account_daily" in tables

    heard.clear()
    open_store(export, cache_dir=tmp_path / "cache", progress=hear).close()
    assert heard == []  # the cache had it: nothing to wait for


def test_an_export_refused_early_reports_only_the_steps_it_ran(tmp_path: Path) -> None:
    export = small_export(tmp_path / "export")
    (export / "invoice_lines.parquet").unlink()  # a required table missing: nothing is built
    heard: list[str] = []
    with pytest.raises(DataValidationError, match="invoice_lines"):
        open_store(export, progress=lambda done, total, step: heard.append(step))
    assert heard == ["files"]
