"""Composite views shared by pages: account facts, document lists, mix and bridge tables, the
meeting brief.

Each takes API frames and the language and lays them out; the pages decide what to show where.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import streamlit as st

from kamdash.engine.measures import Language
from kamdash.report import charts
from kamdash.report.brief import Brief, Comparison
from kamdash.report.formatting import (
    format_date,
    format_days,
    format_measure,
    format_money,
    format_period,
    format_points,
    format_value,
    format_years,
)
from kamdash.ui import components as ui
from kamdash.ui import exports, insights, search, state
from kamdash.ui.components import Column
from kamdash.ui.context import Context
from kamdash.ui.exports import Scope
from kamdash.ui.i18n import t

DOC_KINDS = ("invoice", "credit_note", "unapplied_cash")
BRIEF_DOCUMENTS = 5  # overdue documents listed under the overdue issue; the rest are counted


def with_links(frame: pl.DataFrame, context: Context, page: str = "account") -> pl.DataFrame:
    """Adds `link`: the page of each row's account, keeping the view's filters."""
    links = [context.href(page, account=i) for i in frame["account_id"].to_list()]
    return frame.with_columns(link=pl.Series(links, dtype=pl.String))


def credit_use(row: dict[str, Any], lang: Language) -> None:
    """The account's credit limit use as a bar, when it has a limit."""
    if row["credit_utilisation"] is None:
        return
    use = format_measure(row["credit_utilisation"], "credit_utilisation", lang)
    limit = format_measure(row["credit_limit"], "open_ar", lang)
    # the bar holds 0–100 %: an account in credit (open AR below zero, so a negative use)
    # draws it empty and one over its limit full; the text says the true figure
    st.progress(
        min(max(float(row["credit_utilisation"]), 0.0), 1.0),
        text=t("account.credit_use", lang, pct=use, limit=limit),
    )


def plan_caption(context: Context, row: dict[str, Any]) -> None:
    """The account's plan for the period under its tiles (revenue alone for a viewer without
    margins), or that it has none."""
    if not row["revenue_target"]:
        st.caption(context.t("account.no_plan"))
        return
    revenue = format_measure(row["revenue_target"], "revenue", context.lang)
    if context.store.hide_margins:
        st.caption(context.t("account.plan_caption_revenue", revenue=revenue))
        return
    margin = format_measure(row["gross_margin_target"], "gross_margin", context.lang)
    st.caption(context.t("account.plan_caption", revenue=revenue, margin=margin))


def account_facts(row: dict[str, Any], as_of: dt.date, lang: Language) -> None:
    """Holding, industry, region, KAM, terms, credit limit and tenure in one line."""
    since = row["onboarded_on"]
    tenure = t("account.unknown", lang)
    if since is not None:
        years = (as_of - since).days * 100 // 36525  # whole years, leap days included
        tenure = f"{format_date(since, lang)} ({format_years(max(years, 0), lang)})"
    terms = row["payment_terms_days"]
    facts = {
        "account.holding": row["holding_name"],
        "account.industry": row["industry"],
        "account.region": row["region"],
        "account.kam": row["kam_name"] or row["kam_id"],
        "account.terms": format_days(terms, lang) if terms else t("account.prepaid", lang),
        "account.credit_limit": format_measure(row["credit_limit"], "open_ar", lang)
        if row["credit_limit"]
        else t("account.no_limit", lang),
        "account.tenure": tenure,
    }
    st.markdown(
        " · ".join(f"{t(key, lang)}: **{ui.escape_md(value)}**" for key, value in facts.items())
    )


def account_picker(context: Context, account_id: str, account_name: str) -> None:
    """Find an account of the filtered portfolio by a few letters of its name (either
    script) or its id: the Store searches (`Store.search_accounts`) and the picker offers its
    best matches beside the account shown, so no widget ever holds a whole customer base."""
    typed = st.text_input(
        context.t("account.search"),
        key="kamdash.account_search",
        help=context.t("account.search_help"),
        placeholder=context.t("table.search_placeholder"),
    )
    matches = context.q.search_accounts(typed or None, **context.f)
    choices = {account_id: search.option_label(account_name, account_id)}
    for match_id, name in matches.select("account_id", "account_name").iter_rows():
        choices.setdefault(match_id, search.option_label(name, match_id))
    state.account_picker(
        context.t("account.pick"), context.t("account.pick_help"), choices, account_id
    )


def mix_table(mix: pl.DataFrame, lang: Language) -> None:
    """Products this period beside the prior year (`insights.mix_with_prior`)."""
    ui.table(
        mix,
        [
            Column("item_name", "text", t("col.product", lang), width="medium"),
            Column("category", "text", t("col.category", lang)),
            Column("revenue"),
            Column("revenue_share", "number", t("col.share_now", lang), value_format="percent"),
            Column("gross_margin_pct"),
            Column("revenue_prior", label=t("col.revenue_prior", lang), measure_name="revenue"),
            Column(
                "revenue_share_prior", "number", t("col.share_prior", lang), value_format="percent"
            ),
        ],
        lang,
        height=360,
    )


