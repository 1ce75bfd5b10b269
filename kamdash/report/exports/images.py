"""Charts as files: PNG (2× scale) and SVG rendered server-side by vl-convert.

An exported chart leaves the dashboard, so it must say what it shows: a footer is stamped on the
image itself with the scope (account or filters), the period, the as-of date and the date the data
was exported (`Store.export_time`: the export's own `exported_at`, or else "files modified" and the
files' modification date). The chart is drawn in the DejaVu Sans shipped in `kamdash/report/fonts`,
registered with vl-convert, so Cyrillic renders the same on any machine without fetching a font.
File names say what the file is and are ASCII-safe (Cyrillic transliterated). Works on any Altair
chart or Vega-Lite dict, in particular those of `kamdash.report.charts`, which it never changes: it
wraps their spec.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vl_convert

from kamdash.data.sources import ExportTime
from kamdash.engine.measures import Language
from kamdash.engine.periods import DateLike, Period, period_and_as_of
from kamdash.report.formatting import format_date, format_period, transliterate

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
EXPORT_FONT = "DejaVu Sans"
EXPORT_WIDTH = 720  # px of the plot when the chart sets none (Streamlit would fill the page)
PNG_SCALE = 2.0
STAMP_COLOUR = "#5f6b78"
STAMP_FONT_SIZE = 10
_LEGEND_CHANNELS = ("color", "fill", "stroke", "size", "shape", "opacity")
# vl-convert may fetch data from URLs; exported charts carry their data inline, so allow none
_NO_URLS: list[str] = []

_STAMP_LABELS: dict[Language, dict[str, str]] = {
    "en": {
        "scope": "Scope",
        "period": "Period",
        "as_of": "As of",
        "exported": "Data exported",
        "modified": "Data files modified",
    },
    "ru": {
        "scope": "Охват",
        "period": "Период",
        "as_of": "На дату",
        "exported": "Выгрузка данных",
        "modified": "Файлы данных изменены",
    },
}


@functools.cache
def register_fonts() -> None:
    """Make the shipped DejaVu fonts known to vl-convert (once per process)."""
    vl_convert.register_font_directory(str(FONT_DIR))


@dataclass(frozen=True)
class Stamp:
    """What an exported chart shows: printed in its footer."""

    scope: str
    start: dt.date
    end: dt.date
    as_of: dt.date
    data_exported: dt.date | None
    language: Language = "en"
    # the date is the files' modification date: the export did not say when it was made
    files_modified: bool = False

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)

    def parts(self) -> list[str]:
        labels = _STAMP_LABELS[self.language]
        lang = self.language
        parts = [
            f"{labels['scope']}: {self.scope}",
            f"{labels['period']}: {format_period(self.start, self.end, lang)}",
            f"{labels['as_of']}: {format_date(self.as_of, lang)}",
        ]
        if self.data_exported is not None:
            label = labels["modified" if self.files_modified else "exported"]
            parts.append(f"{label}: {format_date(self.data_exported, lang)}")
        return parts

    def text(self) -> str:
        return " · ".join(self.parts())


def data_export_date(store: Any) -> dt.date | None:
    """The date the data was exported, or its files last modified (`data_files_modified`)."""
    exported: ExportTime | None = store.export_time
    return None if exported is None else exported.date


def data_files_modified(store: Any) -> bool:
    """Whether `data_export_date` is only the files' modification date (no `exported_at`)."""
    exported: ExportTime | None = store.export_time
    return exported is not None and exported.files_modified


def stamp_for(
    store: Any,
    scope: str,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    language: Language = "en",
) -> Stamp:
    """A stamp for a chart of `store` over `[start, end]` at `as_of` (default: end)."""
    period, as_of_date = period_and_as_of(start, end, as_of)
    return Stamp(
        scope,
        period.start,
        period.end,
        as_of_date,
        data_export_date(store),
        language,
        files_modified=data_files_modified(store),
    )


