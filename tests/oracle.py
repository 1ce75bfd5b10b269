"""An independent, pure-Python oracle of every metric in `shared/spec/metrics.md`.

It reads the same `{table: [row dict, ...]}` descriptions that `exportkit.write_export` turns
into Parquet, follows the written definitions literally, computes with exact `Fraction`
arithmetic and converts to `float` only at the very end. It deliberately shares no code with the
engine (DuckDB SQL), so the two can be compared against each other.

Interpretation choices where the spec leaves room (kept in one place so they are easy to audit):

* Receivables at D: a document exists when `invoice_date <= D`, a payment allocation when
  `payment_date <= D`. An allocation to a document that does not exist at D is ignored.
* Aging, unapplied credits, billed amounts and countback DSO of a *portfolio* are computed on
  the union of the filtered accounts' documents and payments (not averaged per account).
* Countback DSO returns None when Open AR <= 0, and also when the walk passes the month of the
  earliest document (with `invoice_date <= D`) of the accounts concerned before the AR is used up.
* ABC classes are ranked within the filtered set of accounts.
* Portfolio plan attainment = Σ revenue of the filtered accounts / Σ pro-rata targets of them.
* HHI is None when no account has revenue > 0.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from kamdash.engine.listings import MARGIN_EROSION_PP, NO_ORDER_DAYS, OVERDUE_RISE_PP, REVENUE_DROP
from kamdash.ui.insights import Reason

Row = Mapping[str, Any]
Tables = Mapping[str, Sequence[Row]]
DateLike = dt.date | str
Value = float | int | str | None

ACCOUNT_METRIC_KEYS: tuple[str, ...] = (
    "revenue",
    "cogs",
    "gross_margin",
    "gross_margin_pct",
    "revenue_prior_year",
    "growth_yoy",
    "open_ar",
    "ar_current",
    "ar_1_30",
    "ar_31_60",
    "ar_61_90",
    "ar_91_plus",
    "unapplied_credits",
    "overdue_ar",
    "overdue_pct",
    "dso",
    "countback_dso",
    "avg_days_to_pay",
    "avg_days_late",
    "credit_utilisation",
    "abc_class",
    "plan_attainment",
)

PORTFOLIO_KEYS: tuple[str, ...] = (
    "revenue",
    "cogs",
    "gross_margin",
    "gross_margin_pct",
    "revenue_prior_year",
    "growth_yoy",
    "open_ar",
    "overdue_ar",
    "overdue_pct",
    "ar_current",
    "ar_1_30",
    "ar_31_60",
    "ar_61_90",
    "ar_91_plus",
    "unapplied_credits",
    "dso",
    "countback_dso",
    "top5_share",
    "top10_share",
    "hhi",
    "nrr",
    "grr",
    "plan_attainment",
    "accounts",
)

BRIDGE_KEYS: tuple[str, ...] = ("volume", "mix", "price", "new", "lost", "revenue_base", "revenue")

BUCKETS: tuple[str, ...] = ("ar_current", "ar_1_30", "ar_31_60", "ar_61_90", "ar_91_plus")


# --------------------------------------------------------------------------------------------
# conversions


def as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise TypeError(f"not a date: {value!r}")


def money(value: Any) -> Fraction:
    """Money as written in a fixture: exact decimal value of its shortest repr."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        return Fraction(Decimal(value))
    raise TypeError(f"not money: {value!r}")


def number(value: Any) -> Fraction:
    """A quantity (stored as a double): exact value of the double."""
    if isinstance(value, Decimal):
        return Fraction(value)
    return Fraction(value)


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def minus_years(day: dt.date, years: int) -> dt.date:
    """Same calendar day `years` earlier; 29 Feb maps to 28 Feb."""
    year = day.year - years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


def _in(day: dt.date, start: dt.date, end: dt.date) -> bool:
    return start <= day <= end


# --------------------------------------------------------------------------------------------
# the data, normalised