def bridge_table(products: pl.DataFrame, lang: Language) -> None:
    """The bridge attributed to products (`Store.bridge_by_product`)."""
    ui.table(
        products,
        [
            Column("product_name", "text", t("col.product", lang), width="medium"),
            Column("revenue_base", label=t("col.revenue_prior", lang), measure_name="revenue"),
            Column("revenue"),
            Column("volume"),
            Column("mix"),
            Column("price_effect", measure_name="price"),
            Column("new"),
            Column("lost"),
        ],
        lang,
        title=t("account.bridge_products", lang),
    )


def aging_columns() -> list[Column]:
    """Per-account receivables columns, buckets in age order."""
    return [
        Column("open_ar"),
        Column("ar_current"),
        Column("ar_1_30"),
        Column("ar_31_60"),
        Column("ar_61_90"),
        Column("ar_91_plus"),
        Column("unapplied_credits"),
        Column("overdue_pct"),
        Column("dso"),
        Column("credit_utilisation"),
    ]


def mover_links(frame: pl.DataFrame, context: Context, title: str) -> None:
    """Accounts with their revenue change (the gainers or decliners listing), each a link to
    its page."""
    st.markdown(f"**{title}**")
    for row in frame.iter_rows(named=True):
        change = row["revenue_change"]
        text = format_value(change, "money", context.lang, short=True, signed=True)
        st.page_link(
            context.pages["account"],
            label=f"{ui.escape_md(row['account_name'])} · {text}",
            query_params=context.filters.query(account=row["account_id"]),
            icon=":material/trending_up:" if change > 0 else ":material/trending_down:",
        )


def reason_text(reason: insights.Reason, lang: Language) -> str:
    if reason.kind == "falling_revenue":
        change = format_value(reason.change, "percent", lang, signed=True)
        return t("risk.falling_revenue", lang, change=change)
    if reason.kind in ("margin_erosion", "rising_overdue"):
        return t(f"risk.{reason.kind}", lang, change=format_points(reason.change, lang))
    if reason.kind == "no_orders":
        return t("risk.no_orders", lang, date=format_date(reason.date, lang))
    if reason.kind == "no_meeting":
        if reason.change is None:
            return t("risk.never_met", lang)
        return t("risk.no_meeting", lang, days=format_value(reason.change, "count", lang))
    if reason.kind == "contract_renewal":
        return t("risk.contract_renewal", lang, date=format_date(reason.date, lang))
    if reason.kind in ("single_thread", "detractor"):
        return t(f"risk.{reason.kind}", lang)
    return t("risk.never_ordered", lang)


# -- meeting brief ---------------------------------------------------------------------------


def _bullets(lines: Sequence[str], indent: str = "") -> list[str]:
    # sentences carry data (product and category names): escaped, so they stay plain text
    return [f"{indent}- {ui.escape_md(line)}" for line in lines]


def _products(comparison: Comparison, lang: Language) -> list[str]:
    lines = []
    for key, products in (
        ("brief.up", comparison.products_up),
        ("brief.down", comparison.products_down),
    ):
        if products:
            listed = "; ".join(
                f"{p.product_name} {format_money(p.change, lang, short=True, signed=True)}"
                for p in products
            )
            lines.append(t(key, lang, products=listed))
    return lines


def brief_changes(brief: Brief) -> str:
    """Against the previous period and the prior year: the summary, PVM and top products."""
    lang = brief.language
    lines: list[str] = []
    for comparison in brief.comparisons:
        lines += _bullets([comparison.summary])
        details = []
        if comparison.pvm_headline:
            details.append(t("brief.pvm", lang, headline=comparison.pvm_headline))
        lines += _bullets(details + _products(comparison, lang), indent="  ")
    return "\n".join(lines)


def brief_issues(brief: Brief) -> str:
    """What to raise; the overdue issue lists its documents, oldest first."""
    lang = brief.language
    lines: list[str] = []
    for issue in brief.issues:
        lines += _bullets([issue.text])
        if issue.kind != "overdue":
            continue
        documents = brief.overdue_documents
        named = [
            t(
                "brief.document",
                lang,
                doc=doc.item_id,
                date=format_date(doc.item_date, lang),
                balance=format_money(doc.open_balance, lang),
                days=format_days(doc.days_past_due, lang),
            )
            for doc in documents[:BRIEF_DOCUMENTS]
        ]
        if len(documents) > BRIEF_DOCUMENTS:
            named.append(t("brief.more", lang, count=len(documents) - BRIEF_DOCUMENTS))
        lines += _bullets(named, indent="  ")
    return "\n".join(lines)


