"""Issue 15, finding 4: the export date is what the export says, not the files' clock.

The export states when it was made in `_export.json` (`exported_at`). With it, the banner, the
`/data` page, the QBR deck and PDF, chart stamps and table sheets give that date; without it
they say "files modified …" (a copy or a clone resets a file's time, so it is no export date).
The manifest is part of the data version, is never read as a table, and the generator writes
one for the data's last day.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from pathlib import Path

import exportkit as ek
import openpyxl
import polars as pl
import pytest
from appkit import open_page
from pptx import Presentation
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest
from test_brief import END, START, brief_tables

from kamdash import open_store, validate_folder
from kamdash.data.sources import discover
from kamdash.engine.measures import Language
from kamdash.report.exports.deck import build_deck
from kamdash.report.exports.images import stamp_for
from kamdash.report.exports.pdf import build_pdf
from kamdash.report.exports.tables import table_xlsx
from kamdash.report.formatting import format_date
from kamdash.tools.generate import generate_export
from kamdash.ui.exports import Scope
from kamdash.ui.i18n import t

D = dt.date
MANIFEST = "_export.json"  # the name the README's contract gives it
EXPORTED_AT = "2026-06-30T18:00:00+03:00"
# a clone's time: what a fresh checkout gives every file, long after the export
CLONED = dt.datetime(2026, 12, 7, 9, 41)


def write(folder: Path, *, manifest: str | None) -> Path:
    """The brief's export in `folder`, every file dated `CLONED`, with this manifest text."""
    ek.write_export(folder, brief_tables())
    if manifest is not None:
        (folder / MANIFEST).write_text(manifest, encoding="utf-8")
    stamp = CLONED.timestamp()
    for path in folder.rglob("*"):
        os.utime(path, (stamp, stamp))
    return folder


@pytest.fixture(scope="module")
def stated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(
        tmp_path_factory.mktemp("stated"), manifest=json.dumps({"exported_at": EXPORTED_AT})
    )


@pytest.fixture(scope="module")
def unstated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("unstated"), manifest=None)


def banner(at: AppTest, lang: Language) -> str:
    """The data banner above every page: folder, as-of date and export time."""
    start = t("banner.data", lang, folder="", as_of="", exported="").split("`")[0]
    [text] = [c.value for c in at.caption if c.value.startswith(start)]
    return text


# -- the data folder ---------------------------------------------------------------------------


def test_the_manifest_states_the_time_and_is_no_table(stated: Path) -> None:
    sources = discover(stated)
    assert sources.manifest == stated / MANIFEST
    exported = sources.export_time()
    assert exported is not None and not exported.files_modified
    assert exported.moment == dt.datetime.fromisoformat(EXPORTED_AT)
    # read by no table, and no finding: the folder validates as it did without it
    assert all(MANIFEST not in str(path) for s in sources.tables.values() for path in s.files)
    assert validate_folder(stated).findings == []


def test_without_a_manifest_the_time_is_only_the_files_modification(unstated: Path) -> None:
    exported = discover(unstated).export_time()
    assert exported is not None and exported.files_modified
    assert exported.moment == CLONED


def test_the_manifest_is_part_of_the_data_version(tmp_path: Path) -> None:
    folder = write(tmp_path / "export", manifest=None)
    versions = [discover(folder).fingerprint()]
    (folder / MANIFEST).write_text(json.dumps({"exported_at": EXPORTED_AT}))
    versions.append(discover(folder).fingerprint())
    (folder / MANIFEST).write_text(json.dumps({"exported_at": "2026-07-31T18:00:00+03:00"}))
    os.utime(folder / MANIFEST, ns=(0, (folder / MANIFEST).stat().st_mtime_ns + 10**9))
    versions.append(discover(folder).fingerprint())
    assert len(set(versions)) == 3
    store = open_store(folder)
    assert store.export_time is not None and store.export_time.date == D(2026, 7, 31)


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ('{"exported_at": "30.06.2026"}', "exported_at '30.06.2026' is not an ISO 8601 date"),
        ('{"exported": "2026-06-30"}', "_export.json has no exported_at text"),
        ("exported_at=2026-06-30", "_export.json is not UTF-8 JSON"),
    ],
    ids=["not_iso", "no_key", "not_json"],
)
def test_a_manifest_that_states_no_time_is_a_warning(
    tmp_path: Path, manifest: str, reason: str
) -> None:
    folder = write(tmp_path / "export", manifest=manifest)
    report = validate_folder(folder)
    [finding] = report.findings
    assert finding.severity == "warning" and finding.rule == "manifest.exported_at"
    assert finding.to_text().startswith(f"WARNING _export.json: {reason}")
    assert "files' modification time is shown instead" in finding.to_text()
    exported = open_store(folder).export_time
    assert exported is not None and exported.files_modified and exported.moment == CLONED