class _Data:
    def __init__(self, tables: Tables) -> None:
        self.accounts: list[Row] = list(tables.get("accounts", []))
        self.account_ids: list[str] = [row["account_id"] for row in self.accounts]
        self.docs: dict[str, dict[str, Any]] = {}
        for row in tables.get("invoices", []):
            self.docs[row["invoice_id"]] = {
                "account_id": row["account_id"],
                "invoice_date": as_date(row["invoice_date"]),
                "due_date": as_date(row["due_date"]),
                "amount_due": money(row["amount_due"]),
            }
        self.lines: list[dict[str, Any]] = []
        for row in tables.get("invoice_lines", []):
            doc = self.docs[row["invoice_id"]]
            self.lines.append(
                {
                    "invoice_id": row["invoice_id"],
                    "account_id": doc["account_id"],
                    "invoice_date": doc["invoice_date"],
                    "product_id": row["product_id"],
                    "quantity": number(row["quantity"]),
                    "net_amount": money(row["net_amount"]),
                    "cost_amount": money(row["cost_amount"]),
                }
            )
        self.payments: list[dict[str, Any]] = [
            {
                "account_id": row["account_id"],
                "invoice_id": row.get("invoice_id"),
                "payment_date": as_date(row["payment_date"]),
                "amount": money(row["amount"]),
            }
            for row in tables.get("payments", [])
        ]
        self.targets: list[dict[str, Any]] = [
            {
                "account_id": row["account_id"],
                "month": as_date(row["month"]),
                "revenue_target": money(row["revenue_target"]),
            }
            for row in (tables.get("targets") or [])
        ]

    def select(self, filters: Mapping[str, Any]) -> list[str]:
        """Account ids matching every filter (value or list of values), sorted."""
        selected = []
        for row in self.accounts:
            keep = True
            for column, wanted in filters.items():
                if wanted is None:
                    continue
                values = [wanted] if isinstance(wanted, str) else list(wanted)
                if row.get(column) not in values:
                    keep = False
            if keep:
                selected.append(row["account_id"])
        return sorted(selected)

    # ---- P&L

    def pnl(self, ids: Iterable[str], start: dt.date, end: dt.date) -> tuple[Fraction, Fraction]:
        wanted = set(ids)
        revenue = Fraction(0)
        cogs = Fraction(0)
        for ln in self.lines:
            if ln["account_id"] in wanted and _in(ln["invoice_date"], start, end):
                revenue += ln["net_amount"]
                cogs += ln["cost_amount"]
        return revenue, cogs

    def revenue(self, ids: Iterable[str], start: dt.date, end: dt.date) -> Fraction:
        return self.pnl(ids, start, end)[0]

    # ---- receivables

    def receivables(self, ids: Iterable[str], as_of: dt.date) -> dict[str, Fraction]:
        wanted = set(ids)
        allocated: dict[str, Fraction] = defaultdict(Fraction)
        unapplied_cash = Fraction(0)
        for pay in self.payments:
            if pay["payment_date"] > as_of:
                continue
            if pay["invoice_id"] is None:
                if pay["account_id"] in wanted:
                    unapplied_cash += pay["amount"]
            else:
                allocated[pay["invoice_id"]] += pay["amount"]
        result = {name: Fraction(0) for name in BUCKETS}
        negative_open = Fraction(0)
        for invoice_id, doc in self.docs.items():
            if doc["account_id"] not in wanted or doc["invoice_date"] > as_of:
                continue
            open_balance = doc["amount_due"] - allocated.get(invoice_id, Fraction(0))
            if open_balance > 0:
                days = (as_of - doc["due_date"]).days
                if days <= 0:
                    bucket = "ar_current"
                elif days <= 30:
                    bucket = "ar_1_30"
                elif days <= 60:
                    bucket = "ar_31_60"
                elif days <= 90:
                    bucket = "ar_61_90"
                else:
                    bucket = "ar_91_plus"
                result[bucket] += open_balance
            elif open_balance < 0:
                negative_open += open_balance
        result["unapplied_credits"] = negative_open - unapplied_cash
        result["open_ar"] = (
            sum((result[name] for name in BUCKETS), Fraction(0)) + (result["unapplied_credits"])
        )
        result["overdue_ar"] = sum((result[name] for name in BUCKETS[1:]), Fraction(0))
        return result

    def billed(self, ids: Iterable[str], start: dt.date, end: dt.date) -> Fraction:
        wanted = set(ids)
        return sum(
            (
                doc["amount_due"]
                for doc in self.docs.values()
                if doc["account_id"] in wanted and _in(doc["invoice_date"], start, end)
            ),
            Fraction(0),
        )

    def countback(self, ids: Iterable[str], as_of: dt.date, open_ar: Fraction) -> Fraction | None:
        if open_ar <= 0:
            return None
        wanted = set(ids)
        dates = [
            doc["invoice_date"]
            for doc in self.docs.values()
            if doc["account_id"] in wanted and doc["invoice_date"] <= as_of
        ]
        if not dates:
            return None
        earliest = min(dates)
        earliest_month = (earliest.year, earliest.month)
        left = open_ar
        days_total = Fraction(0)
        year, month = as_of.year, as_of.month
        first = True
        while (year, month) >= earliest_month:
            month_start = dt.date(year, month, 1)
            if first:
                month_end = as_of
                days = as_of.day
            else:
                days = calendar.monthrange(year, month)[1]
                month_end = dt.date(year, month, days)
            billed = self.billed(wanted, month_start, month_end)
            if left > billed:
                left -= billed
                days_total += days
            else:
                return days_total + left / billed * days
            first = False
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return None

    # ---- payment behaviour

    def behaviour(
        self, ids: Iterable[str], start: dt.date, end: dt.date
    ) -> tuple[Fraction | None, Fraction | None]:
        wanted = set(ids)
        total = Fraction(0)
        to_pay = Fraction(0)
        late = Fraction(0)
        for pay in self.payments:
            if pay["invoice_id"] is None or not _in(pay["payment_date"], start, end):
                continue
            doc = self.docs[pay["invoice_id"]]
            if pay["account_id"] not in wanted:
                continue
            amount = pay["amount"]
            total += amount
            to_pay += amount * (pay["payment_date"] - doc["invoice_date"]).days
            late += amount * max(0, (pay["payment_date"] - doc["due_date"]).days)
        if total == 0:
            return None, None
        return to_pay / total, late / total

    # ---- plan

    def target_sum(self, ids: Iterable[str], start: dt.date, end: dt.date) -> Fraction | None:
        wanted = set(ids)
        rows = [t for t in self.targets if t["account_id"] in wanted]
        if not rows:
            return None
        total = Fraction(0)
        for target in rows:
            month = target["month"]
            days_in_month = calendar.monthrange(month.year, month.month)[1]
            month_end = dt.date(month.year, month.month, days_in_month)
            overlap_start = max(month, start)
            overlap_end = min(month_end, end)
            overlap = (overlap_end - overlap_start).days + 1
            if overlap > 0:
                total += target["revenue_target"] * Fraction(overlap, days_in_month)
        return total


