"""The team page's relationship columns and the receivables page's closing documents (contract
v2) under AppTest in both languages, against numbers computed by hand from tests/crmkit.py;
without the optional tables each section says which export fills it and nothing else changes;
and a KAM's session holds only their own book's rows on both pages, finance sees the closing
documents but no margin."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from appkit import open_page, serve, signed_in, write_secured_export
from crmkit import PERIOD, D, closing_doc, crm_tables
from exportkit import account, write_export
from streamlit.testing.v1 import AppTest

from kamdash import open_store
from kamdash.engine.measures import Language, measure
from kamdash.report.formatting import format_measure
from kamdash.ui.i18n import t

VIEW = {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()}
CRM = ("contacts", "activities", "opportunities", "closing_documents")
# K1's book is A1 and A3: landing A1 2250 + 1850 / 90 × 184 + 100, A3 50 + 50 / 90 × 184,
# against A1's plan of 12 × 500 (A3 has none)
K1_LANDING = 2250 + 1850 / 90 * 184 + 100 + 50 + 50 / 90 * 184


def frames(at: AppTest) -> list[Any]:
    return [frame.value for frame in at.dataframe]


def with_column(at: AppTest, column: str) -> Any:
    found = [frame for frame in frames(at) if column in frame.columns]
    assert found, f"no table with {column}"
    return found[0]


def chart_rows(at: AppTest, title: str) -> list[dict[str, Any]]:
    for chart in at.get("vega_lite_chart"):
        if json.loads(chart.proto.spec)["title"]["text"] == title:
            tables = [pa.ipc.open_stream(d.data.data).read_all() for d in chart.proto.datasets]
            return max(tables, key=lambda table: table.num_rows).to_pylist()
    raise AssertionError(f"no chart titled {title!r}")


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["title"]["text"] for chart in at.get("vega_lite_chart")]


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def with_house_account(tables: dict[str, list[dict[str, Any]]]) -> None:
    """A5, served by no KAM, met once in the period: the house row keeps its figures."""
    tables["accounts"].append(account("A5", kam_id=None))
    tables["activities"].append(
        {
            "activity_id": "H1",
            "account_id": "A5",
            "contact_id": None,
            "kam_id": None,
            "activity_date": dt.date(2024, 5, 5),
            "activity_type": "visit",
            "subject": None,
        }
    )


@pytest.fixture(scope="module")
def crm_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = crm_tables()
    with_house_account(tables)
    return write_export(tmp_path_factory.mktemp("crm") / "export", tables)


@pytest.fixture(scope="module")
def v1_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = crm_tables()
    with_house_account(tables)
    for name in CRM:
        tables.pop(name)
    return write_export(tmp_path_factory.mktemp("v1") / "export", tables)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_team_page_shows_each_books_meetings_coverage_pipeline_and_landing(
    crm_export: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(crm_export))
    at = open_page("team", lang=lang, **VIEW)
    team = with_column(at, "meetings_per_account").set_index("kam_name")
    house = t("house.name", lang)
    assert set(team.index) == {"Иванова Анна", "Петров Пётр", house}
    k1, k2, h = team.loc["Иванова Анна"], team.loc["Петров Пётр"], team.loc[house]
    # K1: one meeting (X1 on D) over A1 and A3; coverage pooled: A1 2 of 3, A3 has none
    assert k1["meetings_per_account"] == pytest.approx(0.5)
    assert k1["decision_maker_coverage"] == pytest.approx(2 / 3)
    assert k1["weighted_pipeline"] == pytest.approx(1100.0)
    assert k1["landing_vs_plan"] == pytest.approx(K1_LANDING / 6000 - 1)
    # K2: A2's QBR is before the period, its decision maker C6 was not met; no plan for 2024
    assert k2["meetings_per_account"] == 0
    assert k2["decision_maker_coverage"] == 0
    assert k2["weighted_pipeline"] == 0
    assert k2["landing_vs_plan"] is None or k2["landing_vs_plan"] != k2["landing_vs_plan"]
    # house accounts keep their row: A5's visit, no decision makers
    assert h["meetings_per_account"] == pytest.approx(1.0)
    assert h["accounts"] == 1


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_team_page_without_crm_tables_keeps_its_table_and_plan(
    v1_export: Path, crm_export: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(v1_export))
    at = open_page("team", lang=lang, **VIEW)
    team = with_column(at, "revenue")
    for name in ("meetings_per_account", "decision_maker_coverage", "weighted_pipeline"):
        assert name not in team.columns
    # landing needs invoices and the plan only: K1 lands without its pipeline's 100
    k1 = team.set_index("kam_name").loc["Иванова Анна"]
    assert k1["landing_vs_plan"] == pytest.approx((K1_LANDING - 100) / 6000 - 1)
    assert t("house.name", lang) in team["kam_name"].tolist()
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(crm_export))
    with_crm = with_column(open_page("team", lang=lang, **VIEW), "revenue")
    extra = {"meetings_per_account", "decision_maker_coverage", "weighted_pipeline"}
    assert set(with_crm.columns) - set(team.columns) == extra
    assert with_crm["revenue"].tolist() == team["revenue"].tolist()


def test_closing_document_aging_by_hand_and_its_identity(tmp_path: Path) -> None:
    """Days unsigned on each bucket's edges (5|6, 30|31, 90|91): the buckets sum to the
    unsigned amount, which is the worklist's total and the accounts' sum."""
    d = dt.date
    tables = crm_tables()
    tables["closing_documents"] = [
        closing_doc("E5", "I1", D - dt.timedelta(days=5)),  # 1200 (I1 has one document)
        closing_doc("E6", "I5", D - dt.timedelta(days=6)),  # 100 (A2)
        closing_doc("E30", "I4", D - dt.timedelta(days=30)),  # 700
        closing_doc("E31", "I2", D - dt.timedelta(days=31)),  # 500 / 2
        closing_doc("E90", "I0", D - dt.timedelta(days=90)),  # 9999
        closing_doc("E91", "I2", D - dt.timedelta(days=91)),  # 500 / 2
        closing_doc("S1", "I3", d(2024, 6, 28), d(2024, 6, 30)),  # signed on D: not unsigned
        closing_doc("S2", "I6", d(2024, 6, 10), d(2024, 6, 16)),  # 6 days: late
    ]
    store = open_store(write_export(tmp_path / "export", tables))
    aging = store.closing_document_aging(*PERIOD)
    assert aging["unsigned_0_5"] == pytest.approx(1200.0)
    assert aging["unsigned_6_30"] == pytest.approx(100.0 + 700.0)
    assert aging["unsigned_31_90"] == pytest.approx(250.0 + 9999.0)
    assert aging["unsigned_91_plus"] == pytest.approx(250.0)
    assert aging["unsigned_closing_docs"] == 6
    buckets = ("unsigned_0_5", "unsigned_6_30", "unsigned_31_90", "unsigned_91_plus")
    assert sum(aging[name] for name in buckets) == pytest.approx(aging["unsigned_closing_amount"])
    listed = store.closing_document_listing(D, limit=None).rows
    assert listed["amount"].sum() == pytest.approx(aging["unsigned_closing_amount"])
    accounts = store.accounts(*PERIOD)
    assert accounts["unsigned_closing_amount"].sum() == pytest.approx(12499.0)
    # issued in P (April–June): E5, E6, E30, E31, E90 (on 1 April), S1 (2 days), S2 (6 days)
    assert aging["closing_docs_issued"] == 7
    assert aging["signed_on_time_pct"] == pytest.approx(1 / 7)
    # a KAM's scope: K2's A2 holds E6 only
    k2 = store.restricted(["A2", "A4"]).closing_document_aging(*PERIOD)
    assert (k2["unsigned_closing_amount"], k2["unsigned_6_30"]) == (100.0, 100.0)


def test_signed_on_time_trend_by_hand(tmp_path: Path) -> None:
    store = open_store(write_export(tmp_path / "export", crm_tables()))
    trend = store.signed_on_time_trend(dt.date(2024, 1, 1), D)
    # March: CD3 signed in July (late); April: CD5 on the 5th day (on time); June: CD2 in 3
    # days, CD1 and CD4 unsigned
    assert trend["month"].to_list() == [d.replace(day=1) for d in (D.replace(month=3),
                                        D.replace(month=4), D)]  # fmt: skip
    assert trend["signed_on_time_pct"].to_list() == pytest.approx([0.0, 1.0, 1 / 3])


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_receivables_page_shows_closing_aging_worklist_and_trend(
    crm_export: Path, v1_export: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(crm_export))
    at = open_page("receivables", lang=lang, **VIEW)
    assert t("close.section", lang) in [s.value for s in at.subheader]
    shown = tiles(at)
    label = measure("unsigned_closing_amount").label(lang)
    assert shown[label] == format_measure(1400.0, "unsigned_closing_amount", lang, short=True)
    on_time = measure("signed_on_time_pct").label(lang)
    assert shown[on_time] == format_measure(0.5, "signed_on_time_pct", lang, short=True)
    bars = {row["bucket"]: row["value"] for row in chart_rows(at, t("close.aging", lang))}
    assert bars == {
        measure("unsigned_0_5").label(lang): 300.0,
        measure("unsigned_6_30").label(lang): 600.0,
        measure("unsigned_31_90").label(lang): 0.0,
        measure("unsigned_91_plus").label(lang): 500.0,
    }
    trend = chart_rows(at, t("close.trend", lang))
    assert [row["value"] for row in trend] == pytest.approx([0.0, 1.0, 1 / 3])
    worklist = with_column(at, "days_unsigned")
    assert worklist["closing_doc_id"].tolist() == ["CD3", "CD1", "CD4"]
    assert worklist["days_unsigned"].tolist() == [121, 28, 2]
    assert set(worklist["account_name"]) == {"ООО «Клиент A1»"}
    assert t("chart.aging", lang) in chart_titles(at)  # AR aging stays beside it

    monkeypatch.setenv("KAMDASH_DATA_DIR", str(v1_export))
    bare = open_page("receivables", lang=lang, **VIEW)
    assert t("close.no_data", lang) in [info.value for info in bare.info]
    assert "closing_documents.parquet" in t("close.no_data", lang)
    # nothing else changes: the same sections, tiles, charts and tables less the closing ones
    assert [s.value for s in bare.subheader] == [s.value for s in at.subheader]
    assert set(tiles(bare)) == set(shown) - {
        label,
        on_time,
        measure("unsigned_closing_docs").label(lang),
    }
    assert chart_titles(bare) == [
        title
        for title in chart_titles(at)
        if title not in (t("close.aging", lang), t("close.trend", lang))
    ]
    assert not any("days_unsigned" in frame.columns for frame in frames(bare))
    assert len(frames(bare)) == len(frames(at)) - 1


# -- access ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = crm_tables()
    tables["managers"][1]["email"] = "petr@example.ru"  # K2 signs in too
    # a document K2 must collect, beside K1's CD1, CD3 and CD4
    tables["closing_documents"].append(closing_doc("CD6", "I5", dt.date(2024, 6, 20)))
    return write_secured_export(tmp_path_factory.mktemp("secured"), tables)


@pytest.mark.parametrize(
    ("email", "documents", "kams"),
    [
        ("anna@example.ru", ["CD3", "CD1", "CD4"], ["Иванова Анна"]),
        ("petr@example.ru", ["CD6"], ["Петров Пётр"]),
    ],
)
def test_a_kam_sees_only_their_books_closing_documents_and_team_row(
    secured: Path,
    monkeypatch: pytest.MonkeyPatch,
    email: str,
    documents: list[str],
    kams: list[str],
) -> None:
    serve(monkeypatch, secured)
    at = open_page("receivables", user=signed_in(email), **VIEW)
    assert with_column(at, "days_unsigned")["closing_doc_id"].tolist() == documents
    team = open_page("team", user=signed_in(email), **VIEW)
    assert with_column(team, "meetings_per_account")["kam_name"].tolist() == kams


def test_finance_sees_closing_documents_but_no_margin(
    secured: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(monkeypatch, secured)
    at = open_page("receivables", user=signed_in("cfo@company.ru"), **VIEW)
    assert with_column(at, "days_unsigned")["closing_doc_id"].tolist() == [
        "CD3",
        "CD1",
        "CD6",
        "CD4",
    ]
    team = open_page("team", user=signed_in("cfo@company.ru"), **VIEW)
    rows = with_column(team, "weighted_pipeline")
    assert rows["weighted_pipeline"].sum() == pytest.approx(1100.0)
    assert "gross_margin_pct" not in rows.columns
