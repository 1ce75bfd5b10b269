"""The figures: every metric of the dashboard, the CLI and the exports is answered here.

`store` opens a validated export (cached per data version) and answers each figure from one
mart of `sql/marts` as polars; `measures` defines each measure once (name, labels, format,
formula); `periods` the calendar; `listings` the tables that are sorted and paged in SQL;
`access` a viewer's scope over a store; `gather` runs a page's independent calls together.

May import: `kamdash.data`, `kamdash.errors`. Never reports, tools or the UI.
"""
