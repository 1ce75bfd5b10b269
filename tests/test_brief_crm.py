"""The meeting brief's "before the meeting" (contract v2) on the hand-made export of
tests/crmkit.py: who to meet (decision makers not met in 90 days, a detractor, a single
thread), the renewal date, open opportunities to advance and unsigned acts to bring, each
rule firing where it should and quiet where it should not, in English and Russian; the QBR
deck's stakeholder and pipeline slides; the one-page PDF with them; the page's brief with a
name full of markup shown as text; and a KAM's brief and deck holding only their own rows."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from appkit import open_page
from crmkit import PERIOD, D, activity, closing_doc, contact, crm_tables, opportunity
from exportkit import write_export
from pptx import Presentation
from pypdf import PdfReader

from kamdash import Store, open_store
from kamdash.engine.measures import Language
from kamdash.errors import NotFoundError
from kamdash.report.brief import build_brief
from kamdash.report.exports import qbr
from kamdash.report.exports.deck import build_deck
from kamdash.report.exports.pdf import build_pdf, pdf_from
from kamdash.ui.i18n import t

MARKUP_NAME = "**x** <b>Пётр</b>"
CRM = ("contacts", "activities", "opportunities", "closing_documents")

# what a KAM reads before meeting A1 at D (30.06.2024), said by hand in both languages
A1_POINTS: dict[str, list[str]] = {
    "en": [
        f"Meet the decision makers nobody has met in 90 days: {MARKUP_NAME}",
        "Win over a decision maker who is against us: Контакт C2",
        "Renewal due: the contract ends Sep 28, 2024",
        # open at D, most advanced first: O2 (negotiate, 0.5), O1 (qualify, default 0.1);
        # O4 is open at D but already lost: nothing to advance
        "Advance Cat1: negotiate, ₽2.00K at 50%, close expected Feb 1, 2025",
        "Advance Cat1: qualify, ₽1.00K at 10%, close expected Sep 30, 2024",
        # CD3 (500), CD1 (half of I1's 1200) and CD4 (300)
        "Bring 3 documents for signature, ₽1.40K: oldest CD3 (act) issued Mar 1, 2024, "
        "121 days unsigned",
    ],
    "ru": [
        f"Встретиться с ЛПР, с которыми никто не общался 90 дней: {MARKUP_NAME}",
        "Переубедить ЛПР, настроенного против нас: Контакт C2",
        "Пора продлевать: договор действует до 28.09.2024",
        "Продвинуть «Cat1»: переговоры, 2,00 тыс. ₽, вероятность 50 %, закрытие 01.02.2025",
        "Продвинуть «Cat1»: квалификация, 1,00 тыс. ₽, вероятность 10 %, закрытие 30.09.2024",
        "Взять на подпись 3 док. на 1,40 тыс. ₽: самый старый CD3 (акт) от 01.03.2024, "
        "без подписи 121 дн.",
    ],
}


def plain(text: str) -> str:
    # number formats use narrow no-break spaces; PDF extraction turns or drops them
    return re.sub(r"\s+", "", text.replace("\u202f", " ").replace("\xa0", " "))


def spaced(points: tuple[str, ...]) -> list[str]:
    # Russian figures are grouped by narrow no-break spaces: read here as spaces
    return [point.replace("\u202f", " ") for point in points]


def crm_with_markup() -> dict[str, list[dict[str, Any]]]:
    tables = crm_tables()
    tables["contacts"][4]["full_name"] = MARKUP_NAME  # C5, the decision maker not met
    return tables


@pytest.fixture(scope="module")
def crm_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_export(tmp_path_factory.mktemp("crm") / "export", crm_with_markup())


@pytest.fixture(scope="module")
def store(crm_export: Path) -> Store:
    return open_store(crm_export)


@pytest.fixture(scope="module")
def v1_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    tables = crm_with_markup()
    for name in CRM:
        tables.pop(name)
    return open_store(write_export(tmp_path_factory.mktemp("v1") / "export", tables))


@pytest.fixture(scope="module")
def quiet_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A1 where no rule should fire: both active decision makers met in the 90 days by two
    people, none a detractor, no contract end date, nothing open, every document signed."""
    tables = crm_tables()
    tables["accounts"][0]["contract_end_on"] = None
    tables["contacts"] = [
        contact("C1", "A1", "decision_maker", attitude="supporter"),
        contact("C5", "A1", "decision_maker", attitude="neutral"),
        contact("C9", "A1", "decision_maker", attitude="detractor", active=False),  # left
    ]
    tables["activities"] = [
        activity("X1", "A1", D, "meeting", "C1"),
        activity("X2", "A1", D - dt.timedelta(days=89), "call", "C5"),  # first day of the 90
    ]
    tables["opportunities"] = [
        opportunity("O3", "A1", 3000.0, "won", dt.date(2024, 2, 1), D, closed=D),
    ]
    tables["closing_documents"] = [
        closing_doc("CD1", "I1", dt.date(2024, 6, 2), D),  # signed on D
    ]
    return open_store(write_export(tmp_path_factory.mktemp("quiet") / "export", tables))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_brief_says_who_to_meet_the_renewal_what_to_advance_and_sign(
    store: Store, lang: Language
) -> None:
    brief = build_brief(store, "A1", *PERIOD, language=lang)
    assert spaced(brief.meeting_points) == A1_POINTS[lang]
    assert [(m.kind, m.names) for m in brief.who_to_meet] == [
        ("not_met", (MARKUP_NAME,)),
        ("detractor", ("Контакт C2",)),
    ]
    assert [o.opportunity_id for o in brief.opportunities] == ["O2", "O1"]
    assert [d.closing_doc_id for d in brief.unsigned_documents] == ["CD3", "CD1", "CD4"]
    assert brief.renewal is not None and brief.renewal.due and not brief.renewal.expired