# --------------------------------------------------------------------------------------------
# shared formulas


def _ratio(numerator: Fraction, denominator: Fraction) -> Fraction | None:
    return numerator / denominator if denominator > 0 else None


def _growth(revenue: Fraction, prior: Fraction) -> Fraction | None:
    return revenue / prior - 1 if prior > 0 else None


def _plan(revenue: Fraction, target: Fraction | None) -> Fraction | None:
    if target is None or target <= 0:
        return None
    return revenue / target


def _ranked(revenues: Mapping[str, Fraction]) -> list[str]:
    """Accounts by revenue descending, ties by account_id ascending."""
    return sorted(revenues, key=lambda account_id: (-revenues[account_id], account_id))


def abc_classes(revenues: Mapping[str, Fraction]) -> dict[str, str | None]:
    total = sum(revenues.values(), Fraction(0))
    if total <= 0:
        return dict.fromkeys(revenues)
    classes: dict[str, str | None] = {}
    cumulative = Fraction(0)
    for account_id in _ranked(revenues):
        share_before = cumulative / total
        if share_before < Fraction(80, 100):
            classes[account_id] = "A"
        elif share_before < Fraction(95, 100):
            classes[account_id] = "B"
        else:
            classes[account_id] = "C"
        cumulative += revenues[account_id]
    return classes


def top_share(revenues: Mapping[str, Fraction], n: int) -> Fraction | None:
    total = sum(revenues.values(), Fraction(0))
    if total <= 0:
        return None
    top = _ranked(revenues)[:n]
    return sum((revenues[a] for a in top), Fraction(0)) / total


def hhi(revenues: Mapping[str, Fraction]) -> Fraction | None:
    positive = [r for r in revenues.values() if r > 0]
    total = sum(positive, Fraction(0))
    if total <= 0:
        return None
    return sum(((100 * r / total) ** 2 for r in positive), Fraction(0))


