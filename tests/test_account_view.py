"""A page's view: the tiles and landing read from the statement that computes its account
table, the receivables trend summed per unit, and the view computed once when two calls of a
page ask for it at the same time.

The tiles are checked against `portfolio_over` and `landing` (each computed on its own, and
checked against the oracle elsewhere); the trend against the oracle's open AR, overdue AR and
DSO at each month end, per unit of each level.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import oracle
import pytest
from exportkit import write_export
from test_storage_variants import hand_export

from kamdash import open_store
from kamdash.engine.periods import month_ends

d = dt.date
PERIODS = [
    # the year to a mid-month day against its prior year, and a quarter against its prior year
    ((d(2024, 1, 1), d(2024, 5, 17), d(2024, 5, 17)), (d(2023, 1, 1), d(2023, 5, 17), None)),
    ((d(2024, 4, 1), d(2024, 6, 30), None), (d(2023, 4, 1), d(2023, 6, 30), None)),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = write_export(tmp_path_factory.mktemp("view"), hand_export())
    opened = open_store(folder)
    yield opened
    opened.close()


def _same(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert got.keys() == want.keys()
    for name, value in want.items():
        if isinstance(value, float):
            assert got[name] == pytest.approx(value, abs=1e-9), name
        else:
            assert got[name] == value, name


@pytest.mark.parametrize("periods", PERIODS)
@pytest.mark.parametrize(
    "viewer",
    [
        {"account_ids": None, "hide_margins": False},
        {"account_ids": ["A1", "007"], "hide_margins": False},
        {"account_ids": None, "hide_margins": True},
    ],
    ids=["director", "two accounts", "no margins"],
)
def test_view_tiles_and_landing_equal_their_own_statements(
    store: Any, periods: Any, viewer: dict[str, Any]
) -> None:
    seen = store.restricted(viewer["account_ids"], hide_margins=viewer["hide_margins"])
    tiles = seen.view_portfolio_over(periods)
    alone = seen.portfolio_over(periods)
    assert len(tiles) == len(alone) == 2
    for got, want in zip(tiles, alone, strict=True):
        _same(got, want)
    if viewer["hide_margins"]:
        assert tiles[0]["gross_margin"] is None and tiles[0]["revenue"] is not None
    as_of = periods[0][2] or periods[0][1]
    _same(seen.view_landing(periods), seen.landing(as_of))


def test_view_tiles_follow_a_filter(store: Any) -> None:
    periods = PERIODS[1]
    for kam in ("K1", "K2"):
        _same(
            store.view_portfolio_over(periods, kam_id=kam)[0],
            store.portfolio(*periods[0], kam_id=kam),
        )
    # a filter is a view of its own: its rows are its accounts only
    assert set(store.account_rows(periods, kam_id="K2").column("account_id").to_pylist()) == {
        "O'Hara"
    }


def test_two_calls_of_a_page_compute_the_view_once(store: Any, monkeypatch: Any) -> None:
    # a new period, so the view is not kept from an earlier test
    periods = ((d(2024, 2, 1), d(2024, 3, 31), None), (d(2023, 2, 1), d(2023, 3, 31), None))
    started = threading.Event()
    release = threading.Event()
    calls: list[int] = []
    compute = type(store)._compute_view

    def slow_compute(self: Any, *args: Any) -> Any:
        calls.append(1)
        started.set()
        release.wait(timeout=30)
        return compute(self, *args)

    monkeypatch.setattr(type(store), "_compute_view", slow_compute)
    results: dict[str, Any] = {}
    tiles = threading.Thread(
        target=lambda: results.update(tiles=store.view_portfolio_over(periods))
    )
    rows = threading.Thread(target=lambda: results.update(rows=store.account_rows(periods)))
    tiles.start()
    assert started.wait(timeout=30)
    rows.start()  # asks while the first is computing: it must wait, not compute again
    release.set()
    tiles.join(timeout=60)
    rows.join(timeout=60)
    assert len(calls) == 1
    assert results["rows"].num_rows == 3
    _same(results["tiles"][0], store.portfolio(*periods[0]))


def test_views_kept_are_bounded_by_bytes_and_the_last_used_stays(
    tmp_path: Any, monkeypatch: Any
) -> None:
    from kamdash.engine import store as store_module

    opened = open_store(write_export(tmp_path / "export", hand_export()))
    computed: list[int] = []
    compute = type(opened)._compute_view

    def counted(self: Any, requested: Any, *args: Any) -> Any:
        computed.append(requested[0]["period_start"].month)
        return compute(self, requested, *args)

    monkeypatch.setattr(type(opened), "_compute_view", counted)

    def view(month: int) -> Any:
        start = d(2024, month, 1)
        return opened.account_view([(start, d(2024, month, 28), None)])

    one_view = view(1).rows.nbytes
    # room for two views and a half: a third evicts the least recently used
    monkeypatch.setattr(store_module, "ACCOUNT_ROWS_CACHE_BYTES", int(2.5 * one_view))
    view(2)
    view(1)  # kept, and now the most recently used
    view(3)  # evicts month 2, not month 1
    view(1)
    view(2)
    assert computed == [1, 2, 3, 2]
    opened.close()


@pytest.mark.parametrize(
    ("level", "filters", "units"),
    [
        ("portfolio", {}, {"*": {}}),
        ("kam", {}, {"K1": {"kam_id": "K1"}, "K2": {"kam_id": "K2"}}),
        ("account", {"account_id": "O'Hara"}, {"O'Hara": {"account_id": "O'Hara"}}),
        ("account", {}, {a: {"account_id": a} for a in ("A1", "O'Hara", "007")}),
    ],
)
def test_receivables_trend_equals_the_oracle_at_every_month_end(
    store: Any, level: str, filters: dict[str, Any], units: dict[str, dict[str, Any]]
) -> None:
    tables = hand_export()
    start, end = d(2023, 3, 1), d(2024, 7, 15)
    trend = store.receivables_trend(start, end, level=level, **filters)
    got = {(row["unit_id"], row["as_of"]): row for row in trend.to_dicts()}
    dates = month_ends(start, end)
    assert dates[-1] == end  # the last point is the end day itself, mid-month
    for unit, unit_filters in units.items():
        for as_of in dates:
            want = oracle.portfolio_metrics(tables, as_of, as_of, as_of, **unit_filters)
            row = got.get((unit, as_of))
            if row is None:  # no open document and nothing billed: no row, as for the engine
                assert want["open_ar"] == 0 and want["dso"] is None, (unit, as_of)
                continue
            for name in ("open_ar", "overdue_ar", "dso"):
                value = want[name]
                if value is None:
                    assert row[name] is None, (unit, as_of, name)
                else:
                    assert row[name] == pytest.approx(value, abs=1e-6), (unit, as_of, name)
    assert {unit for unit, _ in got} <= set(units)


@pytest.mark.parametrize(
    "kinds",
    [
        ["account", "account", "account", "rollup", "rollup"],
        ["rollup", "rollup", "account", "account", "account"],
        ["account", "rollup", "account", "rollup", "account"],
        ["account", "account", "account"],
    ],
    ids=["roll-ups last", "roll-ups first", "interleaved", "no roll-up"],
)
def test_a_view_splits_its_two_kinds_of_row_in_any_order(kinds: list[str]) -> None:
    import pyarrow as pa

    from kamdash.engine.store import _split_kinds

    names = iter(["a1", "a2", "a3"])
    periods = iter([1, 2])
    # typed as DuckDB types them: a struct column even when all of it is null
    table = pa.table(
        {
            "row_kind": kinds,
            "account_row": pa.array(
                [{"account_id": next(names)} if kind == "account" else None for kind in kinds],
                type=pa.struct([("account_id", pa.string())]),
            ),
            "rollup_row": pa.array(
                [{"period_index": next(periods)} if kind == "rollup" else None for kind in kinds],
                type=pa.struct([("period_index", pa.int64())]),
            ),
        }
    )
    accounts, rollups = _split_kinds(table)
    assert accounts.column("account_id").to_pylist() == ["a1", "a2", "a3"]
    assert rollups.column("period_index").to_pylist() == [1, 2][: kinds.count("rollup")]
