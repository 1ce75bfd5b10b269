"""The top of the account page: who the client is, its tiles, the QBR files and the meeting
brief, in the order the screen calls for.

Wide screens get the account picker, the name and facts, eight tiles, the QBR and PDF buttons
and the brief in an expander. Phone-first — the screen is narrow (`kamdash.ui.screen`) or the
URL says `view=brief` — is for a KAM on the way to a client: the name, the brief itself (what
changed, what to raise, talking points), the four key tiles, the QBR and PDF buttons, then the
picker, the facts and the other tiles; the charts and tables follow in both orders.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from kamdash.engine.store import MARGIN_COLUMNS
from kamdash.report.exports.qbr import KPI_NAMES
from kamdash.report.formatting import delta
from kamdash.ui import components as ui
from kamdash.ui import exports, relationship, screen, views
from kamdash.ui.components import Tile
from kamdash.ui.context import Context
from kamdash.ui.exports import Scope

# the tiles of an account in their wide-screen order: the QBR's KPIs, in the deck's order
TILE_ORDER = KPI_NAMES
# what a phone shows first: the first four of these the viewer may see (finance, who sees no
# margin, gets plan attainment in the place of GM %)
KEY_TILES = ("revenue", "gross_margin_pct", "open_ar", "overdue_pct", "plan_attainment")
KEY_TILE_COUNT = 4


def phone_first(context: Context) -> bool:
    """Whether the account page leads with the brief: `view=brief`, or a narrow screen."""
    return context.filters.brief_view or screen.narrow()


def _tiles(context: Context, row: dict[str, Any], prior: dict[str, Any]) -> dict[str, Tile]:
    """Every tile of the account by measure name, against the prior year (plan attainment
    against the plan)."""
    vs, lang = context.t("vs_prior_year"), context.lang
    plan_delta = delta(row["revenue"], row["revenue_target"], "revenue", lang, relative=False)
    tiles = {name: Tile(name, row[name], prior[name], vs) for name in TILE_ORDER}
    tiles["plan_attainment"] = Tile(
        "plan_attainment", row["plan_attainment"], None, context.t("vs_plan"), plan_delta
    )
    return tiles


def _key_tiles(context: Context) -> list[str]:
    hidden = MARGIN_COLUMNS if context.store.hide_margins else frozenset()
    return [name for name in KEY_TILES if name not in hidden][:KEY_TILE_COUNT]


def _header(context: Context, account_id: str, row: dict[str, Any]) -> None:
    """The account's facts (and a note when it lies outside the sidebar's filters)."""
    views.account_facts(row, context.filters.as_of, context.lang)
    relationship.renewal_line(context, row)
    if context.filters.scoped and account_id not in set(context.store.scope(**context.f) or ()):
        st.caption(context.t("account.out_of_scope"))


def draw(
    context: Context, account_id: str, row: dict[str, Any], prior: dict[str, Any], scope: Scope
) -> None:
    """Everything above the account's charts, wide-screen or phone-first."""
    tiles = _tiles(context, row, prior)
    title = ui.escape_md(row["account_name"])
    if not phone_first(context):
        views.account_picker(context, account_id, row["account_name"])
        st.title(title, anchor=False)
        _header(context, account_id, row)
        st.caption(context.period_caption())
        ui.tiles(list(tiles.values()), context.lang)
        views.plan_caption(context, row)
        views.meeting_prep(context, account_id, scope)
        return
    st.title(title, anchor=False)
    st.caption(context.period_caption())
    views.meeting_brief_open(context, account_id)
    key = _key_tiles(context)
    ui.tiles([tiles[name] for name in key], context.lang)
    exports.qbr_downloads(context.store, account_id, scope)
    views.account_picker(context, account_id, row["account_name"])
    _header(context, account_id, row)
    ui.tiles([tile for name, tile in tiles.items() if name not in key], context.lang)
    views.plan_caption(context, row)
