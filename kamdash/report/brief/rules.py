"""The meeting brief for one account and period, built by fixed rules (no language model).

A KAM preparing a meeting wants four things on one page: what changed (against the previous
period of the same length and against the prior-year period, said once when they are the
same 12 months), what to raise (overdue documents, credit-limit use, slower payment, margin
erosion, categories the client stopped buying), whitespace (categories the client's industry
peers buy and it does not) and a handful of talking points, each carrying its figure.

Peers are the industry's active accounts that the viewer may see (the store's scope), and a
peer figure is quoted only when at least 3 peers stand behind it, so the brief never tells a
KAM another KAM's client's spend, nor anyone one client's spend dressed as a median.

Every figure comes from the store API (`Store.accounts`, `bridge`, `bridge_by_product`,
`product_mix`, `open_items`) or from the `peer_category_spend` mart; this module only compares
them with thresholds, takes simple differences and ratios of them, and words the result in
English or Russian through `kamdash.report.formatting`. UI-free: the account page, the PDF and the
deck all render the same `Brief`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import polars as pl

from kamdash.engine.measures import Language, measure
from kamdash.engine.periods import DateLike, Period, minus_years, parse_date
from kamdash.engine.store import Store
from kamdash.report.formatting import (
    format_date,
    format_days,
    format_growth,
    format_measure,
    format_money,
    format_percent,
    format_points,
    is_missing,
)

# Thresholds of the rules. Below them a change is noise, not something to raise in a meeting.
CREDIT_USE_LIMIT = 0.80  # open AR above 80 % of the credit limit
DAYS_LATE_RISE = 5.0  # average days late up by 5 days or more
MARGIN_EROSION_PP = 0.02  # GM % down by more than 2 percentage points
MIN_PEER_SHARE = 0.25  # whitespace: at least a quarter of active peers buy the category
# (and at least 3 peers: the mart quotes no peer figure of fewer, see `_whitespace`)
MAX_WHITESPACE = 5
TOP_PRODUCTS = 3
MAX_OVERDUE_NAMED = 5  # documents named in texts; the brief keeps them all
MIN_TALKING_POINTS = 3
MAX_TALKING_POINTS = 6
# a PVM effect smaller than this share of base revenue is left out of the headline
PVM_MIN_SHARE = 0.0005

BaseKind = Literal["previous", "prior_year"]
IssueKind = Literal["overdue", "credit_limit", "days_late", "margin_erosion", "stopped_category"]


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BasePeriod:
    """A period the brief compares with, and how to name it in both languages."""

    kind: BaseKind
    period: Period
    as_of: dt.date
    # nominative, "vs …" and "in …" forms, since Russian declines the noun
    name: str
    versus: str
    during: str


@dataclass(frozen=True)
class ProductChange:
    product_id: str
    product_name: str
    category: str
    revenue_base: float
    revenue: float

    @property
    def change(self) -> float:
        return self.revenue - self.revenue_base


@dataclass(frozen=True)
class Pvm:
    """The price–volume–mix bridge (`Store.bridge`) and its effects as shares of base revenue."""

    volume: float
    mix: float
    price: float
    new: float
    lost: float
    revenue_base: float
    revenue: float

    def share(self, effect: str) -> float | None:
        """An effect (`price`, `volume`, …) as a fraction of base revenue; None without one."""
        if self.revenue_base <= 0:
            return None
        return float(getattr(self, effect)) / self.revenue_base


@dataclass(frozen=True)
class Comparison:
    """What changed against one base period."""

    base: BasePeriod
    revenue: float
    revenue_base: float
    # relative change; None when the base had no positive revenue
    revenue_change: float | None
    gross_margin_pct: float | None
    gross_margin_pct_base: float | None
    products_up: tuple[ProductChange, ...]
    products_down: tuple[ProductChange, ...]
    pvm: Pvm
    # "price +4.1 %, volume −2.3 %, mix +0.5 %"; None when there is no base revenue
    pvm_headline: str | None
    summary: str

    @property
    def gross_margin_pct_change(self) -> float | None:
        if self.gross_margin_pct is None or self.gross_margin_pct_base is None:
            return None
        return self.gross_margin_pct - self.gross_margin_pct_base


@dataclass(frozen=True)
class OverdueDocument:
    item_id: str
    item_type: str
    item_date: dt.date
    due_date: dt.date
    days_past_due: int
    open_balance: float


@dataclass(frozen=True)
class StoppedCategory:
    """A category bought in a base period and not in the period."""

    category: str
    base: BasePeriod
    revenue_base: float


@dataclass(frozen=True)
class WhitespaceCategory:
    """A category the account's active industry peers buy and the account does not."""

    category: str
    peers: int
    peer_buyers: int
    peer_share: float
    peer_median_revenue: float
    text: str


