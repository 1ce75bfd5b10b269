"""Sign-in and row-level scope in the app, with AppTest's simulated users.

Each role opens every page and must see exactly its accounts; a deep link to another KAM's
account answers like a missing one; finance sees receivables but no margin; a person with no
role gets the no-access page; without `[auth]` the app says it is an open demo.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import exportkit as ek
import pytest
from appkit import ROOT, open_page, serve, signed_in, write_secured_export
from packaging.requirements import Requirement
from streamlit.testing.v1 import AppTest

from kamdash.engine.measures import measure
from kamdash.report.formatting import format_date, format_period
from kamdash.ui.i18n import t

D = dt.date


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = ek.base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": "petr@x.ru"})
    tables["accounts"] = [
        ek.account("A1", account_name="ООО «Альфа»"),
        ek.account("A2", account_name="АО «Бета»"),
        ek.account("B1", account_name="ПАО «Гамма»", kam_id="K2"),
    ]
    for number, account_id in enumerate(["A1", "A2", "B1"]):
        invoice_id = f"I{number}"
        tables["invoices"].append(
            ek.invoice(invoice_id, account_id, D(2025, 2, 1 + number), 1200.0 * (number + 1))
        )
        tables["invoice_lines"].append(
            ek.line(invoice_id, 1, "P1", 10, 1000.0 * (number + 1), 600.0)
        )
    folder = tmp_path_factory.mktemp("auth")
    return write_secured_export(folder, tables)


@pytest.fixture
def run(export: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    serve(monkeypatch, export)

    def open_as(user: dict[str, Any] | None, page: str = "portfolio", **params: str) -> AppTest:
        return open_page(page, user=user, start="2025-01-01", end="2025-12-31", **params)

    return open_as


def shown_text(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "warning", "error", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def account_names(at: AppTest) -> set[str]:
    return set(at.dataframe[0].value["account_name"].tolist())


def test_without_auth_the_app_is_an_open_demo(run: Any) -> None:
    at = run(None)
    assert t("auth.demo", "en") in shown_text(at)
    assert account_names(at) == {"ООО «Альфа»", "АО «Бета»", "ПАО «Гамма»"}


def test_signed_out_people_see_only_the_sign_in_page(run: Any) -> None:
    at = run({"is_logged_in": False})
    assert at.title[0].value == t("auth.sign_in_title", "en")
    assert [b.label for b in at.button] == [t("auth.sign_in", "en")]
    assert not at.dataframe and not at.metric
    assert "Альфа" not in shown_text(at)


def test_a_person_without_a_role_gets_no_access(run: Any) -> None:
    at = run(signed_in("stranger@x.ru"))
    assert at.title[0].value == t("auth.no_access_title", "en")
    assert "stranger@x.ru" in shown_text(at)
    assert not at.dataframe


@pytest.mark.parametrize(
    ("email", "visible"),
    [
        ("anna@example.ru", {"ООО «Альфа»", "АО «Бета»"}),
        ("petr@x.ru", {"ПАО «Гамма»"}),
        ("boss@company.ru", {"ООО «Альфа»", "АО «Бета»", "ПАО «Гамма»"}),
    ],
)
def test_each_role_sees_exactly_its_accounts_on_every_page(
    run: Any, email: str, visible: set[str]
) -> None:
    portfolio = run(signed_in(email))
    assert account_names(portfolio) == visible
    assert email in shown_text(portfolio)
    receivables = run(signed_in(email), "receivables")
    names_on_page = {
        name
        for frame in receivables.dataframe
        if "account_name" in frame.value.columns
        for name in frame.value["account_name"].tolist()
    }
    assert names_on_page <= visible and names_on_page
    team = run(signed_in(email), "team")
    kam_names = set(team.dataframe[0].value.iloc[:, 0].tolist())
    expected_kams = {"Иванова Анна"} if email == "anna@example.ru" else {"Петров Пётр"}
    if email == "boss@company.ru":
        expected_kams = {"Иванова Анна", "Петров Пётр"}
    assert kam_names == expected_kams


ROLES = {
    "boss@company.ru": ("director", {"ООО «Альфа»", "АО «Бета»", "ПАО «Гамма»"}),
    "cfo@company.ru": ("finance", {"ООО «Альфа»", "АО «Бета»", "ПАО «Гамма»"}),
    "anna@example.ru": ("kam", {"ООО «Альфа»", "АО «Бета»"}),
}


@pytest.mark.parametrize("email", sorted(ROLES))
@pytest.mark.parametrize("verified", [True, "true", None])
def test_a_verified_or_unstated_email_gets_its_role(
    run: Any, email: str, verified: bool | str | None
) -> None:
    """`email_verified` true (some providers send the text "true") or absent: the role."""
    user = signed_in(email)
    if verified is not None:
        user["email_verified"] = verified
    at = run(user)
    role, visible = ROLES[email]
    signed_in_as = t("auth.signed_in", "en", email=email, role=t(f"auth.role.{role}", "en"))
    assert signed_in_as in shown_text(at)
    assert account_names(at) == visible


@pytest.mark.parametrize("email", sorted(ROLES))
@pytest.mark.parametrize("verified", [False, "false", ""])
def test_an_unverified_email_gets_no_role_and_is_told_why(
    run: Any, email: str, verified: bool | str
) -> None:
    """A token saying the address is unverified: whoever typed a director's or a KAM's
    address at a provider that does not check it sees the no-access page, not their data."""
    at = run({**signed_in(email), "email_verified": verified})
    assert at.title[0].value == t("auth.no_access_title", "en")
    assert t("auth.unverified_body", "en", email=email) in shown_text(at)
    assert not at.dataframe and not at.metric
    assert "Альфа" not in shown_text(at) and "Гамма" not in shown_text(at)
    assert [b.label for b in at.button] == [t("auth.sign_out", "en")]


def test_another_kams_account_answers_like_a_missing_one(run: Any) -> None:
    hidden = run(signed_in("anna@example.ru"), "account", account="B1")
    missing = run(signed_in("anna@example.ru"), "account", account="NOPE")
    assert "Гамма" not in shown_text(hidden)
    assert shown_text(hidden).replace("B1", "?") == shown_text(missing).replace("NOPE", "?")
    own = run(signed_in("anna@example.ru"), "account", account="A1")
    assert own.title[0].value.endswith("«Альфа»")


def test_finance_sees_receivables_but_no_margin(run: Any) -> None:
    at = run(signed_in("cfo@company.ru"))
    labels = {m.label for m in at.metric}
    assert measure("open_ar").label("en") in labels
    assert measure("gross_margin").label("en") not in labels
    assert measure("gross_margin_pct").label("en") not in labels
    assert account_names(at) == {"ООО «Альфа»", "АО «Бета»", "ПАО «Гамма»"}
    for frame in at.dataframe:
        assert not {"gross_margin", "gross_margin_pct", "cogs"} & set(frame.value.columns)
    account = run(signed_in("cfo@company.ru"), "account", account="A1")
    assert measure("gross_margin_pct").label("en") not in {m.label for m in account.metric}
    assert measure("open_ar").label("en") in {m.label for m in account.metric}


@pytest.fixture(scope="module")
def late_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Anna (K1) has A1; Пётр's (K2) B1 holds the export's latest invoice, payment and plan
    month: Anna's own book ends on 10 Feb 2025 (invoices), 14 Feb (payments), 1 Feb (plan)."""
    tables = ek.base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": "petr@x.ru"})
    tables["accounts"] = [
        ek.account("A1", account_name="ООО «Альфа»"),
        ek.account("B1", account_name="ПАО «Гамма»", kam_id="K2"),
    ]
    for invoice_id, account_id, day in [
        ("I1", "A1", D(2025, 1, 15)),
        ("I2", "A1", D(2025, 2, 10)),
        ("I3", "B1", D(2025, 3, 20)),
    ]:
        tables["invoices"].append(ek.invoice(invoice_id, account_id, day, 1200.0))
        tables["invoice_lines"].append(ek.line(invoice_id, 1, "P1", 10, 1000.0, 600.0))
    tables["payments"] += [
        ek.payment("PAY1", "A1", "I1", D(2025, 2, 14), 1200.0),
        ek.payment("PAY2", "B1", "I3", D(2025, 4, 2), 1200.0),
    ]
    tables["targets"] = [
        {"account_id": a, "month": m, "revenue_target": 900.0, "gross_margin_target": 300.0}
        for a, m in [("A1", D(2025, 1, 1)), ("A1", D(2025, 2, 1)), ("B1", D(2025, 4, 1))]
    ]
    return write_secured_export(tmp_path_factory.mktemp("late"), tables)


