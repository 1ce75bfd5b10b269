"""Locale formatting of figures for people: money, percentages, days, dates, deltas (en / ru).

UI-free (no streamlit): the app, charts and exports all format through here so a number looks
the same on a tile, in a table, in a tooltip and in a chart axis.

Conventions, chosen once and tested:
- Russian uses U+202F NARROW NO-BREAK SPACE both as the thousands separator and before `₽`,
  `%` and unit words (`1 234 567 ₽`, `12,5 %`), so a figure never wraps in the middle;
  the decimal mark is a comma and dates are `31.12.2025`.
- English puts the rouble sign first (`₽1,234,567`), has no space before `%` (`12.5%`) and
  writes dates as `Dec 31, 2025`; URLs and files always use ISO dates.
- Negative numbers use the typographic minus U+2212 (`−₽1,200`, `−1 200 ₽`).
- Short money has three significant digits, trailing zeros kept so every short figure shows
  the same precision: `₽4.25M`, `₽672K`, `₽1.20B`, `₽10.0M`; `4,25 млн ₽`, `672 тыс. ₽`.
  Below a thousand it is whole roubles (`₽950`). The unit is chosen after rounding, so
  999 600 reads `₽1.00M`, not `₽1,000K`; halves round up. `format_money(short=True)` is the
  one rule: tiles, tables, exports and chart labels call it, and chart axes use
  `short_money_expr`, the same rule written as a Vega expression from the same units and the
  same arithmetic. Where the medium allows, the full value is there too (a tile's tooltip,
  the deck's speaker notes, chart tooltips).
- Growth (`growth` format): a percentage up to ±1000 % (`12,5 %`), past it the
  multiple of the base (`×1 913`, `×12,5`; whole from ×100, one decimal below), and `new` /
  `новый` for revenue without a positive base (`NEW_GROWTH`, see `growth_or_new`).
- Missing values (None, NaN) read as an em dash.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from kamdash.engine.measures import Format, Language, Measure, growth_measure_of, measure

NNBSP = "\u202f"  # narrow no-break space: ru thousands separator and unit space
MINUS = "\u2212"
MISSING = "—"
RUBLE = "₽"

_SHORT_UNITS: dict[Language, tuple[tuple[float, str], ...]] = {
    # largest first; the rouble sign is added around them per language
    "en": ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")),
    "ru": ((1e12, "трлн"), (1e9, "млрд"), (1e6, "млн"), (1e3, "тыс.")),
}
# short money: below 10 of a unit two decimals, below 100 one, else none (three digits)
_SHORT_DECIMALS = ((2, 10.0), (1, 100.0))
# growth past ±1000 % reads as a multiple of the base
GROWTH_MULTIPLE_FROM = 10.0
# the growth of revenue that had no positive base: a new account, shown as "new"
NEW_GROWTH = math.inf
_NEW: dict[Language, str] = {"en": "new", "ru": "новый"}

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_EN_FULL = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_RU = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
MONTHS_RU_SHORT = (
    "янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
)  # fmt: skip


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


def format_number(value: float | int | None, lang: Language, decimals: int = 0) -> str:
    """A plain number with the language's grouping and decimal mark: `1 234,5` / `1,234.5`."""
    if is_missing(value):
        return MISSING
    assert value is not None
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "−0"
    text = f"{abs(rounded):.{decimals}f}"
    whole, _, fraction = text.partition(".")
    grouped = _group(whole, NNBSP if lang == "ru" else ",")
    if fraction:
        grouped += ("," if lang == "ru" else ".") + fraction
    return (MINUS if rounded < 0 else "") + grouped


def _signed(text: str, value: float, signed: bool) -> str:
    if signed and value > 0:
        return "+" + text
    return text


def _half_up(value: float, decimals: int) -> float:
    """`value` (≥ 0) rounded half up to `decimals`, by the very arithmetic of
    `short_money_expr` (`floor(x * 100 + 0.5) / 100`), so Python and Vega round alike."""
    scale = 10**decimals
    return math.floor(value * scale + 0.5) / scale


