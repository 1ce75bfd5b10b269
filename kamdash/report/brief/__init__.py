"""The meeting brief for one account and period, built by fixed rules (no language model).

- `rules` — which facts a brief holds: what changed, what to raise, whitespace, the PVM
  headline and the talking points, with their thresholds; `build_brief` is here.
- `wording` — how they are said: every English and Russian sentence and its formatted figures.
- `results` — the `Brief` and the facts it is made of.
"""

from kamdash.report.brief.results import Brief, Comparison, Pvm, WhitespaceCategory
from kamdash.report.brief.rules import build_brief, peer_category_spend, previous_period

__all__ = [
    "Brief",
    "Comparison",
    "Pvm",
    "WhitespaceCategory",
    "build_brief",
    "peer_category_spend",
    "previous_period",
]
