"""Synthetic export generator (`kamdash generate`): see `portfolio` for what it makes."""

from kamdash.tools.generate.portfolio import INDUSTRIES, GenerateSummary, generate_export

__all__ = ["INDUSTRIES", "GenerateSummary", "generate_export"]
