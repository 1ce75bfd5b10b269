"""One QBR file for an account, its format picked by the file suffix (`kamdash qbr --out`).

`.pptx` is the deck, `.pdf` the one-page brief, `.png` / `.svg` the stamped revenue and margin
trend chart: the same builders the account page's download buttons call.
"""

from __future__ import annotations

from pathlib import Path

from kamdash.engine.measures import Language
from kamdash.engine.periods import DateLike
from kamdash.engine.store import Store
from kamdash.errors import KamdashError
from kamdash.report.exports import qbr
from kamdash.report.exports.deck import deck_from
from kamdash.report.exports.images import chart_png, chart_svg
from kamdash.report.exports.pdf import pdf_from

SUFFIXES: tuple[str, ...] = (".pptx", ".pdf", ".png", ".svg")


def check_target(out: Path) -> str:
    """The output's suffix, or a one-line error before any data is read."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise KamdashError(
            f"--out {out}: unsupported file type {suffix or '(none)'!r}; use {', '.join(SUFFIXES)}"
        )
    if not out.parent.is_dir():
        raise KamdashError(f"--out {out}: folder {out.parent} does not exist")
    return suffix


def build_file(
    store: Store,
    account_id: str,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None,
    language: Language,
    suffix: str,
) -> bytes:
    """The bytes of the account's QBR file in the format of `suffix`."""
    if suffix not in SUFFIXES:
        raise KamdashError(f"unsupported file type {suffix!r}; use {', '.join(SUFFIXES)}")
    data = qbr.collect(store, account_id, start, end, as_of, language)
    if suffix == ".pptx":
        return deck_from(data)
    if suffix == ".pdf":
        return pdf_from(data)
    chart = qbr.trend_chart(data)
    if suffix == ".svg":
        return chart_svg(chart, data.stamp).encode("utf-8")
    return chart_png(chart, data.stamp)
