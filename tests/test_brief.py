"""The meeting brief's rules on hand-made exports: each rule fires where it must, none where
nothing is wrong, and every figure in it is the store API's."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import exportkit as ek
import pytest

from kamdash import Store, open_store
from kamdash.engine.periods import Period
from kamdash.errors import NotFoundError
from kamdash.report.brief import build_brief, peer_category_spend, previous_period
from kamdash.report.formatting import format_percent

D = dt.date
START, END = D(2025, 4, 1), D(2025, 6, 30)  # Q2 2025; previous quarter Q1, prior year Q2 2024


def brief_tables() -> dict[str, list[dict[str, Any]]]:
    """Account A1 trips every rule; Q1 is a quiet, healthy account; B1–B3 are A1's IT peers.

    A1: GM % 40 % a year ago → 20 % now; Cat2 bought a year ago and last quarter, not now;
    pays 20 days late now, on time last quarter; two unpaid invoices (91 and 30 days past
    due) make open AR 800 against a 900 limit; its active peers B1, B2 and B4 all buy Cat3,
    and B4 alone buys Cat4. B4 is managed by K2, the others by K1 (A1's KAM).
    """
    tables = ek.base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Petrov Ivan", "email": None})
    tables["accounts"] = [
        ek.account("A1", account_name="ООО «Альфа»", industry="IT", credit_limit=900.0),
        ek.account("B1", industry="IT"),
        ek.account("B2", industry="IT"),
        ek.account("B3", industry="IT"),  # dormant: not an active peer
        ek.account("B4", industry="IT", kam_id="K2"),  # another KAM's client
        ek.account("Q1", account_name="АО «Тихая Гавань»", industry="Retail", kam_id="K2",
                   credit_limit=10_000.0),
        ek.account("R2", industry="Retail"),
    ]  # fmt: skip
    tables["products"] = [
        {"product_id": "P1", "product_name": "Бумага A4", "category": "Cat1"},
        {"product_id": "P2", "product_name": "Тонер", "category": "Cat2"},
        {"product_id": "P3", "product_name": "Сервер", "category": "Cat3"},
        {"product_id": "P4", "product_name": "Кабель", "category": "Cat4"},
    ]
    add = ek.add_document
    # A1
    add(tables, "A-PY1", "A1", D(2024, 5, 10), [("P1", 10, 1000, 600), ("P2", 5, 500, 300)])
    add(tables, "A-Q1a", "A1", D(2025, 1, 15), [("P1", 10, 1000, 600), ("P2", 2, 200, 120)])
    add(tables, "A-old", "A1", D(2025, 3, 1), [("P1", 5, 500, 300)])
    add(tables, "A-Q2a", "A1", D(2025, 4, 5), [("P1", 10, 1000, 800)])
    add(tables, "A-Q2b", "A1", D(2025, 5, 1), [("P1", 3, 300, 240)])
    # peers of A1 in IT
    add(tables, "B1-1", "B1", D(2025, 5, 3), [("P3", 1, 400, 200), ("P1", 1, 100, 50)])
    add(tables, "B2-1", "B2", D(2025, 6, 3), [("P3", 1, 600, 300)])
    add(tables, "B3-1", "B3", D(2023, 6, 3), [("P2", 1, 100, 50)])
    add(tables, "B4-1", "B4", D(2025, 6, 10), [("P3", 1, 800, 400), ("P4", 1, 900, 450)])
    # the quiet account and its only Retail peer, who buys what it buys
    add(tables, "Q-PY", "Q1", D(2024, 5, 10), [("P1", 10, 1000, 700)])
    add(tables, "Q-Q1", "Q1", D(2025, 2, 10), [("P1", 10, 1000, 700)])
    add(tables, "Q-Q2", "Q1", D(2025, 5, 10), [("P1", 11, 1100, 770)])
    add(tables, "R2-1", "R2", D(2025, 5, 20), [("P1", 2, 200, 140)])
    tables["payments"] = [
        ek.payment("PAY1", "A1", "A-PY1", D(2024, 6, 5), 1500.0),
        ek.payment("PAY2", "A1", "A-Q1a", D(2025, 2, 10), 1200.0),
        ek.payment("PAY3", "A1", "A-Q2a", D(2025, 5, 25), 1000.0),  # due 5 May: 20 days late
        ek.payment("PAY4", "Q1", "Q-PY", D(2024, 6, 1), 1000.0),
        ek.payment("PAY5", "Q1", "Q-Q1", D(2025, 3, 1), 1000.0),
        ek.payment("PAY6", "Q1", "Q-Q2", D(2025, 6, 1), 1100.0),
        ek.payment("PAY7", "R2", "R2-1", D(2025, 6, 1), 200.0),
        ek.payment("PAY8", "B1", "B1-1", D(2025, 6, 1), 500.0),
        ek.payment("PAY9", "B2", "B2-1", D(2025, 6, 20), 600.0),
        ek.payment("PAY10", "B3", "B3-1", D(2023, 7, 1), 100.0),
    ]
    return tables


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return open_store(ek.write_export(tmp_path_factory.mktemp("brief"), brief_tables()))


def _row(store: Store, account_id: str, start: D, end: D) -> dict[str, Any]:
    return store.accounts(start, end, account_id=account_id).row(0, named=True)


def test_every_rule_fires_on_the_troubled_account(store: Store) -> None:
    brief = build_brief(store, "A1", START, END, language="en")
    assert brief.issue_kinds() == {
        "overdue",
        "credit_limit",
        "days_late",
        "margin_erosion",
        "stopped_category",
    }
    issues = {issue.kind: issue for issue in brief.issues}
    api = _row(store, "A1", START, END)

    # overdue documents, oldest first, with their open amounts; they sum to the API's overdue
    documents = [(d.item_id, d.days_past_due, d.open_balance) for d in brief.overdue_documents]
    assert documents == [("A-old", 91, 500.0), ("A-Q2b", 30, 300.0)]
    assert issues["overdue"].value == api["overdue_ar"] == 800.0
    assert "A-old" in issues["overdue"].text and "91 days" in issues["overdue"].text

    assert issues["credit_limit"].value == pytest.approx(api["credit_utilisation"])
    assert issues["credit_limit"].value == pytest.approx(800 / 900)

    assert (issues["days_late"].value, issues["days_late"].reference) == (20.0, 0.0)

    assert issues["margin_erosion"].value == pytest.approx(0.2)
    assert issues["margin_erosion"].reference == pytest.approx(0.4)
    assert "prior-year" in issues["margin_erosion"].text

    stopped = [(c.category, c.base.kind, c.revenue_base) for c in brief.stopped_categories]
    assert stopped == [("Cat2", "prior_year", 500.0)]

    # whitespace: all three active IT peers buy Cat3 (B3 bought nothing in the period);
    # Cat4 is bought by B4 alone, so its "median" would be B4's own spend: not offered
    [offer] = brief.whitespace
    assert (offer.category, offer.peers, offer.peer_buyers) == ("Cat3", 3, 3)
    assert offer.peer_share == 1.0
    assert offer.peer_median_revenue == 600.0  # median of 400, 600 and 800


def test_what_changed_uses_the_api_figures(store: Store) -> None:
    brief = build_brief(store, "A1", START, END, language="en")
    year, previous = brief.prior_year, brief.previous
    assert previous.base.period == Period(D(2025, 1, 1), D(2025, 3, 31))
    assert year.base.period == Period(D(2024, 4, 1), D(2024, 6, 30))
    now = _row(store, "A1", START, END)
    assert year.revenue == now["revenue"] == 1300.0
    assert year.revenue_change == pytest.approx(now["growth_yoy"])
    assert previous.revenue_base == _row(store, "A1", D(2025, 1, 1), D(2025, 3, 31))["revenue"]
    assert previous.revenue_change == pytest.approx(1300 / 1700 - 1)
    assert year.gross_margin_pct_change == pytest.approx(0.2 - 0.4)

    assert [p.product_id for p in year.products_up] == ["P1"]
    assert [p.product_id for p in year.products_down] == ["P2"]
    assert year.products_down[0].change == -500.0

    bridge = store.bridge(D(2024, 4, 1), D(2024, 6, 30), START, END, account_id="A1")
    for effect in ("price", "volume", "mix"):
        share = bridge[effect] / bridge["revenue_base"]
        assert f"{effect} {format_percent(share, 'en', signed=True)}" in (year.pvm_headline or "")
    assert year.pvm_headline is not None and year.pvm_headline.startswith("price ")


def test_talking_points_carry_figures_in_the_chosen_language(store: Store) -> None:
    for language in ("en", "ru"):
        brief = build_brief(store, "A1", START, END, language=language)
        assert 3 <= len(brief.talking_points) <= 6
        for point in brief.talking_points:
            assert re.search(r"\d", point), point
        cyrillic = [
            bool(re.search("[а-яё]", point, re.IGNORECASE)) for point in brief.talking_points
        ]
        # Russian sentences are Russian; English ones only quote Cyrillic product names
        assert all(cyrillic) if language == "ru" else not cyrillic[0]
    ru = build_brief(store, "A1", START, END, language="ru")
    assert ru.talking_points[0].startswith("Выручка")
    assert any("Просрочено" in issue.text for issue in ru.issues)
    assert ru.previous.base.versus == "к предыдущему кварталу"


def test_a_12_month_brief_says_the_prior_year_comparison_once(store: Store) -> None:
    """For 12 whole months the previous period is the prior-year period: "What changed"
    compares with it once (issue 15), in the app's text as in the Brief."""
    from kamdash.ui.views import brief_changes

    for language, versus, previous in (
        ("en", "vs the prior-year period", "previous 12 months"),
        ("ru", "к тому же периоду прошлого года", "предыдущим 12 мес."),
    ):
        brief = build_brief(store, "A1", D(2024, 7, 1), END, language=language)
        assert brief.previous.base.period == brief.prior_year.base.period
        [comparison] = brief.comparisons
        assert comparison.base.kind == "prior_year"
        shown = brief_changes(brief)
        assert shown.count(versus) == 1 and previous not in shown
        assert shown.splitlines()[0].startswith("- " + ("Revenue" if language == "en" else "Выр"))
    # a quarter still compares with the previous quarter and with the prior year
    quarter = build_brief(store, "A1", START, END, language="en")
    assert [c.base.kind for c in quarter.comparisons] == ["previous", "prior_year"]
    assert brief_changes(quarter).count("- Revenue") == 2


def test_no_rule_fires_on_a_healthy_account(store: Store) -> None:
    brief = build_brief(store, "Q1", START, END, language="en")
    assert brief.issues == ()
    assert brief.overdue_documents == ()
    assert brief.stopped_categories == ()
    assert brief.whitespace == ()  # its only peer buys what it buys
    assert 3 <= len(brief.talking_points) <= 6
    assert brief.talking_points[0] == "Revenue ₽1.10K, +10.0% vs the prior-year period."
    assert brief.prior_year.pvm_headline == "price 0.0%, volume +10.0%, mix 0.0%"


def test_peer_category_spend_mart(store: Store) -> None:
    frame = peer_category_spend(store, "A1", START, END)
    rows = {row["category"]: row for row in frame.iter_rows(named=True)}
    assert set(rows) == {"Cat1", "Cat3", "Cat4"}
    assert rows["Cat3"]["peer_revenue"] == 1800.0 and rows["Cat3"]["account_revenue"] == 0.0
    assert rows["Cat3"]["peer_median_revenue"] == 600.0
    assert rows["Cat1"]["peer_buyers"] == 1 and rows["Cat1"]["account_revenue"] == 1300.0
    assert frame["peers"].to_list() == [3, 3, 3]
    assert peer_category_spend(store, "nobody", START, END).is_empty()


def test_no_peer_figure_from_fewer_than_three_accounts(store: Store) -> None:
    """A median or total of one or two peers is an individual client's figure: the mart
    leaves it empty and the brief does not offer the category."""
    frame = peer_category_spend(store, "A1", START, END)
    rows = {row["category"]: row for row in frame.iter_rows(named=True)}
    for category in ("Cat1", "Cat4"):  # bought by B1 alone, by B4 alone
        assert rows[category]["peer_buyers"] == 1
        assert rows[category]["peer_median_revenue"] is None
        assert rows[category]["peer_revenue"] is None
    # Cat4 is bought by a third of the peers, enough to be offered, but by one account
    brief = build_brief(store, "A1", START, END, language="en")
    assert [item.category for item in brief.whitespace] == ["Cat3"]
    assert not any("900" in point for point in brief.talking_points)


def test_a_kams_peers_are_only_accounts_the_kam_may_see(store: Store) -> None:
    """For K1 (A1, B1–B3), B4 of K2 is no peer: two active peers remain, too few to quote."""
    k1 = store.restricted(["A1", "B1", "B2", "B3"])
    frame = peer_category_spend(k1, "A1", START, END)
    rows = {row["category"]: row for row in frame.iter_rows(named=True)}
    assert set(rows) == {"Cat1", "Cat3"}  # Cat4, bought only by B4, is not there at all
    assert frame["peers"].to_list() == [2, 2]
    assert rows["Cat3"]["peer_buyers"] == 2 and rows["Cat3"]["peer_median_revenue"] is None
    brief = build_brief(k1, "A1", START, END, language="en")
    assert brief.whitespace == ()
    assert not any("Cat3" in point or "Cat4" in point for point in brief.talking_points)
    # whoever sees B4 as well gets the director's whitespace
    wider = build_brief(store.restricted(["A1", "B1", "B2", "B4"]), "A1", START, END)
    director = build_brief(store, "A1", START, END)
    assert wider.whitespace == director.whitespace != ()


def test_unknown_account_is_a_clear_error(store: Store) -> None:
    with pytest.raises(NotFoundError, match="account 'ZZ' not found"):
        build_brief(store, "ZZ", START, END)


@pytest.mark.parametrize(
    ("period", "previous", "months"),
    [
        ((D(2025, 4, 1), D(2025, 6, 30)), (D(2025, 1, 1), D(2025, 3, 31)), 3),
        ((D(2026, 1, 1), D(2026, 6, 30)), (D(2025, 7, 1), D(2025, 12, 31)), 6),
        ((D(2024, 3, 1), D(2024, 3, 31)), (D(2024, 2, 1), D(2024, 2, 29)), 1),
        ((D(2025, 4, 10), D(2025, 4, 19)), (D(2025, 3, 31), D(2025, 4, 9)), 0),
    ],
)
def test_previous_period(period: tuple[D, D], previous: tuple[D, D], months: int) -> None:
    assert previous_period(Period(*period)) == (Period(*previous), months)


@pytest.fixture(scope="module")
def sample() -> Store:
    return open_store(Path(__file__).resolve().parent.parent / "sample_data")


@pytest.mark.parametrize("account_id", ["ACC-059", "ACC-011"])
def test_briefs_of_real_accounts(sample: Store, account_id: str) -> None:
    # a large account with overdue history and a churned one (no revenue this period)
    brief = build_brief(sample, account_id, "2026-04-01", "2026-06-30", language="ru")
    assert 3 <= len(brief.talking_points) <= 6
    row = _row(sample, account_id, D(2026, 4, 1), D(2026, 6, 30))
    assert brief.figures == row
    assert sum(d.open_balance for d in brief.overdue_documents) == pytest.approx(row["overdue_ar"])
