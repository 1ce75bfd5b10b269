"""The shape of the codebase: a UI-free core and SQL written in one consistent style."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from kamdash.data.sqlfiles import LAYERS, load_objects, sql_root

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    """The layers (ui | cli -> tools -> report -> engine -> data -> errors), the UI-free core
    and no circles, as declared in pyproject.toml and checked by import-linter."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_core_runs_without_streamlit() -> None:
    """A script or the CLI answering figures and writing a deck never loads Streamlit."""
    script = (
        "import sys\n"
        "from kamdash import open_store\n"
        "import kamdash.cli, kamdash.tools.generate, kamdash.report.exports.qbr_file\n"
        f"store = open_store({str(ROOT / 'sample_data')!r})\n"
        "assert store.portfolio('2025-01-01', '2025-06-30')['revenue'] > 0\n"
        "print('streamlit' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_cli_call_compiles_no_module() -> None:
    """`make setup` leaves bytecode for every module a CLI call imports (the app's and its
    libraries'), so a call where PYTHONDONTWRITEBYTECODE is set, as in many containers, reads
    it instead of compiling each module from source at every start (0.75 s a call)."""
    script = (
        "import importlib.util, os, sys\n"
        "import kamdash.cli, kamdash.engine.store\n"
        "sources = [m.__file__ for m in list(sys.modules.values())\n"
        "           if (getattr(m, '__file__', None) or '').endswith('.py')]\n"
        "print(len(sources))\n"
        "for path in sources:\n"
        "    if not os.path.exists(importlib.util.cache_from_source(path)):\n"
        "        print(path)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    imported, *uncompiled = result.stdout.splitlines()
    assert int(imported) > 100  # polars, duckdb, pyarrow and the app's own modules
    assert not uncompiled, f"no bytecode (run make setup) for: {uncompiled[:10]}"


def test_every_python_module_has_a_docstring() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for folder in ("kamdash", "app_pages")
        for path in (ROOT / folder).rglob("*.py")
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def test_sql_files_follow_the_house_style() -> None:
    problems: list[str] = []
    for layer in LAYERS:
        for path in sorted((sql_root() / layer).glob("*.sql")):
            text = path.read_text(encoding="utf-8")
            name = f"{layer}/{path.name}"
            if not text.startswith("--"):
                problems.append(f"{name}: no header comment")
            if layer == "macros":
                continue
            if not re.search(r"^-- Grain: ", text, re.MULTILINE):
                problems.append(f"{name}: header does not state the grain")
            if not text.rstrip().endswith("select * from final"):
                problems.append(f"{name}: does not end with `select * from final`")
            code = "\n".join(line.split("--")[0] for line in text.splitlines())
            upper = re.findall(r"\b(SELECT|FROM|WHERE|GROUP BY|JOIN|WITH)\b", code)
            if upper:
                problems.append(f"{name}: uppercase keywords {sorted(set(upper))}")
            if layer == "staging" and re.search(r"\bjoin\b", code):
                problems.append(f"{name}: staging views must not join")
    assert problems == []


def test_every_layer_is_present_and_objects_are_named_by_file() -> None:
    objects = load_objects()
    layers = {obj.layer for obj in objects}
    assert layers == set(LAYERS)
    names = [obj.name for obj in objects]
    assert len(names) == len(set(names))
    staging = {obj.name for obj in objects if obj.layer == "staging"}
    assert staging == {
        "stg_accounts",
        "stg_managers",
        "stg_products",
        "stg_invoices",
        "stg_invoice_lines",
        "stg_payments",
        "stg_targets",
        "stg_contacts",
        "stg_activities",
        "stg_opportunities",
        "stg_closing_documents",
    }
