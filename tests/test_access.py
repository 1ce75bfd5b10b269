"""Row-level scope in the core: each role gets exactly its accounts from every method."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import exportkit as ek
import pytest

from kamdash import NotFoundError, open_store
from kamdash.engine.access import (
    AccessConfig,
    Principal,
    data_range,
    email_trusted,
    resolve,
    scoped_store,
    table_summaries,
)
from kamdash.engine.store import MARGIN_COLUMNS, Store
from kamdash.errors import KamdashError

D = dt.date
START, END = D(2024, 1, 1), D(2024, 12, 31)
CONFIG = AccessConfig.from_mapping(
    {"access": {"directors": ["Boss@Company.ru"], "finance": ["cfo@company.ru"]}}
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    tables = ek.base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": "petr@x.ru"})
    tables["accounts"] += [ek.account("A2"), ek.account("B1", kam_id="K2")]
    for number, account in enumerate(["A1", "A2", "B1", "B1"]):
        invoice_id = f"I{number}"
        tables["invoices"].append(ek.invoice(invoice_id, account, D(2024, 3, 1 + number), 1200.0))
        tables["invoice_lines"].append(ek.line(invoice_id, 1, "P1", 10, 1000.0, 600.0))
    tables["payments"].append(ek.payment("PAY0", "A1", "I0", D(2024, 4, 1), 600.0))
    return open_store(ek.write_export(tmp_path_factory.mktemp("access"), tables))


def figures_by_method(store: Store) -> dict[str, set[str]]:
    """Which accounts each API method lets through."""
    return {
        "accounts": set(store.accounts(START, END)["account_id"]),
        "account_list": set(store.account_list()["account_id"]),
        "open_items": set(store.open_items(END)["account_id"]),
        "monthly": set(store.monthly(START, END, level="account")["unit_id"]),
        "payment_behaviour": set(store.payment_behaviour(START, END, level="account")["unit_id"]),
        "receivables_trend": set(store.receivables_trend(START, END, level="account")["unit_id"]),
        # the tiles-and-table statement returns each kind of row whole, inside a struct
        "accounts_and_portfolio_over": set(
            store.accounts_and_portfolio_over([(START, END, None)])[0][0]["account_id"]
        ),
        "filter_cannot_widen": set(
            store.accounts(START, END, account_id=["A1", "B1"])["account_id"]
        ),
    }


def test_roles_are_resolved_from_config_and_managers(store: Store) -> None:
    assert resolve(store, CONFIG, "boss@company.ru") == Principal("boss@company.ru", "director")
    assert resolve(store, CONFIG, " CFO@company.ru ") == Principal("cfo@company.ru", "finance")
    assert resolve(store, CONFIG, "Anna@Example.ru") == Principal(
        "anna@example.ru", "kam", frozenset({"K1"})
    )
    assert resolve(store, CONFIG, "stranger@x.ru") is None
    assert resolve(store, CONFIG, None) is None


@pytest.mark.parametrize(
    ("claims", "trusted"),
    [
        ({"email": "anna@example.ru", "email_verified": True}, True),
        ({"email": "anna@example.ru", "email_verified": "true"}, True),
        ({"email": "anna@example.ru", "email_verified": "TRUE"}, True),
        ({"email": "anna@example.ru"}, True),  # the provider does not say: see docs/security.md
        ({"email": "anna@example.ru", "email_verified": None}, True),
        ({"email": "anna@example.ru", "email_verified": False}, False),
        ({"email": "anna@example.ru", "email_verified": "false"}, False),
        ({"email": "anna@example.ru", "email_verified": 1}, False),
        ({"email": "anna@example.ru", "email_verified": ""}, False),
    ],
)
def test_only_an_email_the_token_does_not_call_unverified_is_trusted(
    claims: dict[str, object], trusted: bool
) -> None:
    assert email_trusted(claims) is trusted


def test_a_kam_sees_only_their_accounts_everywhere(store: Store) -> None:
    anna = scoped_store(store, Principal("anna@example.ru", "kam", frozenset({"K1"})))
    seen = figures_by_method(anna)
    assert seen.pop("filter_cannot_widen") == {"A1"}
    # only A1 has paid anything, so only A1 has payment behaviour
    assert seen == {name: {"A1"} if name == "payment_behaviour" else {"A1", "A2"} for name in seen}
    assert anna.portfolio(START, END)["revenue"] == pytest.approx(2000.0)
    _, [tiles] = anna.accounts_and_portfolio_over([(START, END, None)])
    assert (tiles["revenue"], tiles["accounts"]) == (pytest.approx(2000.0), 2)
    assert anna.bridge(D(2023, 1, 1), D(2023, 12, 31), START, END)["revenue"] == pytest.approx(
        2000.0
    )
    assert anna.product_mix(START, END)["revenue"].sum() == pytest.approx(2000.0)
    assert set(anna.kams(START, END)["kam_id"]) == {"K1"}
    assert set(anna.managers()["kam_id"]) == {"K1"}


def test_dates_are_those_of_the_viewers_own_accounts(store: Store) -> None:
    """B1 (K2) holds the latest invoices (3 and 4 March); Anna's A1 and A2 end on 2 March, and
    only A1 has a payment (1 April)."""
    anna = scoped_store(store, Principal("anna@example.ru", "kam", frozenset({"K1"})))
    petr = scoped_store(store, Principal("petr@x.ru", "kam", frozenset({"K2"})))
    boss = scoped_store(store, Principal("boss@company.ru", "director"))
    assert data_range(anna) == (D(2024, 3, 1), D(2024, 3, 2))
    assert data_range(petr) == (D(2024, 3, 3), D(2024, 3, 4))
    assert data_range(boss) == store.data_range() == (D(2024, 3, 1), D(2024, 3, 4))

    def dated(viewer: Store) -> dict[str, tuple[str | None, str | None]]:
        return {s.table: (s.first_date, s.last_date) for s in table_summaries(viewer)}

    assert dated(anna)["invoices"] == ("2024-03-01", "2024-03-02")
    assert dated(anna)["payments"] == ("2024-04-01", "2024-04-01")
    # Пётр's accounts have no payment: no dates, rather than the export's
    assert dated(petr)["payments"] == (None, None)
    assert dated(petr)["invoices"] == ("2024-03-03", "2024-03-04")
    assert table_summaries(boss) == store.report.tables


def test_another_kams_account_is_not_found_exactly_like_a_missing_one(store: Store) -> None:
    petr = scoped_store(store, Principal("petr@x.ru", "kam", frozenset({"K2"})))
    with pytest.raises(NotFoundError) as hidden:
        petr.account("A1")
    with pytest.raises(NotFoundError) as missing:
        petr.account("ZZZ")
    assert str(hidden.value) == "account 'A1' not found"
    assert str(missing.value) == "account 'ZZZ' not found"
    assert petr.account("B1")["kam_id"] == "K2"
    assert petr.accounts(START, END, account_id="A1").is_empty()


def test_director_sees_all_and_finance_sees_no_margin(store: Store) -> None:
    boss = scoped_store(store, Principal("boss@company.ru", "director"))
    assert set(boss.accounts(START, END)["account_id"]) == {"A1", "A2", "B1"}
    finance = scoped_store(store, Principal("cfo@company.ru", "finance"))
    frames = [
        finance.accounts(START, END),
        finance.kams(START, END),
        finance.monthly(START, END),
        finance.product_mix(START, END),
        finance.groups(START, END),
    ]
    [table], [tiles] = finance.accounts_and_portfolio_over([(START, END, None)])
    frames.append(table)
    for frame in frames:
        assert MARGIN_COLUMNS & set(frame.columns)
        for name in MARGIN_COLUMNS & set(frame.columns):
            assert frame[name].null_count() == frame.height, name
    portfolio = finance.portfolio(START, END)
    for row in (portfolio, tiles):
        assert MARGIN_COLUMNS & set(row)
        assert all(row[name] is None for name in MARGIN_COLUMNS & set(row))
    assert tiles["revenue"] == portfolio["revenue"] == pytest.approx(4 * 1000.0)
    assert "gross_margin" in portfolio
    assert portfolio["open_ar"] == pytest.approx(4 * 1200.0 - 600.0)
    assert set(finance.accounts(START, END)["account_id"]) == {"A1", "A2", "B1"}
    # the unrestricted store is untouched by the views made from it
    assert "gross_margin" in store.accounts(START, END).columns


def test_bad_access_config_is_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "kamdash.toml"
    path.write_text('[access]\ndirectors = "boss@x.ru"\n')
    with pytest.raises(KamdashError, match=r"access\.directors must be a list"):
        AccessConfig.load(path)
    path.write_text("[access\n")
    with pytest.raises(KamdashError, match="is not valid TOML"):
        AccessConfig.load(path)
