"""Benchmark of `kamdash import` on a large 1C-style CSV: not part of `make test`.

    .venv/bin/python tests/load/bench_import.py [--lines 5000000] [--work /tmp/bench-import]

Writes an invoice_lines report of N lines as 1C saves it (a title block, `;`, decimal commas,
no-break thousands spaces, an «Итого» row) in UTF-8, and the same text in Windows-1251. Then
times, each in a child process (wall time and peak RSS):
- baseline: DuckDB reading the UTF-8 file into Parquet (`COPY (FROM read_csv(...)) TO`);
- import: the cp1251 file through kamdash.data.importing with examples/1c's invoice_lines
  section (detection, transcoding, exact conversion, line numbers, counting, placing), until
  the file's counts are in; the validation of the folder that follows is timed apart.
Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MAPPING = """
[invoice_lines]
files = "Продажи.csv"
[invoice_lines.columns]
invoice_id = "Номер"
product_id = "Артикул"
quantity = "Количество"
net_amount = "Сумма без НДС"
cost_amount = "Себестоимость"
[invoice_lines.derive]
line_no = "order within invoice_id"
"""

BASELINE = """
import duckdb, sys, time
start = time.perf_counter()
con = duckdb.connect()
con.execute("set memory_limit = '1GB'")
con.execute("set enable_progress_bar = false")
con.execute(
    "copy (from read_csv($p, delim = ';', header = true, skip = 3)) to $o (format parquet)",
    {"p": sys.argv[1], "o": sys.argv[2]},
)
import resource
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

IMPORT = """
import json, sys, time
from pathlib import Path
from kamdash.data.importing import import_export
marks = {}
start = time.perf_counter()
def progress(label, fraction):
    if fraction >= 1.0:
        marks["converted"] = time.perf_counter() - start
result = import_export(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), progress=progress)
marks["total"] = time.perf_counter() - start
(item,) = result.record.files
marks["rows_written"] = item.rows_written
marks["rows_rejected"] = item.rows_rejected
marks["money"] = [[m.column, str(m.read), str(m.totals_row)] for m in item.money]
import resource
marks["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(marks))
"""


def write_reports(lines: int, work: Path) -> tuple[Path, Path]:
    import duckdb

    utf8 = work / "utf8" / "Продажи.csv"
    cp1251 = work / "cp1251" / "Продажи.csv"
    for path in (utf8, cp1251):
        path.parent.mkdir(parents=True, exist_ok=True)
    body = work / "body.csv"

    def money(x: str) -> str:  # `1 234,56` with a no-break space, as 1C writes it
        return f"replace(replace(format('{{:,.2f}}', {x}), ',', chr(160)), '.', ',')"

    con = duckdb.connect()
    con.execute(
        f"""copy (
            select 'РТУ-' || lpad((i // 3)::varchar, 9, '0') as "Номер",
                   'P-' || lpad((i % 500)::varchar, 4, '0') as "Артикул",
                   'Товар номер ' || (i % 500) as "Номенклатура",
                   (1 + i % 40)::varchar as "Количество",
                   {money("(i % 977) * 131.17 + 0.01")} as "Сумма без НДС",
                   {money("(i % 977) * 97.03")} as "Себестоимость"
            from range({lines}) t(i)
        ) to '{body}' (header, delimiter ';', quote '')"""
    )
    totals = con.sql(
        f"select sum((i % 977) * 131.17 + 0.01)::decimal(18,2), "
        f"sum((i % 977) * 97.03)::decimal(18,2) from range({lines}) t(i)"
    ).fetchall()[0]
    con.close()
    title = "Валовая прибыль предприятия\nПараметры: Организация = ООО «Торговый дом»\n\n"
    total_line = "Итого;;;;{};{}\n".format(
        *(f"{v:,.2f}".replace(",", "\u00a0").replace(".", ",") for v in totals)
    )
    with utf8.open("wb") as out:
        out.write(title.encode())
        with body.open("rb") as source:
            while chunk := source.read(16 << 20):
                out.write(chunk)
        out.write(total_line.encode())
    body.unlink()
    with utf8.open("rb") as source, cp1251.open("wb") as out:
        subprocess.run(
            ["iconv", "-f", "utf-8", "-t", "cp1251"], stdin=source, stdout=out, check=True
        )
    return utf8, cp1251


def child(code: str, *args: str) -> tuple[float, str]:
    """Wall seconds and stdout of `code` run in a fresh interpreter (which prints its own peak
    RSS: RUSAGE_CHILDREN would give the largest child so far, not this one)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=REPO
    )
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=5_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-import"))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    utf8, cp1251 = write_reports(args.lines, args.work)
    (args.work / "mapping.toml").write_text(MAPPING, encoding="utf-8")
    print(
        f"{args.lines:,} lines: UTF-8 {utf8.stat().st_size / 1e6:.0f} MB, cp1251 "
        f"{cp1251.stat().st_size / 1e6:.0f} MB"
    )
    for _ in range(args.repeats):
        wall, out = child(BASELINE, str(utf8), str(args.work / "baseline.parquet"))
        seconds, rss = float(out.split()[-2]), int(out.split()[-1]) / 1024
        print(
            f"baseline DuckDB read_csv(UTF-8) -> Parquet: {seconds:.1f} s (process {wall:.1f} s), "
            f"peak RSS {rss:.0f} MB"
        )
        wall, out = child(
            IMPORT, str(cp1251.parent), str(args.work / "mapping.toml"), str(args.work / "out")
        )
        marks = json.loads(out.splitlines()[-1])
        rss = marks["rss_kb"] / 1024
        print(
            f"kamdash import (cp1251): file converted and counted in {marks['converted']:.1f} s, "
            f"with the folder's validation {marks['total']:.1f} s (process {wall:.1f} s), "
            f"peak RSS {rss:.0f} MB; {marks['rows_written']:,} rows written, "
            f"{marks['rows_rejected']} rejected; money {marks['money']}"
        )


if __name__ == "__main__":
    main()
