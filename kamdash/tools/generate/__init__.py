"""Synthetic export generator: a realistic Russian B2B key-account export in the contract layout.

It feeds the committed sample data, demos and load tests. The data is shaped so that every
screen has something to show: growing, declining, churned and new accounts, holdings, seasonality,
annual price rises, margin erosion, credit notes, late / partial / missing payments, unapplied
cash and accounts over their credit limit. Large shapes (`--accounts 150000 --lines 6000000`)
are a whole customer base: a few hundred key accounts with KAMs, plans and contract renewal
dates, and a long tail of house accounts (no KAM) buying little and seldom. Transactions are
generated and written month by month (one Parquet writer per year), so memory stays flat from
a few thousand to 50 million lines.
The output is deterministic: the same arguments give the same table contents.

One module per kind of thing generated, run in this order by `driver`:
- `catalogue` — the products and which industries buy what (the products table);
- `names` — Russian names of the KAM team, companies, holdings, sole traders (managers table);
- `portfolio` — the accounts and what drives their transactions (the accounts table);
- `orders` — invoices, invoice lines and credit notes, month by month;
- `payments` — when and how invoices are paid (the payments table);
- `plan` — the key accounts' monthly targets;
- `closing` — the acts, УПД and waybills closing the invoices, month by month (contract v2);
- `crm` — the key accounts' contacts, activities and opportunities (contract v2);
- `context` (the run's frame and streaming state) and `storage` (Arrow and Parquet) serve them.
A new table is a new module beside these, joined to the run in `driver` (see its docstring).
"""

from kamdash.tools.generate.catalogue import INDUSTRIES
from kamdash.tools.generate.driver import GenerateSummary, generate_export

__all__ = ["INDUSTRIES", "GenerateSummary", "generate_export"]
