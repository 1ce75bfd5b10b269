"""The account page's CRM and closing-document sections (contract v2): the renewal line in
the header, Relationship (stakeholder map, decision makers not met, activity timeline),
Pipeline and Closing documents. Without the table a section needs, it says which export
would fill it and shows nothing else.

Names, titles and subjects come from the client's CRM: they are shown as table cells or
escaped text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import streamlit as st

from kamdash.data.contract import (
    ACTIVITY_TYPES,
    ATTITUDES,
    BUYING_ROLES,
    CLOSING_DOC_KINDS,
    OPPORTUNITY_STAGES,
)
from kamdash.engine.listings import CLOSING_DOC_LISTINGS, Page
from kamdash.engine.measures import measure
from kamdash.report import charts, relationship_charts
from kamdash.report.formatting import delta, format_date, format_measure, format_month_range
from kamdash.ui import components as ui
from kamdash.ui import exports
from kamdash.ui.components import Column, Tile
from kamdash.ui.context import Context
from kamdash.ui.paged import TableView, paged_table

# the relationship figures the portfolio's accounts table shows beside the others
PORTFOLIO_FIGURES = (
    "days_since_last_meeting",
    "decision_maker_coverage",
    "weighted_pipeline",
    "unsigned_closing_amount",
)


def _words(context: Context, prefix: str, values: tuple[str, ...]) -> dict[str, str]:
    return {value: context.t(f"{prefix}.{value}") for value in values}


def _translated(frame: pl.DataFrame, column: str, words: dict[str, str]) -> pl.Expr:
    # a value outside the contract's list (validation warns) is shown as exported
    return pl.col(column).replace_strict(words, default=pl.col(column), return_dtype=pl.String)


def renewal_line(context: Context, row: dict[str, Any]) -> None:
    """The contract end date under the account's facts, flagged when renewal is due."""
    end = row.get("contract_end_on")
    if end is None:
        return
    text = context.t("renewal.ends", date=format_date(end, context.lang))
    if row.get("renewal_due"):
        expired = end <= context.filters.as_of
        flag = context.t("renewal.expired" if expired else "renewal.due")
        st.markdown(f":orange-badge[:material/event: {ui.escape_md(text)} · {flag}]")
    else:
        st.caption(text)


def relationship_section(context: Context, account_id: str, row: dict[str, Any]) -> None:
    """Tiles, the stakeholder map with the decision makers not met in 90 days, and the
    activity timeline over the page's 24-month chart span."""
    f, lang, q = context.filters, context.lang, context.q
    as_of_text = format_date(f.as_of, lang)
    ui.section(context.t("rel.section"), context.t("rel.caption", date=as_of_text))
    store = context.store
    if not (store.has_table("contacts") or store.has_table("activities")):
        ui.empty(context.t("rel.no_crm"))
        return
    names = ("days_since_last_meeting", "decision_maker_coverage", "single_threaded")
    ui.tiles([Tile(name, row.get(name)) for name in (*names, "meetings_in_period")], lang)
    people = q.stakeholders(account_id, f.as_of)
    if people.is_empty():
        ui.empty(context.t("rel.no_contacts"))
    else:
        unmet = people.filter(pl.col("not_met_decision_maker"))["full_name"].to_list()
        if unmet:
            names_text = ", ".join(ui.escape_md(name) for name in unmet)
            st.warning(context.t("rel.not_met", names=names_text), icon=":material/person_alert:")
        shown = people.with_columns(
            _translated(people, "buying_role", _words(context, "role", BUYING_ROLES)),
            _translated(people, "attitude", _words(context, "attitude", ATTITUDES)),
            pl.when(pl.col("not_met_decision_maker"))
            .then(pl.lit(context.t("rel.not_met_flag")))
            .when(~pl.col("active"))
            .then(pl.lit(context.t("contact.left")))
            .otherwise(None)
            .alias("touch_status"),
        )
        ui.table(
            shown,
            [
                Column("full_name", "text", context.t("col.contact"), width="medium"),
                Column("job_title", "text", context.t("col.job_title")),
                Column("buying_role", "text", context.t("col.buying_role")),
                Column("attitude", "text", context.t("col.attitude")),
                Column("last_touch_on", "date", context.t("col.last_touch")),
                Column("touch_status", "text", context.t("col.touch_status")),
            ],
            lang,
        )
    _timeline(context, account_id)