@dataclass(frozen=True)
class Issue:
    """One thing to raise in the meeting, with its main figure and what it is compared with."""

    kind: IssueKind
    text: str
    value: float | None = None
    reference: float | None = None


@dataclass(frozen=True)
class Brief:
    account_id: str
    account_name: str
    kam_name: str | None
    industry: str
    language: Language
    period: Period
    as_of: dt.date
    # the `Store.accounts` row of the account for the period and for each base period
    figures: Mapping[str, Any]
    previous_figures: Mapping[str, Any]
    prior_year_figures: Mapping[str, Any]
    previous: Comparison
    prior_year: Comparison
    issues: tuple[Issue, ...]
    overdue_documents: tuple[OverdueDocument, ...]
    stopped_categories: tuple[StoppedCategory, ...]
    whitespace: tuple[WhitespaceCategory, ...]
    talking_points: tuple[str, ...]

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        """What changed, against each base period once: a 12-month period's previous period
        is its prior-year period, and then the brief compares with it once, by that name."""
        if self.previous.base == self.prior_year.base:
            return (self.prior_year,)
        return self.previous, self.prior_year

    def issue_kinds(self) -> set[str]:
        return {issue.kind for issue in self.issues}


# -- wording ---------------------------------------------------------------------------------

_TEXTS: dict[str, tuple[str, str]] = {
    # (en, ru); {placeholders} are filled with figures already formatted for the language
    "summary.revenue": (
        "Revenue {revenue}, {change} {versus} ({base_revenue})",
        "Выручка {revenue}, {change} {versus} ({base_revenue})",
    ),
    "summary.revenue_base_zero": (
        "Revenue {revenue}; {base_revenue} {during}",
        "Выручка {revenue}; {base_revenue} {during}",
    ),
    "summary.gm": ("GM % {gm}, {gm_change}", "маржа {gm}, {gm_change}"),
    "summary.gm_now": ("GM % {gm}", "маржа {gm}"),
    "issue.overdue": (
        "{amount} overdue in {count}; oldest {doc} of {date}: {balance}, {days} past due",
        "Просрочено {amount} по {count}; самый старый {doc} от {date}: {balance}, просрочка {days}",
    ),
    "issue.credit_limit": (
        "Credit limit {pct} used: open AR {ar} against a limit of {limit}",
        "Кредитный лимит использован на {pct}: задолженность {ar} при лимите {limit}",
    ),
    "issue.days_late": (
        "Paying later: {now} late on average, up from {before} {during}",
        "Платит позже: в среднем {now} просрочки против {before} {during}",
    ),
    "issue.margin_erosion": (
        "GM % down to {now} from {before} ({change}) {versus}",
        "Маржа снизилась до {now} с {before} ({change}) {versus}",
    ),
    "issue.stopped_category": (
        "Stopped buying {category}: {amount} {during}, nothing this period",
        "Перестал покупать «{category}»: {amount} {during}, в этом периоде — ничего",
    ),
    "whitespace": (
        "{category}: bought by {share} of active {industry} peers ({buyers} of {peers}), "
        "median spend {median}",
        "«{category}»: покупают {share} активных клиентов отрасли {industry} "
        "({buyers} из {peers}), медиана {median}",
    ),
    "talk.revenue": (
        "Revenue {revenue}, {change} vs the prior-year period.",
        "Выручка {revenue}, {change} к тому же периоду прошлого года.",
    ),
    "talk.revenue_new": (
        "Revenue {revenue}; nothing was bought in the prior-year period.",
        "Выручка {revenue}; год назад закупок не было.",
    ),
    "talk.revenue_none": (
        "No purchases in the period: revenue {revenue} (prior year {before}).",
        "В периоде закупок нет: выручка {revenue} (год назад {before}).",
    ),
    "talk.pvm": ("Versus last year: {headline}.", "К прошлому году: {headline}."),
    "talk.top_up": (
        "Biggest gain: {product}, {change}.",
        "Больше всего выросло: {product}, {change}.",
    ),
    "talk.top_down": (
        "Biggest drop: {product}, {change}.",
        "Сильнее всего снизилось: {product}, {change}.",
    ),
    "talk.plan": (
        "Plan attainment {pct} of a {plan} plan.",
        "План выполнен на {pct} (план {plan}).",
    ),
    "talk.gm": (
        "GM % {now}, {change} vs the prior-year period.",
        "Маржа {now}, {change} к тому же периоду прошлого года.",
    ),
    "talk.overdue": (
        "Ask about {amount} overdue: {doc} is {days} past due.",
        "Обсудить просрочку {amount}: {doc} просрочен на {days}.",
    ),
    "talk.credit_limit": (
        "Credit limit {pct} used: agree on payments or a higher limit.",
        "Лимит использован на {pct}: договориться об оплатах или увеличении лимита.",
    ),
    "talk.days_late": (
        "Payments slipped to {now} late on average (was {before}).",
        "Оплаты задерживаются в среднем на {now} (было {before}).",
    ),
    "talk.margin_erosion": (
        "Margin fell to {now} ({change}): review prices and discounts.",
        "Маржа снизилась до {now} ({change}): пересмотреть цены и скидки.",
    ),
    "talk.stopped_category": (
        "Find out why {category} purchases stopped ({amount} {during}).",
        "Выяснить, почему прекратились закупки «{category}» ({amount} {during}).",
    ),
    "talk.whitespace": (
        "Offer {category}: {share} of active peers buy it, median {median}.",
        "Предложить «{category}»: покупают {share} активных клиентов отрасли, медиана {median}.",
    ),
    "talk.open_ar": (
        "Open AR {amount} at {date}.",
        "Задолженность {amount} на {date}.",
    ),
    "talk.days_to_pay": (
        "Pays {days} after the document on average.",
        "Оплачивает в среднем через {days} после документа.",
    ),
}


