"""The `/data` page of a folder written by `kamdash import`: the mapping it used and, per file,
the rows and money read, written and rejected (the same counts the command printed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from appkit import open_page
from importkit import EXAMPLE_MAPPING

from kamdash.data.importing import import_export


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("imported") / "data"
    assert import_export(EXAMPLE_MAPPING.parent, EXAMPLE_MAPPING, out).published
    return out


def test_data_page_shows_the_import(imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(imported))
    at = open_page("data", lang="ru")
    assert "Импорт из отчётов" in [h.value for h in at.subheader]
    frames = [d.value for d in at.dataframe]
    files = next(f for f in frames if "skipped" in f.columns)
    invoices = files[files["file"] == "Реализации.csv"].iloc[0]
    assert (invoices["table"], invoices["read"], invoices["written"]) == ("invoices", 73, 73)
    assert (invoices["rejected"], invoices["skipped"]) == (0, 1)  # the «Итого» row
    assert len(files) == 7
    money = next(f for f in frames if list(f.columns)[:2] == ["file", "column"])
    amount = money[money["column"] == "invoices.amount_due"].iloc[0]
    assert amount["read"] == amount["written"] == pytest.approx(25_125_841.93)
    assert amount["rejected"] == 0
    assert [c.value.strip() for c in at.code] == [
        EXAMPLE_MAPPING.read_text(encoding="utf-8").strip()
    ]


def test_data_page_of_an_export_shows_no_import(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page("data", lang="en")  # sample_data: written by kamdash generate
    assert "Imported from reports" not in [h.value for h in at.subheader]
