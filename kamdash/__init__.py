"""kamdash: key-account P&L from ERP/CRM Parquet exports.

The UI-free core: `open_store(data_dir)` returns a `Store` whose methods answer every figure
of the metric definitions as polars DataFrames or dicts.
"""

from kamdash.data.validation import ValidationReport, validate_folder
from kamdash.engine.store import Store, open_store
from kamdash.errors import DataValidationError, KamdashError, NotFoundError

__all__ = [
    "DataValidationError",
    "KamdashError",
    "NotFoundError",
    "Store",
    "ValidationReport",
    "open_store",
    "validate_folder",
]
__version__ = "0.1.0"
