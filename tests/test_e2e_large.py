"""End to end in a real browser on a whole customer base: `streamlit run app.py` on the
22,000-account export of tests/test_app_large.py, driven by Playwright and system Chromium.

The portfolio and receivables open with no exception and state their tables' totals; the
account picker finds an account with a Cyrillic name typed in Latin letters; choosing another
sort column puts that column in the URL and another account in the first row (clicking the
row opens the account the API puts first in that order). The server, browser and screenshot
helpers are tests/test_e2e.py's; without Chromium these tests skip with its instruction.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import polars as pl
import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "system Chromium not installed at /usr/bin/chromium: apt-get install chromium",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api")

import test_app_large as app_large  # noqa: E402
import test_e2e as e2e  # noqa: E402
from test_app_large import ACCOUNTS, PAGE_SIZE, TODAY, count_text, sorted_ids  # noqa: E402
from test_e2e import IDLE, check, steady_box  # noqa: E402

from kamdash import open_store  # noqa: E402
from kamdash.engine.measures import measure  # noqa: E402
from kamdash.report.formatting import transliterate  # noqa: E402
from kamdash.ui import filters as flt  # noqa: E402
from kamdash.ui.i18n import t  # noqa: E402

pytestmark = pytest.mark.e2e

# fixtures shared with the other modules: a fixture is found under its name in this module
large_export = app_large.large_export  # one export per session, on disk
server, browser, page = e2e.server, e2e.browser, e2e.page

# the first page builds the app's figures for 22,000 accounts on a machine shared with others
FIRST_PAGE_MS = 300_000
PAGE_MS = 120_000


@pytest.fixture(scope="module")
def expected(large_export: Path) -> dict[str, Any]:
    """What the pages must show, from the API (opening it also builds the cached store the
    server then opens)."""
    store = open_store(large_export)
    try:
        _, last = store.data_range()
        view, _ = flt.parse({}, flt.Options(), flt.anchor_date(last, TODAY))
        accounts = store.accounts(view.start, view.end, view.as_of)
        far = accounts.sort(["account_name", "account_id"]).row(-1, named=True)
        return {
            "top_by_revenue": sorted_ids(accounts, "revenue", True)[0],
            # the first of these columns whose largest account is not the largest by revenue
            "sort": next(
                (column, sorted_ids(accounts, column, True)[0])
                for column in ("open_ar", "overdue_pct", "dso", "growth_yoy", "gross_margin_pct")
                if sorted_ids(accounts, column, True)[0] != sorted_ids(accounts, "revenue", True)[0]
            ),
            "exposed": accounts.filter(pl.col("open_ar") != 0).height,
            "far_id": far["account_id"],
            "far_name": far["account_name"],
        }
    finally:
        store.close()


@pytest.fixture(scope="module")
def data_dir(large_export: Path, expected: dict[str, Any]) -> Path:
    """Overrides conftest's sample export: the server reads the large export."""
    return large_export


def settle(tab: Any, text: str, timeout: int = PAGE_MS) -> None:
    """Wait for `text` to be drawn and for the script run to finish."""
    tab.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
    tab.wait_for_function(IDLE, timeout=timeout)


def no_trace(tab: Any) -> None:
    body = tab.locator("body").inner_text()
    for sign in ("Traceback", "StreamlitAPIException", "Exception:"):
        assert sign not in body


def test_portfolio_opens_with_a_page_of_the_whole_base(server: str, page: Any) -> None:
    page.goto(server)
    settle(page, count_text(1, PAGE_SIZE, ACCOUNTS), FIRST_PAGE_MS)
    settle(page, t("portfolio.at_risk", "en"))
    no_trace(page)
    check(
        page,
        "large-portfolio",
        f"of {ACCOUNTS:,}",
        t("portfolio.accounts", "en"),
        t("portfolio.at_risk", "en"),
    )


def test_receivables_opens(server: str, page: Any, expected: dict[str, Any]) -> None:
    page.goto(f"{server}/receivables")
    settle(page, count_text(1, PAGE_SIZE, expected["exposed"]), FIRST_PAGE_MS)
    settle(page, t("receivables.worklist", "en"))
    no_trace(page)
    check(page, "large-receivables", t("receivables.title", "en"), t("receivables.worklist", "en"))


