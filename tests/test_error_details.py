"""Issue 15, finding 5: no traceback reaches a viewer.

An unexpected exception (a bug) shows a short message with a reference; its trace goes to the
server log under that reference. `.streamlit/config.toml` shows no trace by default; `make dev`
(STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full) shows developers the full trace. st.stop, st.rerun
and st.switch_page still work inside the guard. Checked under AppTest and, with Chromium, on a
real `streamlit run` server started the way `make run` and `make dev` start it.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from kamdash.ui.data import Queries
from kamdash.ui.i18n import t

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# what the failure says: a server path no viewer should read
SECRET = "kams failed reading /srv/kamdash/private/ledger.parquet"
REFERENCE = re.compile(r"\b([0-9a-f]{8})\b")


def fail(*args: object, **kwargs: object) -> None:
    raise RuntimeError(SECRET)


@pytest.fixture
def details(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set client.showErrorDetails as a config file or `make dev` would; restored after."""
    option = "client.showErrorDetails"
    before = streamlit_config.get_option(option)
    where = streamlit_config.get_where_defined(option)

    def set_to(value: str) -> None:
        streamlit_config.set_option(option, value, where_defined="test")

    yield set_to
    streamlit_config.set_option(option, before, where_defined=where)


def test_the_committed_config_shows_no_trace_and_make_dev_does() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    run = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True)
    dev = subprocess.run(["make", "-n", "dev"], cwd=ROOT, capture_output=True, text=True)
    assert dev.returncode == 0, dev.stderr
    assert "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full" in dev.stdout
    assert "streamlit run app.py" in dev.stdout
    assert "SHOW_ERROR_DETAILS" not in run.stdout


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_bug_shows_a_reference_and_logs_the_trace_under_it(
    open_app: Any,
    monkeypatch: pytest.MonkeyPatch,
    details: Any,
    caplog: pytest.LogCaptureFixture,
    lang: str,
) -> None:
    details("none")
    monkeypatch.setattr(Queries, "kams", fail)
    with caplog.at_level(logging.ERROR, logger="kamdash"):
        at = open_app("team", lang=lang)  # fails the test if an exception element is drawn
    [message] = [e.value for e in at.error]
    reference = REFERENCE.search(message)
    assert reference is not None
    assert message == t("error.unexpected", lang, reference=reference.group(1))
    shown = "\n".join(str(e.value) for e in [*at.markdown, *at.caption, *at.error])
    assert SECRET not in shown and "Traceback" not in shown and "RuntimeError" not in shown
    # the operator finds the trace in the server log by the reference
    [record] = [r for r in caplog.records if reference.group(1) in r.getMessage()]
    assert record.exc_info is not None and SECRET in str(record.exc_info[1])
    # the frame around the page is still drawn: the sidebar and the banner
    assert at.sidebar.markdown and at.caption


def test_with_full_details_the_developer_sees_the_trace(
    monkeypatch: pytest.MonkeyPatch, details: Any, data_dir: Path
) -> None:
    details("full")
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(data_dir))
    monkeypatch.setattr(Queries, "kams", fail)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("app_pages/team.py")
    at.run()
    [exception] = at.exception
    assert SECRET in exception.message and exception.stack_trace
    assert not at.error


def test_stop_and_rerun_pass_through_the_guard(details: Any) -> None:
    details("none")

    def script() -> None:
        import streamlit as st

        from kamdash.ui import frame

        st.session_state.runs = st.session_state.get("runs", 0) + 1
        with frame.failures_as_messages("en"):
            if st.session_state.runs == 1:
                st.rerun()
            st.markdown(f"run {st.session_state.runs}")
            st.stop()
            st.markdown("after stop")

    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert [m.value for m in at.markdown] == ["run 2"]
    assert not at.error and not at.exception


def test_the_pages_still_switch_inside_the_guard(open_app: Any, details: Any) -> None:
    details("none")
    at = open_app("data")
    at.switch_page("app_pages/account.py").run()
    assert not at.error and not at.exception
    assert at.title[0].value != t("data.title", "en")


# -- a real server, as `make run` and `make dev` start it ---------------------------------------

# the server process itself, with one query broken before Streamlit starts: the app, its
# config file and its pages are the committed ones
LAUNCH = f"""
import sys
from kamdash.ui.data import Queries
def fail(*args, **kwargs):
    raise RuntimeError({SECRET!r})
Queries.kams = fail
from streamlit.web.cli import main
sys.argv = ["streamlit", "run", "app.py", "--server.port", sys.argv[1],
            "--server.headless", "true", "--browser.gatherUsageStats", "false"]
main()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(data_dir: Path, log: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(port)],
        cwd=ROOT,
        env={**os.environ, "KAMDASH_DATA_DIR": str(data_dir), **env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return process, url
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.e2e
@pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed")
def test_a_real_server_shows_viewers_a_reference_and_developers_the_trace(
    data_dir: Path, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            # `make run`: the committed config
            log = tmp_path / "run.log"
            process, url = _serve(data_dir, log)
            try:
                tab = browser.new_page()
                tab.goto(f"{url}/team", timeout=60_000)
                alert = tab.get_by_text(t("error.unexpected", "en", reference="")[:40]).first
                alert.wait_for(timeout=60_000)
                text = alert.inner_text()
                body = tab.locator("body").inner_text()
                assert tab.locator('[data-testid="stException"]').count() == 0
                assert SECRET not in body and "Traceback" not in body and "/srv/" not in body
            finally:
                _stop(process)
            reference = REFERENCE.search(text)
            assert reference is not None, text
            server_log = log.read_text(errors="replace")
            logged = server_log[server_log.index(f"reference {reference.group(1)}") :]
            assert "Traceback" in logged and SECRET in logged

            # `make dev`: the same, with full error details
            process, url = _serve(
                data_dir, tmp_path / "dev.log", STREAMLIT_CLIENT_SHOW_ERROR_DETAILS="full"
            )
            try:
                tab = browser.new_page()
                tab.goto(f"{url}/team", timeout=60_000)
                trace = tab.locator('[data-testid="stException"]').first
                trace.wait_for(timeout=60_000)
                assert SECRET in trace.inner_text() and "RuntimeError" in trace.inner_text()
            finally:
                _stop(process)
        finally:
            browser.close()
