"""Orders and lines: how often each account buys, and each month's invoices, invoice lines
and credit notes.

`order_intensity` turns the portfolio into expected invoices per account and month (trend by
trajectory, seasonality, business days, noise); `write_month` draws that month's documents and
their lines from each account's basket at its contract prices, numbers them, writes them and
hands the invoices to `payments`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kamdash.data.contract import INVOICE_LINES, INVOICES
from kamdash.tools.generate.catalogue import CATALOGUE, SERVICES
from kamdash.tools.generate.context import (
    BoolArray,
    DateArray,
    FloatArray,
    IntArray,
    Run,
    RunState,
)
from kamdash.tools.generate.payments import schedule_payments
from kamdash.tools.generate.portfolio import (
    BASKET_SLOTS,
    CORE_SLOT_WEIGHTS,
    CORE_SLOTS,
    LOST_SLOT,
    NEW_SLOTS,
    SLOT_WEIGHTS,
    Portfolio,
)
from kamdash.tools.generate.storage import YearPartitionedWriter, arrow_table, money, numbered_ids

# Invoice count by calendar month: New Year holidays empty January, Q4 budgets fill December.
_SEASONALITY = np.array([0.70, 0.90, 1.00, 0.95, 0.92, 0.96, 0.90, 0.92, 1.02, 1.08, 1.20, 1.45])
_SEASONALITY = _SEASONALITY / _SEASONALITY.mean()

# Lines per invoice 1..6 and per credit note 1..2.
_INVOICE_LINE_COUNTS = np.array([0.22, 0.22, 0.20, 0.16, 0.12, 0.08])
_CREDIT_NOTE_LINE_COUNTS = np.array([0.75, 0.25])
MEAN_INVOICE_LINES = float(np.dot(np.arange(1, 7), _INVOICE_LINE_COUNTS))
_MEAN_CREDIT_NOTE_LINES = float(np.dot(np.arange(1, 3), _CREDIT_NOTE_LINE_COUNTS))
# Credit notes are ~3 % of all documents.
_CREDIT_NOTES_PER_INVOICE = 0.03 / 0.97

# 150–250 invoices per account over the default 4.5-year span
_NATURAL_INVOICES_PER_ACCOUNT_YEAR = (33.0, 56.0)
_MONTHLY_NOISE_SIGMA = 0.15
_LINE_QUANTITY_SIGMA = 0.5

_IS_SERVICE = np.array([q.category == SERVICES for q in CATALOGUE], dtype=np.float64)

# A house account's median invoices a year (log-normal, so a few order every month)
_HOUSE_INVOICES_PER_YEAR = 1.5


def expected_lines(intensity: FloatArray) -> float:
    """Invoice and credit-note lines the intensity gives on average."""
    return float(
        intensity.sum() * (MEAN_INVOICE_LINES + _CREDIT_NOTES_PER_INVOICE * _MEAN_CREDIT_NOTE_LINES)
    )


def order_intensity(run: Run, p: Portfolio) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Expected invoices per account and month: the smooth plan curve, the noisy actual
    curve (zero outside the account's active months) and the months a plan exists for."""
    rng = run.rng
    n, months = run.n_accounts, run.n_months
    month_of_year = run.months.astype(np.int64) % 12
    window = np.array([len(run.month_business_days[m]) for m in range(months)], dtype=np.float64)
    full = np.array(
        [
            np.busday_count(
                run.months[m].astype("datetime64[D]"),
                (run.months[m] + 1).astype("datetime64[D]"),
                holidays=run.holidays,
            )
            for m in range(months)
        ],
        dtype=np.float64,
    )
    calendar = _SEASONALITY[month_of_year] * np.divide(
        window, full, where=full > 0, out=np.zeros(months)
    )
    years_in = (np.arange(months) + 0.5) / 12
    index = np.arange(months)

    rate = rng.uniform(*_NATURAL_INVOICES_PER_ACCOUNT_YEAR, n) / 12
    house = np.flatnonzero(p.is_house)
    if len(house):
        # the tail orders now and then: a median of 1.5 invoices a year, a few monthly
        yearly = run.house_rng.lognormal(math.log(_HOUSE_INVOICES_PER_YEAR), 1.0, len(house))
        rate[house] = np.clip(yearly, 0.1, 40.0) / 12
    trend = np.ones((n, months))
    for i, kind in enumerate(p.trajectory):
        if kind == "stable":
            curve = np.exp(rng.uniform(-0.03, 0.04) * years_in)
        elif kind == "growing":
            curve = np.exp(rng.uniform(0.12, 0.40) * years_in)
        elif kind == "declining":
            curve = np.exp(-rng.uniform(0.10, 0.30) * years_in)
        elif kind == "churned":
            curve = np.exp(rng.uniform(-0.10, 0.02) * years_in)
            # orders thin out before they stop: the signal a KAM should have caught
            curve = np.where(index > p.last_month[i] - 6, curve * 0.6, curve)
        else:  # new: ramp-up after onboarding, then healthy growth
            since = np.maximum(index - p.first_month[i], 0)
            curve = (1 - np.exp(-(since + 1) / 2.5)) * np.exp(0.25 * since / 12)
        if kind != "new":
            curve = curve / curve.mean()
        trend[i] = curve
    smooth = rate[:, None] * trend * calendar[None, :]
    active = (index[None, :] >= p.first_month[:, None]) & (index[None, :] <= p.last_month[:, None])
    noise = rng.lognormal(-(_MONTHLY_NOISE_SIGMA**2) / 2, _MONTHLY_NOISE_SIGMA, (n, months))
    intensity = smooth * noise * active
    # The plan for a year is set in advance: a churned account keeps its target until the
    # year it left ends; before onboarding there is nothing to plan.
    last_year = run.month_years[p.last_month]
    plan_mask = (index[None, :] >= p.first_month[:, None]) & (
        run.month_years[None, :] <= last_year[:, None]
    )
    return smooth, intensity, plan_mask


