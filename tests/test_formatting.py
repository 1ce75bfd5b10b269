"""Locale formatting (kamdash.report.formatting) and chart builders (kamdash.report.charts),
without a browser.

Russian uses U+202F (narrow no-break space) as the thousands separator and before `₽`, `%` and
unit words; every expected string below spells it as `\\u202f` so the choice is visible.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import math
import re

import altair as alt
import polars as pl
import pytest
import vl_convert

from kamdash.engine.measures import MEASURES, Language, measure
from kamdash.report import charts
from kamdash.report.formatting import (
    MINUS,
    NEW_GROWTH,
    NNBSP,
    delta,
    format_date,
    format_days,
    format_measure,
    format_money,
    format_month,
    format_month_range,
    format_number,
    format_percent,
    format_period,
    format_points,
    format_value,
    format_years,
    growth_or_new,
)

S = NNBSP


# -- numbers and money -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "en", "ru"),
    [
        (1234567, "₽1,234,567", f"1{S}234{S}567{S}₽"),
        (0, "₽0", f"0{S}₽"),
        (999.4, "₽999", f"999{S}₽"),
        (-1234567.4, f"{MINUS}₽1,234,567", f"{MINUS}1{S}234{S}567{S}₽"),
        (-0.4, "₽0", f"0{S}₽"),  # no "−0"
        (1234567.5, "₽1,234,568", f"1{S}234{S}568{S}₽"),
    ],
)
def test_money_full(value: float, en: str, ru: str) -> None:
    assert format_money(value, "en") == en
    assert format_money(value, "ru") == ru


# one rule for short money: three significant digits, trailing zeros kept, the unit chosen
# after rounding, halves up; whole roubles below a thousand
SHORT_MONEY = [
    (4_251_387.78, "₽4.25M", f"4,25{S}млн{S}₽"),  # the QBR deck's revenue (issue 15)
    (672_000, "₽672K", f"672{S}тыс.{S}₽"),  # ... and its plan, once `₽672.0K`
    (1_200_000_000, "₽1.20B", f"1,20{S}млрд{S}₽"),
    (724_494_044.73, "₽724M", f"724{S}млн{S}₽"),
    (1_234_567_890, "₽1.23B", f"1,23{S}млрд{S}₽"),
    (12_345, "₽12.3K", f"12,3{S}тыс.{S}₽"),
    (9_996_000, "₽10.0M", f"10,0{S}млн{S}₽"),  # 9.996 → 10.0: one decimal, not two
    (99_960_000, "₽100M", f"100{S}млн{S}₽"),
    (1_125_000, "₽1.13M", f"1,13{S}млн{S}₽"),  # halves round up
    (950, "₽950", f"950{S}₽"),
    (999.6, "₽1.00K", f"1,00{S}тыс.{S}₽"),
    (999_600, "₽1.00M", f"1,00{S}млн{S}₽"),  # the unit is chosen after rounding
    (999_400, "₽999K", f"999{S}тыс.{S}₽"),
    (-26_366_076.65, f"{MINUS}₽26.4M", f"{MINUS}26,4{S}млн{S}₽"),
    (2.5e12, "₽2.50T", f"2,50{S}трлн{S}₽"),
    (0, "₽0", f"0{S}₽"),
]


@pytest.mark.parametrize(("value", "en", "ru"), SHORT_MONEY)
def test_money_short(value: float, en: str, ru: str) -> None:
    assert format_money(value, "en", short=True) == en
    assert format_money(value, "ru", short=True) == ru


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_chart_money_axis_reads_like_short_money(lang: Language) -> None:
    """The axis labels vl-convert draws (no browser) are `format_money(short=True)` of
    their ticks: the axis follows the same rule as tiles and the deck."""
    ticks = [value for value, _, _ in SHORT_MONEY if abs(value) < 1e12]
    frame = pl.DataFrame({"bucket": ["a", "b"], "value": [-3e7, 1.3e9]})
    chart = charts.configure(
        alt.Chart(frame.to_pandas())
        .mark_bar()
        .encode(
            y=alt.Y("bucket:N"),
            x=alt.X("value:Q", axis=charts.money_axis(lang, "T", values=ticks)),
        ),
        lang,
    )
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    labels = [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for value in ticks:
        assert format_money(value, lang, short=True) in labels, value
    assert len([label for label in labels if "₽" in label]) == len(ticks)


def test_signed_money() -> None:
    assert format_money(1_500_000, "ru", short=True, signed=True) == f"+1,50{S}млн{S}₽"
    assert format_money(-1_500_000, "en", short=True, signed=True) == f"{MINUS}₽1.50M"
    assert format_money(0.2, "en", signed=True) == "₽0"


def test_number_grouping() -> None:
    assert format_number(1234567.891, "en", 2) == "1,234,567.89"
    assert format_number(1234567.891, "ru", 2) == f"1{S}234{S}567,89"
    assert format_number(123, "ru") == "123"
    assert format_number(None, "ru") == "—"
    assert format_number(math.nan, "en") == "—"


@pytest.mark.parametrize(
    ("value", "en", "ru"),
    [
        (0.125, "12.5%", f"12,5{S}%"),
        (1.0402, "104.0%", f"104,0{S}%"),
        (-0.146, f"{MINUS}14.6%", f"{MINUS}14,6{S}%"),
        (-0.0004, "0.0%", f"0,0{S}%"),
        (None, "—", "—"),
    ],
)
def test_percent(value: float | None, en: str, ru: str) -> None:
    assert format_percent(value, "en") == en
    assert format_percent(value, "ru") == ru


def test_percent_signed_and_points() -> None:
    assert format_percent(0.232, "en", signed=True) == "+23.2%"
    assert format_percent(0.0, "en", signed=True) == "0.0%"
    assert format_points(0.012, "ru") == f"+1,2{S}п.п."
    assert format_points(-0.046, "en") == f"{MINUS}4.6 pp"


def test_days_and_years() -> None:
    assert format_days(51.29, "en") == "51 days"
    assert format_days(1, "en") == "1 day"
    assert format_days(51.29, "ru") == f"51{S}дн."
    assert format_days(-3, "ru", signed=True) == f"{MINUS}3{S}дн."
    assert [format_years(n, "ru") for n in (1, 2, 5, 11, 21, 22, 112)] == [
        f"1{S}год",
        f"2{S}года",
        f"5{S}лет",
        f"11{S}лет",
        f"21{S}год",
        f"22{S}года",
        f"112{S}лет",
    ]
    assert format_years(1, "en") == "1 year"
    assert format_years(13, "en") == "13 years"


def test_dates() -> None:
    day = dt.date(2025, 12, 31)
    assert format_date(day, "ru") == "31.12.2025"
    assert format_date(day, "en") == "Dec 31, 2025"
    assert format_date(dt.date(2026, 1, 5), "ru") == "05.01.2026"
    assert format_month(dt.date(2026, 6, 1), "ru") == "июнь 2026"
    assert format_month(dt.date(2026, 6, 1), "en") == "Jun 2026"
    assert format_period(dt.date(2026, 1, 1), dt.date(2026, 6, 30), "ru") == (
        "01.01.2026 – 30.06.2026"
    )
    assert format_period(day, day, "en") == "Dec 31, 2025"
    assert format_month_range(dt.date(2024, 7, 1), dt.date(2026, 6, 30), "en") == (
        "Jul 2024 – Jun 2026"
    )


def test_every_measure_formats_in_both_languages() -> None:
    for definition in MEASURES:
        for lang in ("en", "ru"):
            sample = "A" if definition.format == "text" else 0.5
            text = format_measure(sample, definition, lang)
            assert text and text != "—", definition.name
            assert format_measure(None, definition.name, lang) == "—"


def test_format_value_by_measure_format() -> None:
    assert format_value(525.22, "index", "ru") == "525"
    assert format_value(12345, "count", "ru") == f"12{S}345"
    assert format_value(1.04, "ratio", "en") == "1.04×"
    assert format_value("B", "text", "ru") == "B"
    assert format_measure(0.2000, "gross_margin_pct", "ru") == f"20,0{S}%"
    assert format_measure(51.29, "dso", "en") == "51 days"


# -- deltas ------------------------------------------------------------------------------------


def test_money_delta_is_relative_with_colour_from_the_measure() -> None:
    change = delta(724.5e6, 587.9e6, "revenue", "ru")
    assert change is not None
    assert change.text == f"+23,2{S}%"
    assert (change.direction, change.good) == ("up", True)
    # open AR going up is bad news
    change = delta(262e6, 205e6, "open_ar", "en")
    assert change is not None and change.direction == "up" and change.good is False


def test_money_delta_falls_back_to_an_amount() -> None:
    change = delta(100_000, 0, "open_ar", "en")
    assert change is not None and change.text == "+₽100K"
    change = delta(95e6, 100e6, "revenue", "ru", relative=False)
    assert change is not None and change.text == f"{MINUS}5,00{S}млн{S}₽"
    assert change.direction == "down" and change.good is False


# -- growth ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("growth", "en", "ru"),
    [
        (0.125, "12.5%", f"12,5{S}%"),
        (-0.171, f"{MINUS}17.1%", f"{MINUS}17,1{S}%"),
        (10.0, "1,000.0%", f"1{S}000,0{S}%"),  # ±1000 % is still a percentage
        (10.5, "×11.5", "×11,5"),
        (4_251_387.78 / 2222 - 1, "×1,913", f"×1{S}913"),  # was `+191 222,2 %` (issue 15)
        (98.97, "×100", "×100"),
        (NEW_GROWTH, "new", "новый"),
        (None, "—", "—"),
    ],
)
def test_growth_past_1000_percent_is_a_multiple_and_new_says_so(
    growth: float | None, en: str, ru: str
) -> None:
    assert format_measure(growth, "growth_yoy", "en") == en
    assert format_measure(growth, "growth_yoy", "ru") == ru


def test_revenue_delta_on_a_tiny_base_and_on_none() -> None:
    change = delta(4_251_387.78, 2222.0, "revenue", "ru")
    assert change is not None and change.text == f"×1{S}913"
    assert (change.direction, change.good) == ("up", True)
    change = delta(4_251_387.78, 0.0, "revenue", "en")
    assert change is not None and (change.text, change.direction) == ("new", "up")
    change = delta(4_251_387.78, 0.0, "revenue", "ru")
    assert change is not None and change.text == "новый"
    # the growth tile itself: points between a multiple and a percentage say nothing
    assert delta(1912.3, 0.1, "growth_yoy", "en") is None
    assert delta(NEW_GROWTH, 0.1, "growth_yoy", "en") is None
    change = delta(0.2, 0.1, "growth_yoy", "en")
    assert change is not None and change.text == "+10.0 pp"
    assert growth_or_new(None, 5.0) == NEW_GROWTH
    assert growth_or_new(None, 0.0) is None and growth_or_new(0.5, 5.0) == 0.5


def test_percent_delta_in_points_and_days_by_difference() -> None:
    change = delta(0.20, 0.21, "gross_margin_pct", "en")
    assert change is not None and change.text == f"{MINUS}1.0 pp" and change.good is False
    change = delta(51.3, 55.0, "dso", "ru")
    assert change is not None and change.text == f"{MINUS}4{S}дн." and change.good is True
    change = delta(525.0, 500.0, "hhi", "en")
    assert change is not None and change.text == "+25" and change.good is False


def test_delta_flat_missing_and_neutral() -> None:
    flat = delta(0.2, 0.2, "gross_margin_pct", "en")
    assert flat is not None and flat.direction == "flat" and flat.good is None
    assert not flat.text.startswith("+")
    assert delta(None, 1.0, "revenue", "en") is None
    assert delta(1.0, None, "revenue", "en") is None
    assert delta("A", "B", "abc_class", "en") is None
    neutral = delta(10.0, 5.0, "ar_current", "en")
    assert neutral is not None and neutral.good is None


# -- charts ------------------------------------------------------------------------------------


def _spec(chart: object) -> dict:
    return json.loads(chart.to_json())  # type: ignore[attr-defined]


def _rows(spec: dict, column: str) -> list[dict]:
    """The dataset of a (layered) chart spec that has `column`."""
    (rows,) = [rows for rows in spec["datasets"].values() if rows and column in rows[0]]
    return rows


def _accounts() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account_id": ["A1", "A2", "A3", "A4"],
            "account_name": ["ООО «Альфа»", "АО «Бета»", "ПАО «Гамма»", "ИП Дельта"],
            "revenue": [600.0, 300.0, 100.0, 0.0],
            "growth_yoy": [0.1, -0.2, None, None],
            "gross_margin_pct": [0.2, 0.3, 0.25, None],
            "overdue_pct": [0.1, 0.5, None, None],
        }
    )


def _curve() -> pl.DataFrame:
    """Store.concentration_curve's rows for accounts of revenue 600, 300 and 100."""
    return pl.DataFrame(
        {
            "rank": [1, 2, 3],
            "ranked_accounts": [3, 3, 3],
            "account_share": [1 / 3, 2 / 3, 1.0],
            "revenue_share": [0.6, 0.9, 1.0],
            "account_id": ["A1", "A2", "A3"],
            "account_name": ["Альфа", "Бета", "Гамма"],
            "revenue": [600.0, 300.0, 100.0],
        }
    )


