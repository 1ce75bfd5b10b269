"""The Streamlit app's building blocks: the only part of kamdash that imports streamlit.

Modules: `filters` (URL ⇄ view state, pure), `state` (URL-synced sidebar widgets), `data`
(cached Store and results), `context` (what a page gets), `frame` (sidebar, banner, failures),
`components` (tiles, tables, charts, glossary, validation report), `views` (composite blocks
shared by pages), `insights` (movers and at-risk signals from API rows), `search` (names in
either script), `i18n` (every string).
This package file imports nothing, so UI-free code may import `kamdash.ui.filters` or
`kamdash.ui.i18n` without pulling in streamlit.
"""
