"""Account (`/account?account=…`): one client's story before a meeting, its brief and QBR files.

On a phone (or with `view=brief`) the meeting brief and four key tiles come first
(`kamdash.ui.account_top`)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from kamdash.engine.measures import measure
from kamdash.report import charts
from kamdash.report.formatting import format_date, format_month_range
from kamdash.ui import account_top, exports, insights, relationship, tables, views
from kamdash.ui import components as ui
from kamdash.ui.context import page_context

ctx = page_context()
f, lang, q = ctx.filters, ctx.lang, ctx.q


account_id = f.account
if account_id is None:  # no account in the link: the largest of the filtered portfolio
    largest = q.account_listing("accounts", f.now_and_prior, limit=1, **ctx.f).rows
    account_id = largest["account_id"][0] if largest.height else None
if account_id is None:
    st.title(ctx.t("page.account"), anchor=False)
    ui.empty(ctx.t("empty.no_accounts"))
    st.stop()

one: dict[str, Any] = {"account_id": (account_id,)}
span = charts.month_span(f.end, 24)
(rows, prior_rows), *fetched = q.gather(
    lambda: q.accounts_over(f.now_and_prior, **one),
    lambda: q.monthly(*span, level="account", **one),
    lambda: q.product_mixes(((f.start, f.end), (f.prior.start, f.prior.end)), **one),
    lambda: q.bridge(f.prior.start, f.prior.end, f.start, f.end, **one),
    lambda: q.bridge_by_product(f.prior.start, f.prior.end, f.start, f.end, **one),
    lambda: q.receivables_trend(*span, level="account", **one),
    lambda: q.payment_behaviour(*span, level="account", **one),
)
monthly, (mixes, prior_mixes) = fetched[:2]
bridge, bridge_products, trend, payments = fetched[2:]
category_mix, mix = mixes["category"], mixes["product"]
prior_category_mix, prior_mix = prior_mixes["category"], prior_mixes["product"]
row, prior = rows.row(0, named=True), prior_rows.row(0, named=True)
scope = exports.account_scope(ctx, account_id, row["account_name"])
exports.use_scope(scope)  # every chart and table file below is about this account
# name, tiles, QBR files and brief: wide-screen order, or the brief first on a phone
account_top.draw(ctx, account_id, row, prior, scope)
relationship.relationship_section(ctx, account_id, row)
relationship.pipeline_section(ctx, account_id, row)

months = format_month_range(*span, lang)
if ctx.store.hide_margins:  # revenue alone: no margin bar, axis, tooltip or title
    revenue = measure("revenue").label(lang)
    ui.section(revenue)
    ui.chart(
        charts.measure_trend(
            monthly, lang, x="month", measures=["revenue"], title=revenue, subtitle=months
        )
    )
else:
    ui.section(ctx.t("account.trend"))
    ui.chart(
        charts.revenue_margin_trend(monthly, lang, title=ctx.t("chart.trend"), subtitle=months)
    )

period, before = ctx.period_texts()
versus = ctx.t("chart.vs", period=period, prior=before)
ui.section(ctx.t("account.mix"))
left, right = st.columns(2, gap="large")
with left:
    mix_chart = charts.period_comparison(
        category_mix,
        prior_category_mix,
        lang,
        title=ctx.t("chart.mix"),
        subtitle=versus,
        now_label=ctx.t("chart.period_now"),
        prior_label=ctx.t("chart.period_prior"),
        item_label=ctx.t("chart.category"),
    )
    ui.chart(mix_chart)
with right:
    views.mix_table(insights.mix_with_prior(mix, prior_mix), lang)

ui.section(ctx.t("account.bridge"), ctx.t("account.bridge_caption", prior=before, period=period))
if not bridge["revenue"] and not bridge["revenue_base"]:
    ui.empty(ctx.t("empty.no_bridge"))
else:
    waterfall = charts.waterfall(
        bridge,
        lang,
        title=ctx.t("chart.bridge"),
        subtitle=versus,
        base_label=ctx.t("chart.base"),
        current_label=ctx.t("chart.current"),
    )
    ui.chart(waterfall)
    with st.expander(ctx.t("account.bridge_products")):
        views.bridge_table(bridge_products, lang)

ui.section(ctx.t("account.receivables"))
views.credit_use(row, lang)
as_of_text = ctx.t("chart.as_of", date=format_date(f.as_of, lang))
left, right = st.columns(2, gap="large")
with left:
    ui.chart(charts.aging(row, lang, title=ctx.t("chart.aging"), subtitle=as_of_text))
with right:
    dso_chart = charts.measure_trend(
        trend, lang, x="as_of", measures=["dso"], title=ctx.t("chart.dso_trend"), subtitle=months
    )
    ui.chart(dso_chart)
tables.open_items_table(ctx, overdue_only=False, **one)
relationship.closing_section(ctx, account_id, row)

ui.section(ctx.t("account.payment"))
if payments.is_empty():
    ui.empty(ctx.t("empty.no_payments"))
else:
    payment_chart = charts.measure_trend(
        payments,
        lang,
        x="month",
        measures=["avg_days_to_pay", "avg_days_late"],
        title=ctx.t("chart.payment"),
        subtitle=months,
        series_label=ctx.t("chart.measure"),
    )
    ui.chart(payment_chart)