def test_account_picker_finds_a_cyrillic_name_typed_in_latin(
    server: str,
    page: Any,
    expected: dict[str, Any],
) -> None:
    name, account_id = expected["far_name"], expected["far_id"]
    assert transliterate(name) != name  # the name is Cyrillic
    # the account page opens on the largest account; the picker's first 50 are the first by
    # name: only the search can offer the last account by name
    assert account_id != expected["top_by_revenue"]
    page.goto(f"{server}/account")
    search = page.locator(f'input[aria-label="{t("account.search", "en")}"]')
    search.wait_for(timeout=FIRST_PAGE_MS)
    settle(page, t("account.payment", "en"), FIRST_PAGE_MS)
    # the part of the name in «», with its number, in Latin letters: «Урал-Металл 5» → ural-metall 5
    latin = transliterate(name.split("«", 1)[1].rstrip("»")).lower()
    search.fill(latin)
    search.press("Enter")
    picker = page.get_by_role("combobox", name=t("account.pick", "en"), exact=True)
    option = page.get_by_role("option").filter(has_text=name)
    # the picker's options are the Store's matches once the run after Enter is drawn
    for _ in range(30):
        page.wait_for_function(IDLE, timeout=PAGE_MS)
        picker.click()
        try:
            option.first.wait_for(timeout=3_000)
            break
        except sync_api.TimeoutError:
            page.keyboard.press("Escape")
    else:
        pytest.fail(f"the picker never offered {name!r} after typing {latin!r}")
    assert page.get_by_role("option").count() <= 51
    option.first.click()
    page.wait_for_url(f"**account={account_id}**", timeout=PAGE_MS)
    settle(page, t("account.payment", "en"))
    sync_api.expect(page.locator("h1").first).to_have_text(name, timeout=PAGE_MS)
    no_trace(page)
    check(page, "large-account-picker", name)


def test_another_sort_column_reorders_the_whole_table(
    server: str,
    page: Any,
    expected: dict[str, Any],
) -> None:
    column, top = expected["sort"]
    assert top != expected["top_by_revenue"]  # the new order has another first row
    page.goto(server)
    settle(page, count_text(1, PAGE_SIZE, ACCOUNTS), FIRST_PAGE_MS)
    sort = page.get_by_role("combobox", name=t("table.sort", "en")).first
    sort.wait_for(timeout=PAGE_MS)
    sync_api.expect(sort).to_have_value(measure("revenue").label("en"), timeout=PAGE_MS)
    sort.click()
    # typed, as a user would in a long list: the open list draws only the options in view
    page.keyboard.type(measure(column).label("en"))
    page.get_by_role("option", name=measure(column).label("en"), exact=True).click()
    # the direction control keeps "descending"
    page.wait_for_url(f"**accounts_sort=-{column}**", timeout=PAGE_MS)
    settle(page, count_text(1, PAGE_SIZE, ACCOUNTS))
    settle(page, t("portfolio.at_risk", "en"))
    no_trace(page)
    # the grid draws on a canvas: its first row is read by clicking it, which opens the account
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.locator("canvas").first.wait_for(timeout=PAGE_MS)
    for _ in range(3):
        grid.scroll_into_view_if_needed()
        box = steady_box(page, grid)
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        try:
            page.wait_for_url("**/account?**", timeout=30_000)
            break
        except sync_api.TimeoutError:
            continue
    else:
        pytest.fail("three clicks on the first row opened no account")
    assert f"account={top}" in page.url, f"the first row opened {page.url}, not {top}"


def test_a_new_export_shows_its_preparation_then_the_portfolio(
    large_export: Path, page: Any, tmp_path: Path
) -> None:
    """A server with an empty cache: the first visitor watches the validation and build go
    step by step, and the portfolio replaces it when the store is ready."""
    preparing = t("preparing.title", "en", step=1, total=2).split(":")[0]  # "Preparing … time"
    cache = tmp_path / "cache"
    with e2e.streamlit_server(
        e2e.free_port(), large_export, tmp_path, env={"KAMDASH_CACHE_DIR": str(cache)}
    ) as url:
        page.goto(url)
        page.get_by_text(preparing, exact=False).first.wait_for(timeout=FIRST_PAGE_MS)
        bar = page.locator('[data-testid="stProgress"]').first
        steps = set()
        # the caption names the step under way, redrawn as the build goes on
        while page.get_by_text(preparing, exact=False).count():
            with contextlib.suppress(sync_api.Error):
                caption = page.get_by_text(" s so far", exact=False).first.inner_text(timeout=500)
                steps.add(caption.split(" · ")[0])
            page.wait_for_timeout(200)
        assert bar.count() == 0
        assert len(steps) >= 2, steps  # more than one step was seen under way
        assert any(step.startswith("building the stored table int_") for step in steps), steps
        settle(page, count_text(1, PAGE_SIZE, ACCOUNTS), FIRST_PAGE_MS)
        no_trace(page)
        assert page.get_by_text(preparing, exact=False).count() == 0
    assert list((cache / "stores").glob("*.duckdb"))  # kept: the next server opens it at once
