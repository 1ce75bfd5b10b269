"""kamdash — key-account P&L dashboard. Run with `make run` (or `streamlit run app.py`).

Router and shared frame only: the pages live in `app_pages/`, the building blocks in
`kamdash.ui`, the figures in the `kamdash` API. The data folder is `KAMDASH_DATA_DIR`
(default `sample_data`); the view (period, filters, account, language) lives in the URL.
"""

from __future__ import annotations

import streamlit as st

from kamdash.ui import frame

st.set_page_config(
    page_title="kamdash",
    page_icon=":material/monitoring:",
    layout="wide",
    # open on wide screens, closed up to 768 px wide, where it would cover a phone's page
    initial_sidebar_state="auto",
)

lang = frame.language_from_url()
# a bug anywhere below shows a short message with a reference, never a trace (see frame)
with frame.failures_as_messages(lang):
    pages = frame.pages(lang)
    # our own sidebar links carry the filters from page to page; the built-in menu would
    # drop them
    navigation = st.navigation(list(pages.values()), position="hidden")

    opened = frame.open_context(lang, pages)
    if opened is not None:
        context, notes = opened
        frame.sidebar(context)
        frame.banner(context, notes)
        frame.run_page(navigation, lang)
        frame.freeze_startup_objects()