def _short_amount(amount: float, lang: Language) -> tuple[str, str]:
    """|amount| with three significant digits in the largest unit it reaches after rounding:
    (number, unit); whole roubles and no unit below a thousand."""
    magnitude = abs(amount)
    for size, unit in _SHORT_UNITS[lang]:
        scaled = magnitude / size
        # at least 1 of the unit once rounded to three significant digits (0.9995 → 1.00)
        if math.floor(scaled * 1000 + 0.5) >= 1000:
            for decimals, below in _SHORT_DECIMALS:
                rounded = _half_up(scaled, decimals)
                if rounded < below:
                    return format_number(rounded, lang, decimals), unit
            return format_number(_half_up(scaled, 0), lang, 0), unit
    return format_number(_half_up(magnitude, 0), lang, 0), ""


def format_money(
    value: float | int | None,
    lang: Language,
    *,
    short: bool = False,
    signed: bool = False,
) -> str:
    """Roubles, whole: `1 234 567 ₽` / `₽1,234,567`; `short=True` gives three significant
    digits: `1,23 млн ₽` / `₽1.23M` (see the module's conventions)."""
    if is_missing(value):
        return MISSING
    assert value is not None
    amount = float(value)
    if short:
        number, unit = _short_amount(amount, lang)
    else:
        number, unit = format_number(abs(amount), lang, 0), ""
    negative = amount < 0 and number.strip("0,.") != ""  # never "−0 ₽"
    if lang == "ru":
        body = f"{number}{NNBSP}{unit}{NNBSP}{RUBLE}" if unit else f"{number}{NNBSP}{RUBLE}"
    else:
        body = f"{RUBLE}{number}{unit}"
    if negative:
        return MINUS + body
    return _signed(body, 0.0 if number.strip("0,.") == "" else amount, signed)


def short_money_expr(lang: Language, value: str = "datum.value") -> str:
    """`format_money(short=True)` as a Vega expression of `value`, for chart axes.

    Built from the same units and with the same floating-point steps as `_short_amount`
    (divide, scale, add 0.5, floor), so an axis tick reads exactly like the same amount in a
    tile. `format(…, ',.2f')` takes the grouping and decimal mark from the chart's locale
    (`kamdash.report.charts.configure`).
    """
    magnitude = f"abs({value})"

    def digits(scaled: str) -> str:
        text = f"format(floor({scaled} + 0.5), ',.0f')"
        for decimals, below in reversed(_SHORT_DECIMALS):
            scale = 10**decimals
            rounded = f"floor({scaled} * {scale} + 0.5) / {scale}"
            text = f"({rounded} < {below:g} ? format({rounded}, ',.{decimals}f') : {text})"
        return text

    number = f"format(floor({magnitude} + 0.5), ',.0f')"
    for size, unit in reversed(_SHORT_UNITS[lang]):
        scaled = f"({magnitude} / {size:.0e})"
        spaced = f"{NNBSP}{unit}" if lang == "ru" else unit
        number = (
            f"(floor({scaled} * 1000 + 0.5) >= 1000 ? {digits(scaled)} + '{spaced}' : {number})"
        )
    sign = f"(floor({magnitude} + 0.5) >= 1 && {value} < 0 ? '{MINUS}' : '')"
    if lang == "ru":
        return f"{sign} + {number} + '{NNBSP}{RUBLE}'"
    return f"{sign} + '{RUBLE}' + {number}"


def format_percent(
    value: float | None, lang: Language, *, decimals: int = 1, signed: bool = False
) -> str:
    """A fraction as a percentage: 0.125 → `12,5 %` / `12.5%`."""
    if is_missing(value):
        return MISSING
    assert value is not None
    number = format_number(value * 100, lang, decimals)
    body = f"{number}{NNBSP}%" if lang == "ru" else f"{number}%"
    return _signed(body, round(value * 100, decimals), signed)