def _periods(
    start: DateLike, end: DateLike, as_of: DateLike | None
) -> tuple[dt.date, dt.date, dt.date]:
    start_d, end_d = as_date(start), as_date(end)
    as_of_d = as_date(as_of) if as_of is not None else end_d
    return start_d, end_d, as_of_d


def _block(
    data: _Data, ids: Sequence[str], start: dt.date, end: dt.date, as_of: dt.date, dso_days: int
) -> dict[str, Fraction | None]:
    """Metrics that are defined the same way for one account and for a set of accounts."""
    revenue, cogs = data.pnl(ids, start, end)
    prior = data.revenue(ids, minus_years(start, 1), minus_years(end, 1))
    ar = data.receivables(ids, as_of)
    billed = data.billed(ids, as_of - dt.timedelta(days=dso_days - 1), as_of)
    gm = revenue - cogs
    out: dict[str, Fraction | None] = {
        "revenue": revenue,
        "cogs": cogs,
        "gross_margin": gm,
        "gross_margin_pct": _ratio(gm, revenue),
        "revenue_prior_year": prior,
        "growth_yoy": _growth(revenue, prior),
        **ar,
        "overdue_pct": _ratio(ar["overdue_ar"], ar["open_ar"]),
        "dso": ar["open_ar"] / billed * dso_days if billed > 0 else None,
        "countback_dso": data.countback(ids, as_of, ar["open_ar"]),
        "plan_attainment": _plan(revenue, data.target_sum(ids, start, end)),
    }
    return out


# --------------------------------------------------------------------------------------------
# public API


def account_metrics(
    tables: Tables,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    dso_days: int = 90,
    **filters: Any,
) -> dict[str, dict[str, Value]]:
    """One dict of metrics per selected account (accounts without activity included)."""
    data = _Data(tables)
    start_d, end_d, as_of_d = _periods(start, end, as_of)
    ids = data.select(filters)
    rows_by_id = {row["account_id"]: row for row in data.accounts}
    revenues = {a: data.revenue([a], start_d, end_d) for a in ids}
    classes = abc_classes(revenues)
    result: dict[str, dict[str, Value]] = {}
    for account_id in ids:
        block = _block(data, [account_id], start_d, end_d, as_of_d, dso_days)
        to_pay, late = data.behaviour([account_id], start_d, end_d)
        limit_raw = rows_by_id[account_id].get("credit_limit")
        limit = money(limit_raw) if limit_raw is not None else None
        open_ar = block["open_ar"]
        assert open_ar is not None
        row: dict[str, Value] = {key: _float(value) for key, value in block.items()}
        row["avg_days_to_pay"] = _float(to_pay)
        row["avg_days_late"] = _float(late)
        row["credit_utilisation"] = _float(
            open_ar / limit if limit is not None and limit > 0 else None
        )
        row["abc_class"] = classes[account_id]
        row["account_id"] = account_id
        row["account_name"] = rows_by_id[account_id]["account_name"]
        row["kam_id"] = rows_by_id[account_id]["kam_id"]
        result[account_id] = row
    return result


def portfolio_metrics(
    tables: Tables,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    dso_days: int = 90,
    **filters: Any,
) -> dict[str, Value]:
    data = _Data(tables)
    start_d, end_d, as_of_d = _periods(start, end, as_of)
    ids = data.select(filters)
    block = _block(data, ids, start_d, end_d, as_of_d, dso_days)
    revenues = {a: data.revenue([a], start_d, end_d) for a in ids}
    ttm_start = minus_years(as_of_d, 1) + dt.timedelta(days=1)
    prior_start = minus_years(as_of_d, 2) + dt.timedelta(days=1)
    prior_end = minus_years(as_of_d, 1)
    ttm_sum = Fraction(0)
    kept_sum = Fraction(0)
    prior_sum = Fraction(0)
    for account_id in ids:
        prior = data.revenue([account_id], prior_start, prior_end)
        if prior <= 0:
            continue
        ttm = data.revenue([account_id], ttm_start, as_of_d)
        ttm_sum += ttm
        kept_sum += min(max(ttm, Fraction(0)), prior)
        prior_sum += prior
    result: dict[str, Value] = {key: _float(value) for key, value in block.items()}
    result["top5_share"] = _float(top_share(revenues, 5))
    result["top10_share"] = _float(top_share(revenues, 10))
    result["hhi"] = _float(hhi(revenues))
    result["nrr"] = _float(ttm_sum / prior_sum) if prior_sum > 0 else None
    result["grr"] = _float(kept_sum / prior_sum) if prior_sum > 0 else None
    result["accounts"] = len(ids)
    return {key: result[key] for key in PORTFOLIO_KEYS}


