"""The product mix an account page shows (by category and by product, for the period and its
prior year): by hand, against the oracle, and asked in one statement or one call at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import exportkit as ek
import oracle
import pytest
from test_property import RandomPicker, build_export, build_query

from kamdash import open_store

SEEDS = range(5)


def approx(value: float | None) -> Any:
    return None if value is None else pytest.approx(value, abs=1e-6, rel=1e-9)


def test_mix_by_hand(tmp_path: Path) -> None:
    # healthy_tables: A1 buys 10 × P1 (Cat1) for 1000 in January and returns 1 × P1 for -100
    # in February; A2 buys 5 × P2 (Cat2) for 500 in February
    store = open_store(ek.write_export(tmp_path / "export", ek.healthy_tables()))
    (quarter,) = store.product_mixes([(dt.date(2024, 1, 1), dt.date(2024, 3, 31))])
    by_product = (
        quarter["product"]
        .select(
            "item_id",
            "item_name",
            "category",
            "accounts",
            "quantity",
            "revenue",
            "cogs",
            "gross_margin",
            "revenue_share",
        )
        .rows()
    )
    assert by_product == [
        ("P1", "Товар 1", "Cat1", 1, 9.0, 900.0, 630.0, 270.0, pytest.approx(900 / 1400)),
        ("P2", "Товар 2", "Cat2", 1, 5.0, 500.0, 300.0, 200.0, pytest.approx(500 / 1400)),
    ]
    by_category = quarter["category"].select("item_id", "item_name", "revenue").rows()
    assert by_category == [("Cat1", "Cat1", 900.0), ("Cat2", "Cat2", 500.0)]
    # February alone: the return outweighs nothing else of P1, so P1 is negative and has no share
    february = store.product_mix(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert february.select("item_id", "revenue", "revenue_share").rows() == [
        ("P2", 500.0, pytest.approx(500 / 400)),
        ("P1", -100.0, pytest.approx(-100 / 400)),
    ]
    # a scope narrows what was bought, and shares are of the scope's revenue
    only_a2 = store.product_mix(dt.date(2024, 1, 1), dt.date(2024, 3, 31), account_id="A2")
    assert only_a2.select("item_id", "revenue_share").rows() == [("P2", 1.0)]


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    pick = RandomPicker(3000 + request.param)
    tables = build_export(pick, max_docs=40)
    # two categories, so the category level groups products
    for number, product in enumerate(tables["products"]):
        product["category"] = f"Cat{number % 2 + 1}"
    query = build_query(pick, tables)
    folder = ek.write_export(tmp_path_factory.mktemp("mix") / "export", tables)
    return open_store(folder), tables, query


def test_mix_matches_the_oracle(case: Any) -> None:
    store, tables, query = case
    start, end, filters = query["start"], query["end"], query["filters"]
    for level in ("product", "category"):
        got = {
            row["item_id"]: row
            for row in store.product_mix(start, end, level=level, **filters).to_dicts()
        }
        want = oracle.product_mix(tables, start, end, level, **filters)
        assert set(got) == set(want), level
        for item_id, expected in want.items():
            for key, value in expected.items():
                assert got[item_id][key] == approx(value), (level, item_id, key)


def test_mixes_in_one_statement_equal_them_asked_apart(case: Any) -> None:
    # the account page asks both periods at both levels in one call
    store, _, query = case
    now = (query["start"], query["end"])
    prior = query["base"]
    filters = query["filters"]
    together = store.product_mixes([now, prior], ("category", "product"), **filters)
    assert len(together) == 2
    for mixes, (start, end) in zip(together, (now, prior), strict=True):
        assert set(mixes) == {"category", "product"}
        for level, frame in mixes.items():
            assert frame.equals(store.product_mix(start, end, level=level, **filters)), level


def test_each_level_of_the_mix_adds_up_to_the_revenue(case: Any) -> None:
    store, _, query = case
    start, end, filters = query["start"], query["end"], query["filters"]
    revenue = store.portfolio(start, end, **filters)["revenue"]
    (mixes,) = store.product_mixes([(start, end)], **filters)
    for level, frame in mixes.items():
        assert frame["revenue"].sum() == approx(revenue), level
        if revenue > 0:
            assert frame["revenue_share"].sum() == approx(1.0), level
        else:
            assert frame["revenue_share"].null_count() == frame.height, level
