"""What one generator run shares: its arguments, random streams, calendar and streaming state.

`Run` is the fixed frame of a run (how many accounts and KAMs, the months and their business
days, the random streams); `RunState` is what carries over from one month to the next while
the transactions are streamed. Every table module generates for a `Run`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from kamdash.tools.generate.payments import PendingPayments

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
DateArray = npt.NDArray[np.datetime64]


def _russian_holidays(first_year: int, last_year: int) -> DateArray:
    """Fixed public holidays (the New Year week, 23 Feb, 8 Mar, 1 and 9 May, 12 Jun, 4 Nov)."""
    days: list[dt.date] = []
    for year in range(first_year, last_year + 1):
        days.extend(dt.date(year, 1, day) for day in range(1, 9))
        days.extend(
            dt.date(year, month, day)
            for month, day in ((2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))
        )
    return np.array(days, dtype="datetime64[D]")


class Run:
    """One run's frame: its arguments, random streams and calendar."""

    def __init__(
        self,
        out_dir: Path,
        accounts: int,
        lines: int | None,
        start: dt.date,
        end: dt.date,
        seed: int,
        progress: Callable[[int, int], None] | None,
        key_accounts: int,
        kams: int,
    ) -> None:
        self.out_dir = out_dir
        self.n_accounts = accounts
        self.n_key = min(accounts, key_accounts)
        self.n_kams = kams
        self.requested_lines = lines
        self.start = np.datetime64(start, "D")
        self.end = np.datetime64(end, "D")
        self.start_year = start.year
        self.progress = progress
        self.rng = np.random.default_rng(seed)
        # House accounts and contracts draw from streams of their own, so a portfolio of key
        # accounts only draws from `rng` exactly as it did before they existed.
        self.house_rng = np.random.default_rng([seed, 1])
        self.contract_rng = np.random.default_rng([seed, 2])
        # The CRM tables (contacts, activities, opportunities) and the closing documents are
        # contract v2: their own streams leave every v1 table as it was for the same seed.
        self.crm_rng = np.random.default_rng([seed, 3])
        self.closing_rng = np.random.default_rng([seed, 4])
        self.holidays = _russian_holidays(start.year - 1, end.year + 2)
        self.months: npt.NDArray[np.datetime64] = np.arange(
            np.datetime64(start, "M"), np.datetime64(end, "M") + 1
        )
        self.n_months = len(self.months)
        self.month_years = self.months.astype("datetime64[Y]").astype(np.int64) + 1970
        self.n_years = end.year - start.year + 1
        self.month_business_days = [self._business_days(m) for m in range(self.n_months)]

    def _business_days(self, month: int) -> DateArray:
        month_start = self.months[month].astype("datetime64[D]")
        next_month = (self.months[month] + 1).astype("datetime64[D]")
        first = max(month_start, self.start)
        last = min(next_month - 1, self.end)
        days = np.arange(first, last + 1)
        return days[np.is_busday(days, holidays=self.holidays)]

    def roll_to_business_day(self, days: DateArray) -> DateArray:
        return np.busday_offset(days, 0, roll="forward", holidays=self.holidays)

    def month_index(self, days: DateArray) -> IntArray:
        return (days.astype("datetime64[M]") - self.months[0]).astype(np.int64)


class RunState:
    """What carries over from month to month while streaming."""

    def __init__(self, accounts: int, products: int) -> None:
        self.sold_quantity = np.zeros((accounts, products), dtype=np.float64)
        self.sold = np.zeros((accounts, products), dtype=bool)
        self.open_ar = np.zeros(accounts, dtype=np.float64)  # kopecks, exact below 2**53
        self.billed_last_year = np.zeros(accounts, dtype=np.float64)
        self.next_number: dict[tuple[str, int], int] = {}
        self.next_payment_key = 0
        self.pending_payments: dict[int, list[PendingPayments]] = {}
        self.lines = 0
        self.credit_notes = 0

    def reserve(self, series: str, year: int, count: int) -> int:
        """First of `count` consecutive numbers in a document series of a year."""
        first = self.next_number.get((series, year), 1)
        self.next_number[(series, year)] = first + count
        return first
