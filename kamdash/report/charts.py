"""Altair chart builders: polars frames from the kamdash API + language → `alt.Chart`.

UI-free (no streamlit). The API has already aggregated in DuckDB, so a chart gets at most a
few hundred rows and only reshapes them for plotting (ranking, running totals of a waterfall).
Every chart shares one theme (`configure`), formats axes through a Vega locale of the
language, and carries pre-formatted tooltip texts from `kamdash.report.formatting`, so a
tooltip reads exactly like the tile or table cell of the same figure. Titles are passed in by
the caller, who knows what and when the chart shows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import polars as pl

from kamdash.engine.measures import Language, measure
from kamdash.report.formatting import (
    MONTHS_EN,
    MONTHS_EN_FULL,
    MONTHS_RU,
    MONTHS_RU_SHORT,
    format_measure,
    format_month,
    format_percent,
    format_value,
    short_money_expr,
)

FONT = '"Source Sans 3", "Source Sans Pro", "Segoe UI", Roboto, sans-serif'
PRIMARY = "#1f4e79"
SECONDARY = "#7fa7c9"
ACCENT = "#e07b00"
GOOD = "#2e7d4f"
BAD = "#c0392b"
MUTED = "#8a96a3"
GRID = "#e6e9ed"
TEXT = "#2b3440"
PALETTE = [PRIMARY, ACCENT, "#3a9d9b", "#8e5ea2", "#c0392b", "#6c8e3d", MUTED, "#b07d48"]
# overdue share from fine (green) to bad (red), used for colour scales of risk
RISK_SCHEME = ["#2e7d4f", "#f0c419", "#c0392b"]
HEIGHT = 280  # plot height; titles, axes and legends come on top

_NUMBER_LOCALE: dict[Language, dict[str, Any]] = {
    "en": {
        "decimal": ".",
        "thousands": ",",
        "grouping": [3],
        "currency": ["₽", ""],
        "minus": "\u2212",
        "percent": "%",
    },
    "ru": {
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u202f₽"],
        "minus": "\u2212",
        "percent": "\u202f%",
    },
}

_TIME_LOCALE: dict[Language, dict[str, Any]] = {
    "en": {
        "dateTime": "%a %b %e %X %Y",
        "date": "%Y-%m-%d",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": list(MONTHS_EN_FULL),
        "shortMonths": list(MONTHS_EN),
    },
    "ru": {
        "dateTime": "%A, %e %B %Y г. %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
        "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
        "months": list(MONTHS_RU),
        "shortMonths": list(MONTHS_RU_SHORT),
    },
}


def money_axis(lang: Language, title: str | None = None, **kwargs: Any) -> alt.Axis:
    """Money ticks written short by the one rule of `formatting.format_money(short=True)`."""
    return alt.Axis(title=title, labelExpr=short_money_expr(lang), **kwargs)


def percent_axis(title: str | None = None, **kwargs: Any) -> alt.Axis:
    return alt.Axis(title=title, format=".0%", **kwargs)


def month_axis(title: str | None = None) -> alt.Axis:
    # "greedy" drops labels that would touch in narrow columns, keeping an even rhythm
    return alt.Axis(
        title=title,
        format="%b %Y",
        labelAngle=0,
        labelOverlap="greedy",
        labelSeparation=10,
        tickCount=8,
    )


def configure(chart: alt.TopLevelMixin, lang: Language) -> Any:
    """The one theme of the app, with the language's number and date locale."""
    # one configure call: each configure_* call copies the whole chart, data included
    return chart.configure(
        font=FONT,
        locale=alt.Locale(number=_NUMBER_LOCALE[lang], time=_TIME_LOCALE[lang]),
        background="transparent",
        title=alt.TitleConfig(
            anchor="start", fontSize=15, fontWeight=600, color=TEXT, offset=12, subtitleColor=MUTED
        ),
        axis=alt.AxisConfig(
            labelColor=TEXT,
            titleColor=MUTED,
            titleFontWeight=400,
            labelFontSize=12,
            titleFontSize=12,
            gridColor=GRID,
            domainColor=GRID,
            tickColor=GRID,
        ),
        legend=alt.LegendConfig(
            orient="bottom",
            labelColor=TEXT,
            titleColor=MUTED,
            labelFontSize=12,
            symbolType="circle",
        ),
        view=alt.ViewConfig(stroke=None),
        range=alt.RangeConfig(category=PALETTE),
    )