def export_spec(
    chart: Any, stamp: Stamp, *, width: int = EXPORT_WIDTH, height: int | None = None
) -> dict[str, Any]:
    """The chart's Vega-Lite spec with the export font, a white background and the footer.

    The chart becomes the first view of a vertical concatenation whose second view is the
    stamp text, so the stamp is part of the image (PNG) and a text element (SVG). `width`
    applies when the chart sets none; `height` replaces the chart's own (to fill a slide).
    """
    spec = copy.deepcopy(chart if isinstance(chart, dict) else chart.to_dict())
    top = {key: spec.pop(key) for key in ("$schema", "config", "datasets") if key in spec}
    config = dict(top.get("config", {}))
    config["font"] = EXPORT_FONT
    config["background"] = "white"  # pasted into decks and documents, not over the app
    spec.setdefault("width", width)
    if height is not None:
        spec["height"] = height
    plot_width = spec["width"] if isinstance(spec["width"], int | float) else width
    lines = _wrap(stamp.parts(), int(plot_width))
    footer = {
        "data": {"values": [{"stamp": lines}]},
        "mark": {
            "type": "text",
            "align": "left",
            "baseline": "top",
            "fontSize": STAMP_FONT_SIZE,
            "color": STAMP_COLOUR,
            "lineHeight": STAMP_FONT_SIZE + 4,
        },
        "encoding": {
            "text": {"field": "stamp", "type": "nominal"},
            "x": {"value": 0},
            "y": {"value": 0},
        },
        "width": plot_width,
        "height": (STAMP_FONT_SIZE + 4) * len(lines),
        "view": {"stroke": None},
    }
    result: dict[str, Any] = {
        "$schema": top.get("$schema", "https://vega.github.io/schema/vega-lite/v6.json"),
        "config": config,
        "vconcat": [spec, footer],
        # legends belong to the chart's own view, above the stamp, not to the composition
        "resolve": {
            "legend": {channel: "independent" for channel in _LEGEND_CHANNELS},
        },
        "spacing": 14,
        "padding": 12,
    }
    if "datasets" in top:
        result["datasets"] = top["datasets"]
    return result


def _wrap(parts: list[str], width: int) -> list[str]:
    # DejaVu Sans at 10 px is about 6 px per character: start a new line rather than run
    # past the right edge of the image
    limit = max(40, width // 6)
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 3 + len(part) <= limit:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def chart_png(
    chart: Any,
    stamp: Stamp,
    *,
    scale: float = PNG_SCALE,
    width: int = EXPORT_WIDTH,
    height: int | None = None,
) -> bytes:
    """The stamped chart as PNG at `scale` (2× by default, sharp on slides and in print)."""
    register_fonts()
    spec = export_spec(chart, stamp, width=width, height=height)
    return bytes(vl_convert.vegalite_to_png(spec, scale=scale, allowed_base_urls=_NO_URLS))


def chart_svg(
    chart: Any, stamp: Stamp, *, width: int = EXPORT_WIDTH, height: int | None = None
) -> str:
    """The stamped chart as SVG text (its labels and stamp stay text, searchable)."""
    register_fonts()
    spec = export_spec(chart, stamp, width=width, height=height)
    return str(vl_convert.vegalite_to_svg(spec, allowed_base_urls=_NO_URLS))


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of PNG bytes (from the IHDR header)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# -- file names --------------------------------------------------------------------------------


def slug(value: str, *, limit: int = 60) -> str:
    """An ASCII file-name part: transliterated, words joined by `-`, nothing else."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", transliterate(value)).strip("-")
    return text[:limit].rstrip("-") or "x"


def export_filename(account: str, chart: str, start: DateLike, end: DateLike, suffix: str) -> str:
    """`<account>_<chart>_<start>_<end>.<suffix>`, ASCII only.

    For example `AO-Alfa-Prom_trend_2026-04-01_2026-06-30.png`.
    """
    period = Period.of(start, end)
    return (
        f"{slug(account)}_{slug(chart)}_{period.start.isoformat()}_{period.end.isoformat()}"
        f".{suffix.lstrip('.')}"
    )
