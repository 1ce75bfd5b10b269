"""The dashboard under AppTest on a whole customer base: a generated export of 22,000 accounts.

The portfolio table shows 12 columns, so the unpaged table of this export would hold
22,000 × 12 = 264,000 cells, past the 262,144 cells a pandas Styler may render (issue 13):
every page must open without an exception and every table must show one page of rows with
the table's total ("1–200 of 22,000"). Sorting and searching through the URL or the table's
widgets must select exactly what the API's full result, sorted and filtered in polars, holds
(ties by account id, nulls last); the account picker must offer at most its 50 best matches
beside the current account, found by a fragment of the name in either script; and no chart
may ship more than a few thousand rows to the browser.

The export is generated once per test session (`large_export`, shared on disk with
tests/test_e2e_large.py); the first page run builds the store, which takes a while.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pyarrow as pa
import pytest
from appkit import APP, PAGES
from streamlit.testing.v1 import AppTest

from kamdash import Store, open_store
from kamdash.engine.listings import PAGE_SIZE, SEARCH_LIMIT
from kamdash.report.formatting import NEW_GROWTH, format_value, transliterate
from kamdash.tools.generate import generate_export
from kamdash.ui import filters as flt
from kamdash.ui.i18n import t

ACCOUNTS = 22_000
LINES = 200_000  # ~9 lines per account: enough for every table, quick to generate
STYLER_CELLS = 262_144  # pandas.io.formats.style's default "styler.render.max_elements"
MAX_CHART_ROWS = 3_000  # "never more than a few thousand marks"
RUN_TIMEOUT = 600  # seconds; the first run builds the store on a machine shared with others
TODAY = dt.date.today()
COUNT = re.compile(r"([\d,]+)–([\d,]+) of ([\d,]+)")


# -- the export ------------------------------------------------------------------------------


def make_large_export(factory: pytest.TempPathFactory) -> Path:
    """The 22,000-account export, generated once per session in the session's temp folder
    (so this module and tests/test_e2e_large.py share one copy and one built store)."""
    folder = factory.getbasetemp() / f"export-{ACCOUNTS}-accounts"
    done = folder / ".generated"
    if not done.exists():
        summary = generate_export(folder, accounts=ACCOUNTS, lines=LINES)
        assert summary.accounts == ACCOUNTS
        done.write_text("ok")
    return folder


@pytest.fixture(scope="session")
def large_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_large_export(tmp_path_factory)


@pytest.fixture(scope="module")
def data_dir(large_export: Path) -> Path:
    """Overrides conftest's sample export: this module's app reads the large export."""
    return large_export


@pytest.fixture(scope="module")
def store(data_dir: Path) -> Iterator[Store]:
    opened = open_store(data_dir)  # also builds the cached store the app then opens
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def view(store: Store) -> flt.Filters:
    """The default view: year to date up to the latest document date."""
    _, last = store.data_range()
    filters, notes = flt.parse({}, flt.Options(), flt.anchor_date(last, TODAY))
    assert not notes
    return filters


@pytest.fixture(scope="module")
def accounts(store: Store, view: flt.Filters) -> pl.DataFrame:
    """The API's full accounts result of the default view, with each account's search key
    as the issue defines it: name and id, transliterated, lower case."""
    frame = store.accounts(view.start, view.end, view.as_of)
    assert frame.height == ACCOUNTS
    return frame.with_columns(
        key=pl.concat_str("account_name", pl.lit(" "), "account_id")
        .map_elements(transliterate, return_dtype=pl.String)
        .str.to_lowercase()
    )


@pytest.fixture
def open_app(data_dir: Path, monkeypatch: pytest.MonkeyPatch, store: Store) -> Any:
    """`open_page` on the large export (after `store` has built it once)."""
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(data_dir))
    return open_page


def open_page(page: str = "portfolio", **params: str) -> AppTest:
    """Run `page` from the entry point with these URL parameters; fail if the run raised.
    (appkit.open_page with a timeout for a first run on a loaded machine.)"""
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT)
    at.query_params.update(params)
    if page != "portfolio":
        at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# -- what the page shows ---------------------------------------------------------------------


def count_text(first: int, last: int, total: int) -> str:
    """ "1–200 of 22,000" as the English page writes it."""
    return t(
        "table.count",
        "en",
        first=format_value(first, "count", "en"),
        last=format_value(last, "count", "en"),
        total=format_value(total, "count", "en"),
    )


def captions(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.caption]


def shown_ids(at: AppTest, index: int) -> list[str]:
    """The account ids of the rows of the `index`-th table, from its ↗ links."""
    links = at.dataframe[index].value["link"].tolist()
    return [parse_qs(urlsplit(link).query)["account"][0] for link in links]


def chart_row_counts(at: AppTest) -> dict[str, int]:
    """Each vega-lite chart's title → the rows its datasets and inline data hold together."""
    counts = {}
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        rows = sum(
            pa.ipc.open_stream(d.data.data).read_all().num_rows for d in chart.proto.datasets
        )
        rows += len(spec.get("data", {}).get("values", []))
        title = spec.get("title")
        counts[title["text"] if isinstance(title, dict) else str(title)] = rows
    return counts


