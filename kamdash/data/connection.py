"""The DuckDB connection kamdash reads an export through, and the SQL tree built on it.

Both sides of the engine need these: validation reads the raw files through `bind_sources` and
builds the staging views to check them; the store builds every layer once per data version.
They live here, below both, so neither imports the other.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from kamdash.data.contract import TABLES
from kamdash.data.sources import DataSources
from kamdash.data.sqlfiles import load_objects

# what a long validation and build tells as it goes: (steps done, steps in all, the step now
# under way, a stage of validation or the name of the table being built); called on the
# thread that builds
Progress = Callable[[int, int, str], None]

# DuckDB's own default is 80% of RAM; a bound keeps a 50M-line build (which spills to disk
# beyond it) and a busy server predictable. KAMDASH_MEMORY_LIMIT overrides it.
DEFAULT_MEMORY_LIMIT = "2.5GB"


def effective_memory_limit(given: str | None) -> str:
    """The DuckDB memory limit: the one given, else KAMDASH_MEMORY_LIMIT, else the default."""
    return given or os.environ.get("KAMDASH_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def connect(
    memory_limit: str | None = None,
    threads: int | None = None,
    *,
    database: Path | None = None,
    read_only: bool = False,
    readable: Sequence[Path] = (),
) -> duckdb.DuckDBPyConnection:
    """A sandboxed DuckDB connection: it can read files only under `readable` (the data
    folder), never reaches the network, loads or installs no extension, and its settings are
    locked so no later statement can lift that."""
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        # this rewrite pre-aggregates invoice lines per (invoice, product) below their join
        # to documents, which barely reduces them and holds tens of millions of groups: at
        # 50M lines the sales build ran out of memory under a 3 GB limit because of it
        "disabled_optimizers": "partial_aggregate_pushdown",
    }
    config["memory_limit"] = effective_memory_limit(memory_limit)
    if threads:
        config["threads"] = threads
    con = duckdb.connect(
        str(database) if database else ":memory:", read_only=read_only, config=config
    )
    if con.sql("select current_setting('lock_configuration')").fetchall()[0][0]:
        # DuckDB shares one instance per database file within a process: a second
        # connection to a cached store finds it already sandboxed and locked
        return con
    # a library must not draw progress bars on the user's terminal
    con.sql("set enable_progress_bar = false")
    spill = Path(tempfile.gettempdir()) / f"kamdash-spill-{os.getpid()}"
    con.sql("set temp_directory = $1", params=[str(spill)])
    allowed = [str(path.resolve()) + os.sep for path in (*readable, spill)]
    con.sql("set allowed_directories = $1", params=[allowed])
    con.sql("set enable_external_access = false")
    con.sql("set lock_configuration = true")
    return con


def file_variable(table: str) -> str:
    return f"kamdash_files_{table}"


def bind_sources(con: duckdb.DuckDBPyConnection, sources: DataSources) -> None:
    """Bind each table's file list to the variable its raw view reads (per connection)."""
    for table in TABLES:
        files = [str(path) for path in sources.files(table.name)]
        con.sql(f"set variable {file_variable(table.name)} = $1", params=[files])


def build(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    step: Callable[[str], None] | None = None,
) -> None:
    """Create every SQL object; materialized ones are computed now, once per data version.
    `step` hears the name of each table before it is computed (the views and macros are
    instant)."""
    for obj in load_objects():
        if step is not None and obj.kind == "table":
            step(obj.name)
        con.sql(obj.create_statement())


def tables_built() -> int:
    """How many tables `build` computes: the steps it reports."""
    return sum(1 for obj in load_objects() if obj.kind == "table")
