"""What a visitor reads while a new export is validated and built: the step of all, what it
is in words (a validation stage, or the table being built), the seconds so far, in English and
Russian; and nothing once the opening has ended, whether the data is ready or it failed."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def _page(done: int, total: int, step: str, lang: str, ended: str = "") -> AppTest:
    """A page waiting at that step; with `ended` ("ready" or "failed"), after the opening."""

    def script(done: int, total: int, step: str, lang: str, ended: str) -> None:
        import contextlib

        from kamdash.errors import KamdashError
        from kamdash.ui.data import Preparing
        from kamdash.ui.preparing import PreparingView

        preparing = Preparing()
        preparing.update(done, total, step)
        view = PreparingView(lang)  # type: ignore[arg-type]
        if not ended:
            view.show(preparing)
            view.show(preparing)  # the same state again draws nothing new
            return
        with contextlib.suppress(KamdashError), view:
            view.show(preparing)
            if ended == "failed":
                raise KamdashError("the folder went away")

    at = AppTest.from_function(
        script, kwargs={"done": done, "total": total, "step": step, "lang": lang, "ended": ended}
    )
    return at.run(timeout=30)


def _drawn(at: AppTest) -> tuple[list[str], list[str]]:
    bars = [element for element in at.main if element.type == "progress"]
    texts = [str(bar.proto.text) for bar in bars]
    return texts, [caption.value for caption in at.caption]


def test_a_table_being_built_is_named_with_its_step_of_all() -> None:
    at = _page(8, 22, "int_sales_daily", "en")
    texts, captions = _drawn(at)
    assert texts == ["Preparing this export for the first time: step 9 of 22"]
    (caption,) = captions
    assert caption.startswith("building the stored table int_sales_daily · 0 s so far.")
    bar = next(element for element in at.main if element.type == "progress")
    assert bar.proto.value == round(100 * 8 / 22)


def test_a_validation_stage_in_russian() -> None:
    texts, captions = _drawn(_page(1, 22, "values", "ru"))
    assert texts == ["Первая подготовка этой выгрузки: шаг 2 из 22"]
    assert captions[0].startswith("проверка значений · прошло 0 с.")


def test_before_the_first_step_no_count_is_claimed() -> None:
    texts, captions = _drawn(_page(0, 0, "", "en"))
    assert texts == ["Preparing this export for the first time"]
    assert captions[0].startswith("opening the export · 0 s so far.")


@pytest.mark.parametrize("ended", ["ready", "failed"])
def test_nothing_is_left_once_the_opening_has_ended(ended: str) -> None:
    at = _page(21, 22, "summaries", "en", ended)
    assert not at.exception
    assert _drawn(at) == ([], [])
