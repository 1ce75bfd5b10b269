"""Validation of an export against the contract, and the conservation of money.

The package, in the order a report is made:
- `schema`: stage 1, the files (tables present, footers, columns, types) and the raw views;
- `rules`: the declarative rule table, what is checked on each contract table's rows;
- `passes`: running the rules, one pass per table, and each broken rule's finding;
- `partitions`: Hive partition folders that contradict the files' values;
- `conservation`: every rouble loaded is in a metric or excluded by a finding;
- `report`: the findings and the report, as text and JSON;
- `validate`: the driver, `validate_connection` and `validate_folder`.
"""

from kamdash.data.validation.report import (
    ConservationLine,
    Finding,
    Severity,
    TableSummary,
    ValidationReport,
)
from kamdash.data.validation.rules import RowRule
from kamdash.data.validation.validate import validate_connection, validate_folder

__all__ = [
    "ConservationLine",
    "Finding",
    "RowRule",
    "Severity",
    "TableSummary",
    "ValidationReport",
    "validate_connection",
    "validate_folder",
]
