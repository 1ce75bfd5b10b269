"""The server-side tables (`Store.account_listing`, `Store.open_item_listing`), the account
picker's search and the charts aggregated in SQL, checked against the API's full results
selected, sorted and counted in polars.

A user pages through a table sorted by one column: the pages one after the other must be the
whole table in that order (nulls last, equal values by id), whatever the column, the direction
and the table. Two exports: the sample export, and a hand-made one in which most figures tie
(accounts with identical documents, names, KAM names, credit limits) and many are null
(dormant accounts, house accounts, no credit limit), with ids that differ only by case or zeros.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import exportkit as ek
import oracle
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kamdash import open_store
from kamdash.engine.listings import (
    ACCOUNT_LISTINGS,
    ACCOUNT_SORTABLE,
    OPEN_ITEM_SORTABLE,
    RISK_SIGNS,
    Page,
)
from kamdash.engine.periods import minus_years
from kamdash.engine.store import HOUSE_ACCOUNTS, Store
from kamdash.errors import KamdashError
from kamdash.report.formatting import transliterate
from kamdash.tools.generate import generate_export
from kamdash.ui import insights

d = dt.date
PAGE = 7  # small, so every table has several pages
Periods = list[tuple[dt.date, dt.date, dt.date]]
RUSSIAN_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


def now_and_prior(start: dt.date, end: dt.date) -> Periods:
    """The period and its prior year, each as of its end (what the pages ask)."""
    return [
        (start, end, end),
        (minus_years(start, 1), minus_years(end, 1), minus_years(end, 1)),
    ]


# --------------------------------------------------------------------------------------------
# the exports


# ids that differ only by case or zeros, an apostrophe, Cyrillic; names and KAM names repeat
TIE_IDS = (
    "A1", "a1", "A10", "A2", "007", "7", "O'Hara", "Клиент-1", "B-1", "B-10",
    "B-2", "B-3", "C-1", "C-2", "C-3", "C-4", "D-1", "D-2", "ROM-1", "RL",
    "X", "Y", "Z-1", "Z-2",
)  # fmt: skip
TIE_NAMES = ("ООО «Альфа»", "АО «Бета»", "ООО «Альфа»", "ПАО «Гамма»")
SPECIAL_NAMES = {
    "ROM-1": "ООО «Ромашка»",
    "RL": "Romashka Logistics",
    "B-1": "ООО «Ясень»",  # sorts after B-10's name: the exact id must still come first
    "B-10": "АО «Альфа-Б»",
}
# K3 has K1's name; None and "" are house accounts (kam_name null)
TIE_KAMS = ("K1", "K2", None, "K3", "", "K1")
TIE_LIMITS = (None, 0.0, 500.0)
NOW = (d(2024, 1, 1), d(2024, 12, 31))


def ties_tables() -> dict[str, list[dict[str, Any]]]:
    """24 accounts in five document patterns with whole-rouble amounts (sums are exact, so
    equal patterns give exactly equal figures): dormant, prior year only, steady, growing at a
    lower margin, and an invoice cancelled by a credit note."""
    tables = ek.base_tables()
    tables["managers"] += [
        {"kam_id": "K2", "kam_name": "Петров Пётр", "email": None},
        {"kam_id": "K3", "kam_name": "Иванова Анна", "email": None},
    ]
    tables["accounts"] = [
        ek.account(
            account_id,
            account_name=SPECIAL_NAMES.get(account_id, TIE_NAMES[n % len(TIE_NAMES)]),
            kam_id=TIE_KAMS[n % len(TIE_KAMS)],
            credit_limit=TIE_LIMITS[n % len(TIE_LIMITS)],
            region=("Москва", "Казань")[n % 2],
        )
        for n, account_id in enumerate(TIE_IDS)
    ]
    payments = tables["payments"]
    for n, account_id in enumerate(TIE_IDS):
        pattern = n % 5
        doc = f"{account_id}-{pattern}"
        if pattern == 1:  # bought only in the prior year: revenue -100 %, no orders since
            ek.add_document(tables, doc + "a", account_id, d(2023, 3, 10), [("P1", 2, 1000, 600)])
            payments.append(ek.payment(f"PAY-{doc}a", account_id, doc + "a", d(2023, 4, 1), 1000))
        elif pattern == 2:  # the same both years; this year's invoice unpaid and overdue
            ek.add_document(tables, doc + "a", account_id, d(2023, 6, 10), [("P1", 1, 800, 400)])
            ek.add_document(tables, doc + "b", account_id, d(2024, 6, 10), [("P1", 1, 800, 400)])
            payments.append(ek.payment(f"PAY-{doc}a", account_id, doc + "a", d(2023, 7, 1), 800))
        elif pattern == 3:  # growing, at a lower margin; half of this year's invoice paid
            ek.add_document(tables, doc + "a", account_id, d(2023, 9, 1), [("P1", 1, 400, 100)])
            ek.add_document(
                tables, doc + "b", account_id, d(2024, 11, 1), [("P1", 3, 1200, 900)],
                due_date=d(2024, 12, 31),
            )  # fmt: skip
            payments.append(ek.payment(f"PAY-{doc}a", account_id, doc + "a", d(2023, 9, 20), 400))
            payments.append(ek.payment(f"PAY-{doc}b", account_id, doc + "b", d(2024, 12, 1), 600))
        elif pattern == 4:  # an invoice and the credit note that cancels it
            ek.add_document(tables, doc + "a", account_id, d(2024, 2, 1), [("P1", 1, 500, 250)])
            ek.add_document(tables, doc + "c", account_id, d(2024, 3, 1), [("P1", -1, -500, -250)])
        # pattern 0: dormant, never bought anything
    # promotion candidates: the house account Z-1 buys the most, and the house account B-2,
    # new this year, joins the holding group of the key account A1
    ek.add_document(tables, "Z-1-big", "Z-1", d(2024, 5, 5), [("P1", 10, 5000, 1000)])
    payments.append(ek.payment("PAY-Z-1-big", "Z-1", "Z-1-big", d(2024, 5, 20), 5000))
    by_id = {row["account_id"]: row for row in tables["accounts"]}
    by_id["A1"]["group_name"] = by_id["B-2"]["group_name"] = "Группа «Альфа»"
    by_id["B-2"]["onboarded_on"] = d(2024, 6, 1)
    # unapplied cash of one account: an open item with no due date
    payments.append(ek.payment("PAY-U", "X", None, d(2024, 10, 1), 300))
    return tables


@pytest.fixture(scope="module")
def sample(data_dir: Path) -> tuple[Store, Periods]:
    store = open_store(data_dir)
    last = store.data_range()[1]
    assert last is not None
    return store, now_and_prior(minus_years(last, 1) + dt.timedelta(days=1), last)


@pytest.fixture(scope="module")
def ties(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Periods]:
    folder = ek.write_export(tmp_path_factory.mktemp("ties") / "export", ties_tables())
    return open_store(folder), now_and_prior(*NOW)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Periods]:
    """A generated export other than the sample (another seed, fewer accounts)."""
    folder = tmp_path_factory.mktemp("generated") / "export"
    generate_export(folder, accounts=30, seed=2024, start=d(2022, 1, 1), end=d(2024, 9, 30))
    return open_store(folder), now_and_prior(d(2023, 10, 1), d(2024, 9, 30))


@pytest.fixture(scope="module", params=["sample", "ties"])
def case(request: pytest.FixtureRequest) -> tuple[Store, Periods]:
    result: tuple[Store, Periods] = request.getfixturevalue(request.param)
    return result


# --------------------------------------------------------------------------------------------
# what the tables must hold, computed in polars from the API's full results


_FULL: dict[tuple[str, str, str], pl.DataFrame] = {}


def full_table(store: Store, name: str, periods: Periods, **filters: Any) -> pl.DataFrame:
    """Every row of account table `name`: `Store.accounts_over` (period, prior year) selected
    in polars as the table's definition says, in no particular order."""
    key = (str(store.data_dir), name, repr((periods, sorted(filters.items()))))
    if key in _FULL:
        return _FULL[key]
    now, prior = store.accounts_over(periods, **filters)
    frame = now.with_columns(revenue_change=pl.col("revenue") - pl.col("revenue_prior_year"))
    if name == "promotion":
        # which house accounts to promote is the SQL's own rule (not under test here): take
        # its flag from the whole accounts table; what is checked is the order and the pages
        promoted = store.account_listing("accounts", periods, limit=None, **filters).rows
        ids = promoted.filter(pl.col("promote"))["account_id"].to_list()
        selected = frame.filter(pl.col("account_id").is_in(ids))
    elif name == "at_risk":
        flagged = oracle.at_risk(oracle.with_prior(now, prior), periods[0][2])
        selected = frame.filter(
            pl.col("account_id").is_in([row["account_id"] for row, _ in flagged])
        )
    else:
        selection = {
            "accounts": pl.lit(True),
            "exposed": pl.col("open_ar") != 0,
            "over_limit": pl.col("credit_utilisation") > 1,
            "gainers": pl.col("revenue_change") > 0,
            "decliners": pl.col("revenue_change") < 0,
        }[name]
        selected = frame.filter(selection)
    _FULL[key] = selected
    return selected


