"""Payments: when and how each invoice is paid, and the payments table written month by month.

Prompt, slow and troubled payers pay around, after or well after the due date; some invoices
stay unpaid (most of them in a troubled account's dispute), some are paid in part, a few
overpaid, two invoices may share one bank transfer, and some cash arrives unapplied. Payments
wait under the month they are made in and are written once no later invoice can be paid
earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from kamdash.data.contract import PAYMENTS
from kamdash.tools.generate.context import DateArray, IntArray, Run, RunState
from kamdash.tools.generate.portfolio import PROMPT, SLOW, Portfolio
from kamdash.tools.generate.storage import YearPartitionedWriter, arrow_table, money, numbered_ids

_NEVER_PAID_SHARE = np.array([0.001, 0.006, 0.03])
_DISPUTE_NEVER_PAID_SHARE = 0.75
_PARTIAL_SHARE = 0.03
_PARTIAL_REST_PAID_SHARE = 0.75
_OVERPAID_SHARE = 0.0005
_SPLIT_PAYMENT_SHARE = 0.04
_UNAPPLIED_CASH_SHARE = 0.004


@dataclass
class PendingPayments:
    group_key: IntArray  # same key = same payment_id
    account: IntArray
    invoice_id: pa.Array
    payment_date: DateArray
    amount: IntArray


def schedule_payments(
    run: Run,
    month: int,
    p: Portfolio,
    state: RunState,
    account: IntArray,
    invoice_date: DateArray,
    due_date: DateArray,
    amount_due: IntArray,
    invoice_ids: pa.Array,
) -> None:
    """Allocations for this month's invoices, parked under the month they are paid in."""
    rng = run.rng
    count = len(account)
    if count == 0:
        return
    # account-then-date order puts an account's invoices side by side for split payments
    order = np.lexsort((invoice_date, account))
    account, invoice_date, due_date, amount_due = (
        account[order],
        invoice_date[order],
        due_date[order],
        amount_due[order],
    )
    invoice_ids = invoice_ids.take(pa.array(order))
    payer = p.payer[account]

    days_late = np.where(
        payer == PROMPT,
        np.rint(rng.normal(-1.0, 4.0, count)),
        np.where(payer == SLOW, 3 + rng.gamma(2.0, 10.0, count), 10 + rng.gamma(2.0, 25.0, count)),
    )
    # even good payers slip now and then
    slips = (payer == PROMPT) & (rng.random(count) < 0.08)
    days_late = np.where(slips, days_late + rng.integers(5, 46, count), days_late)
    cash_on_delivery = p.terms_days[account] == 0
    days_late = np.where(cash_on_delivery, rng.integers(0, 4, count), days_late)
    anchor = np.where(cash_on_delivery, invoice_date, due_date)
    pay_date = anchor + np.rint(days_late).astype(np.int64).astype("timedelta64[D]")
    pay_date = run.roll_to_business_day(np.maximum(pay_date, invoice_date))

    in_dispute = (month >= p.dispute_from[account]) & (month < p.dispute_to[account])
    never_share = _NEVER_PAID_SHARE[payer] + in_dispute * _DISPUTE_NEVER_PAID_SHARE
    draw = rng.random(count)
    never = draw < never_share
    partial = ~never & (draw < never_share + _PARTIAL_SHARE)
    overpaid = ~never & ~partial & (draw < never_share + _PARTIAL_SHARE + _OVERPAID_SHARE)
    full = ~never & ~partial & ~overpaid

    # one bank transfer settling two invoices of the same account
    next_same = np.zeros(count, dtype=bool)
    next_same[:-1] = (account[:-1] == account[1:]) & full[:-1] & full[1:]
    candidate = next_same & (rng.random(count) < _SPLIT_PAYMENT_SHARE)
    pair_first = candidate & ~np.concatenate([[False], candidate[:-1]])
    pair_second = np.concatenate([[False], pair_first[:-1]])
    first_at = np.flatnonzero(pair_first)
    joint_date = np.maximum(pay_date[first_at], pay_date[first_at + 1])
    pay_date[first_at] = joint_date
    pay_date[first_at + 1] = joint_date

    settled = np.flatnonzero(full | overpaid)
    settled_amount = amount_due[settled] + overpaid[settled] * rng.integers(
        100, 300_001, len(settled)
    )
    settled_new_id = ~pair_second[settled]

    halves = np.flatnonzero(partial)
    share_paid = rng.uniform(0.3, 0.9, len(halves))
    first_amount = (amount_due[halves] * share_paid).astype(np.int64) // 100 * 100
    first_amount = np.clip(first_amount, 1, amount_due[halves] - 1)
    rest_paid = rng.random(len(halves)) < _PARTIAL_REST_PAID_SHARE
    rest = halves[rest_paid]
    rest_date = run.roll_to_business_day(
        pay_date[rest] + rng.integers(15, 121, len(rest)).astype("timedelta64[D]")
    )
    rest_amount = amount_due[rest] - first_amount[rest_paid]

    # cash that arrives before anyone can match it to a document
    unapplied = np.flatnonzero(rng.random(count) < _UNAPPLIED_CASH_SHARE)
    unapplied_date = run.roll_to_business_day(
        invoice_date[unapplied] + rng.integers(0, 26, len(unapplied)).astype("timedelta64[D]")
    )
    unapplied_amount = np.maximum(
        100_000,
        (amount_due[unapplied] * rng.uniform(0.1, 0.6, len(unapplied))).astype(np.int64)
        // 100_000
        * 100_000,
    )

    new_id = np.concatenate(
        [
            settled_new_id,
            np.ones(len(halves) + len(rest) + len(unapplied), dtype=bool),
        ]
    )
    group_key = state.next_payment_key + np.cumsum(new_id) - 1
    state.next_payment_key += int(new_id.sum())
    rows_invoice = np.concatenate([settled, halves, rest])
    payment_account = np.concatenate([account[rows_invoice], account[unapplied]])
    payment_date = np.concatenate([pay_date[settled], pay_date[halves], rest_date, unapplied_date])
    payment_amount = np.concatenate(
        [settled_amount, first_amount, rest_amount, unapplied_amount]
    ).astype(np.int64)
    payment_invoice = pa.concat_arrays(
        [
            invoice_ids.take(pa.array(rows_invoice, type=pa.int64())),
            pa.nulls(len(unapplied), type=pa.string()),
        ]
    )
    # nothing is paid after the export was taken
    keep = payment_date <= run.end
    payment_invoice = payment_invoice.filter(pa.array(keep))
    group_key, payment_account, payment_date, payment_amount = (
        group_key[keep],
        payment_account[keep],
        payment_date[keep],
        payment_amount[keep],
    )
    state.open_ar -= np.bincount(payment_account, weights=payment_amount, minlength=run.n_accounts)

    pay_month = run.month_index(payment_date)
    by_month = np.argsort(pay_month, kind="stable")
    pay_month = pay_month[by_month]
    boundaries = np.flatnonzero(np.diff(pay_month)) + 1
    for chunk in np.split(np.arange(len(by_month)), boundaries):
        if len(chunk) == 0:
            continue
        rows = by_month[chunk]
        state.pending_payments.setdefault(int(pay_month[chunk[0]]), []).append(
            PendingPayments(
                group_key=group_key[rows],
                account=payment_account[rows],
                invoice_id=payment_invoice.take(pa.array(rows)),
                payment_date=payment_date[rows],
                amount=payment_amount[rows],
            )
        )


