"""The view's filters as a value: parsed from URL query parameters, written back to them.

Pure Python (no streamlit) so the URL rules are unit-testable. Every view is addressable by
`start`, `end`, `as_of`, `kam`, `industry`, `region`, `group`, `account` and `lang`
(ISO dates; list filters repeat the key: `?kam=KAM-01&kam=KAM-02`); `view=brief` asks for the
phone-first account page on any screen. Anything unknown or
malformed is dropped and reported as a `Note` for the page to show; parsing never raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kamdash.engine.measures import LANGUAGES, Language

# the presets live in the UI-free core (the bench asks what the app asks); re-exported here
from kamdash.engine.periods import PRESETS as PRESETS
from kamdash.engine.periods import Period, minus_years
from kamdash.engine.periods import Preset as Preset
from kamdash.engine.periods import anchor_date as anchor_date
from kamdash.engine.periods import preset_period as preset_period

Periods = tuple[tuple[dt.date, dt.date, dt.date], ...]
"""(start, end, as_of) of each period a Store *_over call asks for."""

DEFAULT_PRESET: Preset = "ytd"
DEFAULT_LANGUAGE: Language = "en"

# URL key → filter name of the kamdash API (`Store.scope`)
LIST_PARAMS: dict[str, str] = {
    "kam": "kam_id",
    "industry": "industry",
    "region": "region",
    "group": "group_name",
}
DATE_PARAMS = ("start", "end", "as_of")
PARAMS = (*DATE_PARAMS, *LIST_PARAMS, "account", "lang", "view")
BRIEF_VIEW = "brief"  # `view=brief`: the account page in its phone-first order
# the validation's plausible window: dates outside it are typos and would also break pickers
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)

QueryParams = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Note:
    """Something in the URL was ignored; `key` names an i18n message, `values` fill it."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """The values the data has, against which URL values are checked."""

    kam: frozenset[str] = frozenset()
    industry: frozenset[str] = frozenset()
    region: frozenset[str] = frozenset()
    group: frozenset[str] = frozenset()
    account: frozenset[str] = frozenset()

    def of(self, param: str) -> frozenset[str]:
        values: frozenset[str] = getattr(self, param)
        return values


def matching_preset(period: Period, anchor: dt.date) -> Preset:
    for preset in PRESETS[:-1]:
        if preset_period(preset, anchor) == period:
            return preset
    return "custom"


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    as_of: dt.date
    preset: Preset
    anchor: dt.date
    lang: Language = DEFAULT_LANGUAGE
    kam: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    group: tuple[str, ...] = ()
    account: str | None = None
    brief_view: bool = False

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    @property
    def prior(self) -> Period:
        return self.period.prior_year()

    @property
    def prior_as_of(self) -> dt.date:
        return minus_years(self.as_of, 1)

    @property
    def now_and_prior(self) -> Periods:
        """(start, end, as_of) of the period and of its prior year, for the *_over calls."""
        prior = self.prior
        return ((self.start, self.end, self.as_of), (prior.start, prior.end, self.prior_as_of))

    @property
    def scoped(self) -> bool:
        return any(getattr(self, param) for param in LIST_PARAMS)

    def api(self) -> dict[str, tuple[str, ...] | None]:
        """Keyword filters for the Store (None = not filtered); tuples so results cache."""
        return {api: (getattr(self, param) or None) for param, api in LIST_PARAMS.items()}

    def query(self, **overrides: Any) -> dict[str, str | list[str]]:
        """URL parameters of this view, defaults left out so links stay short."""
        view = replace(self, **overrides) if overrides else self
        params: dict[str, str | list[str]] = {}
        if view.period != preset_period(DEFAULT_PRESET, view.anchor):
            params["start"] = view.start.isoformat()
            params["end"] = view.end.isoformat()
        if view.as_of != view.end:
            params["as_of"] = view.as_of.isoformat()
        for param in LIST_PARAMS:
            values = getattr(view, param)
            if values:
                params[param] = list(values)
        if view.account:
            params["account"] = view.account
        if view.lang != DEFAULT_LANGUAGE:
            params["lang"] = view.lang
        if view.brief_view:
            params["view"] = BRIEF_VIEW
        return params


def _last(values: Sequence[str]) -> str | None:
    cleaned = [v.strip() for v in values if v.strip()]
    return cleaned[-1] if cleaned else None


def _date(params: QueryParams, key: str, notes: list[Note]) -> dt.date | None:
    raw = _last(params.get(key, ()))
    if raw is None:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        notes.append(Note("note.bad_date", {"param": key, "value": raw}))
        return None
    if not EARLIEST <= value <= LATEST:
        notes.append(Note("note.date_out_of_range", {"param": key, "value": raw}))
        return None
    return value


def parse(params: QueryParams, options: Options, anchor: dt.date) -> tuple[Filters, list[Note]]:
    """Filters from URL parameters; whatever cannot be used is left out with a note."""
    notes: list[Note] = []

    lang: Language = DEFAULT_LANGUAGE
    raw_lang = _last(params.get("lang", ()))
    if raw_lang is not None:
        if raw_lang in LANGUAGES:
            lang = raw_lang
        else:
            notes.append(Note("note.bad_lang", {"value": raw_lang}))

    start = _date(params, "start", notes)
    end = _date(params, "end", notes)
    as_of = _date(params, "as_of", notes)
    if start is None and end is None:
        period = preset_period(DEFAULT_PRESET, anchor)
    else:
        # one side given: the other is filled as the default would (end = latest data day,
        # start = 1 January of the end's year)
        end = end or max(anchor, start or anchor)
        start = start or dt.date(end.year, 1, 1)
        if end < start:
            notes.append(
                Note("note.end_before_start", {"start": start.isoformat(), "end": end.isoformat()})
            )
            period = preset_period(DEFAULT_PRESET, anchor)
        else:
            period = Period(start, end)

    lists: dict[str, tuple[str, ...]] = {}
    for param in LIST_PARAMS:
        known = options.of(param)
        kept: list[str] = []
        for value in params.get(param, ()):
            value = value.strip()
            if not value or value in kept:
                continue
            if value in known:
                kept.append(value)
            else:
                notes.append(Note("note.unknown_value", {"param": param, "value": value}))
        lists[param] = tuple(kept)

    account = _last(params.get("account", ()))
    if account is not None and account not in options.account:
        notes.append(Note("note.unknown_account", {"value": account}))
        account = None

    view = _last(params.get("view", ()))
    if view is not None and view != BRIEF_VIEW:
        notes.append(Note("note.bad_view", {"value": view}))

    filters = Filters(
        start=period.start,
        end=period.end,
        as_of=as_of or period.end,
        preset=matching_preset(period, anchor),
        anchor=anchor,
        lang=lang,
        account=account,
        brief_view=view == BRIEF_VIEW,
        **lists,
    )
    return filters, notes


def canonical(params: QueryParams) -> dict[str, list[str]]:
    """Parameters as comparable lists (for deciding whether the URL must be rewritten)."""
    return {key: [str(v) for v in values] for key, values in params.items() if values}