def sorted_by(
    frame: pl.DataFrame, column: str, descending: bool, ties: list[tuple[str, bool]]
) -> pl.DataFrame:
    columns = [column] + [name for name, _ in ties if name != column]
    directions = [descending] + [down for name, down in ties if name != column]
    if column == "growth_yoy":  # a new account (revenue, no prior year) reads "new": highest
        new = pl.col("growth_yoy").is_null() & (pl.col("revenue") > 0)
        key = pl.when(new).then(float("inf")).otherwise(pl.col("growth_yoy"))
        return frame.sort([key, *columns[1:]], descending=directions, nulls_last=True)
    return frame.sort(columns, descending=directions, nulls_last=True)


def walk(fetch: Any, limit: int = PAGE) -> Iterator[Page]:
    """Every page of a table, from offset 0 until a page comes back short."""
    offset = 0
    while True:
        page = fetch(limit=limit, offset=offset)
        yield page
        if page.rows.height < limit:
            return
        offset += limit


def paged(fetch: Any, limit: int = PAGE) -> tuple[pl.DataFrame, int]:
    """The pages of a table one after the other, and the total each page stated."""
    pages = list(walk(fetch, limit))
    totals = {page.total for page in pages if page.rows.height}
    assert len(totals) <= 1, f"pages state different totals: {totals}"
    for number, page in enumerate(pages):
        assert page.offset == number * limit
        if page.rows.height:
            assert (page.first, page.last) == (page.offset + 1, page.offset + page.rows.height)
    return pl.concat([page.rows for page in pages]), totals.pop() if totals else 0