def _title(title: str, subtitle: str | None) -> alt.TitleParams:
    # what the chart shows as the title, when (the period) as the subtitle: long titles would
    # be cut at half-page width
    return alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined)


def _text(values: Sequence[object], name: str, lang: Language, short: bool = False) -> list[str]:
    return [format_measure(value, name, lang, short=short) for value in values]


# -- portfolio ---------------------------------------------------------------------------------


def pareto(
    curve: pl.DataFrame,
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    rank_label: str,
    cumulative_label: str,
) -> Any:
    """The running share of revenue (y) held by the largest accounts (x, as a share of the
    accounts with revenue), from `Store.concentration_curve`: a few hundred points however
    many accounts there are; each point names the account at that rank."""
    frame = curve.with_columns(
        revenue_text=pl.Series(_text(curve["revenue"].to_list(), "revenue", lang), dtype=pl.String),
        cumulative_text=pl.Series(
            [format_percent(v, lang) for v in curve["revenue_share"].to_list()], dtype=pl.String
        ),
        accounts_text=pl.Series(
            [
                f"{format_value(rank, 'count', lang)} ({format_percent(share, lang)})"
                for rank, share in zip(
                    curve["rank"].to_list(), curve["account_share"].to_list(), strict=True
                )
            ],
            dtype=pl.String,
        ),
    )
    revenue_label = measure("revenue").label(lang)
    tooltip = [
        alt.Tooltip("account_name:N", title=""),
        alt.Tooltip("accounts_text:N", title=rank_label),
        alt.Tooltip("revenue_text:N", title=revenue_label),
        alt.Tooltip("cumulative_text:N", title=cumulative_label),
    ]
    share_scale = alt.Scale(domain=[0, 1])
    base = alt.Chart(frame.to_pandas()).encode(
        x=alt.X("account_share:Q", axis=percent_axis(rank_label), scale=share_scale)
    )
    area = base.mark_area(color=PRIMARY, opacity=0.25, line={"color": PRIMARY}).encode(
        y=alt.Y("revenue_share:Q", axis=percent_axis(cumulative_label), scale=share_scale),
        tooltip=tooltip,
    )
    points = base.mark_circle(color=ACCENT, size=22).encode(
        y=alt.Y("revenue_share:Q", scale=share_scale), tooltip=tooltip
    )
    rule = (
        alt.Chart(pl.DataFrame({"y": [0.8]}).to_pandas())
        .mark_rule(color=MUTED, strokeDash=[4, 4])
        .encode(y=alt.Y("y:Q", scale=share_scale))
    )
    chart = alt.layer(area, points, rule)
    return configure(chart.properties(title=_title(title, subtitle), height=HEIGHT), lang)


