"""Receivables (`/receivables`): aging, per-account exposure, collection worklist, trend, limits.

The tiles and aging come from the portfolio roll-up; the per-account tables and the worklist
are paged in SQL, so the page is the same size for any number of accounts and documents."""

from __future__ import annotations

import streamlit as st

from kamdash.report import charts
from kamdash.report.formatting import format_date, format_measure, format_month_range
from kamdash.ui import components as ui
from kamdash.ui import relationship, tables, views
from kamdash.ui.components import Column, Tile
from kamdash.ui.context import page_context

ctx = page_context()
f, lang, q = ctx.filters, ctx.lang, ctx.q
as_of = format_date(f.as_of, lang)
st.title(ctx.t("receivables.title"), anchor=False)
st.caption(ctx.period_caption())

span = charts.month_span(f.as_of, 24)
(now, before), trend = q.gather(
    lambda: q.view_portfolio_over(f.now_and_prior, **ctx.f),
    lambda: q.receivables_trend(*span, **ctx.f),
)
if not now["accounts"]:
    ui.empty(ctx.t("empty.no_accounts"))
    st.stop()
vs = ctx.t("vs_prior_year")
names = (
    "open_ar",
    "overdue_ar",
    "overdue_pct",
    "dso",
    "countback_dso",
    "unapplied_credits",
    "avg_days_to_pay",
    "avg_days_late",
)
ui.tiles([Tile(name, now[name], before[name], vs) for name in names], lang)

months = format_month_range(*span, lang)
ui.section(ctx.t("receivables.aging"))
left, middle, right = st.columns(3, gap="medium")
with left:
    aging_title = ctx.t("chart.aging")
    ui.chart(charts.aging(now, lang, title=aging_title, subtitle=ctx.t("chart.as_of", date=as_of)))
with middle:
    ui.chart(
        charts.measure_trend(
            trend,
            lang,
            x="as_of",
            measures=["dso"],
            title=ctx.t("chart.dso_trend"),
            subtitle=months,
        )
    )
with right:
    overdue_title = ctx.t("chart.overdue_trend")
    ui.chart(
        charts.measure_trend(
            trend, lang, x="as_of", measures=["overdue_pct"], title=overdue_title, subtitle=months
        )
    )

relationship.receivables_closing_section(ctx)

ui.section(ctx.t("receivables.by_account"), ctx.t("receivables.by_account_caption", as_of=as_of))
tables.account_table(
    ctx,
    "exposed",
    tables.account_columns(ctx, Column("overdue_ar"), *views.aging_columns()),
    height=400,
)

ui.section(
    ctx.t("receivables.worklist"),
    ctx.t(
        "receivables.worklist_caption",
        as_of=as_of,
        amount=format_measure(now["overdue_ar"], "overdue_ar", lang),
    ),
)
tables.open_items_table(ctx, overdue_only=True)

ui.section(
    f"{ctx.t('receivables.over_limit')} ({now['accounts_over_credit_limit']})",
)
tables.account_table(
    ctx,
    "over_limit",
    tables.account_columns(
        ctx,
        Column("credit_limit", label=ctx.t("account.credit_limit"), measure_name="open_ar"),
        Column("open_ar"),
        Column("credit_utilisation"),
        Column("overdue_ar"),
        Column("dso"),
    ),
    empty_message=ctx.t("empty.no_over_limit", as_of=as_of),
)