def assert_same_rows(
    got: pl.DataFrame, want: pl.DataFrame, what: str, key: str = "account_id"
) -> None:
    """The same rows in the same order (ids first, for a readable failure), figures equal."""
    assert got[key].to_list() == want[key].to_list(), what
    assert_frame_equal(
        got.select(want.columns), want, check_exact=False, rel_tol=1e-9, abs_tol=1e-6
    )


# --------------------------------------------------------------------------------------------
# account tables: selection, sort, pages


LISTING_NAMES = list(ACCOUNT_LISTINGS)


def _sorts(name: str) -> list[tuple[str, bool]]:
    """The (column, descending) sorts the grid asks of a table: every column both ways for
    the accounts table; for the others every column, one way each, alternating by table and
    column so that each column is asked both ways and each table both ways (each sort asks
    the whole account mart again, about a third of a second here)."""
    if name == "accounts":
        return [(column, down) for column in ACCOUNT_SORTABLE for down in (False, True)]
    shift = LISTING_NAMES.index(name)
    return [(column, (shift + n) % 2 == 1) for n, column in enumerate(ACCOUNT_SORTABLE)]


@pytest.mark.parametrize("name", LISTING_NAMES)
def test_every_sort_of_every_table_equals_polars(ties: tuple[Store, Periods], name: str) -> None:
    store, periods = ties
    table = full_table(store, name, periods)
    assert table.height >= 2, f"{name} holds {table.height} rows here: the case checks nothing"
    for column, descending in _sorts(name):
        want = sorted_by(table, column, descending, list(ACCOUNT_LISTINGS[name].tie_breakers))
        got = store.account_listing(name, periods, sort=column, descending=descending, limit=None)
        assert got.total == table.height, (name, column)
        assert_same_rows(got.rows, want, f"{name} by {column} {'desc' if descending else 'asc'}")


@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
def test_every_sort_on_the_sample_equals_polars(
    sample: tuple[Store, Periods], descending: bool
) -> None:
    store, periods = sample
    table = full_table(store, "accounts", periods)
    for column in ACCOUNT_SORTABLE:
        want = sorted_by(table, column, descending, list(ACCOUNT_LISTINGS["accounts"].tie_breakers))
        got = store.account_listing(
            "accounts", periods, sort=column, descending=descending, limit=None
        )
        assert got.total == table.height
        assert_same_rows(got.rows, want, f"by {column} {'desc' if descending else 'asc'}")


@pytest.mark.parametrize("name", LISTING_NAMES)
def test_pages_walked_to_the_end_equal_the_sorted_table(
    case: tuple[Store, Periods], name: str
) -> None:
    store, periods = case
    table = full_table(store, name, periods)
    listing = ACCOUNT_LISTINGS[name]
    for column, descending in (
        (listing.sort, listing.descending),  # the page's default
        ("kam_name", False),  # mostly ties and nulls
        ("last_order_date", True),
    ):
        want = sorted_by(table, column, descending, list(ACCOUNT_LISTINGS[name].tie_breakers))
        fetch = partial(store.account_listing, name, periods, sort=column, descending=descending)
        # small pages on the small export; the sample's 60 accounts in pages of 25
        got, total = paged(fetch, PAGE if table.height <= 4 * PAGE else 25)
        assert total == table.height, (name, column)
        assert_same_rows(got, want, f"{name} by {column} {'desc' if descending else 'asc'}")