@dataclass(frozen=True)
class MonthDocuments:
    """What `write_month` wrote, for the tables that follow the documents (closing documents)."""

    year: int
    invoice_ids: pa.Array
    account: IntArray
    doc_date: DateArray
    is_credit: BoolArray
    has_goods: BoolArray  # a line of a product (a waybill's or an УПД's)
    has_services: BoolArray  # a line of a service (an act's or an УПД's)


def write_month(
    run: Run,
    month: int,
    p: Portfolio,
    intensity: FloatArray,
    state: RunState,
    writers: dict[str, YearPartitionedWriter],
    account_ids: pa.Array,
    product_ids: pa.Array,
) -> MonthDocuments | None:
    rng = run.rng
    n = run.n_accounts
    year = int(run.month_years[month])
    year_index = year - run.start_year
    business_days = run.month_business_days[month]
    if len(business_days) == 0:
        return None

    invoice_counts = rng.poisson(intensity)
    # a return needs something sold earlier to this account
    has_sales = state.sold.sum(axis=1) > 0
    credit_counts = rng.poisson(intensity * _CREDIT_NOTES_PER_INVOICE) * has_sales
    account = np.concatenate(
        [np.repeat(np.arange(n), invoice_counts), np.repeat(np.arange(n), credit_counts)]
    )
    is_credit = np.concatenate(
        [np.zeros(invoice_counts.sum(), dtype=bool), np.ones(credit_counts.sum(), dtype=bool)]
    )
    documents = len(account)
    if documents == 0:
        return None
    doc_date = business_days[rng.integers(0, len(business_days), documents)]
    order = np.lexsort((account, is_credit, doc_date))
    account, is_credit, doc_date = account[order], is_credit[order], doc_date[order]

    line_count = np.where(
        is_credit,
        rng.choice(2, documents, p=_CREDIT_NOTE_LINE_COUNTS) + 1,
        rng.choice(6, documents, p=_INVOICE_LINE_COUNTS) + 1,
    ).astype(np.int64)
    first_line = np.cumsum(line_count) - line_count
    line_doc = np.repeat(np.arange(documents), line_count)
    line_no = np.arange(len(line_doc)) - first_line[line_doc] + 1
    line_account = account[line_doc]
    line_is_credit = is_credit[line_doc]
    product = np.empty(len(line_doc), dtype=np.int64)
    quantity = np.empty(len(line_doc), dtype=np.int64)

    sale = np.flatnonzero(~line_is_credit)
    slot = rng.choice(BASKET_SLOTS, len(sale), p=SLOT_WEIGHTS)
    sale_account = line_account[sale]
    not_yet = np.isin(slot, NEW_SLOTS) & (month < p.new_products_from[sale_account])
    slot = np.where(not_yet, 0, slot)
    gone = (slot == LOST_SLOT) & (month >= p.lost_product_from[sale_account])
    slot = np.where(gone, 1, slot)
    product[sale] = p.basket[sale_account, slot]
    typical = np.array([q.typical_quantity for q in CATALOGUE])
    mean_quantity = typical[product[sale]] * p.size[sale_account]
    jitter = rng.lognormal(-(_LINE_QUANTITY_SIGMA**2) / 2, _LINE_QUANTITY_SIGMA, len(sale))
    quantity[sale] = np.maximum(1, np.rint(mean_quantity * jitter))

    returned = np.flatnonzero(line_is_credit)
    return_account = line_account[returned]
    return_slot = rng.choice(CORE_SLOTS, len(returned), p=CORE_SLOT_WEIGHTS)
    return_product = p.basket[return_account, return_slot]
    never_sold = ~state.sold[return_account, return_product]
    if never_sold.any():
        best_seller = state.sold_quantity[return_account[never_sold]].argmax(axis=1)
        return_product[never_sold] = best_seller
    product[returned] = return_product
    return_share = rng.uniform(0.05, 0.35, len(returned))
    quantity[returned] = -np.maximum(
        1, np.rint(typical[return_product] * p.size[return_account] * return_share)
    )

    net = quantity * p.price_kopecks[line_account, product, year_index]
    cost = quantity * p.cost_kopecks[line_account, product, year_index]
    doc_net = np.add.reduceat(net, first_line)
    # VAT 20 %, rounded half away from zero to the kopeck
    amount_due = np.sign(doc_net) * ((np.abs(doc_net) * 12 + 5) // 10)
    due_date = doc_date + np.where(is_credit, 0, p.terms_days[account]).astype("timedelta64[D]")

    # invoices and credit notes are numbered in separate series that restart each year
    invoice_total = int((~is_credit).sum())
    credit_total = documents - invoice_total
    rank_in_series = np.where(
        is_credit, invoice_total + np.cumsum(is_credit) - 1, np.cumsum(~is_credit) - 1
    )
    invoice_ids = pa.concat_arrays(
        [
            numbered_ids(
                f"INV-{year}-", state.reserve("INV", year, invoice_total), invoice_total, 7
            ),
            numbered_ids(f"CRN-{year}-", state.reserve("CRN", year, credit_total), credit_total, 6),
        ]
    ).take(pa.array(rank_in_series))

    writers[INVOICES.name].write(
        year,
        arrow_table(
            INVOICES,
            {
                "invoice_id": invoice_ids,
                "account_id": account_ids.take(pa.array(account)),
                "invoice_date": pa.array(doc_date),
                "due_date": pa.array(due_date),
                "doc_type": pc.if_else(pa.array(is_credit), "credit_note", "invoice"),
                "amount_due": money(amount_due),
            },
        ),
    )
    writers[INVOICE_LINES.name].write(
        year,
        arrow_table(
            INVOICE_LINES,
            {
                "invoice_id": invoice_ids.take(pa.array(line_doc)),
                "line_no": pa.array(line_no.astype(np.int32)),
                "product_id": product_ids.take(pa.array(product)),
                "quantity": pa.array(quantity.astype(np.float64)),
                "net_amount": money(net),
                "cost_amount": money(cost),
            },
        ),
    )
    state.lines += len(line_doc)
    state.credit_notes += int(is_credit.sum())

    sold_keys = line_account[sale] * len(CATALOGUE) + product[sale]
    state.sold_quantity += np.bincount(
        sold_keys, weights=quantity[sale], minlength=state.sold_quantity.size
    ).reshape(state.sold_quantity.shape)
    state.sold = state.sold_quantity > 0
    state.open_ar += np.bincount(account, weights=amount_due, minlength=n)
    if month >= run.n_months - 12:
        state.billed_last_year += np.bincount(
            account[~is_credit], weights=amount_due[~is_credit], minlength=n
        )

    invoices = np.flatnonzero(~is_credit)
    schedule_payments(
        run,
        month,
        p,
        state,
        account[invoices],
        doc_date[invoices],
        due_date[invoices],
        amount_due[invoices],
        invoice_ids.take(pa.array(invoices)),
    )
    service_line = _IS_SERVICE[product]
    services = np.bincount(line_doc, weights=service_line, minlength=documents)
    return MonthDocuments(
        year=year,
        invoice_ids=invoice_ids,
        account=account,
        doc_date=doc_date,
        is_credit=is_credit,
        has_goods=services < line_count,
        has_services=services > 0,
    )
