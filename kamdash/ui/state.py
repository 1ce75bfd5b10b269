"""The URL as the single source of the view's state, and the sidebar widgets that edit it.

Why not `bind="query-params"` on the widgets (new in Streamlit 1.67): a bound widget puts its
*formatted* option in the URL (a KAM's display name in the current language instead of the
stable `KAM-01`), drops invalid values silently (the app must say what it ignored), and a bound
parameter cannot be written through `st.query_params`, which links and presets need. So the
sync is explicit: each run parses `st.query_params` into `Filters`, seeds every widget's
session state from it before the widget is drawn, and each widget's `on_change` callback writes
its new value back to the URL; the rerun that follows parses the URL again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from kamdash.engine.measures import LANGUAGES, Language
from kamdash.report.formatting import format_date
from kamdash.ui import filters as flt
from kamdash.ui.i18n import t

LANGUAGE_NAMES: dict[str, str] = {"en": "English", "ru": "Русский"}
WIDGET_PREFIX = "kamdash.w."
# "Custom dates" picked while the dates still equal a preset: the URL cannot say so, the
# session remembers it until another preset is picked
CUSTOM_FLAG = "kamdash.custom_period"


def read_query() -> dict[str, list[str]]:
    params = st.query_params
    return {key: params.get_all(key) for key in params}


def write_query(params: dict[str, str | list[str]]) -> None:
    """Replace the URL parameters, only when they differ (each write is a message)."""
    wanted = flt.canonical({k: [v] if isinstance(v, str) else v for k, v in params.items()})
    if flt.canonical(read_query()) != wanted:
        st.query_params.from_dict(params)


def _key(name: str) -> str:
    return WIDGET_PREFIX + name


def _set_param(name: str, value: str | list[str] | None) -> None:
    if value is None or value == [] or value == "":
        if name in st.query_params:
            del st.query_params[name]
    else:
        st.query_params[name] = value


def _on_lang() -> None:
    value = st.session_state[_key("lang")]
    _set_param("lang", None if value == flt.DEFAULT_LANGUAGE else value)


def _on_preset(anchor: dt.date) -> None:
    preset = st.session_state[_key("preset")]
    if preset == "custom":
        st.session_state[CUSTOM_FLAG] = True
        return  # the date inputs appear, seeded with the current period
    st.session_state.pop(CUSTOM_FLAG, None)
    period = flt.preset_period(preset, anchor)
    _set_param("start", period.start.isoformat())
    _set_param("end", period.end.isoformat())
    _set_param("as_of", None)  # the as-of date follows the new period end


def _on_date(name: str) -> None:
    value = st.session_state[_key(name)]
    if isinstance(value, dt.date):
        _set_param(name, value.isoformat())
    if name == "as_of" and value is None:
        _set_param("as_of", None)


def _on_list(name: str) -> None:
    _set_param(name, list(st.session_state[_key(name)]))


def _on_reset(lang: Language) -> None:
    st.session_state.pop(CUSTOM_FLAG, None)
    st.query_params.clear()
    if lang != flt.DEFAULT_LANGUAGE:
        st.query_params["lang"] = lang


def _seed(name: str, value: Any) -> str:
    """Put the URL's value into the widget's state before the widget is drawn."""
    key = _key(name)
    st.session_state[key] = value
    return key


def language_switch(filters: flt.Filters) -> None:
    st.segmented_control(
        t("sidebar.language", filters.lang),
        options=list(LANGUAGES),
        format_func=LANGUAGE_NAMES.__getitem__,
        key=_seed("lang", filters.lang),
        on_change=_on_lang,
        required=True,
    )


def filter_widgets(
    filters: flt.Filters,
    options: flt.Options,
    labels: dict[str, Callable[[str], str]],
) -> None:
    """Period, as-of date and list filters; `labels` formats each list filter's values."""
    lang = filters.lang
    preset = "custom" if st.session_state.get(CUSTOM_FLAG) else filters.preset
    st.selectbox(
        t("sidebar.period", lang),
        options=list(flt.PRESETS),
        format_func=lambda preset: t(f"preset.{preset}", lang),
        key=_seed("preset", preset),
        on_change=_on_preset,
        args=(filters.anchor,),
        help=t("sidebar.period_help", lang, anchor=format_date(filters.anchor, lang)),
    )
    date_format = "DD.MM.YYYY" if lang == "ru" else "YYYY-MM-DD"
    if preset == "custom":
        left, right = st.columns(2)
        left.date_input(
            t("sidebar.start", lang),
            key=_seed("start", filters.start),
            min_value=flt.EARLIEST,
            max_value=filters.end,
            format=date_format,
            on_change=_on_date,
            args=("start",),
        )
        right.date_input(
            t("sidebar.end", lang),
            key=_seed("end", filters.end),
            min_value=filters.start,
            max_value=flt.LATEST,
            format=date_format,
            on_change=_on_date,
            args=("end",),
        )
    else:
        st.caption(f"{format_date(filters.start, lang)} – {format_date(filters.end, lang)}")
    st.date_input(
        t("sidebar.as_of", lang),
        key=_seed("as_of", filters.as_of),
        min_value=flt.EARLIEST,
        max_value=flt.LATEST,
        format=date_format,
        on_change=_on_date,
        args=("as_of",),
        help=t("sidebar.as_of_help", lang),
    )
    for param in flt.LIST_PARAMS:
        st.multiselect(
            t(f"sidebar.{param}", lang),
            options=sorted(options.of(param), key=labels[param]),
            format_func=labels[param],
            key=_seed(param, list(getattr(filters, param))),
            on_change=_on_list,
            args=(param,),
            placeholder=t("sidebar.all", lang),
        )
    st.button(
        t("sidebar.reset", lang),
        on_click=_on_reset,
        args=(lang,),
        disabled=filters.query(lang=flt.DEFAULT_LANGUAGE) == {},
        width="stretch",
    )


def _on_account() -> None:
    _set_param("account", st.session_state[_key("account")])


def account_picker(label: str, help_text: str, choices: dict[str, str], current: str) -> str:
    """Pick an account (`choices`: id → option label); the choice goes to `?account=`."""
    return str(
        st.selectbox(
            label,
            options=list(choices),
            format_func=choices.__getitem__,
            key=_seed("account", current),
            on_change=_on_account,
            help=help_text,
            # "contains" finds a word anywhere in the label: name, Latin spelling or id
            filter_mode="contains",
        )
    )