def test_the_ties_export_really_ties_and_has_nulls(ties: tuple[Store, Periods]) -> None:
    # the sort test above is only as good as its data: most sort columns must hold ties and
    # nulls there, or the order of equal values would never be looked at
    store, periods = ties
    table = full_table(store, "accounts", periods)
    for column in (
        "revenue",
        "account_name",
        "revenue_change",
        "open_ar",
        "overdue_ar",
        "abc_class",
    ):
        assert table[column].is_duplicated().any(), f"no tie in {column}"
    for column in ("gross_margin_pct", "kam_name", "credit_utilisation", "last_order_date",
                   "dso", "growth_yoy", "overdue_pct"):  # fmt: skip
        values = table[column]
        assert values.drop_nulls().is_duplicated().any(), f"no tie in {column}"
        assert values.null_count(), f"no null in {column}"
    for name in ACCOUNT_LISTINGS:
        assert full_table(store, name, periods).height >= 2, name


@pytest.mark.parametrize("name", list(ACCOUNT_LISTINGS))
def test_default_order_total_and_past_the_end(case: tuple[Store, Periods], name: str) -> None:
    store, periods = case
    listing = ACCOUNT_LISTINGS[name]
    table = full_table(store, name, periods)
    want = sorted_by(
        table, listing.sort, listing.descending, list(ACCOUNT_LISTINGS[name].tie_breakers)
    )
    whole = store.account_listing(name, periods, limit=None)
    assert whole.total == table.height == whole.rows.height
    assert_same_rows(whole.rows, want, f"{name} in its default order")
    first = store.account_listing(name, periods, limit=3)
    assert first.total == table.height
    assert first.rows["account_id"].to_list() == want["account_id"].head(3).to_list()
    beyond = store.account_listing(name, periods, limit=PAGE, offset=table.height)
    assert beyond.rows.height == 0
    assert (beyond.first, beyond.last) == (0, table.height)
    far = store.account_listing(name, periods, limit=PAGE, offset=table.height + 100)
    assert far.rows.height == 0


def test_a_page_past_the_end_states_the_total(case: tuple[Store, Periods]) -> None:
    # an old link (or a search that shrank the table) asks for a page past the end: the page
    # has no rows but must still say how many the table has, which is how the pages
    # (kamdash/ui/paged.py) know to show the last page instead of "nothing to show"
    store, periods = case
    total = full_table(store, "accounts", periods).height
    beyond = store.account_listing("accounts", periods, limit=PAGE, offset=total + PAGE)
    assert beyond.rows.height == 0
    as_of = periods[0][2]
    items = store.open_items(as_of).height
    items_beyond = store.open_item_listing(as_of, limit=PAGE, offset=items + PAGE)
    assert items_beyond.rows.height == 0
    assert (beyond.total, items_beyond.total) == (total, items)


@pytest.mark.parametrize(
    "filters",
    [{"kam_id": HOUSE_ACCOUNTS}, {"kam_id": ["K1", "K3"]}, {"region": "Казань"}],
    ids=["house", "two-kams", "region"],
)
def test_a_filtered_table_pages_as_the_filtered_accounts(
    ties: tuple[Store, Periods], filters: dict[str, Any]
) -> None:
    store, periods = ties
    for name in ("accounts", "at_risk"):
        table = full_table(store, name, periods, **filters)
        assert table.height
        for column, descending in (("kam_name", False), ("revenue", True)):
            want = sorted_by(table, column, descending, list(ACCOUNT_LISTINGS[name].tie_breakers))

            fetch = partial(
                store.account_listing, name, periods, sort=column, descending=descending, **filters
            )

            got, total = paged(fetch, limit=3)
            assert total == table.height
            assert_same_rows(got, want, f"{name} {filters} by {column}")


def test_a_restricted_view_pages_only_its_accounts(ties: tuple[Store, Periods]) -> None:
    # the whole table of everyone was asked first (and is kept): a view restricted to three
    # accounts must still page only those three
    store, periods = ties
    everyone = store.account_listing("accounts", periods, limit=None)
    assert everyone.total == len(TIE_IDS)
    mine = ["RL", "ROM-1", "a1"]
    view = store.restricted(mine)
    got, total = paged(partial(view.account_listing, "accounts", periods), limit=2)
    assert total == 3
    assert sorted(got["account_id"].to_list()) == sorted(mine)
    # eleven accounts are called «Альфа», none of them this view's; one of its three is «Бета»
    assert view.account_listing("accounts", periods, search="Альфа", limit=None).total == 0
    assert view.account_listing("accounts", periods, search="Бета", limit=None).total == 1