def bridge(
    tables: Tables,
    base_start: DateLike,
    base_end: DateLike,
    start: DateLike,
    end: DateLike,
    **filters: Any,
) -> dict[str, float]:
    """Price–volume–mix bridge from period 0 = [base_start, base_end] to period 1 = [start, end]."""
    data = _Data(tables)
    wanted = set(data.select(filters))
    periods = ((as_date(base_start), as_date(base_end)), (as_date(start), as_date(end)))
    qty: list[dict[str, Fraction]] = [defaultdict(Fraction), defaultdict(Fraction)]
    rev: list[dict[str, Fraction]] = [defaultdict(Fraction), defaultdict(Fraction)]
    for ln in data.lines:
        if ln["account_id"] not in wanted:
            continue
        for index, (p_start, p_end) in enumerate(periods):
            if _in(ln["invoice_date"], p_start, p_end):
                qty[index][ln["product_id"]] += ln["quantity"]
                rev[index][ln["product_id"]] += ln["net_amount"]
    products = set(qty[0]) | set(qty[1])
    both = sorted(p for p in products if qty[0].get(p, 0) > 0 and qty[1].get(p, 0) > 0)
    others = sorted(products - set(both))
    volume = mix = price = Fraction(0)
    if both:
        q0 = {p: qty[0][p] for p in both}
        q1 = {p: qty[1][p] for p in both}
        p0 = {p: rev[0][p] / q0[p] for p in both}
        p1 = {p: rev[1][p] / q1[p] for p in both}
        total_q0 = sum(q0.values(), Fraction(0))
        total_q1 = sum(q1.values(), Fraction(0))
        asp0 = sum((rev[0][p] for p in both), Fraction(0)) / total_q0
        volume = (total_q1 - total_q0) * asp0
        mix = total_q1 * sum(
            ((q1[p] / total_q1 - q0[p] / total_q0) * p0[p] for p in both), Fraction(0)
        )
        price = sum((q1[p] * (p1[p] - p0[p]) for p in both), Fraction(0))
    new = sum((rev[1].get(p, Fraction(0)) for p in others), Fraction(0))
    lost = -sum((rev[0].get(p, Fraction(0)) for p in others), Fraction(0))
    revenue_base = sum(rev[0].values(), Fraction(0))
    revenue = sum(rev[1].values(), Fraction(0))
    assert volume + mix + price + new + lost == revenue - revenue_base
    return {
        "volume": float(volume),
        "mix": float(mix),
        "price": float(price),
        "new": float(new),
        "lost": float(lost),
        "revenue_base": float(revenue_base),
        "revenue": float(revenue),
    }


# --------------------------------------------------------------------------------------------
# comparison helpers (pure Python, shared by the tests)


def close(got: Any, want: Any, tol: float = 1e-6) -> bool:
    """Equal, or both numbers within `tol` absolute or relative; None only equals None."""
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, str) or isinstance(got, str):
        return got == want
    got_f, want_f = float(got), float(want)
    return abs(got_f - want_f) <= tol * max(1.0, abs(want_f))


def mismatches(
    got: Mapping[str, Any], want: Mapping[str, Any], tol: float = 1e-6
) -> dict[str, tuple[Any, Any]]:
    """{key: (got, want)} for every key of `want` that `got` misses or differs on."""
    return {
        key: (got.get(key, "<missing>"), value)
        for key, value in want.items()
        if key not in got or not close(got[key], value, tol)
    }


