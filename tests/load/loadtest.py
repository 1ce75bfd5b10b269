"""`make loadtest`: many browser sessions on one kamdash server, changing filters and pages.

Starts `streamlit run app.py` on loopback, opens N Playwright contexts in the system Chromium
and, for the given minutes, has each session open a random page by deep link with a random
period, KAM and language, wait until the script is idle, and check that no exception element
is shown. Meanwhile the server's resident memory is sampled. Prints and writes (markdown and
JSON) the page-time percentiles, the error count and the memory over time. Not part of
`make test`: it takes minutes and measures, it does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
PAGES = ("", "account", "receivables", "team", "data")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if entry.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


def _start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAMDASH_DATA_DIR": str(data_dir),
        # a given cache lets a big export be built once before the run, not inside it
        "KAMDASH_CACHE_DIR": os.environ.get("KAMDASH_CACHE_DIR")
        or tempfile.mkdtemp(prefix="kamdash-load-cache-"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit(f"streamlit did not start; see {log}")


def _random_url(base: str, rng: random.Random, kams: list[str], accounts: list[str]) -> str:
    page = rng.choice(PAGES)
    year = rng.choice([2024, 2025, 2026])
    quarter = rng.randint(0, 1 if year == 2026 else 3)
    start = dt.date(year, quarter * 3 + 1, 1)
    end = (dt.date(year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)) - dt.timedelta(days=1)
    params = [f"start={start}", f"end={end}", f"lang={rng.choice(['en', 'ru'])}"]
    if rng.random() < 0.4:
        params.append(f"kam={rng.choice(kams)}")
    if page == "account":
        params.append(f"account={rng.choice(accounts)}")
    return f"{base}/{page}?{'&'.join(params)}"


async def _session(
    browser: Browser,
    base: str,
    seed: int,
    stop_at: float,
    kams: list[str],
    accounts: list[str],
    results: list[dict[str, Any]],
) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    while time.monotonic() < stop_at:
        url = _random_url(base, rng, kams, accounts)
        started = time.perf_counter()
        error = None
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=60_000)
            await page.wait_for_selector("[data-testid='stMain']", timeout=60_000)
            await page.wait_for_timeout(300)  # let the script start before waiting for idle
            await page.wait_for_function(IDLE, timeout=60_000)
            if await page.locator("[data-testid='stException']").count():
                error = "exception element on page"
        except Exception as exc:  # a timeout or a crash is what a load test counts
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
        results.append({"url": url, "seconds": time.perf_counter() - started, "error": error})
    await context.close()


async def run(sessions: int, minutes: float, data_dir: Path) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from kamdash import open_store

    store = open_store(data_dir)
    kams = store.managers()["kam_id"].to_list()
    accounts = store.account_list()["account_id"].to_list()
    store.close()
    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="kamdash-load-")) / "server.log"
    server = _start_server(data_dir, port, log)
    base = f"http://127.0.0.1:{port}"
    results: list[dict[str, Any]] = []
    memory: list[tuple[float, float]] = []
    started = time.monotonic()
    stop_at = started + minutes * 60

    async def sample_memory() -> None:
        while time.monotonic() < stop_at:
            memory.append((time.monotonic() - started, _rss_mb(server.pid)))
            await asyncio.sleep(10)

    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            await asyncio.gather(
                sample_memory(),
                *(
                    _session(browser, base, seed, stop_at, kams, accounts, results)
                    for seed in range(sessions)
                ),
            )
            await browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    times = sorted(r["seconds"] for r in results)
    errors = [r for r in results if r["error"]]
    return {
        "sessions": sessions,
        "minutes": minutes,
        "data_dir": str(data_dir),
        "page_loads": len(results),
        "errors": len(errors),
        "error_examples": errors[:5],
        "p50_s": statistics.median(times) if times else None,
        "p95_s": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))] if times else None,
        "memory_mb": memory,
        "server_log": str(log),
    }


def render(result: dict[str, Any]) -> str:
    memory = result["memory_mb"]
    lines = [
        f"# Load test: {result['sessions']} browser sessions for {result['minutes']} min",
        "",
        f"Data: `{result['data_dir']}`. Measured {dt.date.today()} on this machine "
        f"({os.cpu_count()} cores), server and browser on the same machine (loopback).",
        "",
        "| page loads | errors | p50 page time | p95 page time |",
        "|---|---|---|---|",
        f"| {result['page_loads']} | {result['errors']} | {result['p50_s']:.2f} s | "
        f"{result['p95_s']:.2f} s |",
        "",
        "Server resident memory (streamlit process and children), sampled every 10 s:",
        "",
        "| minute | RSS MB |",
        "|---|---|",
    ]
    step = max(1, len(memory) // 20)
    lines += [f"| {t / 60:.1f} | {mb:.0f} |" for t, mb in memory[::step]]
    if result["error_examples"]:
        lines += ["", "Errors seen:", ""]
        lines += [f"- {e['url']}: {e['error']}" for e in result["error_examples"]]
    lines += [
        "",
        "Reproduce: `make loadtest` "
        "(or `python tests/load/loadtest.py --sessions 20 --minutes 10`).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--data", type=Path, default=ROOT / "sample_data")
    parser.add_argument("--out", type=Path, help="write the markdown report here")
    args = parser.parse_args()
    result = asyncio.run(run(args.sessions, args.minutes, args.data))
    report = render(result)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