def text(key: str, language: Language, **values: object) -> str:
    """A brief sentence in the language with its figures filled in."""
    en, ru = _TEXTS[key]
    # a figure ending in an abbreviation ("4 дн.") must not end the sentence with ".."
    return (ru if language == "ru" else en).format(**values).replace("..", ".")


def _documents(count: int, language: Language) -> str:
    if language == "ru":
        return f"{count} док."
    return f"{count} document" if count == 1 else f"{count} documents"


def _money(value: float | None, language: Language, *, signed: bool = False) -> str:
    return format_money(value, language, short=True, signed=signed)


def base_period(kind: BaseKind, period: Period, as_of: dt.date, language: Language) -> BasePeriod:
    """The previous period of the same length, or the prior-year period, with its names."""
    if kind == "prior_year":
        names = {
            "en": ("prior-year period", "vs the prior-year period", "in the prior-year period"),
            "ru": (
                "тот же период прошлого года",
                "к тому же периоду прошлого года",
                "за тот же период прошлого года",
            ),
        }[language]
        return BasePeriod(kind, period.prior_year(), minus_years(as_of, 1), *names)
    base, months = previous_period(period)
    if months == 3:
        en, ru = ("previous quarter",) * 3, ("предыдущий квартал", "предыдущему кварталу")
        ru_names = (ru[0], f"к {ru[1]}", f"за {ru[0]}")
    elif months == 1:
        en = ("previous month",) * 3
        ru_names = ("предыдущий месяц", "к предыдущему месяцу", "за предыдущий месяц")
    elif months:
        en = (f"previous {months} months",) * 3
        ru_names = (
            f"предыдущие {months} мес.",
            f"к предыдущим {months} мес.",
            f"за предыдущие {months} мес.",
        )
    else:
        en = (f"previous {period.days} days",) * 3
        ru_names = (
            f"предыдущие {period.days} дн.",
            f"к предыдущим {period.days} дн.",
            f"за предыдущие {period.days} дн.",
        )
    en_names = (en[0], f"vs the {en[0]}", f"in the {en[0]}")
    # the as-of date keeps its distance from the period end
    base_as_of = base.end + (as_of - period.end)
    names = ru_names if language == "ru" else en_names
    return BasePeriod(kind, base, base_as_of, *names)


