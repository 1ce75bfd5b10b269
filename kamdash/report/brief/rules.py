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
them with thresholds and takes simple differences and ratios of them: the decisions and their
thresholds are here, the English and Russian sentences in `wording`, the result types in
`results`. UI-free: the account page, the PDF and the deck all render the same `Brief`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import polars as pl

from kamdash.engine.measures import Language
from kamdash.engine.periods import DateLike, Period, minus_years, period_and_as_of
from kamdash.engine.store import Store
from kamdash.report.brief import wording
from kamdash.report.brief.results import (
    BaseKind,
    BasePeriod,
    Brief,
    Comparison,
    Issue,
    MeetKind,
    OpportunityToAdvance,
    OverdueDocument,
    ProductChange,
    Pvm,
    Renewal,
    StoppedCategory,
    UnsignedDocument,
    WhitespaceCategory,
    WhoToMeet,
)
from kamdash.report.formatting import is_missing

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
MAX_OPPORTUNITIES = 3  # open opportunities to advance, most advanced stage first
OPEN_STAGES = ("qualify", "propose", "negotiate")
MAX_UNSIGNED = 20  # unsigned documents kept (oldest first); the sentence names the oldest
TOUCH_WINDOW_DAYS = 90  # "met in the 90 days ending at D" (metrics.md)


def base_period(kind: BaseKind, period: Period, as_of: dt.date, language: Language) -> BasePeriod:
    """The previous period of the same length, or the prior-year period, with its names."""
    if kind == "prior_year":
        names = wording.base_period_names(kind, 12, period.days, language)
        return BasePeriod(kind, period.prior_year(), minus_years(as_of, 1), *names)
    base, months = previous_period(period)
    # the as-of date keeps its distance from the period end
    base_as_of = base.end + (as_of - period.end)
    names = wording.base_period_names(kind, months, period.days, language)
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
    period, as_of_date = period_and_as_of(start, end, as_of)
    one = {"account_id": account_id}
    previous = base_period("previous", period, as_of_date, language)
    prior_year = base_period("prior_year", period, as_of_date, language)
    if previous.period == prior_year.period:
        # 12 months: one base period, one name for it in every sentence
        previous = prior_year

    # the three periods in one statement: planning it, not reading one account's rows, is
    # most of each call's time
    figures, previous_figures, prior_figures = (
        _row(frame)
        for frame in store.accounts_over(
            [
                (period.start, period.end, as_of_date),
                (previous.period.start, previous.period.end, previous.as_of),
                (prior_year.period.start, prior_year.period.end, prior_year.as_of),
            ],
            **one,
        )
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
        **_before_meeting(store, account_id, period, as_of_date, figures, language),
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
    return replace(comparison, summary=wording.summary(comparison, language))


def pvm_headline(pvm: Pvm, language: Language) -> str | None:
    """`price +4.1 %, volume −2.3 %, mix +0.5 %`: price, volume and mix always, new and lost
    products only when they count; None without base revenue."""
    if pvm.revenue_base <= 0:
        return None
    effects = []
    for effect in ("price", "volume", "mix", "new", "lost"):
        share = pvm.share(effect)
        assert share is not None
        if effect in ("new", "lost") and abs(share) < PVM_MIN_SHARE:
            continue
        effects.append((effect, share))
    return wording.pvm_headline(tuple(effects), language)


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
            wording.overdue(total, documents, language),
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
            wording.credit_limit(use, figures, language),
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
            wording.days_late(now, before, base.during, language),
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
                    wording.margin_erosion(comparison, change, language),
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
        wording.stopped_category(item, language),
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
                wording.whitespace(
                    row["category"],
                    share,
                    industry,
                    row["peer_buyers"],
                    row["peers"],
                    median,
                    language,
                ),
            )
        )
    return tuple(result[:MAX_WHITESPACE])


# -- before the meeting (contract v2: the CRM and closing-document tables) ------------------


def _before_meeting(
    store: Store,
    account_id: str,
    period: Period,
    as_of: dt.date,
    figures: Mapping[str, Any],
    language: Language,
) -> dict[str, Any]:
    """Who to meet, the renewal date, opportunities to advance and documents to bring for
    signature; each empty when the export lacks its table."""
    documents = _unsigned_documents(store, account_id, as_of)
    count, amount = figures.get("unsigned_closing_docs"), figures.get("unsigned_closing_amount")
    return {
        "who_to_meet": _who_to_meet(store, account_id, as_of, figures, language),
        "renewal": _renewal(figures, as_of, language),
        "opportunities": _opportunities(store, account_id, period, as_of, language),
        "unsigned_documents": documents,
        "unsigned_text": (
            wording.unsigned(documents, int(count), float(amount), language)
            if documents and count and amount is not None
            else None
        ),
    }


