"""Charts of the CRM side and the closing documents (contract v2): the activity timeline of
an account and unsigned closing documents by days unsigned. Same theme as
`kamdash.report.charts`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import polars as pl

from kamdash.engine.measures import Language
from kamdash.report.charts import _title, bucket_bars, configure, month_axis

UNSIGNED_BUCKETS = ("unsigned_0_5", "unsigned_6_30", "unsigned_31_90", "unsigned_91_plus")
_BUCKET_COLOURS = ["#9ca3af", "#f59e0b", "#ea580c", "#b91c1c"]


def activity_timeline(
    frame: pl.DataFrame,
    lang: Language,
    *,
    type_labels: Mapping[str, str],
    title: str,
    subtitle: str | None = None,
    count_title: str = "",
) -> Any:
    """Activities per month, stacked by type (`Store.activity_timeline`)."""
    data = frame.with_columns(
        pl.col("activity_type")
        .replace_strict(type_labels, default=pl.col("activity_type"))
        .alias("type")
    )
    order = [label for kind, label in type_labels.items() if kind in set(frame["activity_type"])]
    bars = (
        alt.Chart(data.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", axis=month_axis()),
            y=alt.Y("sum(activities):Q", title=count_title, axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("type:N", sort=order, title=None),
            order=alt.Order("type:N"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title=""),
                alt.Tooltip("type:N", title=""),
                alt.Tooltip("activities:Q", title=count_title),
            ],
        )
    )
    return configure(bars.properties(title=_title(title, subtitle), height=200), lang)


def unsigned_aging(
    row: Mapping[str, object], lang: Language, *, title: str, subtitle: str | None = None
) -> Any:
    """Unsigned closing documents' amount by days unsigned (0–5, 6–30, 31–90, 91+) at D."""
    return bucket_bars(
        row,
        UNSIGNED_BUCKETS,
        _BUCKET_COLOURS,
        lang,
        title=title,
        subtitle=subtitle,
        x_axis=alt.Undefined,
        height=180,
    )
