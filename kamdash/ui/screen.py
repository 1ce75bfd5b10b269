"""Whether the viewer's screen is narrow (a phone), as far as the app can know.

Streamlit runs on the server and is never told the screen's width; only the browser knows it.
`watch` mounts a component (`st.components.v2`: a few lines of JavaScript, no iframe, nothing
drawn) that reports whether the media query `NARROW` matches, and again when that changes (a
phone turned sideways). 768 px is where Streamlit's own "auto" sidebar starts collapsed, so
"narrow" here is exactly "the sidebar starts closed". The report is a widget value: the first
run of a session on a phone is drawn for a wide screen, and the report reruns it as narrow a
moment later. A browser that runs no JavaScript (and AppTest) counts as wide; `view=brief` in
the URL asks for the phone-first account page on any screen.
"""

from __future__ import annotations

import streamlit as st

NARROW = "(max-width: 768px)"
_KEY = "kamdash_screen"

# reports only a change from what the server last heard (`data.known`), so a wide screen
# never causes a rerun and a narrow one causes exactly one
_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const query = window.matchMedia(data.media);
  let known = data.known;
  const report = () => {
    if (query.matches !== known) {
      known = query.matches;
      setStateValue("narrow", known);
    }
  };
  report();
  query.addEventListener("change", report);
  return () => query.removeEventListener("change", report);
}
"""
# the component shows nothing, so its element takes no room (styles not isolated: this rule
# must reach the element around the component)
_CSS = f".st-key-{_KEY} {{ display: none; }}"

_screen = st.components.v2.component("kamdash_screen", js=_JS, css=_CSS, isolate_styles=False)


def _reported() -> None:
    """A report reruns the app like any widget change; nothing else to do."""


def watch() -> None:
    """Mount the reporter: once in every run (a widget not drawn in a run forgets its value),
    before the page draws."""
    _screen(key=_KEY, data={"media": NARROW, "known": narrow()}, on_narrow_change=_reported)


def narrow() -> bool:
    """Whether the screen was last reported narrow."""
    state = st.session_state.get(_KEY)
    return bool(state is not None and state.get("narrow"))
