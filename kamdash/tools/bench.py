"""`kamdash bench`: how fast each page's queries answer, against two baselines.

In one run on one data folder it measures
- kamdash cold start (a fresh process: open, validate, build, first portfolio page) and its
  peak memory;
- warm interactions: every API call a page makes when a filter changes, made as the page
  makes them (independent calls at the same time, `kamdash.engine.gather`) and, for comparison, one
  after another; repeated with a different period and KAM each time (the store caches
  nothing, so no call is a cache hit), after `warmup` rounds of other periods (timed as
  well: the first pages of a server that has just started are slower while its memory
  allocator and DuckDB grow their pools); then, after `soak` more rounds, once more, as a
  server that has been answering for a while;
- a typical pandas dashboard doing the same figures (read Parquet, merge, groupby): its cold
  process and its rerun after a filter change;
- the floor: DuckDB scanning just the Parquet columns those figures need, in a fresh process;
- the command line: `kamdash metrics accounts` for the year to date, a first call and a
  repeated one in fresh processes sharing one new store cache, against a plain pandas script
  doing the same (read the Parquet files, merge, group by, write CSV).
Numbers are printed as a table and written as JSON; nothing here asserts a timing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kamdash.engine.periods import Period, Preset, anchor_date, preset_period

DEFAULT_CACHE = Path(os.environ.get("KAMDASH_BENCH_CACHE", Path.home() / ".cache" / "kamdash"))


def _median(samples: list[float]) -> float:
    """The median of `samples`; NaN when a measurement was not taken (no samples)."""
    return statistics.median(samples) if samples else float("nan")


@dataclass
class Timing:
    name: str
    samples_ms: list[float] = field(default_factory=list)  # as the page makes the calls
    sequential_ms: list[float] = field(default_factory=list)  # the same calls one by one
    after_soak_ms: list[float] = field(default_factory=list)  # as the page, after the soak
    warmup_ms: list[float] = field(default_factory=list)  # as the page, just after the start
    calls: int = 0

    @property
    def warmup_p50(self) -> float:
        return _median(self.warmup_ms)

    @property
    def after_soak_p50(self) -> float:
        return _median(self.after_soak_ms)

    @property
    def sequential_p50(self) -> float:
        return _median(self.sequential_ms)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass
class BenchResult:
    data_dir: str
    invoice_lines: int
    machine: dict[str, Any]
    build_start_s: float
    build_peak_rss_mb: float
    cold_start_s: float
    cold_peak_rss_mb: float
    warm_peak_rss_mb: float
    interactions: list[Timing]
    pandas_cold_s: float | None = None
    pandas_rerun_ms: float | None = None
    pandas_peak_rss_mb: float | None = None
    pandas_max_revenue_difference: float | None = None
    floor_scan_s: float | None = None
    accounts: int | None = None
    # open_store alone (validation + build on the first start; reading the built store after)
    build_open_s: float | None = None
    cold_open_s: float | None = None
    cli_first_s: float | None = None
    cli_repeat_s: float | None = None
    cli_peak_rss_mb: float | None = None
    pandas_accounts_s: float | None = None
    pandas_accounts_peak_rss_mb: float | None = None
    soak_rounds: int = 0
    warmup_rounds: int = 0
    # the allocator of the measured process (see docs/benchmarks.md: DuckDB plans each statement
    # with many small allocations; with glibc's defaults a long-running process plans ever
    # slower, up to about 1.4× after 2,000 calls)
    allocator: str = ""
    malloc_tunables: str | None = None

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["interactions"] = [
            {
                "name": t.name,
                "calls": t.calls,
                "p50_ms": t.p50,
                "p95_ms": t.p95,
                "sequential_p50_ms": t.sequential_p50,
                "after_soak_p50_ms": t.after_soak_p50,
                "warmup_p50_ms": t.warmup_p50,
                "samples_ms": t.samples_ms,
                "sequential_ms": t.sequential_ms,
                "after_soak_ms": t.after_soak_ms,
                "warmup_ms": t.warmup_ms,
            }
            for t in self.interactions
        ]
        return result


# the app's presets, in the order the bench asks them (ytd is the app's default view)
BENCH_PRESETS: tuple[Preset, ...] = ("ytd", "qtd", "last_quarter", "ttm", "mtd")
CUSTOM_DAYS = 91  # a custom period is about a quarter long
CUSTOM_STEP_DAYS = 97  # and steps back so that each ends on another day of the month


def _custom_periods(first: dt.date, anchor: dt.date, count: int, skip: int = 0) -> list[Period]:
    """Custom periods of about a quarter ending on different days of the history, newest
    first from the `skip`-th on; from the newest again when the history runs out."""
    customs: list[Period] = []
    end = anchor - dt.timedelta(days=CUSTOM_STEP_DAYS // 2)
    while end >= first and len(customs) < skip + count:
        customs.append(Period(max(first, end - dt.timedelta(days=CUSTOM_DAYS - 1)), end))
        end -= dt.timedelta(days=CUSTOM_STEP_DAYS)
    if not customs:
        return []
    return [customs[(skip + index) % len(customs)] for index in range(count)]


def _periods(
    first: dt.date, last: dt.date, count: int, today: dt.date | None = None
) -> list[tuple[dt.date, dt.date]]:
    """`count` periods as users ask them, alternating between the app's presets at its
    anchor (the latest document day: every preset but last_quarter ends there, mid-month as
    a rule) and custom periods of about a quarter ending on other days of the data's
    history, newest first. Each list starts again from its head when it runs out."""
    anchor = anchor_date(last, today or dt.date.today())
    presets = [preset_period(preset, anchor) for preset in BENCH_PRESETS]
    customs = _custom_periods(first, anchor, (count + 1) // 2)
    periods: list[Period] = []
    for index in range(count):
        if index % 2 == 1 and customs:
            periods.append(customs[index // 2])
        else:
            periods.append(presets[(index // 2) % len(presets)])
    return [(period.start, period.end) for period in periods]


def _warmup_periods(
    first: dt.date, last: dt.date, count: int, measured: int, today: dt.date | None = None
) -> list[tuple[dt.date, dt.date]]:
    """Custom periods older than the `measured` rounds' own, for warming the process up
    (or the presets when the data is too short to hold any)."""
    anchor = anchor_date(last, today or dt.date.today())
    customs = _custom_periods(first, anchor, count, skip=(measured + 1) // 2)
    if not customs:
        customs = [
            preset_period(BENCH_PRESETS[i % len(BENCH_PRESETS)], anchor) for i in range(count)
        ]
    return [(period.start, period.end) for period in customs]


# An interaction is the data calls of one page in app_pages/, which the page makes together.
Calls = list[Callable[[], object]]


def _interactions(
    store: Any, start: dt.date, end: dt.date, kam: str, account: str
) -> dict[str, Calls]:
    from kamdash.report.charts import month_span

    # the dates each page derives from its period, as in app_pages/ (as_of is the period end)
    prior_year = Period(start, end).prior_year()
    prior = (prior_year.start, prior_year.end)
    months_12 = month_span(end, 12)
    months_24 = month_span(end, 24)
    one = {"account_id": (account,)}
    # a page asks for the period and its prior year in one call (Store.*_over)
    both = [(start, end, end), (*prior, prior[1])]

    def accounts_page(**filters: Any) -> object:
        # the first page of the accounts table, then the sparklines of its 200 accounts
        page = store.account_listing("accounts", both, **filters)
        ids = tuple(page.rows["account_id"])
        return store.monthly(*months_12, level="account", **filters, account_id=ids)

    return {
        "portfolio (tiles, tables, charts)": [
            lambda: store.portfolio_over(both),
            lambda: store.rollup_over(both, level="segment"),
            accounts_page,
            lambda: store.concentration_curve(both),
            lambda: store.growth_margin_map(both),
            lambda: store.account_listing("gainers", both, limit=5),
            lambda: store.account_listing("decliners", both, limit=5),
            lambda: store.account_listing("at_risk", both),
            lambda: store.account_listing("promotion", both),
        ],
        # the account comes in the link (without one the page first picks the largest); the
        # picker offers the 50 best matches of the KAM's accounts
        "account deep-dive": [
            lambda: store.search_accounts(None, kam_id=kam),
            lambda: store.accounts_over(both, **one),
            lambda: store.monthly(*months_24, level="account", **one),
            lambda: store.product_mixes([(start, end), prior], **one),
            lambda: store.bridge(*prior, start, end, **one),
            lambda: store.bridge_by_product(*prior, start, end, **one),
            lambda: store.receivables_trend(*months_24, level="account", **one),
            lambda: store.open_item_listing(end, **one),
            lambda: store.payment_behaviour(*months_24, level="account", **one),
        ],
        "receivables (aging + worklist)": [
            lambda: store.portfolio_over(both, kam_id=kam),
            lambda: store.receivables_trend(*months_24, kam_id=kam),
            lambda: store.account_listing("exposed", both, kam_id=kam),
            lambda: store.open_item_listing(end, overdue_only=True, kam_id=kam),
            lambda: store.account_listing("over_limit", both, kam_id=kam),
        ],
        "team": [lambda: store.kams(start, end)],
        "PVM bridge (portfolio)": [lambda: store.bridge(*prior, start, end)],
    }


def _timed(calls: Calls, *, together: bool) -> float:
    """Milliseconds to make an interaction's calls, together (as the page does) or one by one."""
    from kamdash.engine.gather import gather

    started = time.perf_counter()
    if together:
        gather(*calls)
    else:
        for call in calls:
            call()
    return (time.perf_counter() - started) * 1000


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _run_measured(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command to its end: wall seconds and that process's own peak RSS in MB."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {message}")
    return elapsed, usage.ru_maxrss / 1024


def _cli_calls(data: Path, start: dt.date, end: dt.date) -> tuple[float, float, float]:
    """`kamdash metrics accounts` twice in fresh processes on one new store cache: the first
    call's and the repeated call's wall seconds and the larger peak RSS in MB."""
    cache = Path(tempfile.mkdtemp(prefix="kamdash-bench-cli-cache-"))
    env = {**os.environ, "KAMDASH_CACHE_DIR": str(cache)}
    command = [
        sys.executable,
        "-m",
        "kamdash.cli",
        "metrics",
        "accounts",
        "--data",
        str(data),
        "--start",
        start.isoformat(),
        "--end",
        end.isoformat(),
        "--out",
        str(cache / "accounts.csv"),
    ]
    try:
        first_s, first_rss = _run_measured(command, env)
        repeat_s, repeat_rss = _run_measured(command, env)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return first_s, repeat_s, max(first_rss, repeat_rss)


def _run_child(
    name: str, data: Path, cache: Path | None = None
) -> tuple[float, dict[str, Any], float]:
    """Run one of `bench_children` in a fresh process: wall seconds, its output, peak RSS MB."""
    command = [sys.executable, "-m", "kamdash.tools.bench_children", name, str(data)]
    if cache is not None:
        command.append(str(cache))
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    output = json.loads(completed.stdout.strip().splitlines()[-1])
    return elapsed, output, float(output["peak_rss_mb"])


def run_bench(
    data_dir: Path,
    *,
    repeats: int = 10,
    soak: int = 0,
    warmup: int = 0,
    pandas: bool = True,
    floor: bool = True,
    cli: bool = True,
    log: Callable[[str], None] = print,
) -> BenchResult:
    """Measure `data_dir`. After `warmup` rounds of other periods just after the start
    (timed too: a server that has just started), warm interactions are timed over `repeats`
    rounds, and again over the same `repeats` after `soak` more, as a server that has been
    answering for a while. No result is cached anywhere, so no round is a cache hit."""
    from kamdash.engine.store import open_store

    data = data_dir.resolve()
    cache = Path(tempfile.mkdtemp(prefix="kamdash-bench-cache-"))
    log(f"cold start on {data}, building the store …")
    build_s, build_out, build_rss = _run_child("kamdash_cold", data, cache)
    log("cold start from the built store …")
    cold_s, cold_out, cold_rss = _run_child("kamdash_cold", data, cache)

    store = open_store(data_dir, cache_dir=cache)
    lines = next(t.rows or 0 for t in store.report.tables if t.table == "invoice_lines")
    account_rows = next(t.rows or 0 for t in store.report.tables if t.table == "accounts")
    first, last = store.data_range()
    assert first is not None and last is not None
    kams = store.managers()["kam_id"].to_list()
    accounts = store.account_list()["account_id"].to_list()
    periods = [
        *_periods(first, last, repeats + soak),
        *_warmup_periods(first, last, warmup, repeats),
    ]

    def rounds(numbers: range) -> Iterator[tuple[int, dict[str, Calls]]]:
        for number in numbers:
            start, end = periods[number]
            kam, account = kams[number % len(kams)], accounts[(number * 7) % len(accounts)]
            yield number, _interactions(store, start, end, kam, account)

    timings: dict[str, Timing] = {}
    if warmup:
        log(f"{warmup} rounds just after the start, of other periods …")
        for _, calls in rounds(range(repeats + soak, repeats + soak + warmup)):
            for name, page_calls in calls.items():
                timing = timings.setdefault(name, Timing(name, calls=len(page_calls)))
                timing.warmup_ms.append(_timed(page_calls, together=True))
    log(f"{repeats} rounds of warm interactions …")
    for number, calls in rounds(range(repeats)):
        for name, page_calls in calls.items():
            timing = timings.setdefault(name, Timing(name, calls=len(page_calls)))
            # alternate which way goes first, so neither always finds the other's warm-up
            first_together = number % 2 == 0
            for together in (first_together, not first_together):
                samples = timing.samples_ms if together else timing.sequential_ms
                samples.append(_timed(page_calls, together=together))
    if soak:
        log(f"{soak} more rounds, then {repeats} measured again …")
        for _, calls in rounds(range(repeats, repeats + soak)):
            for page_calls in calls.values():
                _timed(page_calls, together=True)
        for _, calls in rounds(range(repeats)):
            for name, page_calls in calls.items():
                timings[name].after_soak_ms.append(_timed(page_calls, together=True))
    result = BenchResult(
        data_dir=str(data),
        invoice_lines=lines,
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        build_start_s=build_s,
        build_peak_rss_mb=build_rss,
        build_open_s=build_out.get("open_s"),
        cold_open_s=cold_out.get("open_s"),
        accounts=account_rows,
        cold_start_s=cold_s,
        cold_peak_rss_mb=cold_rss,
        warm_peak_rss_mb=_peak_rss_mb(),
        interactions=list(timings.values()),
        soak_rounds=soak,
        warmup_rounds=warmup,
        allocator=allocator_in_use(),
        malloc_tunables=os.environ.get("GLIBC_TUNABLES"),
    )
    if pandas:
        log("pandas baseline …")
        pandas_s, pandas_out, pandas_rss = _run_child("pandas_dashboard", data)
        ours = store.accounts(pandas_out["start"], pandas_out["end"])
        difference = max(
            (
                abs(row["revenue"] - pandas_out["revenue"].get(row["account_id"], 0.0))
                for row in ours.iter_rows(named=True)
            ),
            default=0.0,
        )
        result.pandas_cold_s = pandas_s
        result.pandas_rerun_ms = pandas_out["rerun_ms"]
        result.pandas_peak_rss_mb = pandas_rss
        result.pandas_max_revenue_difference = difference
    if floor:
        log("DuckDB raw-scan floor …")
        result.floor_scan_s = _run_child("duckdb_floor", data)[0]
    if cli:
        start = last.replace(month=1, day=1)
        if pandas:
            log("plain pandas script for the accounts table …")
            script_s, _, script_rss = _run_child("pandas_accounts", data)
            result.pandas_accounts_s = script_s
            result.pandas_accounts_peak_rss_mb = script_rss
        log("kamdash metrics accounts, first and repeated call …")
        result.cli_first_s, result.cli_repeat_s, result.cli_peak_rss_mb = _cli_calls(
            data, start, last
        )
    store.close()
    shutil.rmtree(cache, ignore_errors=True)
    return result


_MALLOC_LIBRARIES = ("jemalloc", "tcmalloc", "mimalloc")


def allocator_in_use(maps: Path = Path("/proc/self/maps")) -> str:
    """Which malloc this process runs on: a preloaded one (`make` preloads jemalloc where the
    system has it) or glibc's. Read from the process's own mappings, not from LD_PRELOAD,
    which a missing library or a non-Linux system would make a false claim."""
    try:
        mapped = maps.read_text()
    except OSError:
        return "unknown"
    for library in _MALLOC_LIBRARIES:
        if f"lib{library}" in mapped:
            return library
    return "glibc"


def render_table(result: BenchResult) -> str:
    accounts = f"{result.accounts:,} accounts, " if result.accounts is not None else ""
    rows = [
        f"data: {result.data_dir} ({accounts}{result.invoice_lines:,} invoice lines)",
        f"first start (validate + build the store) to first page: {result.build_start_s:.2f} s, "
        f"peak RSS {result.build_peak_rss_mb:.0f} MB",
        f"cold start from the built store to first page: {result.cold_start_s:.2f} s, peak RSS "
        f"{result.cold_peak_rss_mb:.0f} MB; warm process peak RSS {result.warm_peak_rss_mb:.0f} MB",
        *(
            [
                f"first open (open_store: validate + build): {result.build_open_s:.2f} s; "
                f"from the built store: {result.cold_open_s:.2f} s"
            ]
            if result.build_open_s is not None and result.cold_open_s is not None
            else []
        ),
        "",
        f"allocator: {result.allocator}"
        + (
            ""
            if result.allocator != "glibc"
            else f", GLIBC_TUNABLES={result.malloc_tunables or '(glibc defaults)'}"
        ),
        "",
        (
            f"p50/p95: after {result.warmup_rounds} rounds of other periods"
            if result.warmup_rounds
            else "p50/p95: from the start"
        ),
        f"{'interaction':38} {'calls':>5}"
        + (f" {f'first {result.warmup_rounds} p50':>12}" if result.warmup_rounds else "")
        + f" {'p50 ms':>9} {'p95 ms':>9} {'× pandas rerun':>15} {'one by one p50':>15}"
        + (f" {f'p50 after {result.soak_rounds} rounds':>22}" if result.soak_rounds else ""),
    ]
    for timing in result.interactions:
        ratio = (
            f"{result.pandas_rerun_ms / timing.p50:>14.1f}×"
            if result.pandas_rerun_ms and timing.p50 > 0
            else f"{'—':>15}"
        )
        rows.append(
            f"{timing.name:38} {timing.calls:>5}"
            + (f" {timing.warmup_p50:>12.1f}" if result.warmup_rounds else "")
            + f" {timing.p50:>9.1f} {timing.p95:>9.1f} {ratio} {timing.sequential_p50:>15.1f}"
            + (f" {timing.after_soak_p50:>22.1f}" if result.soak_rounds else "")
        )
    if result.pandas_cold_s is not None or result.floor_scan_s is not None:
        rows.append("")
    if result.pandas_cold_s is not None:
        rows.append(
            f"pandas dashboard: cold {result.pandas_cold_s:.2f} s "
            f"(kamdash is {result.pandas_cold_s / result.cold_start_s:.1f}× faster cold, "
            f"{result.pandas_cold_s / result.build_start_s:.1f}× on its first start), "
            f"rerun {result.pandas_rerun_ms:.0f} ms, peak RSS {result.pandas_peak_rss_mb:.0f} MB, "
            f"max revenue difference vs kamdash {result.pandas_max_revenue_difference:.2f} ₽"
        )
    if result.floor_scan_s is not None:
        rows.append(
            f"DuckDB raw-scan floor (fresh process): {result.floor_scan_s:.2f} s "
            f"(kamdash cold start = {result.cold_start_s / result.floor_scan_s:.1f}× the floor)"
        )
    if result.cli_first_s is not None and result.cli_repeat_s is not None:
        versus = ""
        if result.pandas_accounts_s is not None:
            versus = (
                f"; plain pandas script {result.pandas_accounts_s:.2f} s (peak RSS "
                f"{result.pandas_accounts_peak_rss_mb:.0f} MB): kamdash "
                f"{result.pandas_accounts_s / result.cli_first_s:.1f}× as fast first, "
                f"{result.pandas_accounts_s / result.cli_repeat_s:.1f}× repeated"
            )
        rows.append(
            f"kamdash metrics accounts (CLI, year to date): first call {result.cli_first_s:.2f} s, "
            f"repeated {result.cli_repeat_s:.2f} s, peak RSS {result.cli_peak_rss_mb:.0f} MB"
            + versus
        )
    return "\n".join(rows)


def bench_data(
    lines: int | None,
    data_dir: Path | None,
    cache: Path = DEFAULT_CACHE,
    accounts: int | None = None,
) -> Path:
    """The folder to measure: the one given, or a generated export cached outside the repo
    (`lines` alone: max(60, lines / 50,000) accounts, as ever; with `accounts`: that many,
    a whole customer base beyond 400 of them, e.g. 150,000 accounts and 6M lines)."""
    if lines is None and accounts is None:
        return data_dir or Path("sample_data")
    from kamdash.tools.generate import generate_export

    if accounts is None:
        assert lines is not None
        name, accounts = f"bench-lines-{lines}-seed-7", max(60, lines // 50_000)
    else:
        name = f"bench-accounts-{accounts}-lines-{lines or 'natural'}-seed-7"
    target = cache / name
    marker = target / ".complete"
    if not marker.exists():
        generate_export(target, accounts=accounts, lines=lines, seed=7)
        marker.write_text(dt.datetime.now().isoformat())
    return target