def sorted_ids(frame: pl.DataFrame, column: str, descending: bool) -> list[str]:
    """Account ids in the order a page must show them: `column`, nulls last, ties by id."""
    ordered = frame.sort([column, "account_id"], descending=[descending, False], nulls_last=True)
    return ordered["account_id"].to_list()


def matching(frame: pl.DataFrame, text: str) -> pl.DataFrame:
    """The accounts whose search key holds `text` transliterated and lower-cased."""
    return frame.filter(pl.col("key").str.contains(transliterate(text).lower(), literal=True))


# -- every page ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["portfolio", "receivables", "team", "account", "data"])
def test_every_page_opens_with_pages_of_rows_and_small_charts(open_app: Any, page: str) -> None:
    at = open_app(page)
    assert at.dataframe, "every page shows at least one table"
    for table in at.dataframe:
        assert len(table.value) <= PAGE_SIZE
    # each "first–last of total" caption counts at most a page of rows
    for caption in captions(at):
        if counted := COUNT.fullmatch(caption):
            first, last = (int(part.replace(",", "")) for part in counted.groups()[:2])
            assert last - first + 1 <= PAGE_SIZE
    charts = chart_row_counts(at)
    assert charts or page == "data"
    for title, rows in charts.items():
        assert rows <= MAX_CHART_ROWS, f"{title!r} ships {rows} rows"


