"""Files that leave the dashboard: chart images, CSV/XLSX tables, the QBR deck and PDF brief.

UI-free (no streamlit), so the account page, the CLI (`kamdash qbr`) and tests build exactly
the same bytes: `images.chart_png`, `tables.table_xlsx`, `deck.build_deck`, `pdf.build_pdf`.
"""
