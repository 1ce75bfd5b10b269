"""What people read: locale formatting, charts, the meeting brief and the export files.

`formatting` writes every figure in English or Russian from its measure, `charts` builds the
Altair charts, `brief` turns an account's figures into what changed and what to raise, and
`exports` writes the QBR deck, the PDF brief, chart images and spreadsheets.

May import: `kamdash.engine`, `kamdash.data`, `kamdash.errors`. Never Streamlit or the tools.
"""
