"""The input side: what an export must look like, where its files are, and whether it holds.

`contract` declares the tables and columns of the export (the contract v2), `sources` finds a
folder's Parquet files and its `_export.json`, `connection` opens the sandboxed DuckDB
connection and builds the SQL tree (`sqlfiles` reads `sql/`), and `validation` checks an
export and writes the report every refusal and warning comes from.

May import: `kamdash.errors` and itself. Never the engine, reports, tools or UI.
"""
