"""What a meeting brief holds: the facts the rules selected, each with its sentence.

Plain frozen dataclasses, filled by `rules` (which facts) with sentences from `wording` (how
they are said); the account page, the PDF and the deck read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kamdash.engine.measures import Language
from kamdash.engine.periods import Period

BaseKind = Literal["previous", "prior_year"]
IssueKind = Literal["overdue", "credit_limit", "days_late", "margin_erosion", "stopped_category"]
# why someone on the client's side is on the brief's "who to meet" list
MeetKind = Literal["not_met", "detractor", "single_thread"]


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
class WhoToMeet:
    """People to see (from the CRM): decision makers nobody met in the 90 days to D, a decision
    maker who is a detractor, or the only person the account was touched through."""

    kind: MeetKind
    names: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Renewal:
    """The supply contract's end date, and whether its renewal is due (metrics.md)."""

    contract_end_on: dt.date
    due: bool
    expired: bool
    text: str


@dataclass(frozen=True)
class OpportunityToAdvance:
    """An opportunity open at D, with its probability (the stage default where empty)."""

    opportunity_id: str
    category: str | None
    stage: str
    amount: float
    probability: float
    weighted_amount: float
    expected_close_on: dt.date
    text: str


@dataclass(frozen=True)
class UnsignedDocument:
    """A closing document unsigned at D, oldest first: what to bring for signature."""

    closing_doc_id: str
    doc_kind: str
    invoice_id: str
    issued_on: dt.date
    days_unsigned: int
    amount: float


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
    # before the meeting, from the optional CRM and closing-document tables (empty without)
    who_to_meet: tuple[WhoToMeet, ...] = ()
    renewal: Renewal | None = None
    opportunities: tuple[OpportunityToAdvance, ...] = ()
    unsigned_documents: tuple[UnsignedDocument, ...] = ()
    # "Bring 3 documents for signature, ₽1.4K: …"; None when nothing is unsigned
    unsigned_text: str | None = None

    @property
    def meeting_points(self) -> tuple[str, ...]:
        """Before the meeting, in order: who to meet, the renewal date, the opportunities to
        advance and the documents to bring for signature, one sentence each."""
        points = [item.text for item in self.who_to_meet]
        if self.renewal is not None:
            points.append(self.renewal.text)
        points += [item.text for item in self.opportunities]
        if self.unsigned_text:
            points.append(self.unsigned_text)
        return tuple(points)

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        """What changed, against each base period once: a 12-month period's previous period
        is its prior-year period, and then the brief compares with it once, by that name."""
        if self.previous.base == self.prior_year.base:
            return (self.prior_year,)
        return self.previous, self.prior_year

    def issue_kinds(self) -> set[str]:
        return {issue.kind for issue in self.issues}