# -- what people read --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_banner_and_data_page_give_the_stated_export_time(
    stated: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(stated))
    expected = t("export.stated", lang, moment=f"{format_date(D(2026, 6, 30), lang)} 18:00")
    at = open_page(lang=lang)
    assert banner(at, lang).endswith(expected)
    at = open_page("data", lang=lang)
    assert expected in "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_without_a_manifest_the_banner_says_files_modified(
    unstated: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(unstated))
    text = banner(open_page(lang=lang), lang)
    moment = f"{format_date(CLONED.date(), lang)} 09:41"
    assert text.endswith(t("export.files_modified", lang, moment=moment))
    assert ("last export" if lang == "en" else "последняя выгрузка") not in text


def _deck_text(content: bytes) -> str:
    slide = Presentation(io.BytesIO(content)).slides[0]
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def _pdf_text(content: bytes) -> str:
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize(
    ("kind", "lang", "said_stated", "said_modified"),
    [
        # each medium in one language (a deck or PDF takes seconds to draw); both say both
        ("deck", "en", "data exported Jun 30, 2026", "data files modified Dec 7, 2026"),
        ("pdf", "ru", "выгрузка 30.06.2026", "файлы данных изменены 07.12.2026"),
    ],
)
def test_the_qbr_deck_and_pdf_say_which_date_they_give(
    stated: Path,
    unstated: Path,
    kind: str,
    lang: Language,
    said_stated: str,
    said_modified: str,
) -> None:
    build, read = (build_deck, _deck_text) if kind == "deck" else (build_pdf, _pdf_text)
    text = read(build(open_store(stated), "A1", START, END, language=lang))
    assert said_stated in text and said_modified not in text
    text = read(build(open_store(unstated), "A1", START, END, language=lang))
    assert said_modified in text and said_stated not in text


def test_chart_stamps_and_table_sheets_say_which_date_they_give(
    stated: Path, unstated: Path
) -> None:
    stamp = stamp_for(open_store(stated), "A1", START, END, language="ru")
    assert "Выгрузка данных: 30.06.2026" in stamp.text()
    stamp = stamp_for(open_store(unstated), "A1", START, END)
    assert "Data files modified: Dec 7, 2026" in stamp.text()
    assert "exported" not in stamp.text()
    # the app's downloads: the table's description sheet, from the page's scope and store
    for folder, fact in ((stated, "Data exported"), (unstated, "Data files modified")):
        scope = Scope("All", "all", START, END, END, "en", open_store(folder)).table_scope("T")
        xlsx = table_xlsx(pl.DataFrame({"a": [1]}), None, scope)
        about = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[1]
        facts = {row[0]: row[1] for row in about.iter_rows(values_only=True) if row[0]}
        expected = "Jun 30, 2026" if folder == stated else "Dec 7, 2026"
        assert facts.get(fact) == expected, facts


# -- the generator -----------------------------------------------------------------------------


def test_the_generator_states_the_datas_last_day(tmp_path: Path) -> None:
    generate_export(tmp_path, accounts=3, lines=400, start=D(2025, 1, 1), end=D(2025, 9, 30))
    manifest = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["exported_at"] == "2025-09-30T18:00:00+03:00"
    assert not [f for f in validate_folder(tmp_path).findings if f.rule.startswith("manifest")]
    exported = open_store(tmp_path).export_time
    assert exported is not None and not exported.files_modified


def test_the_sample_data_states_its_export() -> None:
    sample = Path(__file__).resolve().parent.parent / "sample_data"
    manifest = json.loads((sample / MANIFEST).read_text(encoding="utf-8"))
    # what `kamdash generate --out sample_data --seed 7` writes: the data ends 2026-06-30
    assert manifest["exported_at"] == EXPORTED_AT