def _timeline(context: Context, account_id: str) -> None:
    f, lang, q = context.filters, context.lang, context.q
    span = charts.month_span(f.end, 24)
    timeline = q.activity_timeline(account_id, *span)
    if timeline.is_empty():
        ui.empty(context.t("rel.no_activities"))
        return
    types = _words(context, "activity", ACTIVITY_TYPES)
    ui.chart(
        relationship_charts.activity_timeline(
            timeline,
            lang,
            type_labels=types,
            title=context.t("rel.timeline"),
            subtitle=format_month_range(*span, lang),
            count_title=context.t("rel.count"),
        )
    )
    with st.expander(context.t("rel.recent")):
        recent = q.recent_activities(account_id, f.as_of)
        recent = recent.with_columns(_translated(recent, "activity_type", types))
        ui.table(
            recent,
            [
                Column("activity_date", "date", context.t("col.activity_date")),
                Column("activity_type", "text", context.t("col.activity_type")),
                Column("contact_name", "text", context.t("col.contact")),
                Column("kam_name", "text", context.t("col.by")),
                Column("subject", "text", context.t("col.subject"), width="large"),
            ],
            lang,
            # its own file name: the section's heading already names the stakeholder map's
            title=context.t("rel.recent"),
        )


def pipeline_section(context: Context, account_id: str, row: dict[str, Any]) -> None:
    """Pipeline tiles, the weighted pipeline against the brief's whitespace estimate, and the
    opportunities open at D and won or lost in the period."""
    f, lang = context.filters, context.lang
    ui.section(
        context.t("pipe.section"), context.t("pipe.caption", date=format_date(f.as_of, lang))
    )
    if not context.store.has_table("opportunities"):
        ui.empty(context.t("pipe.no_data"))
        return
    names = ("pipeline", "weighted_pipeline", "win_rate", "landing_forecast")
    ui.tiles([Tile(name, row.get(name)) for name in names], lang)
    brief = exports.meeting_brief(context.store, account_id, f.start, f.end, f.as_of, lang)
    if brief.whitespace:
        estimate = sum(item.peer_median_revenue for item in brief.whitespace)
        st.caption(
            context.t(
                "pipe.whitespace",
                count=len(brief.whitespace),
                amount=format_measure(estimate, "revenue", lang),
            )
        )
    deals = context.q.opportunities(account_id, f.start, f.end, f.as_of)
    if deals.is_empty():
        ui.empty(context.t("pipe.none"))
        return
    shown = deals.with_columns(
        _translated(deals, "stage", _words(context, "stage", OPPORTUNITY_STAGES)),
        _translated(deals, "status", _words(context, "status", ("open", "won", "lost"))),
    )
    ui.table(
        shown,
        [
            Column("status", "text", context.t("col.status")),
            Column("stage", "text", context.t("col.stage")),
            Column("category", "text", context.t("col.category")),
            Column("amount", "number", context.t("col.amount"), value_format="money"),
            Column("probability", "number", context.t("col.probability"), value_format="percent"),
            Column("weighted_amount", "number", context.t("col.weighted"), value_format="money"),
            Column("expected_close_on", "date", context.t("col.expected_close")),
            Column("closed_on", "date", context.t("col.closed_on")),
        ],
        lang,
    )


def closing_columns(context: Context, *, with_account: bool) -> list[Column]:
    account = [Column("account_name", "text", context.t("col.account"), width="medium")]
    return [
        *(account if with_account else []),
        Column("closing_doc_id", "text", context.t("col.closing_doc")),
        Column("doc_kind", "text", context.t("col.doc_kind")),
        Column("invoice_id", "text", context.t("col.invoice")),
        Column("issued_on", "date", context.t("col.issued_on")),
        Column("days_unsigned", "number", context.t("col.days_unsigned"), value_format="days"),
        Column("amount", "number", context.t("col.amount"), value_format="money"),
        Column("via_edo", "flag", context.t("col.via_edo")),
    ]


