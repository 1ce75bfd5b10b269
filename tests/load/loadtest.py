"""`make loadtest`: many user sessions on one kamdash server, changing filters and pages.

Starts `streamlit run app.py` on loopback and, for the given minutes, lets N simulated users
work with it while the server's resident memory and CPU time are sampled. Prints and writes
(markdown and JSON) the page-time percentiles, the errors seen and the memory over time. Not
part of `make test`: it takes minutes and measures, it does not assert.

Two kinds of client:

- `--client websocket` (default): each user is a light Streamlit protocol client, what the
  browser's JavaScript does minus the drawing. It opens a websocket to `/_stcore/stream`, asks
  for a run of a page (`BackMsg.rerun_script` with the page and the URL's query string) and
  reads the `ForwardMsg`s until `script_finished`. A page counts as loaded only when the run
  finished successfully, `st.navigation` resolved the page that was asked for, the page's
  title (an `h1` in the main area) is the expected one in the asked language, and no
  exception element, error alert or page-not-found message arrived. Like the browser, it keeps
  the large cacheable messages it received, tells the server their hashes on each rerun and
  resolves the `ref_hash` messages the server then sends instead. A user opens a random page
  by deep link, thinks 1-3 s, then changes a filter (a rerun of the same page with a new query
  string on the same connection) or follows a page link (a rerun with another page's hash,
  filters carried along), and now and then closes the tab and starts a fresh session.
- `--client browser`: each user is a Playwright context in the system Chromium opening random
  deep links and waiting until the page is idle. Realistic, but twenty renderers on the same
  two cores starve the server, so this is for one or a few sessions (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kamdash.engine.measures import Language  # noqa: E402
from kamdash.ui.i18n import t  # noqa: E402 - the app's own page titles, to check them

CHROMIUM = "/usr/bin/chromium"
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
PAGES = ("", "account", "receivables", "team", "data")  # URL paths, "" is the portfolio
TITLE_KEYS = {
    "": "portfolio.title",
    "receivables": "receivables.title",
    "team": "team.title",
    "data": "data.title",
}
DEFAULT_LANGUAGE = "en"
PAGE_TIMEOUT = 60.0  # seconds from asking for a page to its end, in both clients
THINK = (1.0, 3.0)  # seconds a user looks at a page before the next action
NEW_SESSION = 0.1  # chance that the next action is a fresh tab (new connection and session)
FILTER_CHANGE = 0.45  # chance that it is a filter change on the same page; else a page link
SAMPLE_EVERY = 10.0  # seconds between memory samples
MAIN, SIDEBAR = 0, 1  # the first element of a delta path: which root container


@dataclass(frozen=True)
class World:
    """What the random users can ask for: the data's KAMs and accounts."""

    kams: list[str]
    accounts: dict[str, str]  # id → name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree(pid: int) -> list[Path]:
    """/proc entries of a process and its direct children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if entry.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            found.append(entry)
    return found


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    for entry in _tree(pid):
        with contextlib.suppress(OSError):
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its children so far, from /proc."""
    ticks = 0
    for entry in _tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # the fields after the command name, which is in parentheses and may hold spaces
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(stat[11]) + int(stat[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAMDASH_DATA_DIR": str(data_dir),
        # a given cache lets a big export be built once before the run, not inside it
        "KAMDASH_CACHE_DIR": os.environ.get("KAMDASH_CACHE_DIR")
        or tempfile.mkdtemp(prefix="kamdash-load-cache-"),
    }
    # the allocator `make run` preloads (jemalloc), for the server only: not for Chromium
    preload = os.environ.get("KAMDASH_SERVER_PRELOAD")
    if preload:
        env["LD_PRELOAD"] = preload
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


def _random_period(rng: random.Random) -> dict[str, str]:
    year = rng.choice([2024, 2025, 2026])
    quarter = rng.randint(0, 1 if year == 2026 else 3)
    start = dt.date(year, quarter * 3 + 1, 1)
    end = (dt.date(year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1)) - dt.timedelta(days=1)
    return {"start": start.isoformat(), "end": end.isoformat()}


def _random_params(rng: random.Random, page: str, world: World) -> dict[str, str]:
    """A deep link's query: a quarter, a language, sometimes a KAM, an account on its page."""
    params = {**_random_period(rng), "lang": rng.choice(["en", "ru"])}
    if rng.random() < 0.4:
        params["kam"] = rng.choice(world.kams)
    if page == "account":
        params["account"] = rng.choice(list(world.accounts))
    return params


def _change_filter(
    rng: random.Random, page: str, params: dict[str, str], world: World
) -> dict[str, str]:
    """One sidebar edit: another quarter, the other language, a KAM picked or cleared, or
    (on the account page) another account."""
    changed = dict(params)
    choices = ["period", "lang", "kam"] + (["account"] if page == "account" else [])
    choice = rng.choice(choices)
    if choice == "period":
        changed.update(_random_period(rng))
    elif choice == "lang":
        changed["lang"] = "ru" if params.get("lang", DEFAULT_LANGUAGE) == "en" else "en"
    elif choice == "kam":
        if "kam" in params and rng.random() < 0.5:
            del changed["kam"]
        else:
            changed["kam"] = rng.choice(world.kams)
    else:
        changed["account"] = rng.choice(list(world.accounts))
    return changed


def _follow_link(
    rng: random.Random, page: str, params: dict[str, str], world: World
) -> tuple[str, dict[str, str]]:
    """A page link: the sidebar's carry the filters; an account link may name another one."""
    target = rng.choice([p for p in PAGES if p != page])
    carried = dict(params)
    if target == "account" and ("account" not in carried or rng.random() < 0.5):
        carried["account"] = rng.choice(list(world.accounts))
    return target, carried


def _path(page: str, params: dict[str, str]) -> str:
    return f"/{page}?{urlencode(params)}"


# -- the websocket client ---------------------------------------------------------------------


def _unescape(markdown: str) -> str:
    """A title as the user reads it: the app escapes Markdown characters in data text."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _expected_titles(page: str, params: dict[str, str], world: World) -> set[str]:
    lang: Language = "ru" if params.get("lang") == "ru" else "en"
    if page != "account":
        return {t(TITLE_KEYS[page], lang)}
    if "account" in params:
        return {world.accounts[params["account"]]}
    # no account in the link: the largest of the filtered portfolio, or "no accounts"
    return {*world.accounts.values(), t("page.account", lang)}


@dataclass
class _Run:
    """What arrived during one script run."""

    started: bool = False
    navigation: dict[str, str] = field(default_factory=dict)  # page hash → URL path
    page_hash: str | None = None
    titles: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    elements: int = 0
    app_reruns: int = 0
    refs: int = 0  # messages the server sent as a reference to this client's cache


class StreamlitClient:
    """One browser tab's conversation with the server, without the drawing."""

    def __init__(self, ws_url: str, http_url: str) -> None:
        self.ws_url = ws_url
        self.http_url = http_url
        self.ws: Any = None
        self.page_hashes: dict[str, str] = {}  # URL path → page hash, from `navigation`
        self.cache: dict[str, tuple[Any, int]] = {}  # hash → (ForwardMsg, run it was last used)
        self.max_cache_age = 2  # runs; the server says its value in `new_session.config`
        self.runs = 0

    async def connect(self) -> float:
        from websockets.asyncio.client import connect
        from websockets.typing import Subprotocol

        started = time.perf_counter()
        # the browser's handshake: subprotocol, then an XSRF token slot (a placeholder when
        # there is no auth cookie); no Origin header, so no XSRF check applies
        self.ws = await connect(
            self.ws_url,
            subprotocols=[Subprotocol("streamlit"), Subprotocol("PLACEHOLDER_AUTH_TOKEN")],
            max_size=None,  # a dataframe delta can be megabytes
            open_timeout=PAGE_TIMEOUT,
            ping_interval=None,  # browsers do not ping; the server's pings are answered
        )
        return time.perf_counter() - started

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None

    async def load(
        self, page: str, params: dict[str, str], world: World, *, deep_link: bool
    ) -> tuple[float, _Run]:
        """Ask for a run of `page` and read until it ends; returns seconds and what came."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ClientState_pb2 import ClientState

        state = ClientState(query_string=urlencode(params))
        if deep_link or page not in self.page_hashes:
            state.page_name = page  # a typed or bookmarked URL: the server resolves the path
        else:
            state.page_script_hash = self.page_hashes[page]  # a click on a page link
        state.cached_message_hashes.extend(self.cache)
        lang = params.get("lang", DEFAULT_LANGUAGE)
        state.context_info.timezone = "Europe/Moscow"
        state.context_info.timezone_offset = -180
        state.context_info.locale = "ru-RU" if lang == "ru" else "en-US"
        state.context_info.url = self.http_url + _path(page, params)
        message = BackMsg()
        message.rerun_script.CopyFrom(state)
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        async with asyncio.timeout(PAGE_TIMEOUT):
            run = await self._read_run()
        seconds = time.perf_counter() - started
        self._check(run, page, params, world)
        return seconds, run

    async def _read_run(self) -> _Run:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        run = _Run()
        while True:
            data = await self.ws.recv()
            message = ForwardMsg()
            message.ParseFromString(data)
            if message.metadata.cacheable and message.hash:
                self.cache[message.hash] = (message, self.runs)
            kind = message.WhichOneof("type")
            if kind == "ref_hash":
                cached = self.cache.get(message.ref_hash)
                if cached is None:
                    run.problems.append(f"reference to a message not cached: {message.ref_hash}")
                    continue
                self.cache[message.ref_hash] = (cached[0], self.runs)
                run.refs += 1
                resolved = ForwardMsg()
                resolved.CopyFrom(cached[0])
                resolved.metadata.CopyFrom(message.metadata)
                message, kind = resolved, resolved.WhichOneof("type")
            if kind == "new_session":
                # a run starts; after an app-side rerun (st.rerun, st.switch_page) a new one
                run = _Run(started=True, app_reruns=run.app_reruns, refs=run.refs)
                age = message.new_session.config.max_cached_message_age
                self.max_cache_age = age if age > 0 else self.max_cache_age
            elif kind == "navigation":
                run.navigation = {
                    p.page_script_hash: p.url_pathname for p in message.navigation.app_pages
                }
                run.page_hash = message.navigation.page_script_hash
                self.page_hashes = {path: h for h, path in run.navigation.items()}
            elif kind == "page_not_found":
                run.problems.append(f"page not found: {message.page_not_found.page_name!r}")
            elif kind == "session_event":
                event = message.session_event
                if event.WhichOneof("type") == "script_compilation_exception":
                    error = event.script_compilation_exception
                    run.problems.append(f"script error: {error.type}: {error.message[:160]}")
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                run.elements += 1
                which = element.WhichOneof("type")
                path = list(message.metadata.delta_path)
                if which == "exception":
                    error = element.exception
                    label = "warning" if error.is_warning else "exception"
                    run.problems.append(f"{label} element: {error.type}: {error.message[:160]}")
                elif which == "alert" and element.alert.format == Alert.ERROR:
                    run.problems.append(f"error alert: {element.alert.body[:160]}")
                elif which == "heading" and element.heading.tag == "h1" and path[:1] == [MAIN]:
                    run.titles.append(_unescape(element.heading.body))
            elif kind == "script_finished" and run.started:
                status = message.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    run.app_reruns += 1  # the app asked for another run; wait for that one
                    continue
                if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                    continue
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    name = ForwardMsg.ScriptFinishedStatus.Name(status)
                    run.problems.append(f"script finished with {name}")
                self._age_cache()
                return run

    def _age_cache(self) -> None:
        """Forget cached messages not used in the last few runs, as the browser does."""
        self.runs += 1
        for key, (_, used) in list(self.cache.items()):
            if self.runs - used > self.max_cache_age:
                del self.cache[key]

    @staticmethod
    def _check(run: _Run, page: str, params: dict[str, str], world: World) -> None:
        """Is this the page asked for, drawn without an error?"""
        if run.page_hash is None:
            run.problems.append("no navigation message: st.navigation did not run")
        elif run.navigation.get(run.page_hash) != page:
            got = run.navigation.get(run.page_hash, run.page_hash)
            run.problems.append(f"rendered page {got!r} instead of {page!r}")
        expected = _expected_titles(page, params, world)
        if not expected.intersection(run.titles):
            shown = ", ".join(repr(title) for title in run.titles) or "no title"
            wanted = next(iter(expected)) if len(expected) == 1 else "an account name"
            run.problems.append(f"page title {shown}, expected {wanted!r}")


async def _websocket_user(
    index: int,
    port: int,
    world: World,
    stop_at: float,
    results: list[dict[str, Any]],
) -> None:
    """One simulated user: deep link, think, filter or page link, ... and now and then a new
    tab. After a timeout or a dropped connection the user reloads (a new session)."""
    rng = random.Random(index)
    http_url = f"http://127.0.0.1:{port}"
    await asyncio.sleep(rng.uniform(0, THINK[1]))  # users do not all arrive in one instant
    while time.monotonic() < stop_at:
        client = StreamlitClient(f"ws://127.0.0.1:{port}/_stcore/stream", http_url)
        page = rng.choice(PAGES)
        params = _random_params(rng, page, world)
        action = "open"
        try:
            connect_s = await client.connect()
            while True:
                record: dict[str, Any] = {
                    "user": index,
                    "at_s": time.monotonic(),
                    "action": action,
                    "page": page or "portfolio",
                    "url": _path(page, params),
                }
                if action == "open":
                    record["connect_s"] = round(connect_s, 4)
                started = time.perf_counter()
                try:
                    seconds, run = await client.load(
                        page, params, world, deep_link=action == "open"
                    )
                except TimeoutError:
                    record |= {
                        "seconds": time.perf_counter() - started,
                        "error": f"timeout: no script_finished within {PAGE_TIMEOUT:.0f} s",
                    }
                    results.append(record)
                    break
                record |= {
                    "seconds": seconds,
                    "error": "; ".join(run.problems) or None,
                    "elements": run.elements,
                    "refs": run.refs,
                }
                if run.app_reruns:
                    record["app_reruns"] = run.app_reruns
                results.append(record)
                await asyncio.sleep(rng.uniform(*THINK))
                roll = rng.random()
                if time.monotonic() >= stop_at or roll < NEW_SESSION:
                    break
                if roll < NEW_SESSION + FILTER_CHANGE:
                    action = "filter"
                    params = _change_filter(rng, page, params, world)
                else:
                    action = "navigate"
                    page, params = _follow_link(rng, page, params, world)
        except Exception as exc:  # a dropped connection is what a load test counts
            from websockets.exceptions import ConnectionClosed

            if isinstance(exc, ConnectionClosed):
                error = f"disconnected: {exc}"
            else:
                error = f"{type(exc).__name__}: {str(exc)[:160]}"
            results.append(
                {
                    "user": index,
                    "at_s": time.monotonic(),
                    "action": action,
                    "page": page or "portfolio",
                    "url": _path(page, params),
                    "seconds": None,
                    "error": error,
                }
            )
            await asyncio.sleep(rng.uniform(*THINK))
        finally:
            await client.close()


# -- the browser client -----------------------------------------------------------------------


async def _browser_user(
    browser: Any,
    port: int,
    index: int,
    stop_at: float,
    world: World,
    results: list[dict[str, Any]],
) -> None:
    rng = random.Random(index)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    while time.monotonic() < stop_at:
        page = rng.choice(PAGES)
        path = _path(page, _random_params(rng, page, world))
        asked, started = time.monotonic(), time.perf_counter()
        error = None
        try:
            await tab.goto(
                f"http://127.0.0.1:{port}{path}", wait_until="domcontentloaded", timeout=60_000
            )
            await tab.wait_for_selector("[data-testid='stMain']", timeout=60_000)
            await tab.wait_for_timeout(300)  # let the script start before waiting for idle
            await tab.wait_for_function(IDLE, timeout=60_000)
            if await tab.locator("[data-testid='stException']").count():
                error = "exception element on page"
        except Exception as exc:  # a timeout or a crash is what a load test counts
            error = f"{type(exc).__name__}: {str(exc)[:120]}"
        results.append(
            {
                "user": index,
                "at_s": asked,
                "action": "open",
                "page": page or "portfolio",
                "url": path,
                "seconds": time.perf_counter() - started,
                "error": error,
            }
        )
    await context.close()


async def _browser_users(
    sessions: int, port: int, stop_at: float, world: World, results: list[dict[str, Any]]
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        await asyncio.gather(
            *(_browser_user(browser, port, i, stop_at, world, results) for i in range(sessions))
        )
        await browser.close()


# -- the run and its report -------------------------------------------------------------------


def _percentile(sorted_values: list[float], share: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))]


def _summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    # every load with a time, errors included: a timeout counts with its full wait
    times = sorted(r["seconds"] for r in records if r["seconds"] is not None)
    return {
        "page_loads": len(records),
        "errors": sum(1 for r in records if r["error"]),
        "p50_s": statistics.median(times) if times else None,
        "p95_s": _percentile(times, 0.95),
        "max_s": times[-1] if times else None,
    }


def _log_errors(log: Path) -> dict[str, Any]:
    """Tracebacks the server wrote, and their distinct last lines (the error and its text)."""
    try:
        text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(errors="replace"))  # rich's colours
    except OSError:
        return {"tracebacks": 0, "lines": []}
    lines = [
        line.strip()
        for line in text.splitlines()
        if re.match(r"[\w.]*(Error|Exception|Warning)\b.*:|.*\b(ERROR|CRITICAL)\b", line)
    ]
    counts = Counter(re.sub(r"\d+(\.\d+)?", "N", line) for line in lines)
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "lines": [f"{count} × {line}" for line, count in counts.most_common(10)],
    }


async def run(sessions: int, minutes: float, data_dir: Path, client: str) -> dict[str, Any]:
    from kamdash import open_store

    store = open_store(data_dir)
    world = World(
        kams=store.managers()["kam_id"].to_list(),
        accounts=dict(store.account_list().select("account_id", "account_name").iter_rows()),
    )
    store.close()
    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="kamdash-load-")) / "server.log"
    server = _start_server(data_dir, port, log)
    results: list[dict[str, Any]] = []
    memory: list[tuple[float, float]] = []
    cpu: list[tuple[float, float]] = []
    started = time.monotonic()
    stop_at = started + minutes * 60
    driver_cpu = time.process_time()

    async def sample() -> None:
        while time.monotonic() < stop_at:
            elapsed = time.monotonic() - started
            memory.append((elapsed, _rss_mb(server.pid)))
            cpu.append((elapsed, _cpu_seconds(server.pid)))
            await asyncio.sleep(SAMPLE_EVERY)

    try:
        if client == "browser":
            await asyncio.gather(sample(), _browser_users(sessions, port, stop_at, world, results))
        else:
            await asyncio.gather(
                sample(),
                *(_websocket_user(i, port, world, stop_at, results) for i in range(sessions)),
            )
        elapsed = time.monotonic() - started
        memory.append((elapsed, _rss_mb(server.pid)))
        cpu.append((elapsed, _cpu_seconds(server.pid)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    driver_cpu = time.process_time() - driver_cpu
    for record in results:  # when each load was asked for (or failed), seconds from the start
        record["at_s"] = round(record["at_s"] - started, 2)
    errors = [r for r in results if r["error"]]
    kinds = Counter(re.sub(r"\d+(\.\d+)?", "N", r["error"].split(";")[0])[:160] for r in errors)
    by_page = {
        page or "portfolio": _summary([r for r in results if r["page"] == (page or "portfolio")])
        for page in PAGES
    }
    by_action = {
        action: _summary([r for r in results if r["action"] == action])
        for action in ("open", "filter", "navigate")
        if any(r["action"] == action for r in results)
    }
    connects = sorted(r["connect_s"] for r in results if "connect_s" in r)
    wall = cpu[-1][0] - cpu[0][0] if len(cpu) > 1 else 0.0
    return {
        "client": client,
        "sessions": sessions,
        "minutes": minutes,
        "data_dir": str(data_dir),
        "date": dt.date.today().isoformat(),
        "cores": os.cpu_count(),
        **_summary(results),
        "sessions_opened": sum(1 for r in results if r["action"] == "open"),
        "app_reruns": sum(r.get("app_reruns", 0) for r in results),
        "cache_refs": sum(r.get("refs", 0) for r in results),
        "connect_p50_s": statistics.median(connects) if connects else None,
        "by_page": by_page,
        "by_action": by_action,
        "error_kinds": dict(kinds.most_common()),
        "error_examples": errors[:20],
        "server_cpu_share": (cpu[-1][1] - cpu[0][1]) / wall if wall else None,
        "driver_cpu_s": driver_cpu,
        "memory_mb": memory,
        "loads": results,
        "server_log": str(log),
        "server_log_errors": _log_errors(log),
    }


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


CLIENT_TEXT = {
    "websocket": (
        "Client: **Streamlit websocket clients** (`--client websocket`), one per user, all in "
        "one Python process: each speaks the browser's protocol on `/_stcore/stream` but draws "
        "nothing. Page time is from sending the rerun request to the run's `script_finished` "
        "(server work and transfer; no browser rendering). A page counts as loaded only if "
        "the run finished successfully, `st.navigation` resolved the asked page, the page's "
        "title is the expected one in the asked language, and no exception element, error "
        "alert or page-not-found message arrived. Each user opens a random page by deep link "
        f"(random quarter, language, sometimes a KAM), thinks {THINK[0]:.0f}–{THINK[1]:.0f} s, "
        f"then changes a filter ({FILTER_CHANGE:.0%}: same page, same connection, new query "
        f"string), follows a page link ({1 - FILTER_CHANGE - NEW_SESSION:.0%}) or opens a "
        f"fresh tab ({NEW_SESSION:.0%}: new connection and session)."
    ),
    "browser": (
        "Client: **Chromium** (`--client browser`), one Playwright context per user, server "
        "and browsers on the same machine. Page time is from navigation to an idle, fully "
        "drawn page; each user opens random deep links back to back."
    ),
}


def render(result: dict[str, Any]) -> str:
    memory = result["memory_mb"]
    cpu_share = result["server_cpu_share"]
    lines = [
        f"# Load test: {result['sessions']} {result['client']} "
        f"session{'s' if result['sessions'] != 1 else ''} for {result['minutes']} min",
        "",
        f"Data: `{result['data_dir']}`. Measured {result['date']} on this machine "
        f"({result['cores']} cores), server and clients on the same machine (loopback).",
        "",
        CLIENT_TEXT[result["client"]],
        "",
        "| page loads | errors | p50 page time | p95 page time | max |",
        "|---|---|---|---|---|",
        f"| {result['page_loads']} | {result['errors']} | {_seconds(result['p50_s'])} | "
        f"{_seconds(result['p95_s'])} | {_seconds(result['max_s'])} |",
        "",
        f"Percentiles include the loads with an error (a timeout counts as its "
        f"{PAGE_TIMEOUT:.0f} s). By page:",
        "",
        "| page | loads | errors | p50 | p95 |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {page} | {s['page_loads']} | {s['errors']} | {_seconds(s['p50_s'])} | "
        f"{_seconds(s['p95_s'])} |"
        for page, s in result["by_page"].items()
    ]
    if result["client"] == "websocket":
        lines += ["", "By user action:", "", "| action | loads | errors | p50 | p95 |"]
        lines += ["|---|---|---|---|---|"]
        lines += [
            f"| {action} | {s['page_loads']} | {s['errors']} | {_seconds(s['p50_s'])} | "
            f"{_seconds(s['p95_s'])} |"
            for action, s in result["by_action"].items()
        ]
        lines += [
            "",
            f"Sessions opened: {result['sessions_opened']} (websocket connect p50 "
            f"{_seconds(result['connect_p50_s'])}); reruns the app asked for itself: "
            f"{result['app_reruns']}; elements the server sent as a reference to the client's "
            f"message cache: {result['cache_refs']}. The load driver used "
            f"{result['driver_cpu_s']:.0f} s of CPU in all.",
        ]
    if cpu_share is not None:
        lines += [
            "",
            f"Server CPU: {cpu_share:.2f} cores on average over the run (of {result['cores']}).",
        ]
    lines += [
        "",
        f"Server resident memory (streamlit process and children), sampled every "
        f"{SAMPLE_EVERY:.0f} s:",
        "",
        "| minute | RSS MB |",
        "|---|---|",
    ]
    step = max(1, len(memory) // 20)
    shown = memory[::step]
    if memory and shown[-1] != memory[-1]:
        shown.append(memory[-1])
    lines += [f"| {t / 60:.1f} | {mb:.0f} |" for t, mb in shown]
    lines += ["", "Errors seen:", ""]
    if result["error_kinds"]:
        lines += [f"- {count} × {kind}" for kind, count in result["error_kinds"].items()]
        lines += ["", "First examples:", ""]
        lines += [
            f"- `{e['url']}` ({e['action']}): {e['error']}" for e in result["error_examples"][:10]
        ]
    else:
        lines += ["- none"]
    log_errors = result["server_log_errors"]
    lines += [
        "",
        f"Server log: {log_errors['tracebacks']} tracebacks"
        + (":" if log_errors["lines"] else "."),
    ]
    if log_errors["lines"]:
        lines += [""] + [f"- `{line[:200]}`" for line in log_errors["lines"]]
    command = (
        f"python tests/load/loadtest.py --client {result['client']} --sessions "
        f"{result['sessions']} --minutes {result['minutes']:g} --data {result['data_dir']}"
    )
    lines += ["", f"Reproduce: `{command}` (`make loadtest`: 20 websocket users, 10 min)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--data", type=Path, default=ROOT / "sample_data")
    parser.add_argument(
        "--client",
        choices=("websocket", "browser"),
        default="websocket",
        help="light Streamlit protocol clients (default) or Chromium contexts",
    )
    parser.add_argument(
        "--out", type=Path, help="write the markdown report here, and the JSON beside it"
    )
    args = parser.parse_args()
    result = asyncio.run(run(args.sessions, args.minutes, args.data.resolve(), args.client))
    report = render(result)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
        args.out.with_suffix(".json").write_text(
            json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