# --------------------------------------------------------------------------------------------
# at risk: the SQL signs are the definition the portfolio page used in polars


def _check_at_risk(store: Store, periods: Periods) -> int:
    now, prior = store.accounts_over(periods)
    as_of = periods[0][2]
    flagged = oracle.at_risk(oracle.with_prior(now, prior), as_of)
    page = store.account_listing("at_risk", periods, limit=None)
    # the same accounts, in the same order (biggest prior year first)
    assert page.rows["account_id"].to_list() == [row["account_id"] for row, _ in flagged]
    assert page.total == len(flagged)
    # and each sign of every account with a relationship is the one polars finds
    signs = store.account_listing("accounts", periods, limit=None).rows
    by_id = {row["account_id"]: row for row in oracle.with_prior(now, prior).to_dicts()}
    for row in signs.to_dicts():
        if not row["revenue"] and not row["revenue_prior_year"]:
            assert row["at_risk"] is False, row["account_id"]
            continue
        kinds = {reason.kind for reason in oracle.reasons(by_id[row["account_id"]], as_of)}
        flags = {sign for sign in RISK_SIGNS if row[sign]}
        assert flags == kinds, row["account_id"]
        assert row["at_risk"] == bool(kinds), row["account_id"]
    return len(flagged)


def test_at_risk_selects_what_the_polars_rules_select_on_the_sample(
    sample: tuple[Store, Periods],
) -> None:
    store, periods = sample
    last = periods[0][1]
    flagged = 0
    # the trailing year, and a quarter ending mid-month (as_of not a month end)
    for start, end in ((periods[0][0], last), (d(last.year, 1, 1), d(last.year, 3, 17))):
        flagged += _check_at_risk(store, now_and_prior(start, end))
    assert flagged


def test_at_risk_selects_what_the_polars_rules_select_elsewhere(
    generated: tuple[Store, Periods], ties: tuple[Store, Periods]
) -> None:
    for store, periods in (generated, ties):
        assert _check_at_risk(store, periods)
    store, periods = generated
    assert _check_at_risk(store, now_and_prior(d(2024, 4, 1), d(2024, 6, 30)))


# --------------------------------------------------------------------------------------------
# search


def _ids(page: Page) -> set[str]:
    return set(page.rows["account_id"].to_list())


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Ромашка", {"ROM-1", "RL"}),
        ("ромашка", {"ROM-1", "RL"}),
        ("РОМАШКА", {"ROM-1", "RL"}),
        ("romashka", {"ROM-1", "RL"}),
        ("ROMASHKA", {"ROM-1", "RL"}),
        ("  Romashka  ", {"ROM-1", "RL"}),
        ("Ясень", {"B-1"}),
        ("iasen", {"B-1"}),  # я is "ia" in passports (ICAO 9303)
        ("O'Hara", {"O'Hara"}),
        ("клиент-1", {"Клиент-1"}),
        ("klient-1", {"Клиент-1"}),
        ("B-10", {"B-10"}),
        ("no such account", set()),
    ],
)
def test_search_finds_either_script_and_ids(
    ties: tuple[Store, Periods], text: str, found: set[str]
) -> None:
    store, periods = ties
    page = store.account_listing("accounts", periods, search=text, limit=None)
    assert _ids(page) == found
    assert page.total == len(found)


def test_search_finds_what_its_key_says_and_keeps_the_figures(ties: tuple[Store, Periods]) -> None:
    store, periods = ties
    whole = store.account_listing("accounts", periods, limit=None).rows
    for text in ("альфа", "alfa", "a1", "ООО", "c-"):
        want = whole.filter(
            (pl.col("account_name") + " " + pl.col("account_id"))
            .map_elements(lambda s: transliterate(s).lower(), return_dtype=pl.String)
            .str.contains(transliterate(text).lower(), literal=True)
        )
        assert want.height, text
        got = store.account_listing("accounts", periods, search=text, limit=None)
        assert got.total == want.height, text
        # the found rows are the same rows, figures and ABC class included, as unsearched
        assert_same_rows(got.rows, want.select(whole.columns), text)
        paged_rows, total = paged(
            lambda limit, offset, text=text: store.account_listing(
                "accounts",
                periods,
                search=text,
                sort="account_name",
                descending=False,
                limit=limit,
                offset=offset,
            ),
            limit=4,
        )
        assert total == want.height
        assert_same_rows(
            paged_rows, sorted_by(want, "account_name", False, [("account_id", False)]), text
        )