@pytest.mark.parametrize(
    ("account_id", "lang", "points"),
    [
        # C6 never met; only C7 was named in 90 days (Y3 names nobody); ends D + 91 days
        (
            "A2",
            "en",
            [
                "Meet the decision makers nobody has met in 90 days: Контакт C6",
                "Single-threaded: in 90 days only Контакт C7 was contacted; meet someone else too",
                "The contract ends Sep 29, 2024",
            ],
        ),
        (
            "A2",
            "ru",
            [
                "Встретиться с ЛПР, с которыми никто не общался 90 дней: Контакт C6",
                "Один контакт: за 90 дней общались только с Контакт C7; нужен выход на других",
                "Договор действует до 29.09.2024",
            ],
        ),
        # trading on an expired contract: renew; A4's expired contract saw a credit note only
        (
            "A3",
            "en",
            ["The contract ended May 31, 2024 and the client is still invoiced: renew it"],
        ),
        ("A3", "ru", ["Договор истёк 31.05.2024, а отгрузки продолжаются: продлить договор"]),
        ("A4", "en", ["The contract ended May 31, 2024"]),
        ("A4", "ru", ["Договор истёк 31.05.2024"]),
    ],
)
def test_each_rule_fires_on_its_account(
    store: Store, account_id: str, lang: Language, points: list[str]
) -> None:
    assert spaced(build_brief(store, account_id, *PERIOD, language=lang).meeting_points) == points


def test_rules_stay_quiet_where_none_should_fire(
    quiet_store: Store, v1_store: Store, store: Store
) -> None:
    brief = build_brief(quiet_store, "A1", *PERIOD)
    assert brief.meeting_points == ()
    assert (brief.who_to_meet, brief.renewal, brief.opportunities) == ((), None, ())
    assert brief.unsigned_documents == () and brief.unsigned_text is None
    # a v1 export: only the contract date of accounts speaks; the talking points are as before
    v1 = build_brief(v1_store, "A1", *PERIOD)
    assert list(v1.meeting_points) == ["Renewal due: the contract ends Sep 28, 2024"]
    assert build_brief(store, "A1", *PERIOD).talking_points == v1.talking_points


def slide_texts(slide: Any) -> list[str]:
    found = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            found.append(shape.text_frame.text)
        if shape.has_table:
            found.extend(cell.text for row in shape.table.rows for cell in row.cells)
    return found