def unsigned_table(context: Context, name: str, *, with_account: bool, **filters: Any) -> None:
    """The closing documents unsigned at D, oldest first, paged in SQL."""
    f, q, store = context.filters, context.q, context.store
    table = CLOSING_DOC_LISTINGS["unsigned_closing_documents"]
    kinds = _words(context, "doc_kind", CLOSING_DOC_KINDS)

    def asked(view: TableView) -> dict[str, Any]:
        return {
            "sort": view.sort,
            "descending": view.descending,
            "search": view.search,
            "offset": view.offset,
        }

    def fetch(view: TableView) -> Page:
        return q.closing_document_listing(f.as_of, **asked(view), **filters)

    def everything(view: TableView) -> pl.DataFrame:
        options = asked(view) | {"limit": None, "offset": 0}
        return described(store.closing_document_listing(f.as_of, **options, **filters).rows)

    def described(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.with_columns(_translated(rows, "doc_kind", kinds))

    paged_table(
        name,
        table,
        fetch,
        everything,
        closing_columns(context, with_account=with_account),
        context.lang,
        prepare=described,
        empty_message=context.t("close.none"),
    )


def closing_section(context: Context, account_id: str, row: dict[str, Any]) -> None:
    """Unsigned amount and count, signed on time %, and the unsigned documents oldest first."""
    lang = context.lang
    ui.section(
        context.t("close.section"),
        context.t("close.caption", date=format_date(context.filters.as_of, lang)),
    )
    if not context.store.has_table("closing_documents"):
        ui.empty(context.t("close.no_data"))
        return
    names = ("unsigned_closing_amount", "unsigned_closing_docs", "signed_on_time_pct")
    ui.tiles([Tile(name, row.get(name)) for name in names], lang)
    unsigned_table(context, "closing_docs", with_account=False, account_id=(account_id,))


def available_columns(context: Context, names: Sequence[str]) -> list[Column]:
    """A column for each measure of `names` whose optional tables (`Measure.needs`) the
    export has rows of, in that order."""
    store = context.store
    return [
        Column(name)
        for name in names
        if all(store.has_table(table) for table in measure(name).needs)
    ]


def portfolio_columns(context: Context) -> list[Column]:
    """The accounts table's relationship columns, for the tables the export has."""
    return available_columns(context, PORTFOLIO_FIGURES)


def landing_tile(context: Context) -> None:
    """The director's tile: where the year of the as-of date lands against its plan."""
    f, lang = context.filters, context.lang
    # from the account rows the page's tables read (their first period ends at the as-of date)
    landing = context.q.view_landing(f.now_and_prior, **context.f)
    plan = landing["year_revenue_target"]
    compare = context.t("landing.vs_plan", year=f.as_of.year) if plan else None
    change = (
        delta(landing["landing_forecast"], plan, "revenue", lang, relative=True) if plan else None
    )
    ui.tiles([Tile("landing_forecast", landing["landing_forecast"], None, compare, change)], lang)


def receivables_closing_section(context: Context) -> None:
    """The receivables page's closing documents: unsigned amount by days unsigned beside the
    signed on time % trend, then the worklist of unsigned documents (paged in SQL). Without
    the table it says which export fills it."""
    f, lang, q = context.filters, context.lang, context.q
    as_of_text = format_date(f.as_of, lang)
    ui.section(context.t("close.section"), context.t("close.portfolio_caption", date=as_of_text))
    if not q.has_table("closing_documents"):
        ui.empty(context.t("close.no_data"))
        return
    span = charts.month_span(f.as_of, 24)
    aging, trend = q.gather(
        lambda: q.closing_document_aging(f.start, f.end, f.as_of, **context.f),
        lambda: q.signed_on_time_trend(*span, **context.f),
    )
    names = ("unsigned_closing_amount", "unsigned_closing_docs", "signed_on_time_pct")
    ui.tiles([Tile(name, aging[name]) for name in names], lang)
    left, right = st.columns(2, gap="medium")
    with left:
        subtitle = context.t("chart.as_of", date=as_of_text)
        title = context.t("close.aging")
        ui.chart(relationship_charts.unsigned_aging(aging, lang, title=title, subtitle=subtitle))
    with right:
        if trend.is_empty():
            ui.empty(context.t("close.no_issued"))
        else:
            chart = charts.measure_trend(
                trend,
                lang,
                x="month",
                measures=["signed_on_time_pct"],
                title=context.t("close.trend"),
                subtitle=format_month_range(*span, lang),
            )
            ui.chart(chart)
    unsigned_table(context, "receivables.unsigned", with_account=True, **context.f)