def test_search_does_not_change_the_abc_class_on_the_sample(sample: tuple[Store, Periods]) -> None:
    store, periods = sample
    whole = store.account_listing("accounts", periods, limit=None).rows
    smallest = whole.filter(pl.col("revenue") > 0).sort("revenue").row(0, named=True)
    assert smallest["abc_class"] == "C"
    for text in (
        smallest["account_id"],
        smallest["account_name"],
        transliterate(smallest["account_name"]),
    ):
        page = store.account_listing("accounts", periods, search=text, limit=None)
        assert smallest["account_id"] in _ids(page), text
        row = page.rows.filter(pl.col("account_id") == smallest["account_id"]).row(0, named=True)
        assert row == smallest, text


def test_search_accounts_best_matches_first(ties: tuple[Store, Periods]) -> None:
    store, _ = ties
    # B-10's name sorts before B-1's, yet the exact id comes first
    found = store.search_accounts("b-1")
    assert found["account_id"].to_list() == ["B-1", "B-10"]
    assert found.row(0, named=True)["account_name"] == "ООО «Ясень»"
    # a name that starts with the text before one that only contains it
    assert store.search_accounts("Ромашка")["account_id"].to_list() == ["RL", "ROM-1"]
    assert set(store.search_accounts("romashka")["account_id"].to_list()) == {"RL", "ROM-1"}
    # never more than asked, and with no text the first accounts by name
    for limit in (1, 3, 5):
        assert store.search_accounts("ООО", limit=limit).height == limit
        assert store.search_accounts("Альфа", limit=limit).height <= limit
    everyone = store.account_list().sort(["account_name", "account_id"])
    first = store.search_accounts(None, limit=4)
    assert first["account_id"].to_list() == everyone["account_id"].head(4).to_list()
    assert (
        store.search_accounts("   ", limit=4)["account_id"].to_list()
        == first["account_id"].to_list()
    )
    # an exact id is found first however many names contain the text
    for account_id in ("A10", "7", "O'Hara", "клиент-1", "x"):
        first_found = store.search_accounts(account_id, limit=3)["account_id"][0]
        assert first_found.lower() == account_id.lower(), account_id
    # a restricted store finds only what it may see
    visible = store.restricted(["RL"])
    assert visible.search_accounts("Ромашка")["account_id"].to_list() == ["RL"]


def test_search_accounts_on_the_sample(sample: tuple[Store, Periods]) -> None:
    store, _ = sample
    accounts = store.account_list()
    for row in accounts.head(5).to_dicts():
        found = store.search_accounts(row["account_id"], limit=50)
        assert found["account_id"][0] == row["account_id"]
        latin = transliterate(row["account_name"]).lower()
        assert row["account_id"] in store.search_accounts(latin, limit=50)["account_id"].to_list()
    assert store.search_accounts("о", limit=10).height == 10


def test_search_key_is_the_transliteration(ties: tuple[Store, Periods]) -> None:
    store, _ = ties
    texts = [*RUSSIAN_LETTERS, *RUSSIAN_LETTERS.upper(), "ООО «Ромашка» O'Hara-7", "Щёлково Ёж"]
    frame = store.query(
        "select text, search_key(text) as search_key from unnest($1::varchar[]) as t(text)",
        [texts],
    )
    got = dict(zip(frame["text"].to_list(), frame["search_key"].to_list(), strict=True))
    want = {text: transliterate(text).lower() for text in texts}
    assert {k: v for k, v in got.items() if v != want[k]} == {}
    assert got == want


# --------------------------------------------------------------------------------------------
# refusals


def test_an_unknown_sort_column_is_refused_naming_the_allowed_ones(
    ties: tuple[Store, Periods],
) -> None:
    store, periods = ties
    for bad in ("revenue desc; select 1", "cogs", "Revenue"):
        with pytest.raises(KamdashError) as caught:
            store.account_listing("accounts", periods, sort=bad)
        message = str(caught.value)
        assert repr(bad) in message
        for column in ACCOUNT_SORTABLE:
            assert column in message
        with pytest.raises(KamdashError) as caught:
            store.open_item_listing(NOW[1], sort=bad)
        for column in OPEN_ITEM_SORTABLE:
            assert column in str(caught.value)
    with pytest.raises(KamdashError, match="tables are"):
        store.account_listing("everything", periods)


def test_without_margins_no_sort_by_a_margin(ties: tuple[Store, Periods]) -> None:
    store, periods = ties
    hidden = store.restricted(None, hide_margins=True)
    for column in ("gross_margin_pct", "gross_margin"):
        assert store.account_listing("accounts", periods, sort=column, limit=3).rows.height
        with pytest.raises(KamdashError):
            hidden.account_listing("accounts", periods, sort=column, limit=3)
    # other sorts still work and show no margin
    page = hidden.account_listing("accounts", periods, sort="revenue", limit=None)
    assert page.total == len(TIE_IDS)
    assert page.rows["gross_margin_pct"].null_count() == page.rows.height


