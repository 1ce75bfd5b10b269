"""Portfolio (`/`): KPIs vs prior year, accounts, concentration, quadrant, movers, at-risk."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kamdash import charts
from kamdash.formatting import format_date, format_period
from kamdash.ui import components as ui
from kamdash.ui import insights, views
from kamdash.ui.components import Column, Tile
from kamdash.ui.context import page_context

ctx = page_context()
f, lang, q = ctx.filters, ctx.lang, ctx.q
st.title(ctx.t("portfolio.title"), anchor=False)
st.caption(ctx.period_caption())

spark_start, _ = charts.month_span(f.end, 12)
((accounts, prior_accounts), (now, before)), monthly = q.gather(
    lambda: q.accounts_and_portfolio_over(f.now_and_prior, **ctx.f),
    lambda: q.monthly(spark_start, f.end, level="account", **ctx.f),
)
if not now["accounts"]:
    ui.empty(ctx.t("empty.no_accounts"))
    st.stop()
vs = ctx.t("vs_prior_year")
ui.tiles(
    [
        Tile(name, now[name], before[name], vs, basis=ui.growth_basis(name, now))
        for name in (
            "revenue",
            "gross_margin",
            "gross_margin_pct",
            "growth_yoy",
            "open_ar",
            "overdue_pct",
            "dso",
            "nrr",
        )
    ],
    lang,
)
if not now["active_accounts"]:
    ui.empty(
        ctx.t("empty.no_sales", start=format_date(f.start, lang), end=format_date(f.end, lang))
    )
    st.stop()

trend = insights.sparklines(monthly)
rows = views.with_links(
    accounts.join(trend, on="account_id", how="left").sort(
        ["revenue", "account_id"], descending=[True, False]
    ),
    ctx,
)

ui.section(ctx.t("portfolio.accounts"), ctx.t("portfolio.accounts_caption"))
event = ui.table(
    rows,
    [
        Column("account_name", "text", ctx.t("col.account"), width="medium"),
        Column("link", "link", ctx.t("col.open"), link_text="↗", width=60),
        Column("kam_name", "text", ctx.t("col.kam")),
        Column("abc_class", width="small"),
        Column("revenue"),
        Column("trend", "sparkline", ctx.t("col.trend_12m")),
        Column("growth_yoy"),
        Column("gross_margin_pct"),
        Column("open_ar"),
        Column("overdue_pct"),
        Column("dso"),
        Column("last_order_date", "date", ctx.t("col.last_order")),
    ],
    lang,
    key="portfolio.accounts",
    selectable=True,
    height=420,
)
picked = ui.selected_row(event)
if picked is not None:
    ctx.go("account", account=rows["account_id"][picked])

left, right = st.columns(2, gap="large")
with left:
    ui.section(ctx.t("portfolio.concentration"))
    ui.tiles(
        [
            Tile("top5_share", now["top5_share"]),
            Tile("top10_share", now["top10_share"]),
            Tile("hhi", now["hhi"]),
        ],
        lang,
        per_row=3,
    )
    period_text = format_period(f.start, f.end, lang)
    ui.chart(
        charts.pareto(
            accounts,
            lang,
            title=ctx.t("chart.pareto"),
            subtitle=period_text,
            rank_label=ctx.t("chart.rank"),
            cumulative_label=ctx.t("chart.cumulative_share"),
        )
    )
with right:
    if not ctx.store.hide_margins:  # growth against margin: nothing to draw without margins
        ui.section(ctx.t("portfolio.quadrant"))
        new_accounts = accounts.filter(pl.col("growth_yoy").is_null() & (pl.col("revenue") != 0))
        st.caption(ctx.t("portfolio.quadrant_caption", count=new_accounts.height))
        quadrant = charts.quadrant(
            accounts, lang, title=ctx.t("chart.quadrant"), subtitle=period_text
        )
        ui.chart(quadrant)

ui.section(ctx.t("portfolio.movers"))
gainers, decliners = insights.movers(accounts)
if gainers.is_empty() and decliners.is_empty():
    ui.empty(ctx.t("empty.no_movers"))
else:
    chart, links = st.columns([3, 2], gap="large")
    with chart:
        ranked = pl.concat([gainers, decliners.reverse()])  # biggest gain on top, loss at bottom
        change = ctx.t("chart.revenue_change")
        ui.chart(
            charts.movers(
                ranked,
                lang,
                title=change,
                subtitle=ctx.t("chart.vs", period=period_text, prior=ctx.period_texts()[1]),
                change_label=change,
                change_column="revenue_change",
            )
        )
    with links:
        views.mover_links(gainers, ctx, ctx.t("portfolio.gainers"))
        views.mover_links(decliners, ctx, ctx.t("portfolio.decliners"))

ui.section(
    ctx.t("portfolio.at_risk"),
    ctx.t(
        "portfolio.at_risk_caption",
        days=insights.NO_ORDER_DAYS,
        as_of=format_date(f.as_of, lang),
    ),
)
flagged = insights.at_risk(insights.with_prior(accounts, prior_accounts), f.as_of)
if not flagged:
    ui.empty(ctx.t("empty.no_risk"))
else:
    views.at_risk_table(flagged, ctx)