def previous_period(period: Period) -> tuple[Period, int]:
    """The period of equal length just before `period`, and its length in months (0 = days).

    A period of whole calendar months (1st to month end) steps back by whole months, so the
    previous quarter of Q2 is Q1; any other period steps back by its number of days.
    """
    next_day = period.end + dt.timedelta(days=1)
    if period.start.day == 1 and next_day.day == 1:
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
        months += 1
        index = period.start.year * 12 + period.start.month - 1 - months
        start = dt.date(index // 12, index % 12 + 1, 1)
        return Period(start, period.start - dt.timedelta(days=1)), months
    length = dt.timedelta(days=period.days)
    return Period(period.start - length, period.end - length), 0


# -- building --------------------------------------------------------------------------------


def build_brief(
    store: Store,
    account_id: str,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    language: Language = "en",
) -> Brief:
    """The meeting brief of an account for `[start, end]` at `as_of` (default: end)."""
    info = store.account(account_id)  # NotFoundError with a clear message
    period = Period.of(start, end)
    as_of_date = parse_date(as_of, name="as_of") if as_of is not None else period.end
    one = {"account_id": account_id}
    previous = base_period("previous", period, as_of_date, language)
    prior_year = base_period("prior_year", period, as_of_date, language)
    if previous.period == prior_year.period:
        # 12 months: one base period, one name for it in every sentence
        previous = prior_year

    figures = _row(store.accounts(period.start, period.end, as_of_date, **one))
    previous_figures = _row(
        store.accounts(previous.period.start, previous.period.end, previous.as_of, **one)
    )
    prior_figures = _row(
        store.accounts(prior_year.period.start, prior_year.period.end, prior_year.as_of, **one)
    )
    comparisons = {
        kind: _comparison(store, account_id, period, figures, base, base_figures, language)
        for kind, base, base_figures in (
            ("previous", previous, previous_figures),
            ("prior_year", prior_year, prior_figures),
        )
    }

    documents = _overdue_documents(store.open_items(as_of_date, overdue_only=True, **one))
    stopped = _stopped_categories(store, account_id, period, (prior_year, previous))
    issues: list[Issue] = []
    issues += _overdue_issue(figures, documents, language)
    issues += _credit_issue(figures, language)
    issues += _days_late_issue(figures, (previous, previous_figures), language)
    issues += _margin_issue(comparisons["prior_year"], comparisons["previous"], language)
    issues += [_stopped_issue(item, language) for item in stopped]

    whitespace = _whitespace(
        store, account_id, period, info["industry"], {s.category for s in stopped}, language
    )
    brief = Brief(
        account_id=account_id,
        account_name=info["account_name"],
        kam_name=info.get("kam_name"),
        industry=info["industry"],
        language=language,
        period=period,
        as_of=as_of_date,
        figures=figures,
        previous_figures=previous_figures,
        prior_year_figures=prior_figures,
        previous=comparisons["previous"],
        prior_year=comparisons["prior_year"],
        issues=tuple(issues),
        overdue_documents=documents,
        stopped_categories=stopped,
        whitespace=whitespace,
        talking_points=(),
    )
    return _with_talking_points(brief)


def _row(frame: pl.DataFrame) -> dict[str, Any]:
    return frame.row(0, named=True)


def _number(value: object) -> float | None:
    return None if is_missing(value) else float(value)  # type: ignore[arg-type]


def _comparison(
    store: Store,
    account_id: str,
    period: Period,
    figures: Mapping[str, Any],
    base: BasePeriod,
    base_figures: Mapping[str, Any],
    language: Language,
) -> Comparison:
    span = (base.period.start, base.period.end, period.start, period.end)
    bridge = store.bridge(*span, account_id=account_id)
    pvm = Pvm(**{name: float(bridge[name]) for name in Pvm.__dataclass_fields__})
    products = [
        ProductChange(
            row["product_id"],
            row["product_name"],
            row["category"],
            float(row["revenue_base"]),
            float(row["revenue"]),
        )
        for row in store.bridge_by_product(*span, account_id=account_id).iter_rows(named=True)
    ]
    up = sorted((p for p in products if p.change > 0), key=lambda p: (-p.change, p.product_id))
    down = sorted((p for p in products if p.change < 0), key=lambda p: (p.change, p.product_id))
    revenue, revenue_base = float(figures["revenue"]), float(base_figures["revenue"])
    if base.kind == "prior_year":
        change = _number(figures["growth_yoy"])  # the API's own growth figure
    else:
        change = revenue / revenue_base - 1 if revenue_base > 0 else None
    gm, gm_base = _number(figures["gross_margin_pct"]), _number(base_figures["gross_margin_pct"])
    comparison = Comparison(
        base=base,
        revenue=revenue,
        revenue_base=revenue_base,
        revenue_change=change,
        gross_margin_pct=gm,
        gross_margin_pct_base=gm_base,
        products_up=tuple(up[:TOP_PRODUCTS]),
        products_down=tuple(down[:TOP_PRODUCTS]),
        pvm=pvm,
        pvm_headline=pvm_headline(pvm, language),
        summary="",
    )
    return replace(comparison, summary=_summary(comparison, language))


def _summary(comparison: Comparison, language: Language) -> str:
    """`Revenue ₽41.5M, +47.7% vs the previous quarter (₽28.1M); GM % 9.8%, −4.5 pp`."""
    base = comparison.base
    values = {
        "revenue": _money(comparison.revenue, language),
        "base_revenue": _money(comparison.revenue_base, language),
        "versus": base.versus,
        "during": base.during,
        "change": format_growth(comparison.revenue_change, language, signed=True),
    }
    key = (
        "summary.revenue" if comparison.revenue_change is not None else "summary.revenue_base_zero"
    )
    parts = [text(key, language, **values)]
    gm, gm_change = comparison.gross_margin_pct, comparison.gross_margin_pct_change
    if gm is not None:
        parts.append(
            text(
                "summary.gm" if gm_change is not None else "summary.gm_now",
                language,
                gm=format_percent(gm, language),
                gm_change=format_points(gm_change, language),
            )
        )
    return "; ".join(parts)


def pvm_headline(pvm: Pvm, language: Language) -> str | None:
    """`price +4.1 %, volume −2.3 %, mix +0.5 %` (+ new and lost products when they count)."""
    if pvm.revenue_base <= 0:
        return None
    parts = []
    for effect in ("price", "volume", "mix", "new", "lost"):
        share = pvm.share(effect)
        assert share is not None
        if effect in ("new", "lost") and abs(share) < PVM_MIN_SHARE:
            continue
        label = measure(effect).label(language).lower()
        parts.append(f"{label} {format_percent(share, language, signed=True)}")
    return ", ".join(parts)


def _overdue_documents(overdue: pl.DataFrame) -> tuple[OverdueDocument, ...]:
    # the worklist (open_items, overdue_only): ordered by days past due (oldest first), then
    # by balance; overdue means a positive open balance past its due date, exactly the aging
    # buckets from 1–30 on
    return tuple(
        OverdueDocument(
            row["item_id"],
            row["item_type"],
            row["item_date"],
            row["due_date"],
            int(row["days_past_due"]),
            float(row["open_balance"]),
        )
        for row in overdue.iter_rows(named=True)
    )


def _overdue_issue(
    figures: Mapping[str, Any], documents: tuple[OverdueDocument, ...], language: Language
) -> list[Issue]:
    total = float(figures["overdue_ar"])
    if total <= 0 or not documents:
        return []
    oldest = documents[0]
    return [
        Issue(
            "overdue",
            text(
                "issue.overdue",
                language,
                amount=_money(total, language),
                count=_documents(len(documents), language),
                doc=oldest.item_id,
                date=format_date(oldest.item_date, language),
                balance=_money(oldest.open_balance, language),
                days=format_days(oldest.days_past_due, language),
            ),
            value=total,
            reference=float(oldest.days_past_due),
        )
    ]


def _credit_issue(figures: Mapping[str, Any], language: Language) -> list[Issue]:
    use = _number(figures["credit_utilisation"])
    if use is None or use <= CREDIT_USE_LIMIT:
        return []
    return [
        Issue(
            "credit_limit",
            text(
                "issue.credit_limit",
                language,
                pct=format_measure(use, "credit_utilisation", language),
                ar=_money(figures["open_ar"], language),
                limit=_money(figures["credit_limit"], language),
            ),
            value=use,
            reference=CREDIT_USE_LIMIT,
        )
    ]


def _days_late_issue(
    figures: Mapping[str, Any],
    previous: tuple[BasePeriod, Mapping[str, Any]],
    language: Language,
) -> list[Issue]:
    base, base_figures = previous
    now, before = _number(figures["avg_days_late"]), _number(base_figures["avg_days_late"])
    if now is None or before is None or now - before < DAYS_LATE_RISE:
        return []
    return [
        Issue(
            "days_late",
            text(
                "issue.days_late",
                language,
                now=format_days(now, language),
                before=format_days(before, language),
                during=base.during,
            ),
            value=now,
            reference=before,
        )
    ]


def _margin_issue(prior_year: Comparison, previous: Comparison, language: Language) -> list[Issue]:
    # the prior year first: it is free of seasonality; the previous period catches a fresh drop
    for comparison in (prior_year, previous):
        change = comparison.gross_margin_pct_change
        if change is not None and change < -MARGIN_EROSION_PP:
            return [
                Issue(
                    "margin_erosion",
                    text(
                        "issue.margin_erosion",
                        language,
                        now=format_percent(comparison.gross_margin_pct, language),
                        before=format_percent(comparison.gross_margin_pct_base, language),
                        change=format_points(change, language),
                        versus=comparison.base.versus,
                    ),
                    value=comparison.gross_margin_pct,
                    reference=comparison.gross_margin_pct_base,
                )
            ]
    return []


def _category_revenue(store: Store, account_id: str, period: Period) -> dict[str, float]:
    mix = store.product_mix(period.start, period.end, level="category", account_id=account_id)
    return {row["item_id"]: float(row["revenue"]) for row in mix.iter_rows(named=True)}


def _stopped_categories(
    store: Store, account_id: str, period: Period, bases: tuple[BasePeriod, ...]
) -> tuple[StoppedCategory, ...]:
    now = _category_revenue(store, account_id, period)
    found: dict[str, StoppedCategory] = {}
    for base in bases:  # the prior year first: a category is reported once, with that base
        for category, revenue in _category_revenue(store, account_id, base.period).items():
            if revenue > 0 and now.get(category, 0.0) <= 0 and category not in found:
                found[category] = StoppedCategory(category, base, revenue)
    return tuple(sorted(found.values(), key=lambda c: (-c.revenue_base, c.category)))


def _stopped_issue(item: StoppedCategory, language: Language) -> Issue:
    return Issue(
        "stopped_category",
        text(
            "issue.stopped_category",
            language,
            category=item.category,
            amount=_money(item.revenue_base, language),
            during=item.base.during,
        ),
        value=0.0,
        reference=item.revenue_base,
    )


def peer_category_spend(
    store: Store, account_id: str, start: DateLike, end: DateLike
) -> pl.DataFrame:
    """Categories the account's active industry peers bought, with the account's own spend.

    One row per category: peers, peer_buyers, peer_share, peer_median_revenue, peer_revenue,
    account_revenue (the `peer_category_spend` mart), most widely bought first. Peers are
    only accounts `store` may show (`Store.scope`): a KAM's account is compared with the
    KAM's other accounts of its industry, never with another KAM's clients. The peer median
    and total are empty when fewer than 3 peers buy the category: they would be one client's
    figure.
    """
    period = Period.of(start, end)
    return store.query(
        "select * from peer_category_spend($1, $2, $3, $4) "
        "order by peer_share desc nulls last, peer_median_revenue desc nulls last, category",
        [period.start, period.end, account_id, store.scope()],
    )


def _whitespace(
    store: Store,
    account_id: str,
    period: Period,
    industry: str,
    stopped: set[str],
    language: Language,
) -> tuple[WhitespaceCategory, ...]:
    frame = peer_category_spend(store, account_id, period.start, period.end)
    result: list[WhitespaceCategory] = []
    for row in frame.iter_rows(named=True):
        share = _number(row["peer_share"])
        # a category the client stopped buying is raised as such, not offered as new
        if share is None or share < MIN_PEER_SHARE or row["account_revenue"] > 0:
            continue
        if row["category"] in stopped:
            continue
        # fewer than 3 peers buy it: the mart gives no median (it would be one client's
        # spend), and a suggestion without its figure is not made
        if row["peer_median_revenue"] is None:
            continue
        median = float(row["peer_median_revenue"])
        result.append(
            WhitespaceCategory(
                row["category"],
                int(row["peers"]),
                int(row["peer_buyers"]),
                share,
                median,
                text(
                    "whitespace",
                    language,
                    category=row["category"],
                    share=format_percent(share, language, decimals=0),
                    industry=industry,
                    buyers=row["peer_buyers"],
                    peers=row["peers"],
                    median=_money(median, language),
                ),
            )
        )
    return tuple(result[:MAX_WHITESPACE])


# -- talking points --------------------------------------------------------------------------


def _with_talking_points(brief: Brief) -> Brief:
    return replace(brief, talking_points=talking_points(brief))


def talking_points(brief: Brief) -> tuple[str, ...]:
    """3–6 short sentences, each with its figure.

    The most pressing candidates are chosen (results, then problems, then opportunities,
    then detail), then told in meeting order: results, what drove them, what to fix, what to
    offer.
    """
    lang = brief.language
    fig = brief.figures
    year = brief.prior_year
    # (priority: lower is chosen first, position in the told order, sentence)
    candidates: list[tuple[int, int, str]] = []

    def add(priority: int, position: int, key: str, **values: object) -> None:
        candidates.append((priority, position, text(key, lang, **values)))

    revenue, before = year.revenue, year.revenue_base
    if revenue <= 0:
        add(0, 0, "talk.revenue_none", revenue=_money(revenue, lang), before=_money(before, lang))
    elif year.revenue_change is None:
        add(0, 0, "talk.revenue_new", revenue=_money(revenue, lang))
    else:
        change = format_growth(year.revenue_change, lang, signed=True)
        add(0, 0, "talk.revenue", revenue=_money(revenue, lang), change=change)

    issues = {issue.kind: issue for issue in brief.issues}
    if "overdue" in issues and brief.overdue_documents:
        oldest = brief.overdue_documents[0]
        add(
            1,
            9,
            "talk.overdue",
            amount=_money(issues["overdue"].value, lang),
            doc=oldest.item_id,
            days=format_days(oldest.days_past_due, lang),
        )
    if "credit_limit" in issues:
        use = format_measure(issues["credit_limit"].value, "credit_utilisation", lang)
        add(2, 10, "talk.credit_limit", pct=use)
    if "margin_erosion" in issues:
        erosion = issues["margin_erosion"]
        drop = (erosion.value or 0.0) - (erosion.reference or 0.0)
        now = format_percent(erosion.value, lang)
        add(3, 6, "talk.margin_erosion", now=now, change=format_points(drop, lang))
    if "days_late" in issues:
        late = issues["days_late"]
        now, was = format_days(late.value, lang), format_days(late.reference, lang)
        add(4, 8, "talk.days_late", now=now, before=was)
    if brief.stopped_categories:
        stopped = brief.stopped_categories[0]
        add(
            5,
            7,
            "talk.stopped_category",
            category=stopped.category,
            amount=_money(stopped.revenue_base, lang),
            during=stopped.base.during,
        )
    if brief.whitespace:
        offer = brief.whitespace[0]
        add(
            6,
            11,
            "talk.whitespace",
            category=offer.category,
            share=format_percent(offer.peer_share, lang, decimals=0),
            median=_money(offer.peer_median_revenue, lang),
        )
    if year.pvm_headline and year.revenue > 0:
        add(7, 1, "talk.pvm", headline=year.pvm_headline)
    if year.products_up:
        top = year.products_up[0]
        gain = _money(top.change, lang, signed=True)
        add(8, 2, "talk.top_up", product=top.product_name, change=gain)
    if year.products_down:
        top = year.products_down[0]
        loss = _money(top.change, lang, signed=True)
        add(9, 3, "talk.top_down", product=top.product_name, change=loss)
    target, attainment = _number(fig["revenue_target"]), _number(fig["plan_attainment"])
    if target and attainment is not None:
        pct = format_measure(attainment, "plan_attainment", lang)
        add(10, 4, "talk.plan", pct=pct, plan=_money(target, lang))
    gm_change = year.gross_margin_pct_change
    if "margin_erosion" not in issues and gm_change is not None:
        now = format_percent(year.gross_margin_pct, lang)
        add(11, 5, "talk.gm", now=now, change=format_points(gm_change, lang))
    # fillers for a quiet account, so that there are three points whenever figures exist
    if float(fig["open_ar"]) != 0:
        date = format_date(brief.as_of, lang)
        add(12, 12, "talk.open_ar", amount=_money(fig["open_ar"], lang), date=date)
    days_to_pay = _number(fig["avg_days_to_pay"])
    if days_to_pay is not None:
        add(13, 13, "talk.days_to_pay", days=format_days(days_to_pay, lang))
    chosen = sorted(candidates)[:MAX_TALKING_POINTS]
    return tuple(sentence for _, _, sentence in sorted(chosen, key=lambda c: c[1]))
