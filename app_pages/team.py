"""Team (`/team`): each KAM's book — size, growth, margin, retention, overdue, plan."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kamdash.engine.store import HOUSE_ACCOUNTS
from kamdash.report import charts
from kamdash.ui import components as ui
from kamdash.ui.components import Column
from kamdash.ui.context import page_context
from kamdash.ui.team import relationship_columns, with_relationship

ctx = page_context()
f, lang, q = ctx.filters, ctx.lang, ctx.q
st.title(ctx.t("team.title"), anchor=False)
st.caption(ctx.period_caption())

# the books' figures and their relationship figures are two statements: asked at once
kams, relationship = q.gather(
    lambda: q.kams(f.start, f.end, f.as_of, **ctx.f),
    lambda: q.kam_relationship(f.start, f.end, f.as_of, **ctx.f),
)
kams = kams.sort(["revenue", "kam_id"], descending=[True, False])
if kams.is_empty():
    ui.empty(ctx.t("empty.no_kams"))
    st.stop()
# house accounts (served by no KAM) are the row without a kam_id; their filter value says so
kams = kams.with_columns(
    kam_id=pl.col("kam_id").fill_null(HOUSE_ACCOUNTS),
    kam_name=pl.when(pl.col("kam_id").is_null())
    .then(pl.lit(ctx.t("house.name")))
    .otherwise(pl.coalesce("kam_name", "kam_id")),
)
kams = with_relationship(kams, relationship).with_columns(
    link=pl.Series([ctx.href("portfolio", kam=(k,)) for k in kams["kam_id"]], dtype=pl.String),
)

st.caption(ctx.t("team.caption"))
event = ui.table(
    kams,
    [
        Column("kam_name", "text", ctx.t("col.kam"), width="medium"),
        Column("link", "link", ctx.t("team.portfolio_link"), link_text="↗", width=80),
        Column("accounts", "number", ctx.t("team.accounts")),
        Column("revenue"),
        Column("growth_yoy"),
        Column("gross_margin_pct"),
        Column("nrr"),
        Column("grr"),
        Column("overdue_pct"),
        Column("plan_attainment"),
        Column("open_ar"),
        Column("dso"),
        *relationship_columns(ctx),
    ],
    lang,
    key="team.kams",
    selectable=True,
)
picked = ui.selected_row(event)
if picked is not None:
    ctx.go("portfolio", kam=(kams["kam_id"][picked],), account=None)

period, _ = ctx.period_texts()
ui.chart(
    charts.plan_by_unit(
        kams,
        lang,
        unit_column="kam_name",
        title=ctx.t("chart.team"),
        subtitle=period,
        plan_label=ctx.t("chart.plan"),
    )
)
