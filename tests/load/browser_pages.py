"""Each page's time in a real browser (system Chromium), against a running kamdash server.

    .venv/bin/python tests/load/browser_pages.py http://localhost:8501 [--rounds 2] [--out F]
        [--query "start=2026-04-01&end=2026-06-15"]   # every page for that period

Times two ways a user reaches a page:
- **by link**: the page's URL typed or opened from a bookmark (a whole page load: the
  frontend's scripts, the session, the app frame and the page's run);
- **in the app**: a click on the page's link in the sidebar after another page (the session
  and frontend stay; the server runs the page and the browser draws it).

A page is timed from the action until the browser has seen the script run start and end, no
running indicator is left and every chart holds its drawing. Nothing waits a fixed time, so
the figures are what a user waits, not the probe's sleeps. Each page is also checked for an
exception box or a trace on screen; the exit code is 1 if any page shows one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from kamdash.ui.context import PAGES as APP_PAGES

CHROMIUM = "/usr/bin/chromium"
# each page's path in the URL (portfolio is the app's root), in the sidebar's order
PAGES = [url_path for _, url_path in APP_PAGES.values()]
STATE = (
    "() => [document.querySelector('[data-testid=\"stApp\"]')?.getAttribute("
    "'data-test-script-state') ?? 'none', !!document.querySelector("
    "'[data-testid=\"stStatusWidget\"]'), Array.from(document.querySelectorAll("
    "'[data-testid=\"stVegaLiteChart\"]')).every(c => c.querySelector('canvas, svg'))]"
)
# every change of the app's script state, logged in the page as it happens: a page whose run
# starts and ends between two polls (a fast in-app page) would otherwise never be seen running,
# and the probe would wait for a run that has already been
WATCH = (
    "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
    " window.__runStates = window.__runStates || [];"
    " if (app && !app.__probeWatched) { app.__probeWatched = true;"
    " new MutationObserver(() => window.__runStates.push("
    "app.getAttribute('data-test-script-state'))).observe("
    "app, {attributes: true, attributeFilter: ['data-test-script-state']}); }"
    " return window.__runStates.length; }"
)
RAN_SINCE = (
    "(mark) => (window.__runStates || []).slice(mark)"
    ".some(s => s === 'running' || s === 'rerunRequested')"
)
POLL_S = 0.02
BAD_SIGNS = ("Traceback", "StreamlitAPIException", "Exception:")


def wait_for_run(
    tab: Page, started: float, mark: int | None = None, timeout_s: float = 600.0
) -> float:
    """Seconds from `started` until a script run has started and ended and the page is drawn
    (`mark`: the length of the page's state log when the action began, for an in-app page)."""
    seen_running = False
    while time.monotonic() - started < timeout_s:
        state, indicator, charts_drawn = tab.evaluate(STATE)
        if state in ("running", "rerunRequested") or indicator:
            seen_running = True
        elif mark is not None and not seen_running:
            seen_running = tab.evaluate(RAN_SINCE, mark)
        elif seen_running and state == "notRunning" and charts_drawn:
            return time.monotonic() - started
        time.sleep(POLL_S)
    raise TimeoutError(f"the page did not finish within {timeout_s:.0f} s")


def problems(tab: Page) -> list[str]:
    found = (
        [f"{count} exception box(es)"]
        if (count := tab.locator('[data-testid="stException"]').count())
        else []
    )
    body = tab.locator("body").inner_text()
    return found + [sign for sign in BAD_SIGNS if sign in body]


def by_link(tab: Page, url: str, path: str, query: str = "") -> float:
    started = time.monotonic()
    tab.goto(f"{url}/{path}" + (f"?{query}" if query else ""))
    return wait_for_run(tab, started)


def in_app(tab: Page, path: str) -> float:
    # by position: the default page's link carries the current page's address as its href
    link = tab.locator('[data-testid="stSidebar"] a').nth(PAGES.index(path))
    mark = tab.evaluate(WATCH)
    started = time.monotonic()
    link.click()
    return wait_for_run(tab, started, mark)


def _round(seconds: float) -> float:
    return round(seconds, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--query", default="", help="URL parameters of every page opened")
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")
    times: dict[str, dict[str, list[float]]] = {
        way: {path or "portfolio": [] for path in PAGES} for way in ("by_link", "in_app")
    }
    seen_problems: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        tab = browser.new_page(viewport={"width": 1440, "height": 1000})
        first = by_link(tab, url, "", args.query)
        print(f"first page after the server started: {first:.2f} s", flush=True)
        for round_number in range(args.rounds):
            for path in PAGES:
                name = path or "portfolio"
                elapsed = by_link(tab, url, path, args.query)
                times["by_link"][name].append(elapsed)
                if found := problems(tab):
                    seen_problems[f"/{path}"] = found
                print(f"round {round_number + 1} by link  /{path}: {elapsed:.2f} s", flush=True)
            for path in [*PAGES[1:], PAGES[0]]:
                name = path or "portfolio"
                elapsed = in_app(tab, path)
                times["in_app"][name].append(elapsed)
                if found := problems(tab):
                    seen_problems[f"/{path} (in the app)"] = found
                print(f"round {round_number + 1} in app   /{path}: {elapsed:.2f} s", flush=True)
        browser.close()
    summary: dict[str, Any] = {
        "first_page_s": round(first, 2),
        "pages": {
            way: {
                name: {
                    "median_s": round(statistics.median(values), 2),
                    "max_s": round(max(values), 2),
                }
                for name, values in pages.items()
            }
            for way, pages in times.items()
        },
        "problems": seen_problems,
    }
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if seen_problems else 0


if __name__ == "__main__":
    sys.exit(main())
