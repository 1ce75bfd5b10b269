"""Issue 15, finding 1: a reference finding names the values that resolve to nothing.

The example keys say which rows to look at; the unresolved values (the most frequent five,
each with its row count) say what to add to the referenced table or correct. Both the text
and the JSON of `kamdash validate`, the cached report and the `/data` page carry them. A
missing kam_id is a house account (contract v2), never an unresolved reference.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import exportkit as ek
import pytest
from appkit import open_page

from kamdash import validate_folder
from kamdash.cli import main as cli_main
from kamdash.data.validation import ValidationReport
from kamdash.ui.i18n import t

D = dt.date


def every_account_under(kam_id: str | None) -> dict[str, list[dict[str, Any]]]:
    tables = ek.healthy_tables()
    for row in tables["accounts"]:
        row["kam_id"] = kam_id
    return tables


def test_validate_names_the_unknown_kam_and_its_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the case of the issue: every account points at K404, which managers does not have
    folder = ek.write_export(tmp_path / "export", every_account_under("K404"))
    assert cli_main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert (
        "WARNING accounts.kam_id: kam_id is not in managers; the account is shown without a "
        "KAM name (rule reference.kam_id; 2 rows; file accounts.parquet; "
        "unresolved 'K404' (2 rows); e.g. 'A1', 'A2')"
    ) in out

    assert cli_main(["validate", str(folder), "--format", "json"]) == 0
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert finding["rule"] == "reference.kam_id"
    assert finding["unresolved"] == [{"value": "K404", "rows": 2}]
    assert finding["unresolved_distinct"] == 1
    assert finding["examples"] == ["'A1'", "'A2'"]


@pytest.mark.parametrize(
    ("mutate", "table", "column", "unresolved"),
    [
        (
            lambda t: t["invoices"].append(ek.invoice("I9", "GHOST", D(2024, 3, 1), 240.0)),
            "invoices",
            "account_id",
            [("GHOST", 1)],
        ),
        (
            lambda t: t["invoice_lines"].extend(
                [ek.line("NOPE", 1, "P1", 1, 50.0, 20.0), ek.line("NOPE", 2, "P1", 1, 5.0, 2.0)]
            ),
            "invoice_lines",
            "invoice_id",
            [("NOPE", 2)],
        ),
        (
            lambda t: t["invoice_lines"][1].update(product_id="P404"),
            "invoice_lines",
            "product_id",
            [("P404", 1)],
        ),
        (
            lambda t: t["payments"].append(ek.payment("PAY7", "A1", "NOPE", D(2024, 3, 2), 70.0)),
            "payments",
            "invoice_id",
            [("NOPE", 1)],
        ),
        (
            lambda t: t["payments"].append(ek.payment("PAY8", "GHOST", None, D(2024, 3, 2), 30.0)),
            "payments",
            "account_id",
            [("GHOST", 1)],
        ),
        (
            lambda t: t["targets"].append(
                {"account_id": "A9", "month": D(2024, 2, 1), "revenue_target": 10.0}
            ),
            "targets",
            "account_id",
            [("A9", 1)],
        ),
    ],
    ids=[
        "invoice_account",
        "line_invoice",
        "line_product",
        "payment_invoice",
        "cash_account",
        "target_account",
    ],
)
def test_every_reference_rule_names_its_unresolved_values(
    tmp_path: Path, mutate: Any, table: str, column: str, unresolved: list[tuple[str, int]]
) -> None:
    tables = ek.healthy_tables()
    mutate(tables)
    report = validate_folder(ek.write_export(tmp_path / "export", tables))
    [finding] = [f for f in report.findings if (f.table, f.column) == (table, column)]
    assert finding.rule.startswith("reference.")
    assert list(finding.unresolved) == unresolved
    value, rows = unresolved[0]
    assert f"unresolved {value!r} ({rows} row" in finding.to_text()


def test_the_five_most_frequent_values_are_named_and_the_rest_counted(tmp_path: Path) -> None:
    tables = ek.healthy_tables()
    # seven unknown KAMs over 1 + 2 + ... + 7 accounts; K7 has the most
    tables["accounts"] = [
        ek.account(f"A{kam}-{n}", kam_id=f"K{kam}0") for kam in range(1, 8) for n in range(kam)
    ]
    tables["accounts"] += [ek.account("A1"), ek.account("A2")]  # the documents' accounts
    report = validate_folder(ek.write_export(tmp_path / "export", tables))
    [finding] = report.findings
    assert finding.count == 28
    assert list(finding.unresolved) == [("K70", 7), ("K60", 6), ("K50", 5), ("K40", 4), ("K30", 3)]
    assert finding.unresolved_distinct == 7
    assert (
        "unresolved 'K70' (7 rows), 'K60' (6 rows), 'K50' (5 rows), 'K40' (4 rows), "
        "'K30' (3 rows) and 2 more; e.g. 'A1-0', 'A2-0', 'A2-1', 'A3-0', 'A3-1'"
    ) in finding.to_text()


def test_a_missing_kam_is_a_house_account_not_an_unresolved_reference(tmp_path: Path) -> None:
    # no managers at all, and every account a house account: nothing is unresolved
    tables = every_account_under(None)
    tables["managers"] = []
    report = validate_folder(ek.write_export(tmp_path / "house", tables))
    assert report.findings == []
    # beside an unknown KAM, the house account is neither counted nor named
    tables = ek.healthy_tables()
    tables["accounts"][0]["kam_id"] = ""
    tables["accounts"][1]["kam_id"] = "K404"
    report = validate_folder(ek.write_export(tmp_path / "mixed", tables))
    [finding] = report.findings
    assert (finding.count, finding.unresolved, finding.examples) == (1, (("K404", 1),), ("'A2'",))


def test_the_cached_report_keeps_the_values_and_old_caches_still_load(tmp_path: Path) -> None:
    report = validate_folder(ek.write_export(tmp_path / "export", every_account_under("K404")))
    cached = report.to_cache()
    assert ValidationReport.from_cache(cached) == report
    # a report cached before the field existed loads, without unresolved values
    payload = json.loads(cached)
    for finding in payload["findings"]:
        del finding["unresolved"], finding["unresolved_distinct"]
    [old] = ValidationReport.from_cache(json.dumps(payload)).findings
    assert old.unresolved == () and old.examples == ("'A1'", "'A2'")
    assert "unresolved" not in old.to_text()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_data_page_shows_the_unresolved_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    tables = every_account_under("K404")
    tables["invoice_lines"][1]["product_id"] = "P404"
    folder = ek.write_export(tmp_path / "export", tables)
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(folder))
    at = open_page("data", lang=lang)
    findings = at.dataframe[0].value
    by_rule = dict(zip(findings["rule"], findings["unresolved"], strict=True))
    assert by_rule == {"reference.kam_id": "'K404' (2)", "reference.product_id": "'P404' (1)"}
    # the column is labelled in the page's language
    labels = json.loads(at.dataframe[0].proto.columns)
    assert labels["unresolved"]["label"] == t("col.unresolved", lang)
