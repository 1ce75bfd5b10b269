"""What the account and data pages show each role, with AppTest's simulated users.

- finance (no cost or margin) reads the plan caption without a margin word;
- the data page's glossary defines no cost or margin measure for finance;
- a KAM's data page keeps the verdicts of the checks but no example key, file, row count or
  money total of the whole export (those name or add up other KAMs' accounts); a director's
  page keeps them all;
- an account in credit (negative credit-limit use) draws its account page on the sample data.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import exportkit as ek
import pytest
from appkit import open_page, serve, signed_in, write_secured_export
from streamlit.testing.v1 import AppTest
from test_app_exports import Files, downloads
from test_app_exports import files as files  # the fixture recording every download

from kamdash import open_store
from kamdash.engine.measures import Language, measure
from kamdash.report.formatting import format_measure
from kamdash.ui.i18n import t

D = dt.date
# the invoice of petr's client whose line names an unknown product: a warning whose example
# key is this id
PETR_INVOICE = "INV-PETR-7731"
MARGIN_WORDS = re.compile(r"margin|марж|cogs|себестоим|cost_amount", re.IGNORECASE)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = ek.base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": "petr@x.ru"})
    tables["accounts"] = [
        ek.account("A1", account_name="ООО «Альфа»"),
        ek.account("B1", account_name="ПАО «Гамма»", kam_id="K2"),
    ]
    ek.add_document(tables, "INV-ANNA-1", "A1", D(2025, 3, 1), [("P1", 10, 1000.0, 600.0)])
    ek.add_document(tables, PETR_INVOICE, "B1", D(2025, 4, 1), [("P-GONE", 2, 2000.0, 900.0)])
    tables["targets"] = [
        {
            "account_id": "A1",
            "month": D(2025, 3, 1),
            "revenue_target": 1500.0,
            "gross_margin_target": 500.0,
        }
    ]
    folder = tmp_path_factory.mktemp("role-pages")
    return write_secured_export(folder, tables)


@pytest.fixture
def run(export: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    serve(monkeypatch, export)

    def open_as(email: str, page: str, lang: Language = "en", **params: str) -> AppTest:
        view = {"start": "2025-01-01", "end": "2025-12-31", "lang": lang, **params}
        return open_page(page, user=signed_in(email), **view)

    return open_as


def texts(at: AppTest) -> list[str]:
    kinds = ("title", "markdown", "caption", "info", "warning", "error", "success", "subheader")
    return [str(e.value) for kind in kinds for e in getattr(at, kind)]


def tables_text(at: AppTest) -> str:
    """Headers and cells of every table on the page."""
    parts = []
    for element in [*at.dataframe, *at.table]:
        frame = element.value
        frame = frame.data if hasattr(frame, "data") else frame  # a Styler
        parts.append(" ".join(map(str, frame.columns)))
        parts.append(frame.to_csv(index=False))
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_finance_plan_caption_names_no_margin(run: Any, lang: Language) -> None:
    at = run("cfo@company.ru", "account", lang, account="A1")
    revenue_plan = format_measure(1500.0, "revenue", lang)
    plan = [c.value for c in at.caption if revenue_plan in c.value]
    assert plan and not [c for c in plan if MARGIN_WORDS.search(c)], plan
    assert plan == [t("account.plan_caption_revenue", lang, revenue=revenue_plan)]
    # the director's caption still gives the margin plan
    boss = [c.value for c in run("boss@company.ru", "account", lang, account="A1").caption]
    margin_plan = format_measure(500.0, "gross_margin", lang)
    expected = t("account.plan_caption", lang, revenue=revenue_plan, margin=margin_plan)
    assert expected in boss


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_finance_glossary_defines_no_cost_or_margin(run: Any, lang: Language) -> None:
    [glossary] = run("cfo@company.ru", "data", lang).table
    shown = glossary.value[t("col.measure", lang)].tolist()
    for name in ("cogs", "gross_margin", "gross_margin_pct"):
        assert measure(name).label(lang) not in shown
    assert measure("revenue").label(lang) in shown and measure("dso").label(lang) in shown
    assert not MARGIN_WORDS.search(glossary.value.to_csv(index=False))
    [everything] = run("boss@company.ru", "data", lang).table
    assert measure("gross_margin").label(lang) in everything.value[t("col.measure", lang)].tolist()


def test_a_kams_data_page_keeps_the_verdicts_and_names_no_other_account(
    run: Any, files: Files
) -> None:
    boss = run("boss@company.ru", "data")
    # the director's report quotes the other KAM's invoice as the finding's example
    assert PETR_INVOICE in tables_text(boss)
    assert {"count", "unresolved", "examples", "files"} <= set(boss.dataframe[0].value.columns)
    assert "'P-GONE' (1)" in boss.dataframe[0].value["unresolved"].tolist()

    anna = run("anna@example.ru", "data")
    shown = tables_text(anna) + "\n".join(texts(anna))
    assert PETR_INVOICE not in shown and "Гамма" not in shown and "B1" not in shown
    assert "P-GONE" not in shown  # the unknown product petr's client's line names
    [findings, tables] = anna.dataframe
    assert "reference.product_id" in findings.value["rule"].tolist()
    # no example keys, files or row counts of the whole export
    assert not {"count", "unresolved", "examples", "files"} & set(findings.value.columns)
    columns = tables.value.data.columns if hasattr(tables.value, "data") else tables.value.columns
    assert "rows" not in columns and "files" not in columns
    # no money total of the whole export either; the page says where the full report is
    assert t("data.conservation", "en") not in [s.value for s in anna.subheader]
    assert t("data.restricted", "en") in texts(anna)
    # the CSV downloads of the tables hold the same rows
    csvs = [found for _, found in downloads(anna, files) if found.file_name.endswith(".csv")]
    assert len(csvs) == 2
    for found in csvs:
        data = found.build()
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else str(data)
        assert "reference.product_id" in text or "invoice_lines" in text, found.file_name
        assert PETR_INVOICE not in text and "P-GONE" not in text, found.file_name


@pytest.fixture
def sample(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("KAMDASH_ACCESS_FILE", raising=False)
    return data_dir


@pytest.mark.parametrize(
    ("account_id", "start", "end"),
    [("ACC-029", "2026-01-01", "2026-03-31"), ("ACC-033", "2026-04-01", "2026-06-30")],
)
def test_an_account_in_credit_shows_its_credit_use(
    sample: Path, account_id: str, start: str, end: str
) -> None:
    """Open AR below zero makes credit-limit use negative: the bar is empty and the text
    still says the true figure."""
    store = open_store(sample)
    row = store.accounts(start, end, account_id=account_id).row(0, named=True)
    store.close()
    assert row["credit_utilisation"] < 0  # the case this guards
    at = open_page("account", start=start, end=end, account=account_id)
    [bar] = at.get("progress")
    assert bar.proto.value == 0
    use = format_measure(row["credit_utilisation"], "credit_utilisation", "en")
    assert use.startswith(("-", "−")) and use in bar.proto.text
