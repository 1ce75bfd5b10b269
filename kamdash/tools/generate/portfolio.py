"""The portfolio: the accounts and everything that drives their transactions.

Planned up front, before any document: each account's region, terms, trajectory (stable,
growing, declining, churned, new), whether it is a key or a house account, its KAM, size,
payment behaviour, product basket and contract prices per year. After the transactions, the
accounts table adds what depends on them (credit limits) and the contract end dates.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from kamdash.tools.generate.catalogue import CATALOGUE, CATEGORY_AFFINITY, INDUSTRIES
from kamdash.tools.generate.context import BoolArray, FloatArray, IntArray, Run, RunState
from kamdash.tools.generate.names import KAM_TEAM, ODD_ACCOUNT_NAMES, names_and_groups
from kamdash.tools.generate.storage import optional_money

# Share of the portfolio each KAM carries: senior KAMs hold many accounts, juniors a few.
_KAM_LOAD: tuple[float, ...] = (0.27, 0.22, 0.18, 0.14, 0.11, 0.08)
# Up to this many key accounts the six KAMs above carry them (the largest holds 27 %, at most
# 30); beyond, more KAMs join, each with about this many key accounts (the seniors ~1.6×,
# the juniors ~0.4×), up to the 25 of KAM_TEAM.
_SIX_KAMS_UP_TO = 111
_KEY_ACCOUNTS_PER_KAM = 16

_REGIONS: tuple[tuple[str, float], ...] = (
    ("Москва", 0.30),
    ("Санкт-Петербург", 0.14),
    ("Московская область", 0.09),
    ("Новосибирская область", 0.07),
    ("Свердловская область", 0.08),
    ("Республика Татарстан", 0.07),
    ("Краснодарский край", 0.07),
    ("Нижегородская область", 0.05),
    ("Самарская область", 0.04),
    ("Ростовская область", 0.04),
    ("Пермский край", 0.03),
    ("Красноярский край", 0.02),
)
_PAYMENT_TERMS: tuple[tuple[int, float], ...] = (
    (0, 0.05),
    (14, 0.12),
    (30, 0.38),
    (45, 0.18),
    (60, 0.17),
    (90, 0.10),
)

# Ids that string handling gets wrong: a numeric-looking id with leading zeros, an apostrophe.
_ODD_ACCOUNT_IDS: dict[int, str] = {3: "O'KEY-01", 6: "007"}

# An account's basket: slots 0..8 are bought throughout, 9..10 are products it starts buying
# at some point (new products), 11 one it stops buying (a lost product): this feeds the
# price-volume-mix bridge with real new and lost products.
BASKET_SLOTS = 12
CORE_SLOTS = 9
NEW_SLOTS = (9, 10)
LOST_SLOT = 11
SLOT_WEIGHTS = 1.0 / np.arange(1, BASKET_SLOTS + 1) ** 0.8
SLOT_WEIGHTS = SLOT_WEIGHTS / SLOT_WEIGHTS.sum()
CORE_SLOT_WEIGHTS = SLOT_WEIGHTS[:CORE_SLOTS] / SLOT_WEIGHTS[:CORE_SLOTS].sum()

PROMPT, SLOW, TROUBLED = 0, 1, 2

_TRAJECTORIES = ("stable", "growing", "declining", "churned", "new")


def kam_count(key_accounts: int) -> int:
    if key_accounts <= _SIX_KAMS_UP_TO:
        return len(_KAM_LOAD)
    wanted = math.ceil(key_accounts / _KEY_ACCOUNTS_PER_KAM)
    return min(len(KAM_TEAM), max(len(_KAM_LOAD) + 1, wanted))


def _kam_load(kams: int) -> npt.NDArray[np.float64]:
    """Each KAM's share of the key accounts, seniors first."""
    if kams == len(_KAM_LOAD):
        return np.array(_KAM_LOAD)
    return np.linspace(1.6, 0.4, kams)


def _nice_round(value: float, *, up: bool) -> int:
    """Round roubles to two significant digits, the way credit limits are set."""
    if value <= 0:
        return 0
    step = 10 ** max(0, math.floor(math.log10(value)) - 1)
    return int((math.ceil(value / step) if up else math.floor(value / step)) * step)


@dataclass
class Portfolio:
    ids: list[str]
    names: list[str]
    groups: list[str | None]
    industries: list[str]
    regions: list[str]
    kam_index: IntArray  # -1 for a house account
    is_house: BoolArray
    terms_days: IntArray
    onboarded_on: list[dt.date | None]
    trajectory: list[str]
    first_month: IntArray  # first month index with orders
    last_month: IntArray  # last month index with orders
    size: FloatArray  # quantity multiplier: big accounts buy more per line
    payer: IntArray  # PROMPT / SLOW / TROUBLED
    dispute_from: IntArray  # months [from, to) whose invoices mostly stay unpaid
    dispute_to: IntArray
    basket: IntArray  # accounts × BASKET_SLOTS product indexes
    new_products_from: IntArray
    lost_product_from: IntArray
    price_kopecks: IntArray  # accounts × products × years
    cost_kopecks: IntArray


