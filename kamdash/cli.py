"""The `kamdash` command line: validate a data folder, print metrics, generate sample data.

Every failure a user can cause ends in a one-paragraph message on stderr and a non-zero exit,
never a traceback: 1 for data or argument problems, 2 for an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from kamdash.engine.periods import parse_date
from kamdash.errors import DataValidationError, KamdashError, NotFoundError

if TYPE_CHECKING:
    from kamdash.data.connection import Progress
    from kamdash.engine.store import Store

ACCOUNT_COLUMNS: tuple[str, ...] = (
    "account_id",
    "account_name",
    "kam_id",
    "revenue",
    "cogs",
    "gross_margin",
    "gross_margin_pct",
    "revenue_prior_year",
    "growth_yoy",
    "open_ar",
    "ar_current",
    "ar_1_30",
    "ar_31_60",
    "ar_61_90",
    "ar_91_plus",
    "unapplied_credits",
    "overdue_ar",
    "dso",
    "countback_dso",
    "avg_days_to_pay",
    "avg_days_late",
    "credit_utilisation",
    "abc_class",
    # relationship, pipeline, closing documents, renewal and landing (contract v2)
    "days_since_last_meeting",
    "decision_maker_coverage",
    "single_threaded",
    "pipeline",
    "weighted_pipeline",
    "win_rate",
    "unsigned_closing_amount",
    "unsigned_closing_docs",
    "renewal_due",
    "landing_forecast",
    "landing_vs_plan",
)
PORTFOLIO_COLUMNS: tuple[str, ...] = (
    "revenue",
    "cogs",
    "gross_margin",
    "gross_margin_pct",
    "growth_yoy",
    "open_ar",
    "overdue_ar",
    "ar_current",
    "ar_1_30",
    "ar_31_60",
    "ar_61_90",
    "ar_91_plus",
    "unapplied_credits",
    "dso",
    "top5_share",
    "top10_share",
    "hhi",
    "nrr",
    "grr",
)
BRIDGE_COLUMNS: tuple[str, ...] = (
    "volume",
    "mix",
    "price",
    "new",
    "lost",
    "revenue_base",
    "revenue",
)
FILTERS: tuple[str, ...] = ("kam_id", "industry", "region", "group_name", "account_id")


def _date(value: str) -> Any:
    try:
        return parse_date(value)
    except KamdashError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kamdash", description="Key-account P&L from ERP/CRM Parquet exports."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check a data folder against the contract")
    validate.add_argument("data_dir", type=Path)
    validate.add_argument("--format", choices=("text", "json"), default="text")

    metrics = commands.add_parser("metrics", help="print figures as CSV, JSON or Parquet")
    kinds = metrics.add_subparsers(dest="kind", required=True)
    for kind in ("accounts", "portfolio", "bridge"):
        sub = kinds.add_parser(kind)
        sub.add_argument("--data", type=Path, required=True, help="data folder")
        sub.add_argument("--start", type=_date, required=True, help="period start YYYY-MM-DD")
        sub.add_argument("--end", type=_date, required=True, help="period end YYYY-MM-DD")
        sub.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
        sub.add_argument("--out", type=Path, help="write to this file instead of stdout")
        _add_cache_flag(sub)
        if kind == "bridge":
            sub.add_argument("--base-start", type=_date, required=True)
            sub.add_argument("--base-end", type=_date, required=True)
            sub.add_argument("--account", help="an account id; the whole portfolio when omitted")
        else:
            sub.add_argument("--as-of", type=_date, help="as-of date (default: --end)")
            sub.add_argument("--dso-days", type=int, default=90, help="DSO window N (default 90)")
            for name in FILTERS:
                sub.add_argument(
                    f"--{name.replace('_', '-')}",
                    action="append",
                    dest=name,
                    help=f"keep accounts with this {name} (repeatable)",
                )

    generate = commands.add_parser("generate", help="write a realistic sample export")
    generate.add_argument("--out", type=Path, required=True)
    generate.add_argument("--accounts", type=int, default=60)
    generate.add_argument("--lines", type=int, help="approximate number of invoice lines")
    generate.add_argument("--start", type=_date, default=parse_date("2022-01-01"))
    generate.add_argument("--end", type=_date, default=parse_date("2026-06-30"))
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument(
        "--house-share",
        type=float,
        help="share of accounts that are house accounts (no KAM, no plan), 0 to below 1; "
        "default: none up to 400 accounts, beyond that all but 400 key accounts",
    )

    bench = commands.add_parser("bench", help="time every page's queries against baselines")
    bench.add_argument("--data", type=Path, help="data folder (default sample_data)")
    bench.add_argument("--lines", type=int, help="generate (once, cached) an export this big")
    bench.add_argument(
        "--accounts",
        type=int,
        help="with this many accounts (e.g. --accounts 150000 --lines 6000000: a whole base)",
    )
    bench.add_argument("--repeats", type=int, default=10)
    bench.add_argument(
        "--soak",
        type=int,
        default=100,
        help="rounds to run before timing the interactions again (0: skip)",
    )
    bench.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="rounds of other periods just after the start, before the warm ones (0: none)",
    )
    bench.add_argument("--no-baselines", action="store_true", help="skip pandas and the floor")
    bench.add_argument(
        "--no-cli", action="store_true", help="skip timing `kamdash metrics accounts` calls"
    )
    bench.add_argument(
        "--no-pandas",
        action="store_true",
        help="skip the pandas baseline (at 50M lines it needs tens of GB)",
    )
    bench.add_argument("--out", type=Path, help="write the results as JSON")

    imports = commands.add_parser(
        "import", help="write a data folder from 1C/Excel reports (CSV, XLSX) and a mapping"
    )
    imports.add_argument("source_dir", type=Path, nargs="?", help="folder of the report files")
    imports.add_argument("--mapping", type=Path, help="MAPPING.toml (see --print-template)")
    imports.add_argument("--out", type=Path, help="data folder to write (replaced atomically)")
    imports.add_argument(
        "--max-rejected", type=int, default=0, help="publish despite up to this many bad rows"
    )
    imports.add_argument(
        "--print-template", action="store_true", help="print a commented mapping and exit"
    )

    qbr = commands.add_parser("qbr", help="an account's QBR deck, PDF brief or trend chart")
    qbr.add_argument("account_id")
    qbr.add_argument("--data", type=Path, required=True, help="data folder")
    qbr.add_argument("--start", type=_date, required=True, help="period start YYYY-MM-DD")
    qbr.add_argument("--end", type=_date, required=True, help="period end YYYY-MM-DD")
    qbr.add_argument("--as-of", type=_date, help="as-of date (default: --end)")
    qbr.add_argument("--lang", choices=("en", "ru"), default="en")
    qbr.add_argument(
        "--out", type=Path, required=True, help="FILE.pptx (deck), .pdf (brief), .png/.svg (chart)"
    )
    _add_cache_flag(qbr)
    return parser


def _add_cache_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--no-cache",
        action="store_true",
        help="validate and build the store in memory, leaving nothing in the cache "
        "(by default the built store of each data version is kept in KAMDASH_CACHE_DIR, "
        "~/.cache/kamdash, as the app keeps it, and the next call opens it at once)",
    )


def _open(data: Path, no_cache: bool, dso_days: int = 90) -> Store:
    """The store of `data`: from the app's per-data-version cache (built there on the first
    call), or, with --no-cache, validated and built in memory."""
    from kamdash.engine.store import open_store, stores_cache_dir

    with _build_progress() as progress:
        return open_store(
            data,
            dso_days=dso_days,
            cache_dir=None if no_cache else stores_cache_dir(),
            progress=progress,
        )


def _stderr_console() -> Any:
    """Where progress bars go: stderr, so that `kamdash … > file` gets only the result (rich
    draws on stdout by default)."""
    from rich.console import Console

    return Console(stderr=True)


@contextlib.contextmanager
def _build_progress() -> Iterator[Progress | None]:
    """On a terminal, a bar on stderr for a validation and build (tens of seconds on a new
    export of a whole customer base); nothing off a terminal. The bar (and rich, 0.24 s to
    import) starts at the first step only, so an open from the cache draws nothing."""
    if not sys.stderr.isatty():
        yield None
        return
    started: list[Any] = []  # the bar and its task, once the first step is heard

    def report(done: int, total: int, step: str) -> None:
        if not started:
            from rich import progress as rich_progress

            bar = rich_progress.Progress(
                rich_progress.TextColumn("{task.description}"),
                rich_progress.BarColumn(),
                rich_progress.TimeElapsedColumn(),
                console=_stderr_console(),
                transient=True,
            )
            bar.start()
            started.extend((bar, bar.add_task("preparing the export", total=total)))
        bar, task = started
        bar.update(task, completed=done, description=f"preparing the export: {step}")

    try:
        yield report
    finally:
        if started:
            started[0].stop()


def _write(frame: pl.DataFrame, fmt: str, out: Path | None, *, single: bool = False) -> None:
    if fmt == "parquet":
        if out is None:
            raise KamdashError("--format parquet needs --out FILE")
        frame.write_parquet(out)
        return
    if fmt == "json":
        rows = frame.to_dicts()
        text = json.dumps(rows[0] if single else rows, ensure_ascii=False, indent=2, default=str)
        text += "\n"
    else:
        buffer = io.StringIO()
        # nulls are empty cells; floats at full precision so figures can be checked by hand
        frame.write_csv(buffer, null_value="")
        text = buffer.getvalue()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _metrics(args: argparse.Namespace) -> int:
    store = _open(args.data, args.no_cache, getattr(args, "dso_days", 90))
    if args.kind == "bridge":
        filters: dict[str, Any] = {}
        if args.account is not None:
            store.account(args.account)  # a clear "not found" rather than an all-zero bridge
            filters["account_id"] = args.account
        bridge = store.bridge(args.base_start, args.base_end, args.start, args.end, **filters)
        frame = pl.DataFrame([{name: bridge[name] for name in BRIDGE_COLUMNS}])
        _write(frame, args.format, args.out, single=True)
        return 0
    filters = {name: getattr(args, name) for name in FILTERS if getattr(args, name)}
    if args.kind == "accounts":
        frame = store.accounts(args.start, args.end, args.as_of, **filters)
        extra = [c for c in frame.columns if c not in ACCOUNT_COLUMNS]
        _write(frame.select([*ACCOUNT_COLUMNS, *extra]), args.format, args.out)
        return 0
    portfolio = store.portfolio(args.start, args.end, args.as_of, **filters)
    extra = [c for c in portfolio if c not in PORTFOLIO_COLUMNS]
    ordered = {name: portfolio[name] for name in (*PORTFOLIO_COLUMNS, *extra)}
    _write(pl.DataFrame([ordered]), args.format, args.out, single=True)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from kamdash.data.validation import validate_folder

    if not args.data_dir.is_dir():
        raise KamdashError(f"data folder {args.data_dir} does not exist or is not a folder")
    with _build_progress() as progress:
        report = validate_folder(args.data_dir, progress)
    sys.stdout.write((report.to_json() if args.format == "json" else report.to_text()) + "\n")
    return 1 if report.has_errors else 0


def _generate(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from kamdash.tools.generate import generate_export

    with Progress(
        TextColumn("generating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} lines"),
        TimeRemainingColumn(),
        transient=True,
        console=_stderr_console(),
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("lines", total=args.lines or 1)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            summary = generate_export(
                args.out,
                accounts=args.accounts,
                lines=args.lines,
                start=args.start,
                end=args.end,
                seed=args.seed,
                progress=report,
                house_share=args.house_share,
            )
        except ValueError as exc:  # an impossible argument, said as such
            raise KamdashError(f"generate: {exc}") from None
    counts = ", ".join(f"{table} {rows:,}" for table, rows in summary.rows.items())
    sys.stderr.write(f"wrote {summary.out_dir}: {counts}\n")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from kamdash.tools.bench import bench_data, render_table, run_bench

    def log(message: str) -> None:
        sys.stderr.write(message + "\n")

    data = bench_data(args.lines, args.data, accounts=args.accounts)
    result = run_bench(
        data,
        repeats=args.repeats,
        soak=args.soak,
        warmup=args.warmup,
        pandas=not (args.no_baselines or args.no_pandas),
        floor=not args.no_baselines,
        cli=not args.no_cli,
        log=log,
    )
    sys.stdout.write(render_table(result) + "\n")
    if args.out:
        args.out.write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return 0


def _import(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn

    from kamdash.data.importing import TEMPLATE, import_export, missing_arguments

    if args.print_template:
        sys.stdout.write(TEMPLATE)
        return 0
    missing_arguments(args.source_dir, args.mapping, args.out)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        transient=True,
        console=_stderr_console(),
        disable=not sys.stderr.isatty(),
    ) as progress:
        tasks: dict[str, Any] = {}

        def report(label: str, fraction: float) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=1.0)
            progress.update(tasks[label], completed=fraction)

        result = import_export(
            args.source_dir, args.mapping, args.out, max_rejected=args.max_rejected, progress=report
        )
    sys.stdout.write(result.to_text() + "\n")
    return 0 if result.published else 1


def _qbr(args: argparse.Namespace) -> int:
    from kamdash.report.exports.qbr_file import build_file, check_target

    suffix = check_target(args.out)  # before the data folder is opened: a typo fails at once
    store = _open(args.data, args.no_cache)
    content = build_file(
        store, args.account_id, args.start, args.end, args.as_of, args.lang, suffix
    )
    args.out.write_bytes(content)
    sys.stderr.write(f"wrote {args.out} ({len(content):,} bytes)\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "metrics":
            return _metrics(args)
        if args.command == "bench":
            return _bench(args)
        if args.command == "qbr":
            return _qbr(args)
        if args.command == "import":
            return _import(args)
        return _generate(args)
    except DataValidationError as exc:
        sys.stderr.write(exc.report.to_text() + "\n")
        return 1
    except (KamdashError, NotFoundError) as exc:
        sys.stderr.write(f"kamdash: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: say so briefly, never dump a traceback
        sys.stderr.write(
            f"kamdash: internal error ({type(exc).__name__}: {exc}). "
            "Please report it with the command you ran.\n"
        )
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