DATED = ["invoices", "payments", "targets"]


def dated_ranges(at: AppTest) -> list[tuple[str, dt.date, dt.date]]:
    """The data page's tables table: first and last date of each dated table, as shown."""
    tables = at.dataframe[-1].value
    rows = tables[tables["table"].isin(DATED)]
    return [(r.table, r.first_date.date(), r.last_date.date()) for r in rows.itertuples()]


@pytest.mark.parametrize(
    ("email", "last_document", "ranges"),
    [
        (
            "anna@example.ru",
            D(2025, 2, 10),
            [
                ("invoices", D(2025, 1, 15), D(2025, 2, 10)),
                ("payments", D(2025, 2, 14), D(2025, 2, 14)),
                ("targets", D(2025, 1, 1), D(2025, 2, 1)),
            ],
        ),
        (
            "petr@x.ru",
            D(2025, 3, 20),
            [
                ("invoices", D(2025, 3, 20), D(2025, 3, 20)),
                ("payments", D(2025, 4, 2), D(2025, 4, 2)),
                ("targets", D(2025, 4, 1), D(2025, 4, 1)),
            ],
        ),
        (
            "boss@company.ru",
            D(2025, 3, 20),
            [
                ("invoices", D(2025, 1, 15), D(2025, 3, 20)),
                ("payments", D(2025, 2, 14), D(2025, 4, 2)),
                ("targets", D(2025, 1, 1), D(2025, 4, 1)),
            ],
        ),
    ],
)
def test_defaults_and_the_data_page_dates_come_from_the_viewers_own_book(
    late_export: Path,
    monkeypatch: pytest.MonkeyPatch,
    email: str,
    last_document: dt.date,
    ranges: list[tuple[str, dt.date, dt.date]],
) -> None:
    """Another KAM's account holds the export's latest document: a KAM's default period and
    as-of date still end on their own latest document, and the data page gives them their own
    tables' dates; a director sees the whole export's."""
    serve(monkeypatch, late_export)
    at = open_page("portfolio", user=signed_in(email))
    assert at.date_input(key="kamdash.w.as_of").value == last_document
    caption = t(
        "period_caption",
        "en",
        period=format_period(D(2025, 1, 1), last_document, "en"),
        prior=format_period(D(2024, 1, 1), last_document.replace(year=2024), "en"),
        as_of=format_date(last_document, "en"),
    )
    assert caption in shown_text(at)
    assert dated_ranges(open_page("data", user=signed_in(email))) == ranges


