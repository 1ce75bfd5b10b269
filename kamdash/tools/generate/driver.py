"""The generator's driver: `generate_export` checks its arguments, runs the table modules in
order and writes the single-file tables and the `_export.json` manifest.

The order is fixed and is part of the output: every module draws from the run's random
streams, so the same arguments give the same table contents only if they draw in the same
order. The contract v2 tables are modules of their own beside `orders` and `payments`: the
closing documents (`closing`) stream with the invoices they close, the CRM tables (`crm`) are
made at the end; each draws from a random stream of its own (`numpy.random.default_rng([seed,
n])`, as house accounts and contracts do), so the v1 tables stay byte-identical.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kamdash.data.contract import (
    ACCOUNTS,
    ACTIVITIES,
    CLOSING_DOCUMENTS,
    CONTACTS,
    INVOICE_LINES,
    INVOICES,
    MANAGERS,
    OPPORTUNITIES,
    PAYMENTS,
    PRODUCTS,
    TARGETS,
)
from kamdash.data.sources import MANIFEST, write_manifest
from kamdash.tools.generate.catalogue import CATALOGUE, product_ids, products_columns
from kamdash.tools.generate.closing import plan_closing, write_closing_documents
from kamdash.tools.generate.context import Run, RunState
from kamdash.tools.generate.crm import crm_tables
from kamdash.tools.generate.names import managers_columns
from kamdash.tools.generate.orders import expected_lines, order_intensity, write_month
from kamdash.tools.generate.payments import flush_payments
from kamdash.tools.generate.plan import targets_columns
from kamdash.tools.generate.portfolio import (
    accounts_columns,
    contract_ends,
    credit_limits,
    kam_count,
    plan_portfolio,
)
from kamdash.tools.generate.storage import PARQUET_COMPRESSION, YearPartitionedWriter, arrow_table

# the manifest states the export was made on the data's last day, at the end of a Moscow
# working day (an ERP's evening job)
EXPORTED_AT_TIME = dt.time(18, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
# `house_share=None`: a portfolio of up to this many accounts is all key accounts; a larger
# one keeps this many key accounts and the rest is the long tail of house accounts.
_AUTO_KEY_ACCOUNTS = 400


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate_export` wrote: the folder and the row count of every table."""

    out_dir: Path
    accounts: int
    managers: int
    products: int
    targets: int
    invoices: int
    invoice_lines: int
    payments: int
    credit_notes: int = 0  # already counted in `invoices`
    contacts: int = 0
    activities: int = 0
    opportunities: int = 0
    closing_documents: int = 0

    @property
    def rows(self) -> dict[str, int]:
        return {
            ACCOUNTS.name: self.accounts,
            MANAGERS.name: self.managers,
            PRODUCTS.name: self.products,
            TARGETS.name: self.targets,
            INVOICES.name: self.invoices,
            INVOICE_LINES.name: self.invoice_lines,
            PAYMENTS.name: self.payments,
            CONTACTS.name: self.contacts,
            ACTIVITIES.name: self.activities,
            OPPORTUNITIES.name: self.opportunities,
            CLOSING_DOCUMENTS.name: self.closing_documents,
        }