def product_mix(
    tables: Tables, start: DateLike, end: DateLike, level: str, **filters: Any
) -> dict[str, dict[str, Value]]:
    """What the selected accounts bought in [start, end] per product (or per category, with
    level 'category'): quantity, revenue, COGS, distinct buying accounts and the item's share
    of the period's revenue (None when that revenue is not positive). Items with lines only."""
    data = _Data(tables)
    start_d, end_d = as_date(start), as_date(end)
    wanted = set(data.select(filters))
    products = {row["product_id"]: row for row in tables.get("products", [])}
    items: dict[str, dict[str, Any]] = {}
    for ln in data.lines:
        if ln["account_id"] not in wanted or not _in(ln["invoice_date"], start_d, end_d):
            continue
        product = products[ln["product_id"]]
        key = product["category"] if level == "category" else ln["product_id"]
        item = items.setdefault(
            key,
            {"quantity": Fraction(0), "revenue": Fraction(0), "cogs": Fraction(0), "buyers": set()},
        )
        item["quantity"] += ln["quantity"]
        item["revenue"] += ln["net_amount"]
        item["cogs"] += ln["cost_amount"]
        item["buyers"].add(ln["account_id"])
    total = sum((item["revenue"] for item in items.values()), Fraction(0))
    return {
        key: {
            "quantity": _float(item["quantity"]),
            "revenue": _float(item["revenue"]),
            "cogs": _float(item["cogs"]),
            "accounts": len(item["buyers"]),
            "revenue_share": _float(_ratio(item["revenue"], total)),
        }
        for key, item in items.items()
    }


# -- portfolio signals -------------------------------------------------------------------------
# The at-risk and mover rules written out in Python over Store.accounts frames, as they stood
# before the pages asked SQL for them (sql/marts/account_table.sql): the SQL must select the
# same accounts for the same reasons.


def with_prior(now: pl.DataFrame, prior: pl.DataFrame) -> pl.DataFrame:
    """This period's account rows with the prior year's GM % and overdue % beside them."""
    return now.join(
        prior.select(
            "account_id",
            pl.col("gross_margin_pct").alias("gross_margin_pct_prior"),
            pl.col("overdue_pct").alias("overdue_pct_prior"),
        ),
        on="account_id",
        how="left",
    )


def reasons(row: dict[str, Any], as_of: dt.date) -> list[Reason]:
    found: list[Reason] = []
    growth = row.get("growth_yoy")
    if isinstance(growth, float) and growth < REVENUE_DROP:
        found.append(Reason("falling_revenue", growth))
    margin, margin_before = row.get("gross_margin_pct"), row.get("gross_margin_pct_prior")
    if (
        isinstance(margin, float)
        and isinstance(margin_before, float)
        and margin - margin_before < -MARGIN_EROSION_PP
    ):
        found.append(Reason("margin_erosion", margin - margin_before))
    overdue, overdue_before = row.get("overdue_pct"), row.get("overdue_pct_prior")
    if isinstance(overdue, float) and overdue > 0:
        before = overdue_before if isinstance(overdue_before, float) else 0.0
        if overdue - before > OVERDUE_RISE_PP:
            found.append(Reason("rising_overdue", overdue - before))
    last_order = row.get("last_order_date")
    if isinstance(last_order, dt.date):
        if (as_of - last_order).days > NO_ORDER_DAYS:
            found.append(Reason("no_orders", date=last_order))
    elif float(row.get("revenue_prior_year") or 0) > 0:
        found.append(Reason("never_ordered"))
    # the relationship signs: only where the export has the CRM tables (touches known)
    days = row.get("days_since_last_meeting")
    if row.get("touches_in_period") is not None and (days is None or days >= 90):
        found.append(Reason("no_meeting", None if days is None else float(days)))
    if row.get("single_threaded") is True:
        found.append(Reason("single_thread"))
    if row.get("renewal_due") is True:
        found.append(Reason("contract_renewal", date=row.get("contract_end_on")))
    if row.get("decision_maker_detractor") is True:
        found.append(Reason("detractor"))
    return found


def at_risk(accounts: pl.DataFrame, as_of: dt.date) -> list[tuple[dict[str, Any], list[Reason]]]:
    """Accounts with at least one warning sign, biggest prior-year revenue first.

    `accounts` is `with_prior(...)`. Accounts that bought nothing in either year are left out:
    there is no relationship at risk.
    """
    result = []
    ordered = accounts.sort(["revenue_prior_year", "account_id"], descending=[True, False])
    for row in ordered.iter_rows(named=True):
        if not row["revenue"] and not row["revenue_prior_year"]:
            continue
        found = reasons(row, as_of)
        if found:
            result.append((row, found))
    return result


