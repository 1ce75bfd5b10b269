"""Calendar arithmetic of the metric definitions, for labels and for checking input.

The SQL computes the same dates itself; this module exists so the CLI and UI can parse and
describe periods (prior year, TTM) without a database round trip.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from kamdash.errors import KamdashError

DateLike = dt.date | str
# the periods the app offers; every one but last_quarter and custom ends at the anchor
Preset = Literal["mtd", "qtd", "ytd", "last_quarter", "ttm", "custom"]
PRESETS: tuple[Preset, ...] = ("mtd", "qtd", "ytd", "last_quarter", "ttm", "custom")


def parse_date(value: DateLike, *, name: str = "date") -> dt.date:
    """An ISO date (`2025-03-31`) or a date; a clear error otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise KamdashError(f"{name}: {value!r} is not a date in YYYY-MM-DD form") from None


def minus_years(day: dt.date, years: int) -> dt.date:
    """Same calendar day `years` earlier; 29 Feb maps to 28 Feb."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise KamdashError(
                f"period end {self.end.isoformat()} is before its start {self.start.isoformat()}"
            )

    @classmethod
    def of(cls, start: DateLike, end: DateLike) -> Period:
        return cls(parse_date(start, name="start"), parse_date(end, name="end"))

    def prior_year(self) -> Period:
        return Period(minus_years(self.start, 1), minus_years(self.end, 1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_and_as_of(
    start: DateLike, end: DateLike, as_of: DateLike | None
) -> tuple[Period, dt.date]:
    """The period `[start, end]` and the date its figures are taken at: `as_of`, or the
    period's end when none is given."""
    period = Period.of(start, end)
    return period, parse_date(as_of, name="as_of") if as_of is not None else period.end


def ttm(as_of: dt.date) -> Period:
    """Trailing twelve months ending at `as_of`."""
    return Period(minus_years(as_of, 1) + dt.timedelta(days=1), as_of)


def prior_ttm(as_of: dt.date) -> Period:
    return Period(minus_years(as_of, 2) + dt.timedelta(days=1), minus_years(as_of, 1))


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every month from start's month to end's, the final one capped at end."""
    result: list[dt.date] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        next_first = dt.date(year + month // 12, month % 12 + 1, 1)
        result.append(min(next_first - dt.timedelta(days=1), end))
        year, month = next_first.year, next_first.month
    return result


def preset_period(preset: Preset, anchor: dt.date) -> Period:
    """The dates a preset means when the latest data day is `anchor`."""
    quarter_start = dt.date(anchor.year, 3 * ((anchor.month - 1) // 3) + 1, 1)
    if preset == "mtd":
        return Period(anchor.replace(day=1), anchor)
    if preset == "qtd":
        return Period(quarter_start, anchor)
    if preset == "last_quarter":
        # the full calendar quarter before the anchor's own quarter
        end = quarter_start - dt.timedelta(days=1)
        return Period(dt.date(end.year, end.month - 2, 1), end)
    if preset == "ttm":
        return ttm(anchor)
    return Period(dt.date(anchor.year, 1, 1), anchor)  # ytd, and custom's starting point


def anchor_date(last_document: dt.date | None, today: dt.date) -> dt.date:
    """Defaults end at the latest document date, never in the future."""
    return min(last_document, today) if last_document is not None else today
