"""Exceptions the core raises with a message meant for people, not a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kamdash.data.validation import ValidationReport


class KamdashError(Exception):
    """A problem a user can act on; its message is shown as is by the CLI and the app."""


class DataValidationError(KamdashError):
    """The data folder has errors that make its figures unreliable; carries the full report."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(report.to_text())


class NotFoundError(KamdashError):
    """An account or other entity asked for by id is not in the data (or not in scope)."""