@pytest.fixture
def broken(export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same people, but an export whose invoices repeat a key (a validation error)."""
    tables = ek.base_tables()
    tables["accounts"] = [ek.account("A1", account_name="ООО «Альфа»")]
    twice = ek.invoice("SECRET-INV-1", "A1", D(2025, 2, 1), 1200.0)
    tables["invoices"] = [twice, dict(twice)]
    folder = ek.write_export(tmp_path / "broken", tables)
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(folder))
    monkeypatch.setenv("KAMDASH_ACCESS_FILE", str(export / "kamdash.toml"))
    return folder


@pytest.mark.parametrize("page", ["portfolio", "data"])
def test_a_broken_export_is_explained_to_directors_only(broken: Path, page: str) -> None:
    signed_out = open_page(page, user={"is_logged_in": False})
    assert signed_out.title[0].value == t("auth.sign_in_title", "en")
    assert "SECRET-INV-1" not in shown_text(signed_out)
    assert str(broken) not in shown_text(signed_out)
    for email in ("anna@example.ru", "cfo@company.ru", "stranger@x.ru"):
        kam = open_page(page, user=signed_in(email))
        assert t("error.ask_director", "en") in shown_text(kam)
        assert "SECRET-INV-1" not in shown_text(kam) and not kam.dataframe
    # a director's address the provider has not verified could be anyone's
    unverified = open_page(page, user={**signed_in("boss@company.ru"), "email_verified": False})
    assert t("error.ask_director", "en") in shown_text(unverified)
    assert "SECRET-INV-1" not in shown_text(unverified) and not unverified.dataframe
    director = open_page(page, user=signed_in("boss@company.ru"))
    assert t("error.invalid_title", "en") in shown_text(director)
    assert any(
        "SECRET-INV-1" in frame.value.to_string() for frame in director.dataframe
    ) or "SECRET-INV-1" in shown_text(director)


def test_the_app_installs_what_sign_in_needs() -> None:
    # `st.login` needs Authlib, which Streamlit installs only with its `auth` extra; without
    # it the "Sign in" button of every deployment with `[auth]` fails. A development tool
    # that happens to pull Authlib in (the test provider does) must not be what provides it.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = [Requirement(text) for text in pyproject["project"]["dependencies"]]
    streamlit = [r for r in requirements if r.name == "streamlit"]
    assert streamlit and "auth" in streamlit[0].extras, streamlit
