"""Validation of an export against the contract, and the conservation of money.

Three stages, each only when the previous one leaves the data readable:
1. schema, per file: table present (and in one place), footer readable, required columns
   present once and readable by name, types allowed;
2. values, on the raw rows: every row readable, required values present, numbers finite and
   in range; Hive partition folders that contradict the file's values;
3. rules, on the typed staging views: keys unique, references resolve, signs, dates, doc_type.
Then the SQL layers are built and a conservation line per money column proves that what was
loaded equals what the metrics use plus what the findings exclude.

A 50M-line export makes every pass over a table cost seconds, so the rules of stages 2 and 3
that read a table's rows are counted in one pass per table (with conservation's sums); only a
rule that finds broken rows then runs its own query, for its examples, files and money.

Whatever the files hold, validation ends in a report, never in an exception: a file DuckDB
cannot read through is named as unreadable, and a rule that cannot be evaluated is an error.

Every finding names the table, column, rule, file(s), row count and up to five example keys;
a reference finding also names the values that resolve to nothing (up to five, each with its
row count): what a person must add to the referenced table or correct. Errors mean the data
cannot be shown, warnings mean it can.

Where each part lives, in the order a report is made:
- `schema`: stage 1, the files (tables present, footers, columns, types) and the raw views;
- `rules`: the declarative rule table, what is checked on each contract table's rows;
- `passes`: running the rules of stages 2 and 3, one pass per table, and each finding;
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