def _allocate(total: int, shares: npt.NDArray[np.float64]) -> IntArray:
    """Split `total` into integer parts proportional to `shares` (largest remainder)."""
    exact = shares / shares.sum() * total
    parts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - parts), kind="stable")
    parts[order[: total - int(parts.sum())]] += 1
    return parts


def plan_portfolio(run: Run) -> Portfolio:
    rng = run.rng
    n = run.n_accounts
    months = run.n_months
    width = max(3, len(str(n)))
    ids = [_ODD_ACCOUNT_IDS.get(i, f"ACC-{i + 1:0{width}d}") for i in range(n)]

    size = np.clip(rng.lognormal(0.0, 0.8, n), 0.15, 8.0)
    industries = [INDUSTRIES[i] for i in rng.integers(0, len(INDUSTRIES), n)]
    region_names = [name for name, _ in _REGIONS]
    region_weights = np.array([w for _, w in _REGIONS])
    regions = [
        region_names[i]
        for i in rng.choice(len(_REGIONS), n, p=region_weights / region_weights.sum())
    ]
    term_values = np.array([t for t, _ in _PAYMENT_TERMS])
    term_weights = np.array([w for _, w in _PAYMENT_TERMS])
    terms_days = term_values[rng.choice(len(term_values), n, p=term_weights)].astype(np.int64)

    trajectory = _trajectories(run, n)
    is_house, house_in_groups = _house_accounts(run, size, trajectory)
    first_month = np.zeros(n, dtype=np.int64)
    last_month = np.full(n, months - 1, dtype=np.int64)
    onboarded_on: list[dt.date | None] = []
    start_date = run.start.astype(dt.date)
    for i, kind in enumerate(trajectory):
        if kind == "new":
            first_month[i] = max(1, months - int(rng.integers(2, 11))) if months > 1 else 0
        elif kind == "growing" and rng.random() < 0.25 and months >= 12:
            # won during the span: the onboarding shows up in NRR and growth
            first_month[i] = int(rng.integers(3, max(4, min(24, months // 2))))
        elif kind == "churned":
            last_month[i] = max(0, months - 1 - int(rng.integers(6, 12)))
        if first_month[i] > 0:
            onboard_month = run.months[first_month[i] - 1].astype(dt.date)
            onboarded_on.append(onboard_month + dt.timedelta(days=int(rng.integers(0, 28))))
        elif rng.random() < 0.05:
            onboarded_on.append(None)  # legacy account: the CRM never had the date
        else:
            onboarded_on.append(start_date - dt.timedelta(days=int(rng.integers(60, 4000))))

    payer = np.full(n, PROMPT, dtype=np.int64)
    order = rng.permutation(n)
    troubled = max(1, round(0.08 * n)) if n >= 5 else 0
    slow = round(0.3 * n)
    payer[order[:troubled]] = TROUBLED
    payer[order[troubled : troubled + slow]] = SLOW
    dispute_from = np.full(n, -1, dtype=np.int64)
    dispute_to = np.full(n, -1, dtype=np.int64)
    for troubled_account in np.flatnonzero(payer == TROUBLED):
        begin = max(0, months - int(rng.integers(9, 25)))
        dispute_from[troubled_account] = begin
        dispute_to[troubled_account] = begin + int(rng.integers(2, 5))

    groups, names = names_and_groups(run, n, industries, size, is_house, house_in_groups)
    for i, (name, industry) in ODD_ACCOUNT_NAMES.items():
        if i < n and groups[i] is None:
            names[i] = name
            industries[i] = industry
    kam_index = _assign_kams(run, is_house, groups)

    basket = np.empty((n, BASKET_SLOTS), dtype=np.int64)
    categories = [p.category for p in CATALOGUE]
    for i in range(n):
        affinity = CATEGORY_AFFINITY[industries[i]]
        weights = np.array([affinity[c] for c in categories]) * rng.uniform(
            0.5, 1.5, len(categories)
        )
        basket[i] = rng.choice(
            len(CATALOGUE), BASKET_SLOTS, replace=False, p=weights / weights.sum()
        )
    late = max(7, months - 6)
    new_products_from = rng.integers(6, late, n) if months > 12 else np.full(n, months)
    new_products_from = np.where(rng.random(n) < 0.5, new_products_from, months)
    lost_product_from = rng.integers(6, late, n) if months > 12 else np.full(n, months)
    lost_product_from = np.where(rng.random(n) < 0.5, lost_product_from, months)

    price_kopecks, cost_kopecks = _prices(run, n, size)
    return Portfolio(
        ids=ids,
        names=names,
        groups=groups,
        industries=industries,
        regions=regions,
        kam_index=kam_index,
        is_house=is_house,
        terms_days=terms_days,
        onboarded_on=onboarded_on,
        trajectory=trajectory,
        first_month=first_month,
        last_month=last_month,
        size=size,
        payer=payer,
        dispute_from=dispute_from,
        dispute_to=dispute_to,
        basket=basket,
        new_products_from=new_products_from.astype(np.int64),
        lost_product_from=lost_product_from.astype(np.int64),
        price_kopecks=price_kopecks,
        cost_kopecks=cost_kopecks,
    )


def _trajectories(run: Run, n: int) -> list[str]:
    churned = max(1, round(0.10 * n)) if n >= 3 else 0
    new = max(1, round(0.10 * n)) if n >= 3 else 0
    declining = round(0.15 * n)
    growing = round(0.25 * n)
    stable = max(0, n - churned - new - declining - growing)
    kinds = (
        ["churned"] * churned
        + ["new"] * new
        + ["declining"] * declining
        + ["growing"] * growing
        + ["stable"] * stable
    )[:n]
    return [kinds[i] for i in run.rng.permutation(n)]


def _house_accounts(
    run: Run, size: FloatArray, trajectory: list[str]
) -> tuple[BoolArray, IntArray]:
    """Which accounts are house accounts, and the few of them that belong to a key
    account's holding (half of those newly won: a holding's new member).

    Key accounts are the large ones of a whole customer base, house accounts the long tail
    of small ones; `size` and `trajectory` are adjusted in place. Without house accounts
    nothing is drawn and nothing changes."""
    n = run.n_accounts
    is_house = np.zeros(n, dtype=bool)
    if run.n_key >= n:
        return is_house, np.zeros(0, dtype=np.int64)
    rng = run.house_rng
    is_house[rng.choice(n, n - run.n_key, replace=False)] = True
    house = np.flatnonzero(is_house)
    size[~is_house] = np.clip(size[~is_house] * 2.5, 0.5, 20.0)
    size[house] = np.clip(rng.lognormal(-2.0, 1.1, len(house)), 0.01, 3.0)
    holding_members = min(len(house), max(3, round(run.n_key / 50)))
    in_groups = np.sort(rng.choice(house, holding_members, replace=False))
    # a holding's subsidiary buys more than the typical house account
    size[in_groups] = np.clip(rng.lognormal(-0.3, 0.6, holding_members), 0.2, 4.0)
    for account in in_groups[: (holding_members + 1) // 2]:
        trajectory[account] = "new"
    return is_house, in_groups


def _assign_kams(run: Run, is_house: BoolArray, groups: list[str | None]) -> IntArray:
    """Holdings stay with one KAM; units go to whoever has the most room left. House
    accounts have no KAM (-1), also where they belong to a key account's holding."""
    capacity = _allocate(int((~is_house).sum()), _kam_load(run.n_kams))
    units: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        if not is_house[i]:
            units.setdefault(group if group is not None else f"\0{i}", []).append(i)
    kam_index = np.full(len(groups), -1, dtype=np.int64)
    unit_list = list(units.values())
    for u in run.rng.permutation(len(unit_list)):
        kam = int(np.argmax(capacity))
        for account in unit_list[u]:
            kam_index[account] = kam
        capacity[kam] -= len(unit_list[u])
    return kam_index


def _prices(run: Run, n: int, size: FloatArray) -> tuple[IntArray, IntArray]:
    """Contract prices and unit costs in kopecks per account, product and calendar year.

    List prices rise 5–10 % every January and costs follow; accounts with margin erosion
    stop passing the rises on from some year, so their cost outgrows their price.
    """
    rng = run.rng
    products = len(CATALOGUE)
    years = run.n_years
    base_price = np.array([p.list_price_rub for p in CATALOGUE])
    base_cost = base_price * (1 - np.array([p.margin for p in CATALOGUE]))
    list_rise = rng.uniform(0.05, 0.10, (products, years))
    cost_rise = list_rise + rng.uniform(-0.02, 0.01, (products, years))
    list_rise[:, 0] = 0.0
    cost_rise[:, 0] = 0.0
    list_index = np.cumprod(1 + list_rise, axis=1)
    cost_index = np.cumprod(1 + cost_rise, axis=1)

    discount = np.clip(0.04 + 0.04 * np.log(size) + rng.uniform(-0.02, 0.04, n), 0.0, 0.22)
    price_index = np.broadcast_to(list_index, (n, products, years)).copy()
    eroding = rng.permutation(n)[: max(1, round(0.12 * n)) if n >= 4 else 0]
    for account in eroding:
        from_year = int(rng.integers(1, 3)) if years > 1 else 0
        for year in range(from_year, years):
            frozen = rng.uniform(0.0, 0.02)
            previous = price_index[account, :, year - 1] if year > 0 else 1.0
            price_index[account, :, year] = previous * (1 + frozen)
    price = base_price[None, :, None] * price_index * (1 - discount)[:, None, None]
    cost = np.broadcast_to(base_cost[:, None] * cost_index, (n, products, years))
    return (
        np.maximum(1, np.rint(price * 100)).astype(np.int64),
        np.maximum(1, np.rint(cost * 100)).astype(np.int64),
    )


def credit_limits(run: Run, p: Portfolio, state: RunState) -> list[int | None]:
    """Limits sized from the exposure at the end; a few accounts end above theirs."""
    rng = run.rng
    n = run.n_accounts
    open_ar_rub = state.open_ar / 100
    monthly_billing_rub = state.billed_last_year / 100 / 12
    no_limit = (p.terms_days == 0) | (rng.random(n) < 0.15)
    candidates = [
        i for i in np.argsort(-open_ar_rub, kind="stable") if not no_limit[i] and open_ar_rub[i] > 0
    ]
    # troubled payers first: an overdue account over its limit is the story to show
    candidates.sort(key=lambda i: 0 if p.payer[i] == TROUBLED else 1)
    over_limit = set(candidates[: max(1, round(0.05 * n)) if n >= 5 else 0])
    limits: list[int | None] = []
    for i in range(n):
        if no_limit[i]:
            limits.append(None)
        elif i in over_limit:
            limits.append(_nice_round(open_ar_rub[i] * rng.uniform(0.6, 0.9), up=False) * 100)
        else:
            exposure = max(
                open_ar_rub[i] * rng.uniform(1.3, 2.5),
                monthly_billing_rub[i] * (p.terms_days[i] / 30 + 1) * rng.uniform(1.2, 2.0),
                500_000.0,
            )
            limits.append(_nice_round(exposure, up=True) * 100)
    return limits


def contract_ends(run: Run, p: Portfolio) -> list[dt.date | None]:
    """Each key account's supply contract end (its renewal date); none for a house account.

    Relative to the data's end: a churned account's contract ran out around its last
    order; a new one was just signed for one to two years; of the rest about a fifth come
    up for renewal within 90 days, about a tenth expired while the account still buys (a
    renewal overdue), and the others run one to three years, a third of them to 31
    December."""
    rng = run.contract_rng
    end = run.end.astype(dt.date)
    ends: list[dt.date | None] = []
    for i in range(run.n_accounts):
        if p.is_house[i]:
            ends.append(None)
            continue
        draw = rng.random()
        if p.trajectory[i] == "churned":
            last_order_month = run.months[p.last_month[i]].astype(dt.date)
            days = int(rng.integers(-60, 46))
            ends.append(last_order_month + dt.timedelta(days=days))
        elif p.trajectory[i] == "new":
            ends.append(end + dt.timedelta(days=int(rng.integers(180, 731))))
        elif draw < 0.2:
            ends.append(end + dt.timedelta(days=int(rng.integers(1, 91))))
        elif draw < 0.3:
            ends.append(end - dt.timedelta(days=int(rng.integers(1, 151))))
        elif draw < 0.53:
            ends.append(dt.date(end.year + int(rng.integers(1, 3)), 12, 31))
        else:
            ends.append(end + dt.timedelta(days=int(rng.integers(91, 3 * 365 + 1))))
    return ends


def accounts_columns(
    run: Run,
    p: Portfolio,
    credit_limits: list[int | None],
    contract_end: list[dt.date | None],
) -> dict[str, Any]:
    """The accounts table: the portfolio with its KAMs, credit limits and contract ends
    (`contract_ends`, drawn once: the CRM's renewal rhythm follows them too)."""
    kam_ids = [kam_id for kam_id, _, _ in KAM_TEAM[: run.n_kams]]
    return {
        "account_id": pa.array(p.ids, type=pa.string()),
        "account_name": pa.array(p.names, type=pa.string()),
        "group_name": pa.array(p.groups, type=pa.string()),
        "industry": pa.array(p.industries, type=pa.string()),
        "region": pa.array(p.regions, type=pa.string()),
        "kam_id": pa.array([kam_ids[k] if k >= 0 else None for k in p.kam_index], type=pa.string()),
        "payment_terms_days": pa.array(p.terms_days.astype(np.int32)),
        "credit_limit": optional_money(credit_limits),
        "onboarded_on": pa.array(p.onboarded_on, type=pa.date32()),
        "contract_end_on": pa.array(contract_end, type=pa.date32()),
    }
