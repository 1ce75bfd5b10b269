"""Chart builders the exports need and `kamdash.report.charts` has not: whitespace and print
charts.

`kamdash.report.charts` draws for the screen (colour carries meaning: green up, red down). A PDF
brief is often printed in black and white, so its two charts here tell the same story with grey
levels, outlines and signed labels instead of hue. Same theme and locale as the app
(`charts.configure`), same pre-formatted labels (`kamdash.report.formatting`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl

from kamdash.engine.measures import Language, measure
from kamdash.report.brief import Pvm, WhitespaceCategory
from kamdash.report.charts import BRIDGE_STEPS, configure, money_axis, percent_axis, waterfall_rows
from kamdash.report.formatting import format_measure, format_money, format_month, format_percent

INK = "#111111"
DARK_GREY = "#555555"
MID_GREY = "#9a9a9a"
LIGHT_GREY = "#d9d9d9"
PRINT_HEIGHT = 190


def print_trend(
    monthly: pl.DataFrame,
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    margin: bool = True,
) -> Any:
    """Monthly revenue as grey bars with GM % as a black line (right axis), for print;
    `margin=False` leaves the line and its axis out (for a reader who may not see margins)."""
    columns = ["month", "revenue", "gross_margin_pct"] if margin else ["month", "revenue"]
    frame = monthly.sort("month").select(columns)
    frame = frame.with_columns(
        month_text=pl.Series(
            [format_month(m, lang) for m in frame["month"].to_list()], dtype=pl.String
        ),
    )
    labels = {name: measure(name).label(lang) for name in ("revenue", "gross_margin_pct")}
    # months as ordered categories: every bar gets its own slot and no empty month after the
    # last one is labelled
    base = alt.Chart(frame.to_pandas()).encode(
        x=alt.X(
            "month_text:N",
            sort=None,
            title=None,
            axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labelFontSize=10),
        )
    )
    bars = base.mark_bar(color=MID_GREY, width={"band": 0.75}).encode(
        y=alt.Y("revenue:Q", axis=money_axis(lang, labels["revenue"]))
    )
    line = base.mark_line(
        color=INK, strokeWidth=2, point=alt.OverlayMarkDef(color=INK, size=24, filled=True)
    ).encode(
        y=alt.Y("gross_margin_pct:Q", axis=percent_axis(labels["gross_margin_pct"], orient="right"))
    )
    chart = alt.layer(bars, line).resolve_scale(y="independent") if margin else bars
    return configure(
        chart.properties(
            title=alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined),
            height=PRINT_HEIGHT,
        ),
        lang,
    )


def print_bridge(
    pvm: Pvm,
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    base_label: str,
    current_label: str,
) -> Any:
    """The PVM waterfall for print: totals black, increases outlined white, decreases grey,
    every bar labelled with its signed amount."""
    rows = waterfall_rows(
        {name: float(getattr(pvm, name)) for name in ("revenue_base", *BRIDGE_STEPS, "revenue")},
        lang,
        base_label=base_label,
        current_label=current_label,
    )
    data = pl.DataFrame(rows).with_columns(
        label=pl.Series(
            [format_money(r["value"], lang, short=True, signed=r["kind"] != "total") for r in rows],
            dtype=pl.String,
        ),
        top=pl.max_horizontal("start", "end"),
    )
    steps = data["step"].to_list()
    base = alt.Chart(data.to_pandas()).encode(
        x=alt.X(
            "step:N",
            sort=steps,
            title=None,
            # two-word steps ("New products") on two lines: the small chart has no room
            axis=alt.Axis(labelAngle=0, labelFontSize=10, labelExpr="split(datum.label, ' ')"),
        )
    )
    bars = base.mark_bar(width={"band": 0.6}, stroke=INK, strokeWidth=1).encode(
        y=alt.Y("start:Q", axis=money_axis(lang)),
        y2="end:Q",
        fill=alt.Fill(
            "kind:N",
            scale=alt.Scale(domain=["total", "up", "down"], range=[INK, "#ffffff", MID_GREY]),
            legend=None,
        ),
    )
    labels = base.mark_text(dy=-7, color=INK, fontSize=10).encode(y="top:Q", text="label:N")
    chart = alt.layer(bars, labels)
    return configure(
        chart.properties(
            title=alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined),
            height=PRINT_HEIGHT,
        ),
        lang,
    )


def whitespace_chart(
    items: Sequence[WhitespaceCategory],
    lang: Language,
    *,
    title: str,
    subtitle: str | None = None,
    share_label: str,
) -> Any:
    """Share of active industry peers buying each whitespace category, labelled with their
    median spend."""
    data = pl.DataFrame(
        {
            "category": [item.category for item in items],
            "share": [item.peer_share for item in items],
            "label": [
                f"{format_percent(item.peer_share, lang, decimals=0)} · "
                f"{format_measure(item.peer_median_revenue, 'revenue', lang, short=True)}"
                for item in items
            ],
        },
        schema={"category": pl.String, "share": pl.Float64, "label": pl.String},
    )
    order = data["category"].to_list()
    base = alt.Chart(data.to_pandas()).encode(
        y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
    )
    bars = base.mark_bar(color="#1f4e79", height={"band": 0.6}).encode(
        x=alt.X("share:Q", axis=percent_axis(share_label), scale=alt.Scale(domain=[0, 1]))
    )
    labels = base.mark_text(align="left", dx=6, color="#2b3440", fontSize=12).encode(
        x="share:Q", text="label:N"
    )
    chart = alt.layer(bars, labels)
    return configure(
        chart.properties(
            title=alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined),
            height=max(120, 42 * data.height),
        ),
        lang,
    )