def format_growth(value: float | None, lang: Language, *, signed: bool = False) -> str:
    """A relative change: `12,5 %` up to ±1000 %, then the multiple of the base (`×1 913`,
    `×12,5`), and `новый` / `new` for `NEW_GROWTH` (revenue without a positive base)."""
    if is_missing(value):
        return MISSING
    assert value is not None
    if value == NEW_GROWTH:
        return _NEW[lang]
    if abs(value) <= GROWTH_MULTIPLE_FROM:
        return format_percent(value, lang, signed=signed)
    multiple = 1 + value
    decimals = 1 if abs(round(multiple, 1)) < 100 else 0
    return "×" + format_number(multiple, lang, decimals)


def growth_or_new(value: object, current: object) -> object:
    """A growth figure of the API (empty when the base was not positive) with `NEW_GROWTH`
    where it is empty and what grew (`current`) is positive: what every view of it shows."""
    if is_missing(value) and not is_missing(current) and float(current) > 0:  # type: ignore[arg-type]
        return NEW_GROWTH
    return value


def format_days(value: float | None, lang: Language, *, signed: bool = False) -> str:
    """Whole days: `51 дн.` / `51 days`."""
    if is_missing(value):
        return MISSING
    assert value is not None
    number = format_number(value, lang, 0)
    if lang == "ru":
        body = f"{number}{NNBSP}дн."
    else:
        body = f"{number} {'day' if number in ('1', MINUS + '1') else 'days'}"
    return _signed(body, round(value), signed)


def format_points(value: float | None, lang: Language, *, decimals: int = 1) -> str:
    """A difference of two percentages in percentage points, signed: `+1,2 п.п.` / `+1.2 pp`."""
    if is_missing(value):
        return MISSING
    assert value is not None
    number = format_number(value * 100, lang, decimals)
    body = f"{number}{NNBSP}п.п." if lang == "ru" else f"{number} pp"
    return _signed(body, round(value * 100, decimals), True)


def format_years(years: int, lang: Language) -> str:
    """Whole years with the right noun: `1 year`, `5 years`; `1 год`, `2 года`, `5 лет`."""
    if lang == "ru":
        last_two, last = years % 100, years % 10
        if last == 1 and last_two != 11:
            word = "год"
        elif 2 <= last <= 4 and not 12 <= last_two <= 14:
            word = "года"
        else:
            word = "лет"
        return f"{format_number(years, lang)}{NNBSP}{word}"
    return f"{format_number(years, lang)} {'year' if years == 1 else 'years'}"


def format_date(value: dt.date | None, lang: Language) -> str:
    """`31.12.2025` / `Dec 31, 2025`."""
    if value is None:
        return MISSING
    if lang == "ru":
        return value.strftime("%d.%m.%Y")
    return f"{MONTHS_EN[value.month - 1]} {value.day}, {value.year}"


def format_month(value: dt.date, lang: Language) -> str:
    """`июнь 2026` / `Jun 2026`."""
    if lang == "ru":
        return f"{MONTHS_RU[value.month - 1]} {value.year}"
    return f"{MONTHS_EN[value.month - 1]} {value.year}"


def format_period(start: dt.date, end: dt.date, lang: Language) -> str:
    """`01.01.2026 – 30.06.2026` / `Jan 1, 2026 – Jun 30, 2026` (one date when start = end)."""
    if start == end:
        return format_date(start, lang)
    return f"{format_date(start, lang)} – {format_date(end, lang)}"


def format_month_range(start: dt.date, end: dt.date, lang: Language) -> str:
    """`июль 2024 – июнь 2026` / `Jul 2024 – Jun 2026`."""
    if (start.year, start.month) == (end.year, end.month):
        return format_month(start, lang)
    return f"{format_month(start, lang)} – {format_month(end, lang)}"