def quadrant(
    growth_margin: pl.DataFrame,
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    others_label: str = "",
) -> Any:
    """Growth (x) against GM % (y), from `Store.growth_margin_map`: the largest accounts as
    points (bubble = revenue, colour = overdue %), every other account counted in a shaded
    cell, so the chart holds a few hundred marks for any number of accounts."""
    frame = growth_margin.filter(pl.col("row_kind") == "point")
    frame = frame.with_columns(
        revenue_text=pl.Series(_text(frame["revenue"].to_list(), "revenue", lang), dtype=pl.String),
        growth_text=pl.Series(
            _text(frame["growth_yoy"].to_list(), "growth_yoy", lang), dtype=pl.String
        ),
        margin_text=pl.Series(
            _text(frame["gross_margin_pct"].to_list(), "gross_margin_pct", lang), dtype=pl.String
        ),
        overdue_text=pl.Series(
            _text(frame["overdue_pct"].to_list(), "overdue_pct", lang), dtype=pl.String
        ),
    )
    labels = {
        name: measure(name).label(lang)
        for name in ("revenue", "growth_yoy", "gross_margin_pct", "overdue_pct")
    }
    points = (
        alt.Chart(frame.to_pandas())
        .mark_circle(opacity=0.75, stroke="white", strokeWidth=0.8)
        .encode(
            x=alt.X(
                "growth_yoy:Q",
                axis=percent_axis(labels["growth_yoy"]),
                scale=_growth_scale(growth_margin["growth_yoy"]),
            ),
            y=alt.Y("gross_margin_pct:Q", axis=percent_axis(labels["gross_margin_pct"])),
            size=alt.Size(
                "revenue:Q", scale=alt.Scale(range=[30, 1400]), legend=None, title=labels["revenue"]
            ),
            color=alt.Color(
                "overdue_pct:Q",
                title=labels["overdue_pct"],
                scale=alt.Scale(range=RISK_SCHEME, domain=[0, 0.5], clamp=True),
                legend=alt.Legend(format=".0%", orient="right", gradientLength=160),
            ),
            tooltip=[
                alt.Tooltip("account_name:N", title=""),
                alt.Tooltip("revenue_text:N", title=labels["revenue"]),
                alt.Tooltip("growth_text:N", title=labels["growth_yoy"]),
                alt.Tooltip("margin_text:N", title=labels["gross_margin_pct"]),
                alt.Tooltip("overdue_text:N", title=labels["overdue_pct"]),
            ],
        )
    )
    layers = [
        alt.Chart(pl.DataFrame({"x": [0.0]}).to_pandas()).mark_rule(color=MUTED).encode(x="x:Q")
    ]
    cells = growth_margin.filter(pl.col("row_kind") == "cell")
    if cells.height:
        # a cell spans 10 points of growth and 5 of GM % (sql/marts/growth_margin_map.sql)
        shaded = cells.select(
            "growth_yoy",
            "gross_margin_pct",
            "accounts_in_cell",
            growth_end=pl.col("growth_yoy") + 0.1,
            margin_end=pl.col("gross_margin_pct") + 0.05,
            count_text=pl.Series(
                [format_value(n, "count", lang) for n in cells["accounts_in_cell"].to_list()],
                dtype=pl.String,
            ),
        )
        layers.append(
            alt.Chart(shaded.to_pandas())
            .mark_rect(color=MUTED)
            .encode(
                x="growth_yoy:Q",
                x2="growth_end:Q",
                y="gross_margin_pct:Q",
                y2="margin_end:Q",
                opacity=alt.Opacity(
                    "accounts_in_cell:Q",
                    scale=alt.Scale(type="log", range=[0.12, 0.7]),
                    legend=None,
                ),
                tooltip=[alt.Tooltip("count_text:N", title=others_label)],
            )
        )
    chart = alt.layer(*layers, points)
    return configure(chart.properties(title=_title(title, subtitle), height=HEIGHT + 40), lang)


# growth beyond these reads off the grid of the quadrant's cells: such an account (×1,913 on
# a tiny base) is drawn at the edge, its tooltip saying the true figure
GROWTH_SHOWN = (-1.0, 2.0)


def _growth_scale(growth: pl.Series) -> Any:
    low, high = growth.min(), growth.max()
    if not isinstance(low, float) or not isinstance(high, float):
        return alt.Undefined
    if low >= GROWTH_SHOWN[0] and high <= GROWTH_SHOWN[1]:
        return alt.Undefined
    domain = [max(low, GROWTH_SHOWN[0]), min(high, GROWTH_SHOWN[1]) + 0.1]
    return alt.Scale(domain=domain, clamp=True)


