"""The account page's Relationship, Pipeline and Closing documents sections and the renewal
flag (contract v2), under AppTest in both languages: on an export with the CRM and closing
document tables they show the Store's rows; without them each says which export fills it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from appkit import open_page
from crmkit import PERIOD, D, crm_tables
from exportkit import write_export
from streamlit.testing.v1 import AppTest

from kamdash import open_store
from kamdash.engine.measures import Language, measure
from kamdash.report.formatting import format_measure
from kamdash.ui.i18n import t

VIEW = {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()}
MARKUP_NAME = "**Жирный** <b>Пётр</b> [ссылка](http://x.ru)"


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "warning", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def frames(at: AppTest) -> list[Any]:
    return [frame.value for frame in at.dataframe]


def with_column(at: AppTest, column: str) -> Any:
    found = [frame for frame in frames(at) if column in frame.columns]
    assert found, f"no table with {column}"
    return found[0]


@pytest.fixture(scope="module")
def crm_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = crm_tables()
    # the CRM's text is shown as text: a name full of markup must not become markup
    tables["contacts"][4]["full_name"] = MARKUP_NAME  # C5, the decision maker not met
    return write_export(tmp_path_factory.mktemp("crm") / "export", tables)


@pytest.fixture(scope="module")
def v1_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = {
        name: rows
        for name, rows in crm_tables().items()
        if name not in ("contacts", "activities", "opportunities", "closing_documents")
    }
    return write_export(tmp_path_factory.mktemp("v1") / "export", tables)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_account_page_answers_who_to_meet_what_to_sell_what_to_sign(
    crm_export: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(crm_export))
    store = open_store(crm_export)
    at = open_page("account", account="A1", lang=lang, **VIEW)
    shown = texts(at)
    for key in ("rel.section", "pipe.section", "close.section"):
        assert t(key, lang) in [s.value for s in at.subheader]
    # the renewal flag in the header: the contract ends on D + 90 days
    assert t("renewal.due", lang) in shown
    # who to meet: C5 (markup in the name, escaped) is the active decision maker not met
    warning = next(w.value for w in at.warning if t("rel.not_met", lang, names="") in w.value)
    assert "\\*\\*Жирный\\*\\*" in warning and "**Жирный**" not in warning.replace("\\*", "")
    people = with_column(at, "full_name")
    api = store.stakeholders("A1", D)
    assert people["full_name"].tolist() == api["full_name"].to_list()
    assert MARKUP_NAME in people["full_name"].tolist()
    flagged = people[people["touch_status"] == t("rel.not_met_flag", lang)]["full_name"].tolist()
    assert flagged == [MARKUP_NAME]
    tiles = {m.label: m.value for m in at.metric}
    coverage = measure("decision_maker_coverage").label(lang)
    assert tiles[coverage] == format_measure(2 / 3, "decision_maker_coverage", lang, short=True)
    weighted = measure("weighted_pipeline").label(lang)
    assert tiles[weighted] == format_measure(1100.0, "weighted_pipeline", lang, short=True)
    # what to sell: open O2, O1, O4 then won O3 and lost O5
    deals = with_column(at, "weighted_amount")
    assert deals["amount"].tolist() == [2000.0, 1000.0, 500.0, 3000.0, 1500.0]
    # what they must sign: oldest first
    unsigned = with_column(at, "days_unsigned")
    assert unsigned["closing_doc_id"].tolist() == ["CD3", "CD1", "CD4"]
    assert unsigned["amount"].sum() == pytest.approx(1400.0)
    titles = [json.loads(chart.proto.spec)["title"]["text"] for chart in at.get("vega_lite_chart")]
    assert t("rel.timeline", lang) in titles


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_without_the_optional_tables_each_section_names_its_export(
    v1_export: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(v1_export))
    at = open_page("account", account="A1", lang=lang, **VIEW)
    notes = [info.value for info in at.info]
    for key, export in (
        ("rel.no_crm", "contacts.parquet"),
        ("pipe.no_data", "opportunities.parquet"),
        ("close.no_data", "closing_documents.parquet"),
    ):
        assert t(key, lang) in notes
        assert export in t(key, lang)
    labels = {m.label for m in at.metric}
    assert measure("weighted_pipeline").label(lang) not in labels
    assert measure("unsigned_closing_amount").label(lang) not in labels
    assert not any("days_unsigned" in frame.columns for frame in frames(at))


def test_a_kam_never_sees_another_kams_crm_rows(
    crm_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(crm_export).restricted(["A2"])  # K2's account only
    with pytest.raises(Exception, match="not found"):
        store.stakeholders("A1", D)
    with pytest.raises(Exception, match="not found"):
        store.opportunities("A1", *PERIOD)
    with pytest.raises(Exception, match="not found"):
        store.recent_activities("A1", D)
    with pytest.raises(Exception, match="not found"):
        store.activity_timeline("A1", dt.date(2023, 1, 1), D)
    assert store.closing_document_listing(D).total == 0
    assert store.closing_document_listing(D, account_id="A1").total == 0
    assert store.signed_on_time_trend(*PERIOD).is_empty()
    rows = store.accounts(*PERIOD)
    assert rows["account_id"].to_list() == ["A2"]
    assert store.stakeholders("A2", D)["full_name"].to_list() == ["Контакт C6", "Контакт C7"]


def test_at_risk_gains_the_relationship_signs_as_the_oracle_says(crm_export: Path) -> None:
    import oracle

    from kamdash.ui import insights

    store = open_store(crm_export)
    periods = [(PERIOD[0], PERIOD[1], None), (dt.date(2023, 4, 1), dt.date(2023, 6, 30), None)]
    listed = store.account_listing("at_risk", periods, limit=None).rows
    got = {row["account_id"]: insights.signed_reasons(row) for row in listed.iter_rows(named=True)}
    rows = store.accounts(*PERIOD)
    want = {}
    for row in rows.iter_rows(named=True):
        found = oracle.reasons(row, D)
        if found and (row["revenue"] or row["revenue_prior_year"]):
            want[row["account_id"]] = found
    # A1: renewal due and C2, a decision maker, is a detractor; A2: single-threaded and no
    # meeting for 150 days; A3: renewal (trading on an expired contract) and never met
    assert {k: [r.kind for r in v] for k, v in got.items()} == {
        k: [r.kind for r in v] for k, v in want.items()
    }
    relationship = {"no_meeting", "single_thread", "contract_renewal", "detractor"}

    def signs(account_id: str) -> list[str]:
        return [r.kind for r in got[account_id] if r.kind in relationship]

    assert signs("A1") == ["contract_renewal", "detractor"]
    assert signs("A2") == ["no_meeting", "single_thread"]
    assert signs("A3") == ["no_meeting", "contract_renewal"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_portfolio_shows_relationship_columns_reasons_and_the_landing_tile(
    crm_export: Path, v1_export: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(crm_export))
    at = open_page("portfolio", lang=lang, **VIEW)
    accounts = with_column(at, "weighted_pipeline")
    store = open_store(crm_export)
    api = store.accounts(*PERIOD)
    by_id = dict(zip(api["account_name"], api["weighted_pipeline"], strict=True))
    for name, value in zip(accounts["account_name"], accounts["weighted_pipeline"], strict=True):
        assert value == pytest.approx(by_id[name])
    assert {"days_since_last_meeting", "unsigned_closing_amount"} <= set(accounts.columns)
    reasons = " ".join(with_column(at, "reasons")["reasons"].tolist())
    assert t("risk.single_thread", lang) in reasons
    assert t("risk.detractor", lang) in reasons
    landing = store.landing(D)
    tile = {m.label: m.value for m in at.metric}[measure("landing_forecast").label(lang)]
    assert tile == format_measure(landing["landing_forecast"], "landing_forecast", lang, short=True)
    assert landing["landing_forecast"] == pytest.approx(sum(api["landing_forecast"].to_list()))

    monkeypatch.setenv("KAMDASH_DATA_DIR", str(v1_export))
    at = open_page("portfolio", lang=lang, **VIEW)
    assert not any("weighted_pipeline" in frame.columns for frame in frames(at))
    shown = " ".join(" ".join(f["reasons"].tolist()) for f in frames(at) if "reasons" in f)
    assert t("risk.single_thread", lang) not in shown