def test_without_margins_no_table_tells_a_margin(ties: tuple[Store, Periods]) -> None:
    # a person who may not see margins gets no margin figure from a table: not this year's GM %,
    # not the prior year's, not the flag that says GM % fell by more than 2 points
    store, periods = ties
    assert store.account_listing("at_risk", periods, limit=None).rows["margin_erosion"].any()
    hidden = store.restricted(None, hide_margins=True)
    for name in ("accounts", "at_risk"):
        rows = hidden.account_listing(name, periods, limit=None).rows
        assert rows.height
        margins = [column for column in rows.columns if "margin" in column]
        told = {column: rows[column].drop_nulls().to_list() for column in margins}
        assert {column: values for column, values in told.items() if any(values)} == {}, name
        # and the at-risk reasons the portfolio page writes for each row can be written
        for row in rows.iter_rows(named=True):
            insights.signed_reasons(row)


# --------------------------------------------------------------------------------------------
# open documents


@pytest.mark.parametrize("overdue_only", [False, True], ids=["open", "worklist"])
def test_open_item_pages_equal_open_items_sorted_in_polars(
    case: tuple[Store, Periods], overdue_only: bool
) -> None:
    store, periods = case
    as_of = periods[0][2]
    items = store.open_items(as_of, overdue_only=overdue_only)
    assert items.height
    assert items["item_id"].is_unique().all()
    ties = [("open_balance", True), ("item_id", False)]
    # the sample's hundreds of documents in a few pages
    limit = PAGE if items.height < 100 else 300
    for column in OPEN_ITEM_SORTABLE:
        for descending in (False, True):
            want = sorted_by(items, column, descending, ties)

            fetch = partial(
                store.open_item_listing,
                as_of,
                overdue_only=overdue_only,
                sort=column,
                descending=descending,
            )
            got, total = paged(fetch, limit)
            assert total == items.height
            assert_same_rows(got, want, f"{column} {descending}", key="item_id")
    default = store.open_item_listing(as_of, overdue_only=overdue_only, limit=None)
    assert default.rows["item_id"].to_list() == items["item_id"].to_list()


def test_the_worklist_sums_to_overdue_ar(case: tuple[Store, Periods]) -> None:
    store, periods = case
    start, end, as_of = periods[0]
    worklist = store.open_item_listing(as_of, overdue_only=True, limit=None)
    portfolio = store.portfolio(start, end, as_of)
    assert portfolio["overdue_ar"] > 0
    assert worklist.rows["open_balance"].sum() == pytest.approx(portfolio["overdue_ar"], abs=0.01)
    assert worklist.total == worklist.rows.height
    everything = store.open_item_listing(as_of, limit=None)
    assert everything.rows["open_balance"].sum() == pytest.approx(portfolio["open_ar"], abs=0.01)


def test_open_items_search_by_document_id_and_name(case: tuple[Store, Periods]) -> None:
    store, periods = case
    as_of = periods[0][2]
    items = store.open_items(as_of)
    for item in (items.row(0, named=True), items.row(items.height - 1, named=True)):
        found = store.open_item_listing(as_of, search=item["item_id"], limit=None)
        assert item["item_id"] in found.rows["item_id"].to_list()
        assert found.total == found.rows.height
        # nothing found that does not contain the id
        for row in found.rows.to_dicts():
            key = transliterate(f"{row['item_id']} {row['account_name']} {row['account_id']}")
            assert transliterate(item["item_id"]).lower() in key.lower()
        latin = transliterate(item["account_name"])
        by_name = store.open_item_listing(as_of, search=latin, limit=None)
        want = items.filter(pl.col("account_name") == item["account_name"])
        assert set(want["item_id"].to_list()) <= set(by_name.rows["item_id"].to_list())


def test_unsigned_closing_documents_search_by_document_id_and_name(
    sample: tuple[Store, Periods],
) -> None:
    store, periods = sample
    as_of = periods[0][2]
    unsigned = store.closing_document_listing(as_of, limit=None).rows
    assert unsigned.height > 1
    for document in (unsigned.row(0, named=True), unsigned.row(unsigned.height - 1, named=True)):
        found = store.closing_document_listing(as_of, search=document["closing_doc_id"], limit=None)
        assert found.rows["closing_doc_id"].to_list() == [document["closing_doc_id"]]
        assert found.total == 1
        latin = transliterate(document["account_name"])
        by_name = store.closing_document_listing(as_of, search=latin, limit=None)
        want = unsigned.filter(pl.col("account_name") == document["account_name"])
        assert set(by_name.rows["closing_doc_id"].to_list()) >= set(
            want["closing_doc_id"].to_list()
        )
        assert by_name.total == by_name.rows.height < unsigned.height