def format_value(
    value: object, fmt: Format, lang: Language, *, short: bool = False, signed: bool = False
) -> str:
    """Any figure by its measure format."""
    if is_missing(value):
        return MISSING
    if fmt == "text":
        return str(value)
    if fmt == "flag":
        return ("да" if value else "нет") if lang == "ru" else ("yes" if value else "no")
    number = float(value)  # type: ignore[arg-type]
    if fmt == "money":
        return format_money(number, lang, short=short, signed=signed)
    if fmt == "percent":
        return format_percent(number, lang, signed=signed)
    if fmt == "growth":
        return format_growth(number, lang, signed=signed)
    if fmt == "days":
        return format_days(number, lang, signed=signed)
    if fmt == "ratio":
        return _signed(format_number(number, lang, 2) + "×", number, signed)
    # count and index: whole numbers with grouping
    return _signed(format_number(number, lang, 0), round(number), signed)


def format_measure(
    value: object, name: str | Measure, lang: Language, *, short: bool = False
) -> str:
    """A figure formatted by its measure definition (`kamdash.engine.measures`)."""
    definition = name if isinstance(name, Measure) else measure(name)
    return format_value(value, definition.format, lang, short=short)


Direction = Literal["up", "down", "flat"]


@dataclass(frozen=True)
class Delta:
    """A change shown next to a figure: its text, which way it went and whether that is good."""

    text: str
    direction: Direction
    # True / False when the measure says which way is better, None when neither or flat
    good: bool | None


def delta(
    current: object,
    prior: object,
    name: str | Measure,
    lang: Language,
    *,
    relative: bool = True,
) -> Delta | None:
    """Change from `prior` to `current` for a measure, or None when it cannot be told.

    Money changes read as a relative change in the growth format (`+23,2 %`, `×1 913`) when
    the prior value is positive and `relative` is set, as an amount (`+1,2 млн ₽`) otherwise;
    a measure with a growth measure (revenue) that had no positive prior reads `new` /
    `новый`. Percentages and growth change in percentage points (none when either side is
    new or a multiple); days, counts and indexes by their difference.
    """
    definition = name if isinstance(name, Measure) else measure(name)
    if is_missing(current) or is_missing(prior) or definition.format == "text":
        return None
    now, before = float(current), float(prior)  # type: ignore[arg-type]
    if relative and before <= 0 < now and growth_measure_of(definition.name) is not None:
        # as its growth measure says (metrics.md: no positive base = a new account)
        return Delta(_NEW[lang], "up", definition.higher_is_better)
    difference = now - before
    if definition.format == "money":
        if before > 0 and relative:
            change = difference / before
            text = format_growth(change, lang, signed=True)
            shown = round(change * 100, 1)
        else:
            text = format_money(difference, lang, short=True, signed=True)
            shown = round(difference)
    elif definition.format in ("percent", "growth"):
        if definition.format == "growth" and max(abs(now), abs(before)) > GROWTH_MULTIPLE_FROM:
            return None  # points between multiples (or "new") say nothing
        text = format_points(difference, lang)
        shown = round(difference * 100, 1)
    else:
        text = format_value(difference, definition.format, lang, signed=True)
        shown = round(difference, 2 if definition.format == "ratio" else 0)
    if shown == 0:
        return Delta(text.lstrip("+"), "flat", None)
    direction: Direction = "up" if shown > 0 else "down"
    good = None
    if definition.higher_is_better is not None:
        good = (shown > 0) == definition.higher_is_better
    return Delta(text, direction, good)


# -- names in Latin letters ---------------------------------------------------------------------

# passport-style romanisation (ICAO 9303, used in Russian passports since 2014)
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip


def transliterate(text: str) -> str:
    """Russian letters to Latin (`Ромашка` → `Romashka`); other characters kept."""
    result = []
    for char in text:
        lower = char.lower()
        latin = _CYRILLIC.get(lower)
        if latin is None:
            result.append(char)
        elif char != lower and latin:
            result.append(latin[0].upper() + latin[1:])
        else:
            result.append(latin)
    return "".join(result)
