"""Portfolio (`/`): KPIs vs prior year, key vs house accounts, accounts, concentration,
quadrant, movers, at-risk and the house accounts to promote. Every table and chart is
selected and aggregated in SQL: the page is the same size for 60 accounts or 150,000."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kamdash.engine.listings import NO_ORDER_DAYS
from kamdash.report import charts
from kamdash.report.formatting import format_date, format_period, format_value
from kamdash.ui import components as ui
from kamdash.ui import insights, relationship, tables, views
from kamdash.ui.components import Column, Tile
from kamdash.ui.context import page_context

ctx = page_context()
f, lang, q = ctx.filters, ctx.lang, ctx.q
st.title(ctx.t("portfolio.title"), anchor=False)
st.caption(ctx.period_caption())

# the split is summed from the view's account rows, which the tables below read too: they
# are computed beside the tiles, not after them
(now, before), segments = q.gather(
    lambda: q.view_portfolio_over(f.now_and_prior, **ctx.f),
    lambda: q.segment_split(f.now_and_prior, **ctx.f),
)
if not now["accounts"]:
    ui.empty(ctx.t("empty.no_accounts"))
    st.stop()
vs = ctx.t("vs_prior_year")
names: tuple[str, ...] = ("revenue", "gross_margin", "gross_margin_pct", "growth_yoy")
names += ("open_ar", "overdue_pct", "dso", "nrr")
basis = {name: ui.growth_basis(name, now) for name in names}
ui.tiles([Tile(name, now[name], before[name], vs, basis=basis[name]) for name in names], lang)
relationship.landing_tile(ctx)
if not now["active_accounts"]:
    ui.empty(
        ctx.t("empty.no_sales", start=format_date(f.start, lang), end=format_date(f.end, lang))
    )
    st.stop()

if "house" in segments["unit_id"].to_list():
    views.segment_split(ctx, segments, now["revenue"])

ui.section(ctx.t("portfolio.accounts"), ctx.t("portfolio.accounts_caption"))
spark_start, _ = charts.month_span(f.end, 12)


def with_trend(rows: pl.DataFrame) -> pl.DataFrame:
    """The 12-month sparkline of the accounts on this page only."""
    if rows.is_empty():
        return rows.with_columns(trend=pl.lit(None, dtype=pl.List(pl.Float64)))
    scope = {**ctx.f, "account_id": tuple(rows["account_id"])}
    trend = insights.sparklines(q.monthly(spark_start, f.end, level="account", **scope))
    return rows.join(trend, on="account_id", how="left", maintain_order="left")


event, shown = tables.account_table(
    ctx,
    "accounts",
    tables.account_columns(
        ctx,
        Column("abc_class", width="small"),
        Column("revenue"),
        Column("trend", "sparkline", ctx.t("col.trend_12m")),
        Column("growth_yoy"),
        Column("gross_margin_pct"),
        Column("open_ar"),
        Column("overdue_pct"),
        Column("dso"),
        Column("last_order_date", "date", ctx.t("col.last_order")),
        *relationship.portfolio_columns(ctx),
    ),
    prepare=with_trend,
    key="portfolio.accounts",
    selectable=True,
    height=420,
)
picked = ui.selected_row(event)
if picked is not None:
    ctx.go("account", account=shown["account_id"][picked])

period_text = format_period(f.start, f.end, lang)
curve, growth_margin = q.gather(
    lambda: q.concentration_curve(f.now_and_prior, **ctx.f),
    lambda: q.growth_margin_map(f.now_and_prior, **ctx.f),
)
left, right = st.columns(2, gap="large")
with left:
    ui.section(ctx.t("portfolio.concentration"))
    shares = ("top5_share", "top10_share", "hhi")
    ui.tiles([Tile(name, now[name]) for name in shares], lang, per_row=3)
    pareto = charts.pareto(
        curve,
        lang,
        title=ctx.t("chart.pareto"),
        subtitle=period_text,
        rank_label=ctx.t("chart.accounts_share"),
        cumulative_label=ctx.t("chart.cumulative_share"),
    )
    ui.chart(pareto)
with right:
    if not ctx.store.hide_margins:  # growth against margin: nothing to draw without margins
        ui.section(ctx.t("portfolio.quadrant"))
        kinds = growth_margin["row_kind"]
        new_accounts = growth_margin.filter(kinds == "new")["accounts_in_cell"].sum()
        count = format_value(new_accounts, "count", lang)
        st.caption(ctx.t("portfolio.quadrant_caption", count=count))
        cells = growth_margin.filter(kinds == "cell")
        if cells.height:
            top = format_value((kinds == "point").sum(), "count", lang)
            others = format_value(cells["accounts_in_cell"].sum(), "count", lang)
            st.caption(ctx.t("portfolio.quadrant_top", top=top, others=others))
        quadrant = charts.quadrant(
            growth_margin,
            lang,
            title=ctx.t("chart.quadrant"),
            subtitle=period_text,
            others_label=ctx.t("chart.other_accounts"),
        )
        ui.chart(quadrant)

ui.section(ctx.t("portfolio.movers"))
views.movers(ctx, period_text)

at_risk_caption = ctx.t(
    "portfolio.at_risk_caption", days=NO_ORDER_DAYS, as_of=format_date(f.as_of, lang)
)
ui.section(ctx.t("portfolio.at_risk"), at_risk_caption)
tables.at_risk_table(ctx)

if "house" in segments["unit_id"].to_list():
    ui.section(ctx.t("house.promotion"), ctx.t("house.promotion_caption"))
    tables.promotion_table(ctx)
