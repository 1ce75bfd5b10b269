"""The plan: monthly revenue and gross-margin targets of the key accounts.

A key account's plan is its expected revenue with a little ambition, in whole thousands of
roubles, for the months it is planned for; house accounts have none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from kamdash.tools.generate.catalogue import CATALOGUE
from kamdash.tools.generate.context import BoolArray, FloatArray, Run
from kamdash.tools.generate.orders import MEAN_INVOICE_LINES
from kamdash.tools.generate.portfolio import SLOT_WEIGHTS, Portfolio
from kamdash.tools.generate.storage import money


def targets_columns(
    run: Run, p: Portfolio, smooth: FloatArray, plan_mask: BoolArray
) -> dict[str, Any]:
    """Plan = expected revenue × 1.05 per month; margin plan at last year's margin rate."""
    rng = run.rng
    n, months = run.n_accounts, run.n_months
    typical = np.array([q.typical_quantity for q in CATALOGUE])
    basket_quantity = typical[p.basket] * p.size[:, None]  # accounts × slots
    rows = np.arange(n)[:, None]
    basket_price = p.price_kopecks[rows, p.basket, :]  # accounts × slots × years
    basket_cost = p.cost_kopecks[rows, p.basket, :]
    line_net = np.einsum("s,as,asy->ay", SLOT_WEIGHTS, basket_quantity, basket_price)
    line_cost = np.einsum("s,as,asy->ay", SLOT_WEIGHTS, basket_quantity, basket_cost)
    margin_rate = 1 - line_cost / line_net
    planned_margin = np.concatenate([margin_rate[:, :1], margin_rate[:, :-1]], axis=1)
    year_index = run.month_years - run.start_year
    ambition = 1.05 * rng.uniform(0.97, 1.03, (n, run.n_years))
    revenue_kopecks = (
        smooth * MEAN_INVOICE_LINES * line_net[:, year_index] * ambition[:, year_index]
    ) * plan_mask
    # plans are set in whole thousands of roubles
    revenue = np.rint(revenue_kopecks / 100_000).astype(np.int64) * 100_000
    margin = np.rint(revenue * planned_margin[:, year_index] / 100_000).astype(np.int64) * 100_000
    # only key accounts have a plan: a house account is budgeted in bulk, not by name
    planned = np.flatnonzero(~p.is_house)
    return {
        "account_id": pa.array(
            np.repeat(np.array(p.ids, dtype=object)[planned], months), type=pa.string()
        ),
        "month": pa.array(np.tile(run.months.astype("datetime64[D]"), len(planned))),
        "revenue_target": money(revenue[planned].reshape(-1)),
        "gross_margin_target": money(margin[planned].reshape(-1)),
    }
