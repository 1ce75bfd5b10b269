"""Arrow and Parquet for the generator: contract schemas, exact money, ids, the year writer.

Tables are written in the contract's column order and types; money is int64 kopecks turned
into decimal(18,2) without rounding; the partitioned tables stream into one file per year.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kamdash.data.contract import ColumnKind, Table
from kamdash.tools.generate.context import IntArray

# Kopecks are exact in decimal(18,2); the loader widens to the contract's decimal(18,4).
MONEY_TYPE = pa.decimal128(18, 2)
ROW_GROUP_ROWS = 500_000
PARQUET_COMPRESSION = "zstd"


def _arrow_type(kind: ColumnKind) -> pa.DataType:
    return {
        "string": pa.string(),
        "integer": pa.int32(),
        "number": pa.float64(),
        "money": MONEY_TYPE,
        "date": pa.date32(),
        "boolean": pa.bool_(),
    }[kind]


def contract_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, _arrow_type(c.kind)) for c in table.columns])


def arrow_table(table: Table, columns: dict[str, Any]) -> pa.Table:
    """Columns by contract name → Arrow table in contract order (a missing column fails loudly)."""
    schema = contract_schema(table)
    return pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)


def money(kopecks: IntArray) -> pa.Array:
    """int64 kopecks → decimal128(18,2), exact: the kopecks are the decimal's unscaled value."""
    if sys.byteorder != "little":  # decimal128 buffers are little-endian 128-bit words
        return pa.array([Decimal(int(k)).scaleb(-2) for k in kopecks], type=MONEY_TYPE)
    low = np.ascontiguousarray(kopecks, dtype=np.int64)
    words = np.empty(2 * len(low), dtype=np.int64)
    words[0::2] = low
    words[1::2] = low >> 63  # sign extension of the high word
    return pa.Array.from_buffers(MONEY_TYPE, len(low), [None, pa.py_buffer(words)])


def optional_money(kopecks: list[int | None]) -> pa.Array:
    return pa.array(
        [None if k is None else Decimal(k).scaleb(-2) for k in kopecks], type=MONEY_TYPE
    )


def numbered_ids(prefix: str, first: int, count: int, width: int) -> pa.Array:
    numbers = pa.array(np.arange(first, first + count, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


class YearPartitionedWriter:
    """`<folder>/year=YYYY/part-0.parquet`, years written in ascending order, one open file."""

    def __init__(self, folder: Path, table: Table) -> None:
        self._folder = folder
        self._schema = contract_schema(table)
        self._writer: pq.ParquetWriter | None = None
        self._year: int | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self.rows_written = 0

    def write(self, year: int, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._year != year:
            if self._year is not None and year < self._year:
                raise ValueError(f"years must ascend: {year} after {self._year}")
            self._close_year()
            self._year = year
        self._pending.append(table)
        self._pending_rows += table.num_rows
        # Whole row groups only, so monthly slices add up to full ~500k-row groups.
        if self._pending_rows >= ROW_GROUP_ROWS:
            combined = pa.concat_tables(self._pending)
            full = (combined.num_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
            self._write_rows(combined.slice(0, full))
            rest = combined.slice(full)
            self._pending = [rest] if rest.num_rows else []
            self._pending_rows = rest.num_rows

    def close(self, *, empty_year: int) -> None:
        self._close_year()
        if self.rows_written == 0:
            # A required table must exist even when it has no rows.
            self._year = empty_year
            self._open().close()
            self._writer = None

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            path = self._folder / f"year={self._year}" / "part-0.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(path, self._schema, compression=PARQUET_COMPRESSION)
        return self._writer

    def _write_rows(self, table: pa.Table) -> None:
        self._open().write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.rows_written += table.num_rows

    def _close_year(self) -> None:
        if self._pending_rows:
            self._write_rows(pa.concat_tables(self._pending))
        self._pending = []
        self._pending_rows = 0
        if self._writer is not None:
            self._writer.close()
            self._writer = None
