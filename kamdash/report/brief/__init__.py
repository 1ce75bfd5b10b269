"""The meeting brief for one account and period: see `rules` for what it says."""

from kamdash.report.brief.rules import (
    Brief,
    Comparison,
    Pvm,
    WhitespaceCategory,
    build_brief,
    peer_category_spend,
    previous_period,
)

__all__ = [
    "Brief",
    "Comparison",
    "Pvm",
    "WhitespaceCategory",
    "build_brief",
    "peer_category_spend",
    "previous_period",
]
