"""The benchmark runs end to end and its pandas baseline computes the same figures."""

from __future__ import annotations

import datetime as dt
import glob
import os
import subprocess
import sys
from pathlib import Path

import exportkit as ek
import polars as pl

from kamdash.tools.bench import _periods, _warmup_periods, allocator_in_use, render_table, run_bench


def test_the_bench_asks_the_apps_presets_and_custom_periods_in_turn() -> None:
    # as users ask: the app's presets at its anchor (the latest document day), which end
    # mid-month as a rule, and custom periods ending on other days of the history
    first, last, today = dt.date(2022, 2, 10), dt.date(2025, 5, 20), dt.date(2026, 11, 28)
    periods = _periods(first, last, 10, today)
    assert periods[0::2] == [
        (dt.date(2025, 1, 1), last),  # ytd, the app's default
        (dt.date(2025, 4, 1), last),  # qtd
        (dt.date(2025, 1, 1), dt.date(2025, 3, 31)),  # last quarter
        (dt.date(2024, 5, 21), last),  # ttm
        (dt.date(2025, 5, 1), last),  # mtd
    ]
    customs = periods[1::2]
    assert customs[0] == (dt.date(2025, 1, 2), dt.date(2025, 4, 2))
    assert all((end - start).days == 90 for start, end in customs)
    assert all(first <= start <= end < last for start, end in customs)
    assert len(set(customs)) == 5
    assert len({end.day for _, end in customs}) == 5
    # the anchor never lies in the future, as in the app
    assert _periods(first, dt.date(2027, 1, 1), 2, today)[0] == (dt.date(2026, 1, 1), today)


def test_the_warmup_asks_older_periods_than_the_measured_rounds() -> None:
    first, last, today = dt.date(2022, 2, 10), dt.date(2025, 5, 20), dt.date(2026, 11, 28)
    measured = set(_periods(first, last, 10, today))
    warmup = _warmup_periods(first, last, 6, 10, today)
    assert len(set(warmup)) == 6
    assert not measured & set(warmup)
    assert max(end for _, end in warmup) < min(end for _, end in _periods(first, last, 10, today))
    # a history too short for custom periods warms up on the presets
    assert _warmup_periods(last, last, 3, 10, today)[0] == (dt.date(2025, 1, 1), last)


def test_more_rounds_than_the_data_has_periods_ask_them_again() -> None:
    # 3 months of data hold one custom period; 10 rounds (make bench --repeats 10) once asked
    # for periods before the data began and stopped with "period end is before its start"
    first, last = dt.date(2024, 10, 1), dt.date(2024, 12, 31)
    periods = _periods(first, last, 10, dt.date(2026, 11, 28))
    assert len(periods) == 10
    assert all(start <= end for start, end in periods)
    assert all(first <= start for start, _ in periods[1::2])
    assert len(set(periods[1::2])) == 1
    assert periods[0::2] == _periods(first, last, 20, dt.date(2026, 11, 28))[0:10:2]


def test_bench_runs_and_the_baseline_agrees(tmp_path: Path) -> None:
    tables = ek.base_tables()
    tables["accounts"].append(ek.account("A2"))
    day = dt.date(2025, 1, 5)
    for number in range(12):
        invoice_id = f"I{number}"
        account = "A1" if number % 2 else "A2"
        tables["invoices"].append(
            ek.invoice(invoice_id, account, day + dt.timedelta(days=31 * number), 120.0)
        )
        tables["invoice_lines"].append(ek.line(invoice_id, 1, "P1", 1, 100.0 + number, 60.0))
    export = ek.write_export(tmp_path / "export", tables, layout="hive")
    result = run_bench(export, repeats=2, soak=3, warmup=2, log=lambda message: None)
    assert result.invoice_lines == 12
    assert {t.name for t in result.interactions} >= {"team", "PVM bridge (portfolio)"}
    assert all(len(t.samples_ms) == 2 for t in result.interactions)
    assert all(len(t.sequential_ms) == 2 for t in result.interactions)
    # the same 2 rounds timed again after 3 more, as a server that has been answering a while
    assert all(len(t.after_soak_ms) == 2 for t in result.interactions)
    # and 2 rounds just after the start, before the warm ones
    assert all(len(t.warmup_ms) == 2 for t in result.interactions)
    assert result.to_dict()["warmup_rounds"] == 2
    assert result.to_dict()["soak_rounds"] == 3
    calls = {t.name: t.calls for t in result.interactions}
    assert calls["portfolio (tiles, tables, charts)"] == 9
    assert calls["receivables (aging + worklist)"] == 5
    assert calls["account deep-dive"] == 9
    assert result.pandas_max_revenue_difference == 0.0
    assert result.floor_scan_s is not None and result.floor_scan_s > 0
    table = render_table(result)
    assert "pandas dashboard: cold" in table
    assert "p50 after 3 rounds" in table
    assert "first 2 p50" in table
    assert f"allocator: {result.allocator}" in table
    # first open, and the command line against a plain pandas script, each in fresh processes
    assert result.accounts == 2
    assert result.build_open_s is not None and 0 < result.build_open_s < result.build_start_s
    assert result.cold_open_s is not None and 0 < result.cold_open_s < result.cold_start_s
    assert result.cli_first_s is not None and result.cli_first_s > 0
    assert result.cli_repeat_s is not None and result.cli_repeat_s > 0
    assert result.cli_peak_rss_mb is not None and result.cli_peak_rss_mb > 0
    assert result.pandas_accounts_s is not None and result.pandas_accounts_s > 0
    assert "kamdash metrics accounts (CLI, year to date): first call" in table
    assert "first open (open_store: validate + build)" in table
    assert f"({result.accounts:,} accounts, 12 invoice lines)" in table