def _part(title: str, body: str, none: str) -> None:
    st.markdown(f"**{title}**")
    if body:
        st.markdown(body)
    else:
        st.caption(none)


def meeting_brief(brief: Brief) -> None:
    """The brief (`kamdash.report.brief`) as plain text in its language: what changed, what to
    raise, whitespace and talking points. Every sentence is the Brief's own."""
    lang = brief.language
    left, right = st.columns(2, gap="large")
    with left:
        _part(t("brief.changed", lang), brief_changes(brief), "")
        _part(t("brief.raise", lang), brief_issues(brief), t("brief.none_raise", lang))
    with right:
        if brief.meeting_points:  # from the CRM and closing-document tables, when exported
            _part(t("brief.meeting", lang), "\n".join(_bullets(brief.meeting_points)), "")
        whitespace = "\n".join(_bullets([item.text for item in brief.whitespace]))
        _part(t("brief.whitespace", lang), whitespace, t("brief.none_whitespace", lang))
        points = "\n".join(
            f"{number}. {ui.escape_md(point)}"
            for number, point in enumerate(brief.talking_points, start=1)
        )
        _part(t("brief.talking", lang), points, t("brief.none_talking", lang))


def _brief_caption(context: Context) -> str:
    f, lang = context.filters, context.lang
    period = format_period(f.start, f.end, lang)
    return t("brief.caption", lang, period=period, as_of=format_date(f.as_of, lang))


def _account_brief(context: Context, account_id: str) -> Brief:
    """The account's brief for this view, cached per data version, scope, account and view."""
    f = context.filters
    return exports.meeting_brief(context.store, account_id, f.start, f.end, f.as_of, context.lang)


def meeting_prep(context: Context, account_id: str, scope: Scope) -> None:
    """The QBR deck and PDF downloads, then the meeting brief in an expander.

    The brief is cached per data version, account and view; the files are built on click.
    """
    lang = context.lang
    exports.qbr_downloads(context.store, account_id, scope)
    brief = _account_brief(context, account_id)
    counts = t("brief.counts", lang, issues=len(brief.issues), points=len(brief.talking_points))
    label = f"{t('brief.title', lang)} · {counts}"
    with st.expander(label, icon=":material/assignment:"):
        st.caption(_brief_caption(context))
        meeting_brief(brief)


def meeting_brief_open(context: Context, account_id: str) -> None:
    """The meeting brief under its heading, open (the phone-first account page leads with it)."""
    st.subheader(t("brief.title", context.lang), anchor=False)
    st.caption(_brief_caption(context))
    meeting_brief(_account_brief(context, account_id))


# -- portfolio ---------------------------------------------------------------------------------


def segment_split(context: Context, segments: pl.DataFrame, revenue: float) -> None:
    """Key accounts beside house accounts (`Store.segment_split`): revenue, its share of the
    whole, growth and GM %, each against the prior year."""
    ui.section(context.t("house.split"), context.t("house.split_caption"))
    columns = st.columns(2, gap="large")
    for column, unit, title in zip(
        columns, ("key", "house"), ("house.key", "house.name"), strict=True
    ):
        rows = segments.filter(pl.col("unit_id") == unit)
        if rows.is_empty():
            continue
        row = rows.row(0, named=True)
        share = row["revenue"] / revenue if revenue else None
        with column:
            st.markdown(
                f"**{context.t(title)}** · {format_value(row['accounts'], 'count', context.lang)}"
            )
            st.caption(context.t("house.share", share=format_value(share, "percent", context.lang)))
            vs = context.t("vs_prior_year")
            prior = {
                "revenue": row["revenue_prior_year"],
                "growth_yoy": row["growth_yoy_prior"],
                "gross_margin_pct": row["gross_margin_pct_prior"],
            }
            ui.tiles(
                [ui.Tile(name, row[name], prior[name], vs) for name in prior],
                context.lang,
                per_row=3,
            )


def movers(context: Context, period_text: str) -> None:
    """The five biggest gains and losses of revenue against the prior year, from SQL."""
    q, f = context.q, context.filters
    gainers, decliners = (
        q.account_listing(name, f.now_and_prior, limit=5, **context.f).rows
        for name in ("gainers", "decliners")
    )
    if gainers.is_empty() and decliners.is_empty():
        ui.empty(context.t("empty.no_movers"))
        return
    chart, links = st.columns([3, 2], gap="large")
    with chart:
        ranked = pl.concat([gainers, decliners.reverse()])  # biggest gain on top, loss at bottom
        change = context.t("chart.revenue_change")
        ui.chart(
            charts.movers(
                ranked,
                context.lang,
                title=change,
                subtitle=context.t("chart.vs", period=period_text, prior=context.period_texts()[1]),
                change_label=change,
                change_column="revenue_change",
            )
        )
    with links:
        mover_links(gainers, context, context.t("portfolio.gainers"))
        mover_links(decliners, context, context.t("portfolio.decliners"))