# --------------------------------------------------------------------------------------------
# charts aggregated in SQL


@pytest.mark.parametrize(("steps", "head"), [(100, 20), (10, 5), (7, 0), (3, 100)])
def test_concentration_curve_agrees_with_polars(
    case: tuple[Store, Periods], steps: int, head: int
) -> None:
    store, periods = case
    start, end, as_of = periods[0]
    curve = store.concentration_curve(periods, steps=steps, head=head)
    ranked = (
        store.accounts(start, end, as_of)
        .filter(pl.col("revenue") > 0)
        .sort(["revenue", "account_id"], descending=[True, False])
        .with_columns(share=pl.col("revenue").cum_sum() / pl.col("revenue").sum())
    )
    n = ranked.height
    assert n
    assert 0 < curve.height <= head + steps + 1
    ranks = curve["rank"].to_list()
    assert ranks == sorted(set(ranks))
    assert ranks[-1] == n
    assert set(range(1, min(head, n) + 1)) <= set(ranks)
    shares = curve["revenue_share"].to_list()
    assert all(b >= a - 1e-12 for a, b in pairwise(shares))
    assert shares[-1] == pytest.approx(1.0)
    for row in curve.to_dicts():
        at = ranked.row(row["rank"] - 1, named=True)
        assert row["account_id"] == at["account_id"], row["rank"]
        assert row["revenue"] == pytest.approx(at["revenue"])
        assert row["revenue_share"] == pytest.approx(at["share"], rel=1e-9)
        assert row["ranked_accounts"] == n
        assert row["account_share"] == pytest.approx(row["rank"] / n)


def _cell(value: float, scale: int) -> float:
    return min(max(math.floor(value * scale), -10), 19) / scale


@pytest.mark.parametrize("top", [3, 10, 200])
def test_growth_margin_map_points_and_cells(case: tuple[Store, Periods], top: int) -> None:
    store, periods = case
    chart = store.growth_margin_map(periods, top=top)
    accounts = (
        store.accounts(*periods[0])
        .filter(pl.col("growth_yoy").is_not_null() & pl.col("gross_margin_pct").is_not_null())
        .sort(["revenue", "account_id"], descending=[True, False])
    )
    assert accounts.height
    # the top accounts, at most 30 × 30 cells, and the one row of accounts with no growth
    assert chart.height <= top + 30 * 30 + 1
    points = chart.filter(pl.col("row_kind") == "point")
    cells = chart.filter(pl.col("row_kind") == "cell")
    new = chart.filter(pl.col("row_kind") == "new")
    assert points.height + cells.height + new.height == chart.height
    assert new.height == 1
    without_growth = store.accounts(*periods[0]).filter(
        pl.col("growth_yoy").is_null() & (pl.col("revenue") != 0)
    )
    assert new["accounts_in_cell"][0] == without_growth.height
    assert (new["revenue"][0] or 0.0) == pytest.approx(without_growth["revenue"].sum())
    want_points = accounts.head(top)
    assert points["account_id"].to_list() == want_points["account_id"].to_list()
    assert_frame_equal(
        points.select("revenue", "growth_yoy", "gross_margin_pct", "overdue_pct"),
        want_points.select("revenue", "growth_yoy", "gross_margin_pct", "overdue_pct"),
        check_exact=False,
        rel_tol=1e-9,
    )
    assert points.height + (cells["accounts_in_cell"].sum() or 0) == accounts.height
    # each other account in the cell of its growth (10-point steps) and GM % (5-point steps)
    want_cells: dict[tuple[float, float], list[float]] = {}
    for row in accounts.slice(top).to_dicts():
        corner = (_cell(row["growth_yoy"], 10), _cell(row["gross_margin_pct"], 20))
        want_cells.setdefault(corner, []).append(row["revenue"])
    got_cells = {
        (round(row["growth_yoy"], 9), round(row["gross_margin_pct"], 9)): (
            row["accounts_in_cell"],
            row["revenue"],
        )
        for row in cells.to_dicts()
    }
    assert len(got_cells) == cells.height
    assert set(got_cells) == {(round(g, 9), round(m, 9)) for g, m in want_cells}
    for (growth, margin), revenues in want_cells.items():
        count, revenue = got_cells[(round(growth, 9), round(margin, 9))]
        assert count == len(revenues)
        assert revenue == pytest.approx(sum(revenues))