def movers(accounts: pl.DataFrame, count: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Top gainers and decliners by revenue change against the prior year (API columns)."""
    change = accounts.with_columns(
        revenue_change=pl.col("revenue") - pl.col("revenue_prior_year")
    ).filter(pl.col("revenue_change") != 0)
    gainers = (
        change.filter(pl.col("revenue_change") > 0)
        .sort(["revenue_change", "account_id"], descending=[True, False])
        .head(count)
    )
    decliners = (
        change.filter(pl.col("revenue_change") < 0)
        .sort(["revenue_change", "account_id"])
        .head(count)
    )
    return gainers, decliners


# --------------------------------------------------------------------------------------------
# relationship, pipeline, closing documents, renewal and landing (metrics.md, v2)

RELATIONSHIP_KEYS: tuple[str, ...] = (
    "days_since_last_meeting",
    "meetings_in_period",
    "touches_in_period",
    "decision_maker_coverage",
    "single_threaded",
    "pipeline",
    "weighted_pipeline",
    "win_rate",
    "win_rate_by_amount",
    "unsigned_closing_amount",
    "unsigned_closing_docs",
    "unsigned_0_5",
    "unsigned_6_30",
    "unsigned_31_90",
    "unsigned_91_plus",
    "signed_on_time_pct",
    "renewal_due",
    "landing_forecast",
    "landing_vs_plan",
)
STAGE_DEFAULT = {"qualify": "0.1", "propose": "0.3", "negotiate": "0.6", "won": "1", "lost": "0"}
MEETING_KINDS = ("meeting", "qbr", "visit")


def _present(tables: Tables, name: str) -> bool:
    """A CRM table counts as data when it has rows (an empty one is no such data)."""
    return bool(tables.get(name))


def relationship_metrics(
    tables: Tables,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    **filters: Any,
) -> dict[str, dict[str, Value]]:
    """The v2 per-account figures, literally from the definitions, one dict per account."""
    data = _Data(tables)
    start_d, end_d, as_of_d = _periods(start, end, as_of)
    window_start = as_of_d - dt.timedelta(days=89)
    known = set(data.account_ids)
    contacts = [c for c in tables.get("contacts", []) if c["account_id"] in known]
    contact_account = {c["contact_id"]: c["account_id"] for c in contacts}
    activities = [a for a in tables.get("activities", []) if a["account_id"] in known]
    opportunities = [o for o in tables.get("opportunities", []) if o["account_id"] in known]
    closing = [d for d in tables.get("closing_documents", []) if d["invoice_id"] in data.docs]
    docs_per_invoice: dict[str, int] = defaultdict(int)
    for document in closing:
        docs_per_invoice[document["invoice_id"]] += 1
    has = {name: _present(tables, name) for name in ("contacts", "activities", "opportunities")}
    has_closing = bool(closing)
    accounts_by_id = {row["account_id"]: row for row in data.accounts}
    year_end = dt.date(as_of_d.year, 12, 31)
    result: dict[str, dict[str, Value]] = {}
    for account_id in data.select(filters):
        row: dict[str, Value] = {}
        mine = [a for a in activities if a["account_id"] == account_id]

        def named(activity: Row, account: str = account_id) -> str | None:
            # a contact of another account is no contact of this one
            contact = activity.get("contact_id")
            return contact if contact_account.get(contact) == account else None

        meetings = [
            as_date(a["activity_date"])
            for a in mine
            if a["activity_type"] in MEETING_KINDS and as_date(a["activity_date"]) <= as_of_d
        ]
        in_period = [a for a in mine if _in(as_date(a["activity_date"]), start_d, end_d)]
        in_window = [a for a in mine if _in(as_date(a["activity_date"]), window_start, as_of_d)]
        touched = {named(a) for a in in_window} - {None}
        if has["activities"]:
            row["days_since_last_meeting"] = (as_of_d - max(meetings)).days if meetings else None
            row["meetings_in_period"] = sum(a["activity_type"] in MEETING_KINDS for a in in_period)
            row["touches_in_period"] = len(in_period)
            row["single_threaded"] = (len(touched) == 1) if touched else None
        else:
            for key in ("days_since_last_meeting", "meetings_in_period", "touches_in_period"):
                row[key] = None
            row["single_threaded"] = None
        deciders = [
            c["contact_id"]
            for c in contacts
            if c["account_id"] == account_id
            and c["buying_role"] == "decision_maker"
            and c.get("active") is not False
        ]
        # anyone's activity naming the person counts: coverage is about the client
        met_anywhere = {
            a.get("contact_id")
            for a in activities
            if _in(as_date(a["activity_date"]), window_start, as_of_d)
            and contact_account.get(a.get("contact_id")) == a["account_id"]
        }
        row["decision_maker_coverage"] = (
            _float(Fraction(sum(c in met_anywhere for c in deciders), len(deciders)))
            if has["contacts"] and has["activities"] and deciders
            else None
        )
        mine_opps = [o for o in opportunities if o["account_id"] == account_id]
        pipeline = weighted = this_year = Fraction(0)
        won = lost = 0
        won_amount = lost_amount = Fraction(0)
        for o in mine_opps:
            closed = as_date(o["closed_on"]) if o.get("closed_on") is not None else None
            amount = money(o["amount"])
            probability = (
                number(o["probability"])
                if o.get("probability") is not None
                else Fraction(Decimal(STAGE_DEFAULT[o["stage"]]))
            )
            if as_date(o["created_on"]) <= as_of_d and (closed is None or closed > as_of_d):
                pipeline += amount
                weighted += amount * probability
                if as_of_d < as_date(o["expected_close_on"]) <= year_end:
                    this_year += amount * probability
            if closed is not None and _in(closed, start_d, end_d):
                if o["stage"] == "won":
                    won, won_amount = won + 1, won_amount + amount
                elif o["stage"] == "lost":
                    lost, lost_amount = lost + 1, lost_amount + amount
        row["pipeline"] = _float(pipeline) if has["opportunities"] else None
        row["weighted_pipeline"] = _float(weighted) if has["opportunities"] else None
        row["win_rate"] = _float(Fraction(won, won + lost)) if won + lost else None
        row["win_rate_by_amount"] = _float(
            won_amount / (won_amount + lost_amount) if won_amount + lost_amount > 0 else None
        )
        unsigned = Fraction(0)
        count = 0
        buckets = {key: Fraction(0) for key in ("0_5", "6_30", "31_90", "91_plus")}
        issued = on_time = 0
        for d in closing:
            if data.docs[d["invoice_id"]]["account_id"] != account_id:
                continue
            issued_on = as_date(d["issued_on"])
            signed = as_date(d["signed_on"]) if d.get("signed_on") is not None else None
            share = (
                money(data.docs[d["invoice_id"]]["amount_due"]) / docs_per_invoice[d["invoice_id"]]
            )
            if issued_on <= as_of_d and (signed is None or signed > as_of_d):
                days = (as_of_d - issued_on).days
                count += 1
                unsigned += share
                key = (
                    "0_5"
                    if days <= 5
                    else "6_30"
                    if days <= 30
                    else "31_90"
                    if days <= 90
                    else "91_plus"
                )
                buckets[key] += share
            if _in(issued_on, start_d, end_d):
                issued += 1
                on_time += signed is not None and (signed - issued_on).days <= 5
        row["unsigned_closing_amount"] = _float(unsigned) if has_closing else None
        row["unsigned_closing_docs"] = count if has_closing else None
        for key, value in buckets.items():
            row[f"unsigned_{key}"] = _float(value) if has_closing else None
        row["signed_on_time_pct"] = _float(Fraction(on_time, issued)) if issued else None
        end_raw = accounts_by_id[account_id].get("contract_end_on")
        contract_end = as_date(end_raw) if end_raw is not None else None
        row["renewal_due"] = contract_end is not None and (
            as_of_d < contract_end <= as_of_d + dt.timedelta(days=90)
            or (
                contract_end <= as_of_d
                and any(
                    doc["account_id"] == account_id
                    and doc["doc_type"] == "invoice"
                    and contract_end < as_date(doc["invoice_date"]) <= as_of_d
                    for doc in tables.get("invoices", [])
                )
            )
        )
        year_to_date = data.revenue([account_id], dt.date(as_of_d.year, 1, 1), as_of_d)
        last_90 = data.revenue([account_id], window_start, as_of_d)
        landing = year_to_date + last_90 / 90 * (year_end - as_of_d).days + this_year
        row["landing_forecast"] = _float(landing)
        plan = sum(
            (
                money(t["revenue_target"])
                for t in tables.get("targets", [])
                if t["account_id"] == account_id and as_date(t["month"]).year == as_of_d.year
            ),
            Fraction(0),
        )
        row["landing_vs_plan"] = _float(landing / plan - 1) if plan > 0 else None
        result[account_id] = row
    return result