def test_the_accounts_table_of_the_pandas_script_matches_the_cli(tmp_path: Path) -> None:
    from kamdash.cli import main
    from kamdash.tools.bench_children import pandas_accounts

    tables = ek.base_tables()
    tables["accounts"].append(ek.account("A2"))
    for number, account in enumerate(("A1", "A2", "A2")):
        invoice_id = f"I{number}"
        day = dt.date(2025, 1 + number, 10)
        tables["invoices"].append(ek.invoice(invoice_id, account, day, 120.0))
        tables["invoice_lines"].append(ek.line(invoice_id, 1, "P1", 1, 100.0, 70.0))
    export = ek.write_export(tmp_path / "export", tables)
    script = pandas_accounts(export)
    out = tmp_path / "accounts.csv"
    argv = ["metrics", "accounts", "--data", str(export), "--start", script["start"]]
    assert main([*argv, "--end", "2025-03-10", "--out", str(out)]) == 0
    cli = pl.read_csv(out)
    assert script["rows"] == cli.height == 2
    assert script["revenue"] == cli["revenue"].sum() == 300.0


def test_a_whole_base_is_generated_once_and_cached_under_its_shape(tmp_path: Path) -> None:
    from kamdash.tools.bench import bench_data

    folder = bench_data(3000, None, tmp_path, accounts=500)
    assert folder == tmp_path / "bench-accounts-500-lines-3000-seed-7"
    assert (folder / ".complete").is_file()
    accounts = pl.read_parquet(folder / "accounts.parquet")
    assert accounts.height == 500 and accounts["kam_id"].null_count() == 100
    stamp = (folder / ".complete").read_text()
    assert bench_data(3000, None, tmp_path, accounts=500) == folder
    assert (folder / ".complete").read_text() == stamp  # not generated again
    # the lines-only shapes keep their names (and their caches)
    assert bench_data(None, tmp_path / "given", tmp_path) == tmp_path / "given"


def test_the_bench_names_the_malloc_its_process_runs_on() -> None:
    # what `make bench` reports must be what the process has mapped, not what it was asked for
    probe = "from kamdash.tools.bench import allocator_in_use; print(allocator_in_use())"
    env = {key: value for key, value in os.environ.items() if key != "LD_PRELOAD"}
    plain = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert plain.stdout.strip() == "glibc"
    asked_for_missing = subprocess.run(
        [sys.executable, "-c", probe],
        env={**env, "LD_PRELOAD": "/nonexistent/libjemalloc.so.2"},
        capture_output=True,
        text=True,
    )
    assert asked_for_missing.stdout.strip() == "glibc"
    jemalloc = glob.glob("/usr/lib/*/libjemalloc.so.2") + glob.glob("/usr/lib/libjemalloc.so.2")
    if jemalloc:
        preloaded = subprocess.run(
            [sys.executable, "-c", probe],
            env={**env, "LD_PRELOAD": jemalloc[0]},
            capture_output=True,
            text=True,
        )
        assert preloaded.stdout.strip() == "jemalloc"


def test_an_unreadable_process_map_is_reported_as_unknown(tmp_path: Path) -> None:
    assert allocator_in_use(tmp_path / "missing") == "unknown"
