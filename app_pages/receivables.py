"""Receivables (`/receivables`): aging, per-account exposure, collection worklist, trend, limits."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kamdash import charts
from kamdash.formatting import format_date, format_measure, format_month_range
from kamdash.ui import components as ui
from kamdash.ui import views
from kamdash.ui.components import Column, Tile
from kamdash.ui.context import page_context

ctx = page_context()
f, lang, q = ctx.filters, ctx.lang, ctx.q
as_of = format_date(f.as_of, lang)
st.title(ctx.t("receivables.title"), anchor=False)
st.caption(ctx.period_caption())

span = charts.month_span(f.as_of, 24)
((accounts, _), (now, before)), trend, overdue = q.gather(
    lambda: q.accounts_and_portfolio_over(f.now_and_prior, **ctx.f),
    lambda: q.receivables_trend(*span, **ctx.f),
    lambda: q.open_items(f.as_of, overdue_only=True, **ctx.f),
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

exposed = views.with_links(
    accounts.filter(pl.col("open_ar") != 0).sort(
        ["overdue_ar", "open_ar", "account_id"], descending=[True, True, False]
    ),
    ctx,
)
ui.section(ctx.t("receivables.by_account"), ctx.t("receivables.by_account_caption", as_of=as_of))
account_columns = [
    Column("account_name", "text", ctx.t("col.account"), width="medium"),
    Column("link", "link", ctx.t("col.open"), link_text="↗", width=60),
    Column("kam_name", "text", ctx.t("col.kam")),
    Column("overdue_ar"),
]
ui.table(exposed, account_columns + views.aging_columns(), lang, height=400)

ui.section(
    ctx.t("receivables.worklist"),
    ctx.t(
        "receivables.worklist_caption",
        as_of=as_of,
        count=overdue.height,
        amount=format_measure(now["overdue_ar"], "overdue_ar", lang),
    ),
)
if overdue.is_empty():
    ui.empty(ctx.t("empty.no_overdue", as_of=as_of))
else:
    views.open_items_table(views.with_links(overdue, ctx), lang, with_account=True, height=420)

over = views.with_links(
    accounts.filter(pl.col("credit_utilisation") > 1).sort(
        ["credit_utilisation", "account_id"], descending=[True, False]
    ),
    ctx,
)
ui.section(f"{ctx.t('receivables.over_limit')} ({over.height})")
if over.is_empty():
    ui.empty(ctx.t("empty.no_over_limit", as_of=as_of))
else:
    limit_columns = [
        Column("credit_limit", label=ctx.t("account.credit_limit"), measure_name="open_ar"),
        Column("open_ar"),
        Column("credit_utilisation"),
        Column("overdue_ar"),
        Column("dso"),
    ]
    ui.table(over, account_columns[:3] + limit_columns, lang)
