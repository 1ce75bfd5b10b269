"""The shape of the codebase: a UI-free core and SQL written in one consistent style."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kamdash.data.sqlfiles import LAYERS, load_objects, sql_root

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "kamdash").rglob("*.py")
        if "ui" not in path.relative_to(ROOT / "kamdash").parts[:1]
        and {"streamlit"} & _imports(path)
    ]
    assert offenders == []


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
