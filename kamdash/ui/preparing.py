"""What a visitor sees while a data version is validated and built for the first time.

A new export at 150,000 accounts takes tens of seconds to check and build (the store is then
kept per version, and every later page opens at once). Without this the page would stay
blank with only Streamlit's running indicator; here it says what is being done, how far
along it is and for how long, redrawn when the step or the whole seconds change, and it
disappears when the opening ends, however it ends.
"""

from __future__ import annotations

from types import TracebackType

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from kamdash.data.validation.validate import STAGES_AFTER_BUILD, STAGES_BEFORE_BUILD
from kamdash.engine.measures import Language
from kamdash.ui.data import Preparing
from kamdash.ui.i18n import t

STAGES = (*STAGES_BEFORE_BUILD, *STAGES_AFTER_BUILD)


def step_text(step: str, lang: Language) -> str:
    """A validation stage in words, or the table being built."""
    if step in STAGES:
        return t(f"preparing.{step}", lang)
    return t("preparing.table", lang, table=step)


class PreparingView:
    """Draws `Preparing` into one placeholder, created on the first wait only (a version
    already built adds nothing to the page)."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self.placeholder: DeltaGenerator | None = None
        self.drawn: tuple[int, str, int] | None = None

    def show(self, preparing: Preparing) -> None:
        # redrawn only when the step or the whole seconds change: every redraw is a message
        # the browser renders, on the machine that is building
        state = (preparing.done, preparing.step, int(preparing.seconds))
        if state == self.drawn:
            return
        self.drawn = state
        if self.placeholder is None:
            self.placeholder = st.empty()
        if preparing.total:
            title = t(
                "preparing.title",
                self.lang,
                step=min(preparing.done + 1, preparing.total),
                total=preparing.total,
            )
            step = step_text(preparing.step, self.lang)
        else:  # the files are still being listed: no step has begun
            title = t("preparing.starting", self.lang)
            step = t("preparing.opening", self.lang)
        with self.placeholder.container():
            st.progress(preparing.fraction, text=title)
            st.caption(t("preparing.detail", self.lang, step=step, seconds=state[2]))

    def __enter__(self) -> PreparingView:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # also when the opening fails: the bar must not stay beside the error shown next
        if self.placeholder is not None:
            self.placeholder.empty()