def movers(
    frame: pl.DataFrame,
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    change_label: str,
    change_column: str,
) -> Any:
    """Diverging bars of revenue change per account (already chosen and ordered)."""
    data = frame.select("account_id", "account_name", change_column).with_columns(
        change_text=pl.Series(
            [format_value(v, "money", lang, signed=True) for v in frame[change_column].to_list()],
            dtype=pl.String,
        ),
        good=pl.col(change_column) >= 0,
    )
    chart = (
        alt.Chart(data.to_pandas())
        .mark_bar()
        .encode(
            y=alt.Y("account_name:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X(f"{change_column}:Q", axis=money_axis(lang, change_label, tickCount=6)),
            color=alt.Color(
                "good:N", scale=alt.Scale(domain=[True, False], range=[GOOD, BAD]), legend=None
            ),
            tooltip=[
                alt.Tooltip("account_name:N", title=""),
                alt.Tooltip("change_text:N", title=change_label),
            ],
        )
    )
    return configure(
        chart.properties(title=_title(title, subtitle), height=max(120, 26 * data.height)), lang
    )


# -- trends ------------------------------------------------------------------------------------


def revenue_margin_trend(
    monthly: pl.DataFrame, lang: Language, *, title: str, subtitle: str | None = None
) -> Any:
    """Monthly revenue bars with the gross margin % line on a second axis."""
    frame = monthly.sort("month").select("month", "revenue", "gross_margin", "gross_margin_pct")
    frame = frame.with_columns(
        month_text=pl.Series([format_month(m, lang) for m in frame["month"].to_list()]),
        revenue_text=pl.Series(_text(frame["revenue"].to_list(), "revenue", lang)),
        margin_text=pl.Series(_text(frame["gross_margin"].to_list(), "gross_margin", lang)),
        margin_pct_text=pl.Series(
            _text(frame["gross_margin_pct"].to_list(), "gross_margin_pct", lang)
        ),
    )
    labels = {n: measure(n).label(lang) for n in ("revenue", "gross_margin", "gross_margin_pct")}
    tooltip = [
        alt.Tooltip("month_text:N", title=""),
        alt.Tooltip("revenue_text:N", title=labels["revenue"]),
        alt.Tooltip("margin_text:N", title=labels["gross_margin"]),
        alt.Tooltip("margin_pct_text:N", title=labels["gross_margin_pct"]),
    ]
    base = alt.Chart(frame.to_pandas()).encode(x=alt.X("utcyearmonth(month):T", axis=month_axis()))
    bars = base.mark_bar(color=SECONDARY, width={"band": 0.8}).encode(
        y=alt.Y("revenue:Q", axis=money_axis(lang, labels["revenue"])), tooltip=tooltip
    )
    margin = base.mark_bar(color=PRIMARY, width={"band": 0.45}).encode(
        y=alt.Y("gross_margin:Q"), tooltip=tooltip
    )
    line = base.mark_line(color=ACCENT, point=alt.OverlayMarkDef(color=ACCENT, size=20)).encode(
        y=alt.Y(
            "gross_margin_pct:Q", axis=percent_axis(labels["gross_margin_pct"], orient="right")
        ),
        tooltip=tooltip,
    )
    chart = alt.layer(alt.layer(bars, margin), line).resolve_scale(y="independent")
    return configure(chart.properties(title=_title(title, subtitle), height=HEIGHT), lang)


def measure_trend(
    frame: pl.DataFrame,
    lang: Language,
    *,
    x: str,
    measures: Sequence[str],
    title: str,
    subtitle: str | None = None,
    series_label: str = "",
    columns: Mapping[str, str] | None = None,
) -> Any:
    """Lines of one or more measures of the same format over dates (`x`, a date column).

    `columns` maps a measure name to the frame's column when they differ.
    """
    columns = dict(columns or {})
    long_rows: list[dict[str, Any]] = []
    for row in frame.sort(x).iter_rows(named=True):
        for name in measures:
            value = row[columns.get(name, name)]
            long_rows.append(
                {
                    "x": row[x],
                    "x_text": format_month(row[x], lang),
                    "series": measure(name).label(lang),
                    "value": value,
                    "value_text": format_measure(value, name, lang),
                }
            )
    data = pl.DataFrame(
        long_rows,
        schema={
            "x": pl.Date,
            "x_text": pl.String,
            "series": pl.String,
            "value": pl.Float64,
            "value_text": pl.String,
        },
    )
    fmt = measure(measures[0]).format
    if fmt == "percent":
        y_axis = percent_axis()
    elif fmt == "money":
        y_axis = money_axis(lang)
    else:
        y_axis = alt.Axis(title=None, format=",.0f")
    chart = (
        alt.Chart(data.to_pandas())
        .mark_line(point=alt.OverlayMarkDef(size=22), interpolate="monotone")
        .encode(
            x=alt.X("utcyearmonth(x):T", axis=month_axis()),
            y=alt.Y("value:Q", axis=y_axis),
            color=alt.Color(
                "series:N",
                title=series_label if len(measures) > 1 else None,
                legend=alt.Legend() if len(measures) > 1 else None,
                sort=[measure(name).label(lang) for name in measures],
            ),
            tooltip=[
                alt.Tooltip("x_text:N", title=""),
                alt.Tooltip("series:N", title=series_label),
                alt.Tooltip("value_text:N", title=" "),
            ],
        )
    )
    return configure(chart.properties(title=_title(title, subtitle), height=220), lang)


# -- composition -------------------------------------------------------------------------------


def period_comparison(
    now: pl.DataFrame,
    prior: pl.DataFrame,
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    now_label: str,
    prior_label: str,
    item_label: str,
) -> Any:
    """Revenue per item (category) in two periods as paired horizontal bars."""
    rows: list[dict[str, Any]] = []
    for label, frame in ((now_label, now), (prior_label, prior)):
        for row in frame.iter_rows(named=True):
            rows.append(
                {
                    "item": row["item_name"],
                    "period": label,
                    "revenue": row["revenue"],
                    "revenue_text": format_measure(row["revenue"], "revenue", lang),
                    "share_text": format_percent(row["revenue_share"], lang),
                }
            )
    data = pl.DataFrame(
        rows,
        schema={
            "item": pl.String,
            "period": pl.String,
            "revenue": pl.Float64,
            "revenue_text": pl.String,
            "share_text": pl.String,
        },
    )
    order = (
        data.group_by("item")
        .agg(pl.col("revenue").max())
        .sort(["revenue", "item"], descending=[True, False])["item"]
        .to_list()
    )
    revenue_label = measure("revenue").label(lang)
    chart = (
        alt.Chart(data.to_pandas())
        .mark_bar()
        .encode(
            y=alt.Y("item:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
            yOffset=alt.YOffset("period:N", sort=[now_label, prior_label]),
            x=alt.X("revenue:Q", axis=money_axis(lang, revenue_label)),
            color=alt.Color(
                "period:N",
                title=None,
                scale=alt.Scale(domain=[now_label, prior_label], range=[PRIMARY, SECONDARY]),
            ),
            tooltip=[
                alt.Tooltip("item:N", title=item_label),
                alt.Tooltip("period:N", title=""),
                alt.Tooltip("revenue_text:N", title=revenue_label),
                alt.Tooltip("share_text:N", title="%"),
            ],
        )
    )
    return configure(
        chart.properties(title=_title(title, subtitle), height=max(120, 36 * len(order))), lang
    )


BRIDGE_STEPS = ("volume", "mix", "price", "new", "lost")


def waterfall_rows(
    bridge: Mapping[str, float], lang: Language, *, base_label: str, current_label: str
) -> list[dict[str, Any]]:
    """The bars of a PVM waterfall: base revenue, each effect floating from the running level,
    current revenue. Shared by the screen chart and the print chart."""
    rows: list[dict[str, Any]] = [
        {
            "step": base_label,
            "kind": "total",
            "start": 0.0,
            "end": bridge["revenue_base"],
            "value": bridge["revenue_base"],
        }
    ]
    level = float(bridge["revenue_base"])
    for name in BRIDGE_STEPS:
        value = float(bridge[name])
        rows.append(
            {
                "step": measure(name).label(lang),
                "kind": "up" if value >= 0 else "down",
                "start": level,
                "end": level + value,
                "value": value,
            }
        )
        level += value
    rows.append(
        {
            "step": current_label,
            "kind": "total",
            "start": 0.0,
            "end": bridge["revenue"],
            "value": bridge["revenue"],
        }
    )
    return rows


def waterfall(
    bridge: Mapping[str, float],
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    base_label: str,
    current_label: str,
) -> Any:
    """The PVM bridge: prior revenue, each effect as a floating bar, current revenue."""
    rows = waterfall_rows(bridge, lang, base_label=base_label, current_label=current_label)
    data = pl.DataFrame(rows).with_columns(
        order=pl.int_range(0, pl.len()),
        value_text=pl.Series(
            [format_value(r["value"], "money", lang, signed=r["kind"] != "total") for r in rows]
        ),
        label=pl.Series(
            [
                format_value(r["value"], "money", lang, short=True, signed=r["kind"] != "total")
                for r in rows
            ]
        ),
    )
    steps = data["step"].to_list()
    base = alt.Chart(data.to_pandas()).encode(
        x=alt.X("step:N", sort=steps, title=None, axis=alt.Axis(labelAngle=0, labelLimit=140))
    )
    bars = base.mark_bar(width={"band": 0.65}).encode(
        y=alt.Y("start:Q", axis=money_axis(lang)),
        y2="end:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=["total", "up", "down"], range=[PRIMARY, GOOD, BAD]),
            legend=None,
        ),
        tooltip=[alt.Tooltip("step:N", title=""), alt.Tooltip("value_text:N", title=" ")],
    )
    labels = (
        base.mark_text(dy=-8, color=TEXT, fontSize=12)
        .encode(y=alt.Y("top:Q"), text="label:N")
        .transform_calculate(top="max(datum.start, datum.end)")
    )
    chart = alt.layer(bars, labels)
    return configure(chart.properties(title=_title(title, subtitle), height=HEIGHT), lang)


AGING_BUCKETS = ("ar_current", "ar_1_30", "ar_31_60", "ar_61_90", "ar_91_plus", "unapplied_credits")
_BUCKET_COLOURS = ["#7fa7c9", "#f0c419", "#e8903a", "#d35d35", "#a1281b", MUTED]


def aging(
    buckets: Mapping[str, object], lang: Language, *, title: str, subtitle: str | None = None
) -> Any:
    """Open AR by aging bucket (and unapplied credits, which are negative) at one date."""
    return bucket_bars(
        buckets,
        AGING_BUCKETS,
        _BUCKET_COLOURS,
        lang,
        title=title,
        subtitle=subtitle,
        x_axis=money_axis(lang),
        height=220,
    )


def bucket_bars(
    buckets: Mapping[str, object],
    names: Sequence[str],
    colours: Sequence[str],
    lang: Language,
    *,
    title: str,
    subtitle: str | None,
    x_axis: Any,
    height: int,
) -> Any:
    """One horizontal bar per bucket measure in `names`, in that order and colour: the aging
    charts of receivables and of unsigned closing documents."""
    rows = [
        {
            "bucket": measure(name).label(lang),
            "value": float(buckets.get(name) or 0.0),  # type: ignore[arg-type]
            "value_text": format_measure(buckets.get(name), name, lang),
        }
        for name in names
    ]
    data = pl.DataFrame(rows)
    order = data["bucket"].to_list()
    bars = (
        alt.Chart(data.to_pandas())
        .mark_bar(height={"band": 0.7})
        .encode(
            y=alt.Y("bucket:N", sort=order, title=None, axis=alt.Axis(labelLimit=160)),
            x=alt.X("value:Q", axis=x_axis, title=None),
            color=alt.Color(
                "bucket:N", scale=alt.Scale(domain=order, range=list(colours)), legend=None
            ),
            tooltip=[alt.Tooltip("bucket:N", title=""), alt.Tooltip("value_text:N", title=" ")],
        )
    )
    return configure(bars.properties(title=_title(title, subtitle), height=height), lang)


def plan_by_unit(
    frame: pl.DataFrame,
    lang: Language,
    *,
    unit_column: str,
    title: str,
    subtitle: str | None = None,
    plan_label: str,
) -> Any:
    """Revenue bars per unit (e.g. KAM) with the plan as a tick."""
    revenue_label = measure("revenue").label(lang)
    data = frame.select(unit_column, "revenue", "revenue_target", "plan_attainment").with_columns(
        revenue_text=pl.Series(_text(frame["revenue"].to_list(), "revenue", lang)),
        plan_text=pl.Series(_text(frame["revenue_target"].to_list(), "revenue", lang)),
        attainment_text=pl.Series(
            _text(frame["plan_attainment"].to_list(), "plan_attainment", lang)
        ),
    )
    tooltip = [
        alt.Tooltip(f"{unit_column}:N", title=""),
        alt.Tooltip("revenue_text:N", title=revenue_label),
        alt.Tooltip("plan_text:N", title=plan_label),
        alt.Tooltip("attainment_text:N", title=measure("plan_attainment").label(lang)),
    ]
    order = data.sort("revenue", descending=True)[unit_column].to_list()
    base = alt.Chart(data.to_pandas()).encode(
        y=alt.Y(f"{unit_column}:N", sort=order, title=None, axis=alt.Axis(labelLimit=240))
    )
    # one colour scale over both marks gives the legend that says the tick is the plan
    series = alt.Scale(domain=[revenue_label, plan_label], range=[PRIMARY, ACCENT])
    bars = (
        base.mark_bar(height={"band": 0.6})
        .encode(
            x=alt.X("revenue:Q", axis=money_axis(lang, revenue_label)),
            color=alt.Color("series:N", scale=series, title=None),
            tooltip=tooltip,
        )
        .transform_calculate(series=f"{json.dumps(revenue_label)}")
    )
    ticks = (
        base.mark_tick(thickness=3, size=26)
        .encode(
            x=alt.X("revenue_target:Q"),
            color=alt.Color("series:N", scale=series, title=None),
            tooltip=tooltip,
        )
        .transform_calculate(series=f"{json.dumps(plan_label)}")
    )
    return configure(
        alt.layer(bars, ticks).properties(
            title=_title(title, subtitle), height=max(140, 40 * data.height)
        ),
        lang,
    )


def month_span(end: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The first day of the month `months − 1` months before `end`'s month, and `end`."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1), end
