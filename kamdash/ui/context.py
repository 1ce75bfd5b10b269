"""What every page needs to draw itself, prepared once per run by the app frame."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from kamdash.engine.measures import Language
from kamdash.engine.store import Store
from kamdash.report.formatting import format_date, format_period
from kamdash.ui.auth import Viewer
from kamdash.ui.data import Queries, filter_kwargs
from kamdash.ui.filters import Filters, Options
from kamdash.ui.i18n import t

_SESSION_KEY = "kamdash.context"

# page name → (file, URL path); the portfolio is the default page at "/"
PAGES: dict[str, tuple[str, str]] = {
    "portfolio": ("app_pages/portfolio.py", ""),
    "account": ("app_pages/account.py", "account"),
    "receivables": ("app_pages/receivables.py", "receivables"),
    "team": ("app_pages/team.py", "team"),
    "data": ("app_pages/data.py", "data"),
}
ICONS: dict[str, str] = {
    "portfolio": ":material/dashboard:",
    "account": ":material/storefront:",
    "receivables": ":material/account_balance_wallet:",
    "team": ":material/groups:",
    "data": ":material/fact_check:",
}


@dataclass
class Context:
    store: Store
    q: Queries
    filters: Filters
    options: Options
    # KAM id -> name, for labels and export titles
    kam_names: Mapping[str, str]
    pages: dict[str, Any] = field(default_factory=dict)
    viewer: Viewer | None = None

    @property
    def lang(self) -> Language:
        return self.filters.lang

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    @property
    def f(self) -> dict[str, Any]:
        """The sidebar filters as Store keyword arguments."""
        return filter_kwargs(self.filters.api())

    def href(self, page: str, **overrides: Any) -> str:
        """A relative link to `page` with this view's filters (works under any base path)."""
        path = PAGES[page][1] or "./"
        query = urlencode(self.filters.query(**overrides), doseq=True)
        return f"{path}?{query}" if query else path

    def go(self, page: str, **overrides: Any) -> None:
        """Switch to `page` in this tab, keeping the filters."""
        st.switch_page(self.pages[page], query_params=self.filters.query(**overrides))

    def period_texts(self) -> tuple[str, str]:
        """The period and its prior year, written out."""
        f = self.filters
        return (
            format_period(f.start, f.end, self.lang),
            format_period(f.prior.start, f.prior.end, self.lang),
        )

    def period_caption(self) -> str:
        f = self.filters
        return self.t(
            "period_caption",
            period=format_period(f.start, f.end, self.lang),
            prior=format_period(f.prior.start, f.prior.end, self.lang),
            as_of=format_date(f.as_of, self.lang),
        )


def set_context(context: Context) -> None:
    st.session_state[_SESSION_KEY] = context


def current_context() -> Context | None:
    """The context of this run, if the frame has prepared one (not on error pages)."""
    context = st.session_state.get(_SESSION_KEY)
    return context if isinstance(context, Context) else None


def page_context() -> Context:
    """The context the frame (app.py) prepared for this run."""
    context: Context = st.session_state[_SESSION_KEY]
    return context