def flush_payments(
    run: Run,
    up_to_month: int,
    state: RunState,
    writers: dict[str, YearPartitionedWriter],
    account_ids: pa.Array,
) -> None:
    """Write the payments of every finished month: later invoices cannot be paid earlier."""
    for month in sorted(m for m in state.pending_payments if m <= up_to_month):
        parts = state.pending_payments.pop(month)
        group_key = np.concatenate([part.group_key for part in parts])
        payment_date = np.concatenate([part.payment_date for part in parts])
        order = np.lexsort((group_key, payment_date))
        group_key, payment_date = group_key[order], payment_date[order]
        account = np.concatenate([part.account for part in parts])[order]
        amount = np.concatenate([part.amount for part in parts])[order]
        invoice_id = pa.concat_arrays([part.invoice_id for part in parts]).take(pa.array(order))

        year = int(run.month_years[month])
        new_id = np.ones(len(group_key), dtype=bool)
        new_id[1:] = group_key[1:] != group_key[:-1]
        payment_count = int(new_id.sum())
        payment_ids = numbered_ids(
            f"PAY-{year}-", state.reserve("PAY", year, payment_count), payment_count, 7
        ).take(pa.array(np.cumsum(new_id) - 1))
        writers[PAYMENTS.name].write(
            year,
            arrow_table(
                PAYMENTS,
                {
                    "payment_id": payment_ids,
                    "account_id": account_ids.take(pa.array(account)),
                    "invoice_id": invoice_id,
                    "payment_date": pa.array(payment_date),
                    "amount": money(amount),
                },
            ),
        )