def _growth_margin(accounts: pl.DataFrame) -> pl.DataFrame:
    """Store.growth_margin_map's rows: every account with both values a point."""
    return accounts.filter(
        pl.col("growth_yoy").is_not_null() & pl.col("gross_margin_pct").is_not_null()
    ).select(
        row_kind=pl.lit("point"),
        account_id="account_id",
        account_name="account_name",
        revenue="revenue",
        growth_yoy="growth_yoy",
        gross_margin_pct="gross_margin_pct",
        overdue_pct="overdue_pct",
        accounts_in_cell=pl.lit(None, dtype=pl.Int64),
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_chart_theme_carries_the_locale(lang: Language) -> None:
    spec = _spec(charts.pareto(_curve(), lang, title="T", rank_label="r", cumulative_label="c"))
    number = spec["config"]["locale"]["number"]
    assert number["decimal"] == ("," if lang == "ru" else ".")
    assert number["thousands"] == (NNBSP if lang == "ru" else ",")
    months = spec["config"]["locale"]["time"]["shortMonths"]
    assert months[5] == ("июн" if lang == "ru" else "Jun")
    assert spec["title"]["text"] == "T"


def test_pareto_draws_the_running_share_against_the_share_of_accounts() -> None:
    spec = _spec(
        charts.pareto(
            _curve(), "en", title="T", subtitle="2026", rank_label="r", cumulative_label="c"
        )
    )
    assert spec["title"]["subtitle"] == "2026"
    rows = _rows(spec, "account_id")
    assert [r["account_id"] for r in rows] == ["A1", "A2", "A3"]
    assert [r["cumulative_text"] for r in rows] == ["60.0%", "90.0%", "100.0%"]
    assert rows[0]["revenue_text"] == "₽600"
    assert rows[1]["accounts_text"] == "2 (66.7%)"


def test_waterfall_steps_add_up() -> None:
    bridge = {
        "revenue_base": 100.0,
        "volume": 10.0,
        "mix": -5.0,
        "price": 3.0,
        "new": 2.0,
        "lost": -1.0,
        "revenue": 109.0,
    }
    spec = _spec(
        charts.waterfall(bridge, "ru", title="T", base_label="Было", current_label="Стало")
    )
    (rows,) = spec["datasets"].values()
    assert [r["step"] for r in rows] == [
        "Было",
        *(measure(n).label("ru") for n in charts.BRIDGE_STEPS),
        "Стало",
    ]
    effects = rows[1:-1]
    assert effects[-1]["end"] == pytest.approx(bridge["revenue"])
    assert all(a["end"] == pytest.approx(b["start"]) for a, b in itertools.pairwise(effects))
    assert rows[2]["kind"] == "down"


def test_measure_trend_and_quadrant_tooltips_are_formatted() -> None:
    frame = pl.DataFrame(
        {"as_of": [dt.date(2026, 5, 31), dt.date(2026, 6, 30)], "dso": [50.2, None]}
    )
    spec = _spec(charts.measure_trend(frame, "ru", x="as_of", measures=["dso"], title="T"))
    (rows,) = spec["datasets"].values()
    assert [r["value_text"] for r in rows] == [f"50{NNBSP}дн.", "—"]
    assert rows[0]["x_text"] == "май 2026"
    spec = _spec(charts.quadrant(_growth_margin(_accounts()), "en", title="Q"))
    rows = _rows(spec, "account_id")
    assert [r["account_id"] for r in rows] == ["A1", "A2"]  # no growth, no point
    assert rows[1]["growth_text"] == f"{MINUS}20.0%"


def test_month_span() -> None:
    assert charts.month_span(dt.date(2026, 6, 30), 12) == (
        dt.date(2025, 7, 1),
        dt.date(2026, 6, 30),
    )
    assert charts.month_span(dt.date(2026, 1, 15), 24) == (
        dt.date(2024, 2, 1),
        dt.date(2026, 1, 15),
    )


def test_quadrant_keeps_a_tiny_base_account_from_stretching_the_growth_axis() -> None:
    accounts = _accounts().with_columns(
        growth_yoy=pl.Series([19.13, -0.2, None, None])  # ×20 on a tiny base
    )
    spec = _spec(charts.quadrant(_growth_margin(accounts), "en", title="Q"))
    scales = [
        layer["encoding"]["x"].get("scale")
        for layer in spec["layer"]
        if "x" in layer.get("encoding", {})
    ]
    scale = next(s for s in scales if s)
    assert scale["clamp"] is True
    assert scale["domain"][1] <= 2.1  # the axis ends at +210 %, not at +1,913 %
    # the point is still there, and its tooltip tells the true growth
    rows = _rows(spec, "account_id")
    assert rows[0]["growth_text"].startswith("×")