def test_portfolio_shows_the_first_page_of_the_whole_base(
    open_app: Any, store: Store, view: flt.Filters, accounts: pl.DataFrame
) -> None:
    at = open_app()
    table = at.dataframe[0].value
    # unpaged, this table would be more than a pandas Styler may render
    assert ACCOUNTS * table.shape[1] > STYLER_CELLS
    assert len(table) == PAGE_SIZE
    assert shown_ids(at, 0) == sorted_ids(accounts, "revenue", True)[:PAGE_SIZE]
    assert count_text(1, PAGE_SIZE, ACCOUNTS) in captions(at)
    # at risk: one page of the API's at-risk table, with its total
    at_risk = store.account_listing("at_risk", view.now_and_prior, limit=None).rows
    assert PAGE_SIZE < at_risk.height < ACCOUNTS
    assert shown_ids(at, 1) == sorted_ids(at_risk, "revenue_prior_year", True)[:PAGE_SIZE]
    assert count_text(1, PAGE_SIZE, at_risk.height) in captions(at)
    # the page number goes to the last of the whole table's pages
    pages = at.number_input(key="kamdash.table.accounts.page")
    assert pages.max == -(-ACCOUNTS // PAGE_SIZE)


def test_the_second_page_follows_the_first(open_app: Any, accounts: pl.DataFrame) -> None:
    at = open_app()
    at.number_input(key="kamdash.table.accounts.page").set_value(2).run()
    assert not at.exception
    assert at.query_params["accounts_page"] == "2"
    expected = sorted_ids(accounts, "revenue", True)[PAGE_SIZE : 2 * PAGE_SIZE]
    assert shown_ids(at, 0) == expected
    assert count_text(PAGE_SIZE + 1, 2 * PAGE_SIZE, ACCOUNTS) in captions(at)


def test_a_page_past_the_end_shows_the_last_page(open_app: Any, accounts: pl.DataFrame) -> None:
    at = open_app(accounts_page="9999")  # an old link, from when the table was longer
    last_page = -(-ACCOUNTS // PAGE_SIZE)
    first = (last_page - 1) * PAGE_SIZE + 1
    assert shown_ids(at, 0) == sorted_ids(accounts, "revenue", True)[first - 1 :]
    assert count_text(first, ACCOUNTS, ACCOUNTS) in captions(at)
    assert at.number_input(key="kamdash.table.accounts.page").value == last_page


def test_the_russian_page_states_the_total_in_russian(open_app: Any) -> None:
    at = open_app(lang="ru")
    count = t(
        "table.count",
        "ru",
        first=format_value(1, "count", "ru"),
        last=format_value(PAGE_SIZE, "count", "ru"),
        total=format_value(ACCOUNTS, "count", "ru"),
    )
    assert count in captions(at)
    assert len(at.dataframe[0].value) == PAGE_SIZE


def test_receivables_tables_are_pages_of_the_api_rows(
    open_app: Any, store: Store, view: flt.Filters, accounts: pl.DataFrame
) -> None:
    at = open_app("receivables")
    exposed = accounts.filter(pl.col("open_ar") != 0)
    over_limit = accounts.filter(pl.col("credit_utilisation") > 1)
    worklist = store.open_items(view.as_of, overdue_only=True)
    assert exposed.height > PAGE_SIZE and over_limit.height > PAGE_SIZE
    assert worklist.height > PAGE_SIZE
    # the per-account table, the worklist and the accounts over their limit, in that order,
    # after the unsigned closing documents when the export has them
    first = next(i for i, frame in enumerate(at.dataframe) if "overdue_ar" in frame.value.columns)
    assert shown_ids(at, first) == sorted_ids(exposed, "overdue_ar", True)[:PAGE_SIZE]
    assert (
        shown_ids(at, first + 2) == sorted_ids(over_limit, "credit_utilisation", True)[:PAGE_SIZE]
    )
    # the worklist in its order: longest overdue, then biggest balance, then document id
    listed = at.dataframe[first + 1].value["item_id"].tolist()
    assert listed == worklist["item_id"].to_list()[:PAGE_SIZE]
    shown = captions(at)
    for total in (exposed.height, worklist.height, over_limit.height):
        assert count_text(1, PAGE_SIZE, total) in shown
    # the heading's count is the table's
    heading = f"{t('receivables.over_limit', 'en')} ({over_limit.height})"
    assert heading in [h.value for h in at.subheader]


# -- sorting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "descending"),
    [
        ("open_ar", True),
        ("account_name", False),
        ("growth_yoy", False),  # accounts new this year have none: they come last
        ("dso", True),
        ("last_order_date", True),
    ],
)
def test_sorting_from_the_url_shows_the_first_rows_of_that_order(
    open_app: Any, accounts: pl.DataFrame, column: str, descending: bool
) -> None:
    at = open_app(accounts_sort=("-" if descending else "") + column)
    assert at.selectbox(key="kamdash.table.accounts.sort").value == column
    direction = at.button_group(key="kamdash.table.accounts.direction").value
    assert direction == ("desc" if descending else "asc")
    assert shown_ids(at, 0) == sorted_ids(accounts, column, descending)[:PAGE_SIZE]
    assert count_text(1, PAGE_SIZE, ACCOUNTS) in captions(at)


def test_growth_descending_puts_new_accounts_first_as_the_table_shows_them(
    open_app: Any, accounts: pl.DataFrame
) -> None:
    """The table shows an account with revenue and no prior-year base as growth "new", which
    the grid sorts above every growth (kamdash.ui.components._with_new_growth); the server's
    "growth ↓" must agree, or the 'new' accounts hide on the last pages, below −100 %."""
    new = pl.col("growth_yoy").is_null() & (pl.col("revenue") > 0)
    as_shown = accounts.with_columns(
        growth_yoy=pl.when(new).then(NEW_GROWTH).otherwise(pl.col("growth_yoy"))
    )
    assert accounts.filter(new).height > 0
    at = open_app(accounts_sort="-growth_yoy")
    shown = at.dataframe[0].value["growth_yoy"].tolist()
    assert shown == sorted(shown, reverse=True), "the page is not in the order it shows"
    assert shown_ids(at, 0) == sorted_ids(as_shown, "growth_yoy", True)[:PAGE_SIZE]


def test_sort_widgets_change_the_rows_and_the_url(open_app: Any, accounts: pl.DataFrame) -> None:
    at = open_app()
    at.selectbox(key="kamdash.table.accounts.sort").set_value("open_ar").run()
    assert not at.exception
    # the direction control keeps its "descending"
    assert at.query_params["accounts_sort"] == "-open_ar"
    assert shown_ids(at, 0) == sorted_ids(accounts, "open_ar", True)[:PAGE_SIZE]
    direction = at.button_group(key="kamdash.table.accounts.direction")
    direction.set_value("asc").run()
    assert not at.exception
    assert at.query_params["accounts_sort"] == "open_ar"
    assert shown_ids(at, 0) == sorted_ids(accounts, "open_ar", False)[:PAGE_SIZE]


# -- search ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def name_fragment(accounts: pl.DataFrame) -> str:
    """The most common Cyrillic word of the names that more than a page of accounts share
    but not most of them (e.g. «Полюс»): a search for it narrows the table and still pages."""
    words = (
        accounts.select(pl.col("account_name").str.extract_all(r"[А-Яа-яЁё]{4,}").alias("word"))
        .explode("word")
        .drop_nulls()
        .group_by("word")
        .len()
        .sort(["len", "word"], descending=[True, False])
    )
    for word, _ in words.iter_rows():
        if PAGE_SIZE < matching(accounts, word).height < ACCOUNTS // 2:
            return str(word)
    raise AssertionError("no name word is shared by more than a page of accounts")


@pytest.mark.parametrize("script", ["cyrillic", "latin", "upper-case cyrillic"])
def test_search_in_either_script_selects_what_it_says(
    open_app: Any, accounts: pl.DataFrame, name_fragment: str, script: str
) -> None:
    text = {
        "cyrillic": name_fragment,
        "latin": transliterate(name_fragment).lower(),
        "upper-case cyrillic": name_fragment.upper(),
    }[script]
    found = matching(accounts, text)
    assert PAGE_SIZE < found.height < ACCOUNTS  # the search narrows, and still pages
    at = open_app(accounts_q=text)
    assert at.text_input(key="kamdash.table.accounts.search").value == text
    assert shown_ids(at, 0) == sorted_ids(found, "revenue", True)[:PAGE_SIZE]
    assert count_text(1, PAGE_SIZE, found.height) in captions(at)


def test_search_box_writes_the_url_and_sorts_what_it_found(
    open_app: Any, accounts: pl.DataFrame, name_fragment: str
) -> None:
    latin = transliterate(name_fragment).lower()
    at = open_app(accounts_sort="account_name")
    at.text_input(key="kamdash.table.accounts.search").input(latin).run()
    assert not at.exception
    assert at.query_params["accounts_q"] == latin
    assert at.query_params["accounts_sort"] == "account_name"
    found = matching(accounts, latin)
    assert shown_ids(at, 0) == sorted_ids(found, "account_name", False)[:PAGE_SIZE]
    assert count_text(1, PAGE_SIZE, found.height) in captions(at)


def test_a_search_that_finds_nothing_says_zero(open_app: Any) -> None:
    at = open_app(accounts_q="щщщ-нет-такого")
    assert at.dataframe[0].value.empty
    assert count_text(0, 0, 0) in captions(at)


# -- the account picker ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def far_account(accounts: pl.DataFrame) -> dict[str, str]:
    """The last account by name: never among the picker's first 50 without a search; and the
    fragment of its name that finds it (the part in «», with its number)."""
    last = accounts.sort(["account_name", "account_id"]).row(-1, named=True)
    fragment = last["account_name"].split("«", 1)[1].rstrip("»")
    return {"id": last["account_id"], "name": last["account_name"], "fragment": fragment}


@pytest.mark.parametrize("script", ["cyrillic", "latin"])
def test_account_picker_searches_in_either_script(
    open_app: Any, accounts: pl.DataFrame, far_account: dict[str, str], script: str
) -> None:
    at = open_app("account")
    picker = at.selectbox(key="kamdash.w.account")
    assert len(picker.options) <= SEARCH_LIMIT + 1
    current = picker.value
    assert far_account["id"] not in [_option_id(o) for o in picker.options]
    fragment = far_account["fragment"]
    text = fragment if script == "cyrillic" else transliterate(fragment).lower()
    at.text_input(key="kamdash.account_search").input(text).run()
    assert not at.exception
    found = matching(accounts, text)["account_id"].to_list()
    assert far_account["id"] in found and len(found) <= SEARCH_LIMIT
    offered = [_option_id(o) for o in at.selectbox(key="kamdash.w.account").options]
    assert len(offered) <= SEARCH_LIMIT + 1
    assert set(offered) == {current, *found}
    at.selectbox(key="kamdash.w.account").set_value(far_account["id"]).run()
    assert not at.exception
    assert at.query_params["account"] == far_account["id"]
    assert at.title[0].value == far_account["name"]


def _option_id(label: str) -> str:
    """The account id at the end of a picker label («name · latin · id»)."""
    return label.rsplit(" · ", 1)[-1]
