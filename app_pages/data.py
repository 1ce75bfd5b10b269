"""Data (`/data`): the validation report of the folder, conservation of money, the glossary.

A KAM (who may see only some accounts) gets the verdicts of the checks without the example
keys, files, row counts and money totals of the whole export, and the tables' date ranges of
their own accounts; directors get the full report.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from kamdash.data.importing import read_import
from kamdash.ui import components as ui
from kamdash.ui.context import page_context

ctx = page_context()
lang, store = ctx.lang, ctx.store
report = store.report
st.title(ctx.t("data.title"), anchor=False)

st.markdown(
    f"{ctx.t('data.folder')}: `{ui.code_text(store.data_dir.resolve(), limit=200)}` · "
    f"{ctx.t('data.fingerprint')}: `{store.fingerprint}` · {ui.export_time(store, lang)}"
)
verdict = ui.verdict(report, lang)
if report.warnings:
    st.warning(verdict, icon=":material/warning:")
else:
    st.success(verdict, icon=":material/check_circle:")

# someone who may see only some accounts gets the verdicts, not the example keys, files, row
# counts and money totals of the whole export (they name and add up other KAMs' accounts)
detail = store.allowed is None
if not detail:
    st.info(ctx.t("data.restricted"), icon=":material/lock:")
ui.section(ctx.t("data.findings"))
ui.findings_table(report, lang, detail=detail)
if detail:
    # totals over the whole export: not for someone who may see only some accounts, and
    # without the cost line for someone who may not see cost
    if store.hide_margins:
        kept = [line for line in report.conservation if line.column != "cost_amount"]
        report = dataclasses.replace(report, conservation=kept)
    ui.section(ctx.t("data.conservation"), ctx.t("data.conservation_caption"))
    ui.conservation_table(report, lang)
    imported = read_import(store.data_dir)
    if imported is not None:  # the folder came from `kamdash import`: its counts per file
        at, source = imported.imported_at, ui.code_text(imported.source_dir, limit=200)
        ui.section(ctx.t("data.import"), ctx.t("data.import_caption", at=at, source=source))
        ui.import_tables(imported, lang)
ui.section(ctx.t("data.tables"))
# each table's first and last date within the viewer's scope: another KAM's latest document
# is not theirs to know (nor what their own defaults end on)
report = dataclasses.replace(report, tables=ctx.q.table_summaries())
ui.tables_table(report, lang, detail=detail)
ui.section(ctx.t("data.glossary"), ctx.t("data.glossary_caption"))
ui.glossary(lang)