def _who_to_meet(
    store: Store, account_id: str, as_of: dt.date, figures: Mapping[str, Any], language: Language
) -> tuple[WhoToMeet, ...]:
    if not store.has_table("contacts"):
        return ()
    people = store.stakeholders(account_id, as_of)
    decision_makers = people.filter(pl.col("active") & (pl.col("buying_role") == "decision_maker"))
    found: list[WhoToMeet] = []
    groups: list[tuple[MeetKind, pl.DataFrame]] = [
        ("not_met", decision_makers.filter(pl.col("not_met_decision_maker"))),
        ("detractor", decision_makers.filter(pl.col("attitude") == "detractor")),
    ]
    if figures.get("single_threaded"):
        # the one person the account was touched through in the 90 days to D
        since = as_of - dt.timedelta(days=TOUCH_WINDOW_DAYS - 1)
        groups.append(("single_thread", people.filter(pl.col("last_touch_on") >= since)))
    for kind, rows in groups:
        names = tuple(str(name) for name in rows["full_name"].to_list())
        if names:
            found.append(WhoToMeet(kind, names, wording.who_to_meet(kind, names, language)))
    return tuple(found)


def _renewal(figures: Mapping[str, Any], as_of: dt.date, language: Language) -> Renewal | None:
    end = figures.get("contract_end_on")
    if end is None:
        return None
    due, expired = bool(figures.get("renewal_due")), end <= as_of
    return Renewal(end, due, expired, wording.renewal(end, due, expired, language))


def _opportunities(
    store: Store, account_id: str, period: Period, as_of: dt.date, language: Language
) -> tuple[OpportunityToAdvance, ...]:
    if not store.has_table("opportunities"):
        return ()
    deals = store.opportunities(account_id, period.start, period.end, as_of)
    found = []
    # open at D and still in an open stage: one open at D that the export already shows won
    # or lost (closed after D) has nothing left to advance
    advancing = deals.filter((pl.col("status") == "open") & pl.col("stage").is_in(OPEN_STAGES))
    for row in advancing.head(MAX_OPPORTUNITIES).iter_rows(named=True):
        amount, probability = float(row["amount"]), float(row["probability"])
        found.append(
            OpportunityToAdvance(
                row["opportunity_id"],
                row["category"],
                row["stage"],
                amount,
                probability,
                float(row["weighted_amount"]),
                row["expected_close_on"],
                wording.opportunity(
                    row["category"],
                    row["stage"],
                    amount,
                    probability,
                    row["expected_close_on"],
                    language,
                ),
            )
        )
    return tuple(found)


def _unsigned_documents(
    store: Store, account_id: str, as_of: dt.date
) -> tuple[UnsignedDocument, ...]:
    if not store.has_table("closing_documents"):
        return ()
    rows = store.closing_document_listing(as_of, account_id=account_id, limit=MAX_UNSIGNED).rows
    return tuple(
        UnsignedDocument(
            row["closing_doc_id"],
            row["doc_kind"],
            row["invoice_id"],
            row["issued_on"],
            int(row["days_unsigned"]),
            float(row["amount"]),
        )
        for row in rows.iter_rows(named=True)
    )


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

    def add(priority: int, position: int, sentence: str) -> None:
        candidates.append((priority, position, sentence))

    add(0, 0, wording.talk_revenue(year, lang))
    issues = {issue.kind: issue for issue in brief.issues}
    if "overdue" in issues and brief.overdue_documents:
        oldest = brief.overdue_documents[0]
        add(1, 9, wording.talk_overdue(issues["overdue"].value, oldest, lang))
    if "credit_limit" in issues:
        add(2, 10, wording.talk_credit_limit(issues["credit_limit"].value, lang))
    if "margin_erosion" in issues:
        erosion = issues["margin_erosion"]
        drop = (erosion.value or 0.0) - (erosion.reference or 0.0)
        add(3, 6, wording.talk_margin("talk.margin_erosion", erosion.value, drop, lang))
    if "days_late" in issues:
        late = issues["days_late"]
        add(4, 8, wording.talk_days_late(late.value, late.reference, lang))
    if brief.stopped_categories:
        add(5, 7, wording.talk_stopped_category(brief.stopped_categories[0], lang))
    if brief.whitespace:
        offer = brief.whitespace[0]
        share, median = offer.peer_share, offer.peer_median_revenue
        add(6, 11, wording.talk_whitespace(offer.category, share, median, lang))
    if year.pvm_headline and year.revenue > 0:
        add(7, 1, wording.talk_pvm(year.pvm_headline, lang))
    if year.products_up:
        add(8, 2, wording.talk_product("talk.top_up", year.products_up[0], lang))
    if year.products_down:
        add(9, 3, wording.talk_product("talk.top_down", year.products_down[0], lang))
    target, attainment = _number(fig["revenue_target"]), _number(fig["plan_attainment"])
    if target and attainment is not None:
        add(10, 4, wording.talk_plan(attainment, target, lang))
    gm_change = year.gross_margin_pct_change
    if "margin_erosion" not in issues and gm_change is not None:
        add(11, 5, wording.talk_margin("talk.gm", year.gross_margin_pct, gm_change, lang))
    # fillers for a quiet account, so that there are three points whenever figures exist
    if float(fig["open_ar"]) != 0:
        add(12, 12, wording.talk_open_ar(fig["open_ar"], brief.as_of, lang))
    days_to_pay = _number(fig["avg_days_to_pay"])
    if days_to_pay is not None:
        add(13, 13, wording.talk_days_to_pay(days_to_pay, lang))
    chosen = sorted(candidates)[:MAX_TALKING_POINTS]
    return tuple(sentence for _, _, sentence in sorted(chosen, key=lambda c: c[1]))
