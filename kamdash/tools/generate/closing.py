"""Closing documents: the acts, УПД and waybills each invoice is closed by, and when the client's
signed copy came back (the closing_documents table, contract v2), written month by month.

Each account keeps one way of closing: most use one УПД per invoice, some an act for the
services and a waybill for the goods (an invoice of both gets the two); most key accounts
exchange them by ЭДО, the rest on paper. ЭДО comes back in a few days, paper in two to five
weeks and now and then never; an account in a payment dispute, or one about to leave, stops
signing. A copy not back by the export's last day has no `signed_on`. Credit notes have no
closing document here. Everything draws from the run's `closing_rng`, so the v1 tables do not
change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from kamdash.data.contract import CLOSING_DOCUMENTS
from kamdash.tools.generate.context import BoolArray, FloatArray, IntArray, Run, RunState
from kamdash.tools.generate.orders import MonthDocuments
from kamdash.tools.generate.portfolio import TROUBLED, Portfolio
from kamdash.tools.generate.storage import YearPartitionedWriter, arrow_table, numbered_ids

_UPD, _ACT, _WAYBILL = 0, 1, 2
_KINDS = ("upd", "act", "waybill")
_SERIES = ("UPD", "ACT", "TN")  # ТН: товарная накладная, the waybill
_EDO_SHARE_KEY = 0.65
_EDO_SHARE_HOUSE = 0.35
_ACT_AND_WAYBILL_SHARE = 0.3
# a document of the other channel now and then: a branch not yet on ЭДО, a paper original asked for
_OTHER_CHANNEL_SHARE = 0.04
_NEVER_BACK_EDO = 0.004
_NEVER_BACK_PAPER = 0.03
_NEVER_BACK_IN_DISPUTE = 0.5
_NEVER_BACK_LEAVING = 0.25  # the last four months before a churned account's last order
_PAPER_DAYS_MEDIAN = 18.0


@dataclass(frozen=True)
class ClosingPlan:
    """How each account closes its invoices, drawn once before the months are streamed."""

    edo: BoolArray
    act_and_waybill: BoolArray
    paper_pace: FloatArray  # multiplies the paper delay: some clients' mail rooms are slow
    leaving_from: IntArray  # first month the account stops signing (churned), else past the end


def plan_closing(run: Run, p: Portfolio) -> ClosingPlan:
    rng = run.closing_rng
    n = run.n_accounts
    edo_share = np.where(p.is_house, _EDO_SHARE_HOUSE, _EDO_SHARE_KEY)
    churned = np.array([kind == "churned" for kind in p.trajectory], dtype=bool)
    return ClosingPlan(
        edo=rng.random(n) < edo_share,
        act_and_waybill=rng.random(n) < _ACT_AND_WAYBILL_SHARE,
        paper_pace=np.clip(rng.lognormal(0.0, 0.35, n), 0.5, 3.0),
        leaving_from=np.where(churned, p.last_month - 3, run.n_months),
    )


def write_closing_documents(
    run: Run,
    month: int,
    p: Portfolio,
    plan: ClosingPlan,
    documents: MonthDocuments,
    state: RunState,
    writer: YearPartitionedWriter,
) -> None:
    """The closing documents of this month's invoices, in the invoices' year."""
    rng = run.closing_rng
    invoices = np.flatnonzero(~documents.is_credit)
    if len(invoices) == 0:
        return
    account = documents.account[invoices]
    goods = documents.has_goods[invoices]
    services = documents.has_services[invoices]
    split = plan.act_and_waybill[account]
    services_only = services & ~goods
    # one document per invoice, and a second (the act) where act-and-waybill meets both kinds
    first_kind = np.where(
        split,
        np.where(goods, _WAYBILL, _ACT),
        np.where(services_only & (rng.random(len(invoices)) < 0.5), _ACT, _UPD),
    )
    second = np.flatnonzero(split & goods & services)
    rows = np.concatenate([np.arange(len(invoices)), second])
    kind = np.concatenate([first_kind, np.full(len(second), _ACT)])
    order = np.lexsort((kind, rows))
    rows, kind = rows[order], kind[order]
    count = len(rows)

    account = account[rows]
    invoice_date = documents.doc_date[invoices][rows]
    # an act follows the work done: a few days after the invoice
    act_delay = np.where(kind == _ACT, rng.integers(0, 4, count), 0)
    issued_on = run.roll_to_business_day(invoice_date + act_delay.astype("timedelta64[D]"))
    via_edo = plan.edo[account] ^ (rng.random(count) < _OTHER_CHANNEL_SHARE)
    days_back = np.where(
        via_edo,
        1 + rng.gamma(1.3, 1.6, count),
        rng.lognormal(np.log(_PAPER_DAYS_MEDIAN), 0.55, count) * plan.paper_pace[account],
    )
    signed_on = run.roll_to_business_day(
        issued_on + np.rint(days_back).astype(np.int64).astype("timedelta64[D]")
    )
    in_dispute = (month >= p.dispute_from[account]) & (month < p.dispute_to[account])
    never_share = np.where(via_edo, _NEVER_BACK_EDO, _NEVER_BACK_PAPER)
    never_share = np.where(
        in_dispute & (p.payer[account] == TROUBLED), _NEVER_BACK_IN_DISPUTE, never_share
    )
    never_share = np.where(month >= plan.leaving_from[account], _NEVER_BACK_LEAVING, never_share)
    never = rng.random(count) < never_share
    # not yet issued when the export was taken: no document yet
    keep = issued_on <= run.end
    back = ~never & (signed_on <= run.end)

    kind, issued_on, signed_on, via_edo, back, rows = (
        kind[keep],
        issued_on[keep],
        signed_on[keep],
        via_edo[keep],
        back[keep],
        rows[keep],
    )
    count = len(kind)
    if count == 0:
        return
    year = documents.year
    # each kind its own numbered series per year, as the invoices are
    series: list[pa.Array] = []
    rank = np.empty(count, dtype=np.int64)
    offset = 0
    for k, prefix in enumerate(_SERIES):
        of_kind = kind == k
        kind_count = int(of_kind.sum())
        series.append(
            numbered_ids(
                f"{prefix}-{year}-", state.reserve(prefix, year, kind_count), kind_count, 7
            )
        )
        rank[of_kind] = offset + np.arange(kind_count)
        offset += kind_count
    ids = pa.concat_arrays(series).take(pa.array(rank))
    writer.write(
        year,
        arrow_table(
            CLOSING_DOCUMENTS,
            {
                "closing_doc_id": ids,
                "invoice_id": documents.invoice_ids.take(pa.array(invoices[rows])),
                "doc_kind": pa.array(_KINDS, type=pa.string()).take(pa.array(kind)),
                "issued_on": pa.array(issued_on),
                "signed_on": pa.array(signed_on, mask=~back),
                "via_edo": pa.array(via_edo),
            },
        ),
    )