def table_rows(slide: Any) -> list[list[str]]:
    [table] = [shape.table for shape in slide.shapes if shape.has_table]
    return [[cell.text for cell in row.cells] for row in table.rows]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_deck_gains_a_stakeholder_and_a_pipeline_slide(
    store: Store, v1_store: Store, lang: Language
) -> None:
    deck = Presentation(io.BytesIO(build_deck(store, "A1", *PERIOD, language=lang)))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert len(titles) == 10
    assert titles[6:8] == [qbr.t("slide.stakeholders", lang), qbr.t("slide.pipeline", lang)]
    people, deals = deck.slides[6], deck.slides[7]
    header, *rows = table_rows(people)
    assert header[0] == qbr.t("col.contact", lang) and header[5] == qbr.t("col.status", lang)
    # the store's order: active decision makers first; the markup name as plain text
    assert [row[0] for row in rows] == store.stakeholders("A1", D)["full_name"].to_list()
    flagged = [row[0] for row in rows if row[5] == qbr.t("contact.not_met", lang)]
    assert flagged == [MARKUP_NAME]
    assert [row[0] for row in rows if row[5] == qbr.t("contact.left", lang)] == ["Контакт C3"]
    assert any(A1_POINTS[lang][0] in text for text in slide_texts(people))
    deal_rows = table_rows(deals)[1:]
    assert [row[0] for row in deal_rows] == [
        qbr.t(f"stage.{stage}", lang) for stage in ("negotiate", "qualify", "lost", "won", "lost")
    ]
    body = "\n".join(slide_texts(deals))
    assert A1_POINTS[lang][2] in body.replace("\u202f", " ")  # the renewal
    assert qbr.t("col.weighted", lang) in body
    # a v1 export: the eight slides, none of these
    v1 = Presentation(io.BytesIO(build_deck(v1_store, "A1", *PERIOD, language=lang)))
    v1_titles = [slide.shapes.title.text for slide in v1.slides]
    assert len(v1_titles) == 8 and qbr.t("slide.pipeline", lang) not in v1_titles


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_pdf_brief_fits_the_meeting_points_on_its_one_page(store: Store, lang: Language) -> None:
    reader = PdfReader(io.BytesIO(build_pdf(store, "A1", *PERIOD, language=lang)))
    assert len(reader.pages) == 1
    text = plain(reader.pages[0].extract_text())
    assert plain(qbr.t("section.meeting", lang).upper()) in text
    brief = build_brief(store, "A1", *PERIOD, language=lang)
    for point in (*brief.meeting_points, *brief.talking_points):
        assert plain(point) in text, point
    # crowded: a dozen times the issues still leave the meeting points on the one page
    data = qbr.collect(store, "A1", *PERIOD, language=lang)
    crowded = replace(data, brief=replace(data.brief, issues=data.brief.issues * 12))
    reader = PdfReader(io.BytesIO(pdf_from(crowded)))
    assert len(reader.pages) == 1
    crowded_text = plain(reader.pages[0].extract_text())
    for point in brief.meeting_points:
        assert plain(point) in crowded_text, point


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_account_page_brief_shows_names_as_text(
    crm_export: Path, monkeypatch: pytest.MonkeyPatch, lang: Language
) -> None:
    monkeypatch.setenv("KAMDASH_DATA_DIR", str(crm_export))
    at = open_page("account", account="A1", lang=lang, start=PERIOD[0].isoformat(),
                   end=PERIOD[1].isoformat())  # fmt: skip
    markdown = [str(m.value) for m in at.markdown]
    assert f"**{t('brief.meeting', lang)}**" in markdown
    [points] = [m for m in markdown if "CD3" in m and m.startswith("- ")]
    # the name's asterisks escaped: Streamlit shows them, nothing turns bold
    assert "\\*\\*x\\*\\*" in points and "**x**" not in points.replace("\\*", "")
    assert "\\<b\\>Пётр\\</b\\>" in points  # shown as typed, never as HTML


def test_a_kams_brief_and_deck_hold_only_their_accounts_rows(store: Store) -> None:
    k2 = store.restricted(["A2", "A4"])
    with pytest.raises(NotFoundError):
        build_brief(k2, "A1", *PERIOD)
    with pytest.raises(NotFoundError):
        build_deck(k2, "A1", *PERIOD)
    deck = Presentation(io.BytesIO(build_deck(k2, "A2", *PERIOD)))
    everything = "\n".join(text for slide in deck.slides for text in slide_texts(slide))
    for other in ("Контакт C1", "Контакт C2", MARKUP_NAME, "CD3", "Cat1"):
        assert other not in everything
    assert "Контакт C6" in everything and "Контакт C7" in everything


def test_finance_reads_the_unsigned_documents_without_margin(store: Store) -> None:
    finance = store.restricted(None, hide_margins=True)
    brief = build_brief(finance, "A1", *PERIOD)
    assert brief.unsigned_text == A1_POINTS["en"][-1]
    deck = Presentation(io.BytesIO(build_deck(finance, "A1", *PERIOD)))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert qbr.t("slide.pipeline", "en") in titles
    kpis = {shape.name for shape in deck.slides[1].shapes if shape.name.startswith("kpi:")}
    assert "kpi:gross_margin" not in kpis and "kpi:revenue" in kpis


def test_an_opportunity_without_a_category_is_said_plainly() -> None:
    from kamdash.report.brief import wording

    close = dt.date(2024, 9, 30)
    assert wording.opportunity(None, "propose", 100.0, 0.3, close, "en") == (
        "Advance an opportunity: propose, ₽100 at 30%, close expected Sep 30, 2024"
    )
    said = wording.opportunity(None, "propose", 100.0, 0.3, close, "ru").replace("\u202f", " ")
    assert (
        said == "Продвинуть возможность: предложение, 100 ₽, вероятность 30 %, закрытие 30.09.2024"
    )