def generate_export(
    out_dir: Path,
    *,
    accounts: int = 60,
    lines: int | None = None,
    start: dt.date = dt.date(2022, 1, 1),
    end: dt.date = dt.date(2026, 6, 30),
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    house_share: float | None = None,
) -> GenerateSummary:
    """Write a synthetic export into `out_dir` and return its row counts.

    `house_share` is the share of accounts that are house accounts (no KAM, no plan, small and
    infrequent buyers); `None` chooses: none up to 400 accounts, beyond that 400 key accounts
    and the rest house accounts, as in a whole customer base. Key accounts get KAMs (3–30
    each where the count allows, up to 25 KAMs), targets and a contract end date.

    `lines=None` gives the natural volume (33–56 invoices per key account and year, so 150–250
    over the default span, 1–6 lines each; a median of 1.5 a year per house account); a number
    scales the invoice count to about that many invoice lines (±5 %).
    `progress(done_lines, total_lines)` is called after every month; `total_lines` is an
    estimate until the last call, where both are the final count.
    Files this function writes earlier are replaced; other files in `out_dir` are left alone.
    """
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if lines is not None and lines < 1:
        raise ValueError("lines must be positive")
    if end < start:
        raise ValueError("end must not be before start")
    if house_share is not None and not 0 <= house_share < 1:
        raise ValueError("house_share must be at least 0 and below 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous_output(out_dir)
    key_accounts = _key_account_count(accounts, house_share)
    run = Run(
        out_dir, accounts, lines, start, end, seed, progress, key_accounts, kam_count(key_accounts)
    )
    summary = _generate(run)
    # last, as an exporter writes it: the export is complete, and this is when it was made
    write_manifest(out_dir, dt.datetime.combine(end, EXPORTED_AT_TIME), source="kamdash generate")
    return summary


def _key_account_count(accounts: int, house_share: float | None) -> int:
    """How many of `accounts` are key accounts (at least one); the rest are house accounts."""
    if house_share is None:
        return min(accounts, _AUTO_KEY_ACCOUNTS)
    return max(1, round(accounts * (1 - house_share)))


PARTITIONED = (INVOICES, INVOICE_LINES, PAYMENTS, CLOSING_DOCUMENTS)
SINGLE_FILE = (ACCOUNTS, MANAGERS, PRODUCTS, TARGETS, CONTACTS, ACTIVITIES, OPPORTUNITIES)


def _remove_previous_output(out_dir: Path) -> None:
    # Only the exact files this generator writes, so a re-run over a different span leaves no
    # stale year behind and nothing else in the folder is ever touched.
    (out_dir / MANIFEST).unlink(missing_ok=True)
    for table in SINGLE_FILE:
        (out_dir / f"{table.name}.parquet").unlink(missing_ok=True)
    for table in PARTITIONED:
        for part in sorted((out_dir / table.name).glob("year=*/part-0.parquet")):
            part.unlink()
            if not any(part.parent.iterdir()):
                part.parent.rmdir()


def _generate(run: Run) -> GenerateSummary:
    """Plan the portfolio up front, stream the transactions (and their closing documents)
    month by month, then write the single-file tables (credit limits depend on the open
    receivables at the end) and the CRM tables."""
    portfolio = plan_portfolio(run)
    closing = plan_closing(run, portfolio)
    smooth, intensity, plan_mask = order_intensity(run, portfolio)
    expected = expected_lines(intensity)
    if run.requested_lines is not None and expected > 0:
        scale = run.requested_lines / expected
        smooth *= scale
        intensity *= scale
        expected = float(run.requested_lines)

    writers = {t.name: YearPartitionedWriter(run.out_dir / t.name, t) for t in PARTITIONED}
    state = RunState(run.n_accounts, len(CATALOGUE))
    account_ids = pa.array(portfolio.ids, type=pa.string())
    products = product_ids()
    total_lines_estimate = max(1, round(expected))
    try:
        for month in range(run.n_months):
            documents = write_month(
                run, month, portfolio, intensity[:, month], state, writers, account_ids, products
            )
            if documents is not None:
                write_closing_documents(
                    run,
                    month,
                    portfolio,
                    closing,
                    documents,
                    state,
                    writers[CLOSING_DOCUMENTS.name],
                )
            # payments are never dated after `end`, so the last month flushes them all
            flush_payments(run, month, state, writers, account_ids)
            if run.progress is not None:
                run.progress(state.lines, max(total_lines_estimate, state.lines))
    finally:
        for writer in writers.values():
            writer.close(empty_year=run.start_year)
    if run.progress is not None:
        run.progress(state.lines, state.lines)

    limits = credit_limits(run, portfolio, state)
    targets = targets_columns(run, portfolio, smooth, plan_mask)
    ends = contract_ends(run, portfolio)
    crm = crm_tables(run, portfolio, ends)
    tables = {
        MANAGERS: managers_columns(run.n_kams),
        PRODUCTS: products_columns(products),
        ACCOUNTS: accounts_columns(run, portfolio, limits, ends),
        TARGETS: targets,
        CONTACTS: crm.contacts,
        ACTIVITIES: crm.activities,
        OPPORTUNITIES: crm.opportunities,
    }
    for table, columns in tables.items():
        pq.write_table(
            arrow_table(table, columns),
            run.out_dir / f"{table.name}.parquet",
            compression=PARQUET_COMPRESSION,
        )
    return GenerateSummary(
        out_dir=run.out_dir,
        accounts=run.n_accounts,
        managers=run.n_kams,
        products=len(CATALOGUE),
        targets=len(targets["account_id"]),
        invoices=writers[INVOICES.name].rows_written,
        invoice_lines=writers[INVOICE_LINES.name].rows_written,
        payments=writers[PAYMENTS.name].rows_written,
        credit_notes=state.credit_notes,
        contacts=len(crm.contacts["contact_id"]),
        activities=len(crm.activities["activity_id"]),
        opportunities=len(crm.opportunities["opportunity_id"]),
        closing_documents=writers[CLOSING_DOCUMENTS.name].rows_written,
    )
