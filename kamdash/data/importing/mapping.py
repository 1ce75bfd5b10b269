"""The import mapping: which source files fill which contract table, and how.

A mapping is a TOML file with one section per contract table. It names the files (globs
relative to the source folder), which source header fills which contract column, value maps
(`"Реализация товаров и услуг" = "invoice"`), constants, and the few derivations the contract
needs when a report lacks a column (due date from payment terms, line number by order).
Encoding, delimiter, decimal mark and date format are detected, and a section may state them.

Everything the mapping says is checked here, before any file is read: an unknown table, key,
column or derivation is refused with the list of what is allowed, never guessed.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamdash.data.contract import TABLES, TABLES_BY_NAME, Table
from kamdash.errors import KamdashError

# the derivations a mapping may ask for, by contract table and column: the text it writes
DUE_FROM_TERMS = "invoice_date + accounts.payment_terms_days"
LINE_BY_ORDER = "order within invoice_id"
DERIVATIONS: dict[tuple[str, str], str] = {
    ("invoices", "due_date"): DUE_FROM_TERMS,
    ("invoice_lines", "line_no"): LINE_BY_ORDER,
}
ENCODINGS = ("utf-8", "utf-8-sig", "cp1251")
DELIMITERS = (";", ",", "\t", "|")
DECIMAL_MARKS = (",", ".")
# what a report's totals row says in its first filled cell (compared trimmed, case-insensitive,
# without a trailing colon); a section may add its own with `totals_labels`
TOTALS_LABELS = ("итого", "итог", "всего", "total", "grand total", "totals")
TABLE_KEYS = (
    "files",
    "sheet",
    "encoding",
    "delimiter",
    "decimal",
    "date_format",
    "totals_labels",
    "columns",
    "values",
    "constants",
    "derive",
)


class MappingError(KamdashError):
    """The mapping file cannot be used as written; the message names the key and the fix."""


@dataclass(frozen=True)
class TableMapping:
    """How one contract table is filled. `columns` gives, per contract column, the source
    headers to look for (the first one a file has is used)."""

    table: str
    files: tuple[str, ...]
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    date_format: str | None = None
    totals_labels: tuple[str, ...] = TOTALS_LABELS
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    derive: dict[str, str] = field(default_factory=dict)

    @property
    def contract(self) -> Table:
        return TABLES_BY_NAME[self.table]

    def headers_for(self, column: str) -> tuple[str, ...]:
        """The source headers that fill `column`: the mapped ones, else its own name."""
        return self.columns.get(column, (column,))


@dataclass(frozen=True)
class Mapping:
    path: Path
    text: str  # the TOML as written, kept in the import manifest
    tables: dict[str, TableMapping]


def _where(table: str, key: str | None = None) -> str:
    return f"[{table}]" if key is None else f"[{table}] {key}"


def _text(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
        raise MappingError(f"mapping {where}: expected text, got {value!r}")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _texts(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise MappingError(f"mapping {where}: the list is empty")
    texts = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise MappingError(f"mapping {where}: expected text or a list of texts, got {item!r}")
        texts.append(item)
    return tuple(texts)


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    text = _text(value, where)
    normal = {"windows-1251": "cp1251", "utf8": "utf-8", "tab": "\t", "\\t": "\t"}.get(
        text.lower(), text.lower() if where.endswith("encoding") else text
    )
    if normal not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise MappingError(f"mapping {where}: {text!r} is not one of {shown}")
    return normal


def _contract_column(table: Table, column: str, where: str) -> None:
    if column not in table.column_names:
        names = ", ".join(table.column_names)
        raise MappingError(
            f"mapping {where}: {column!r} is not a column of {table.name} (its columns: {names})"
        )


def _section(name: str, raw: Any) -> TableMapping:
    if name not in TABLES_BY_NAME:
        tables = ", ".join(t.name for t in TABLES)
        raise MappingError(f"mapping: [{name}] is not a contract table (tables: {tables})")
    table = TABLES_BY_NAME[name]
    if not isinstance(raw, dict):
        raise MappingError(f"mapping: {name} must be a [{name}] section")
    unknown = sorted(set(raw) - set(TABLE_KEYS))
    if unknown:
        raise MappingError(
            f"mapping [{name}]: unknown key(s) {', '.join(unknown)} "
            f"(a table section may have: {', '.join(TABLE_KEYS)})"
        )
    if "files" not in raw:
        raise MappingError(f'mapping [{name}]: says no files (add files = "Report*.csv")')
    options: dict[str, Any] = {"files": _texts(raw["files"], _where(name, "files"))}
    if "sheet" in raw:
        options["sheet"] = _text(raw["sheet"], _where(name, "sheet"))
    if "encoding" in raw:
        options["encoding"] = _choice(raw["encoding"], ENCODINGS, _where(name, "encoding"))
    if "delimiter" in raw:
        options["delimiter"] = _choice(raw["delimiter"], DELIMITERS, _where(name, "delimiter"))
    if "decimal" in raw:
        options["decimal"] = _choice(raw["decimal"], DECIMAL_MARKS, _where(name, "decimal"))
    if "date_format" in raw:
        options["date_format"] = _text(raw["date_format"], _where(name, "date_format"))
    if "totals_labels" in raw:
        labels = _texts(raw["totals_labels"], _where(name, "totals_labels"))
        options["totals_labels"] = TOTALS_LABELS + tuple(_label(label) for label in labels)

    columns: dict[str, tuple[str, ...]] = {}
    for column, headers in _table(raw, "columns", name).items():
        _contract_column(table, column, _where(name, f"columns.{column}"))
        columns[column] = _texts(headers, _where(name, f"columns.{column}"))
    values: dict[str, dict[str, str]] = {}
    for column, pairs in _table(raw, "values", name).items():
        where = _where(name, f"values.{column}")
        _contract_column(table, column, where)
        if not isinstance(pairs, dict) or not pairs:
            raise MappingError(f'mapping {where}: expected a table of "source" = "contract" pairs')
        values[column] = {
            str(source): _text(target, f"{where}.{source}") for source, target in pairs.items()
        }
    constants: dict[str, str] = {}
    for column, value in _table(raw, "constants", name).items():
        where = _where(name, f"constants.{column}")
        _contract_column(table, column, where)
        constants[column] = _text(value, where)
    derive: dict[str, str] = {}
    for column, how in _table(raw, "derive", name).items():
        where = _where(name, f"derive.{column}")
        _contract_column(table, column, where)
        expected = DERIVATIONS.get((name, column))
        if expected is None:
            offered = "; ".join(f"{t}.{c} = {h!r}" for (t, c), h in DERIVATIONS.items())
            raise MappingError(f"mapping {where}: cannot be derived (derivations: {offered})")
        if _text(how, where).strip() != expected:
            raise MappingError(f"mapping {where}: write {column} = {expected!r}")
        derive[column] = expected
    for column in set(columns) & (set(constants) | set(derive)) | set(constants) & set(derive):
        raise MappingError(
            f"mapping [{name}]: {column} is given more than once (columns, constants, derive)"
        )
    for column in values:
        if column in constants or column in derive:
            raise MappingError(
                f"mapping [{name}] values.{column}: a value map applies to a column read from "
                "the files, not to a constant or a derived one"
            )
    return TableMapping(
        name, columns=columns, values=values, constants=constants, derive=derive, **options
    )


def _label(text: str) -> str:
    return text.strip().rstrip(":").strip().casefold()


def _table(raw: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise MappingError(f"mapping [{name}] {key}: expected a [{name}.{key}] table")
    return value


def load_mapping(path: Path) -> Mapping:
    """Read and check the mapping file; MappingError says what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"mapping file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(f"mapping file {path} cannot be read ({error})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"mapping file {path} is not valid TOML: {error}") from None
    tables = {name: _section(name, section) for name, section in raw.items()}
    if not tables:
        raise MappingError(f"mapping file {path} has no table sections (e.g. [invoices])")
    # contract order, so tables that others derive from (accounts, invoices) come first
    ordered = {t.name: tables[t.name] for t in TABLES if t.name in tables}
    return Mapping(path, text, ordered)


TEMPLATE = """\
# kamdash import mapping: which report files fill which table of the export contract.
#   kamdash import SOURCE_DIR --mapping mapping.toml --out DATA_DIR
#
# One section per contract table. In each:
#   files     = a glob (or a list of globs) relative to SOURCE_DIR; .csv or .xlsx by suffix
#   sheet     = the XLSX sheet to read (default: the first one)
#   encoding  = "utf-8" | "cp1251"     (detected when left out; a BOM means UTF-8)
#   delimiter = ";" | "," | "\\t" | "|" (detected from the header row when left out)
#   decimal   = "," | "."              (detected from the numbers when left out)
#   date_format = "%d/%m/%Y"          (only for a format other than 31.12.2025, with or
#                                      without a time, or 2025-12-31)
#   totals_labels = ["Итого по отчету"]  (first cell of a totals row, beyond Итого/Всего/Total)
# and the tables:
#   [<table>.columns]    contract column = "source header" (or a list: the first one found)
#                        a column left out is read from the header of the same name
#   [<table>.values.<column>]  "source value" = "contract value"; "Возврат*" matches by prefix;
#                        a value the map lacks is reported with its row, never passed through
#   [<table>.constants]  contract column = the same value on every row
#   [<table>.derive]     the derivations the contract needs when a report lacks a column
#
# The header row is found by its headers (a title block above it is skipped), a totals row
# and empty rows are skipped and reported, and every row is either written or reported with
# its file, row, header and reason. Money keeps its kopecks: "1 234 567,89" is read exactly.

[accounts]
files = "Контрагенты*.xlsx"
# sheet = "Лист1"
[accounts.columns]
account_id = "ИНН"
account_name = "Контрагент"
group_name = "Холдинг"               # optional: empty = the account is its own group
industry = "Отрасль"
region = "Регион"
kam_id = "Менеджер"                  # optional: empty = a house account
payment_terms_days = "Отсрочка, дней"
credit_limit = "Кредитный лимит"     # optional
# onboarded_on = "Дата начала работы"
# contract_end_on = "Срок действия договора"

[managers]
files = "Менеджеры*.csv"
[managers.columns]
kam_id = "Менеджер"
kam_name = "Менеджер"
email = "Email"

[products]
files = "Номенклатура*.csv"
[products.columns]
product_id = "Артикул"
product_name = "Номенклатура"
category = "Товарная категория"

[invoices]
files = "Реализации*.csv"
[invoices.columns]
invoice_id = "Документ"
account_id = "ИНН"
invoice_date = "Дата"
due_date = "Срок оплаты"
doc_type = "Вид документа"
amount_due = "Сумма"
[invoices.values.doc_type]
"Реализация товаров и услуг" = "invoice"
"Возврат товаров от клиента" = "credit_note"
# when the report has no due date:
# [invoices.derive]
# due_date = "invoice_date + accounts.payment_terms_days"

[invoice_lines]
files = "Продажи*.csv"
[invoice_lines.columns]
invoice_id = "Документ"
product_id = "Артикул"
quantity = "Количество"
net_amount = "Сумма без НДС"
cost_amount = "Себестоимость"
[invoice_lines.derive]
line_no = "order within invoice_id"

[payments]
files = "Оплаты*.xlsx"
[payments.columns]
payment_id = "Документ оплаты"
account_id = "ИНН"
invoice_id = "Документ расчетов"     # empty = unapplied cash on account
payment_date = "Дата"
amount = "Оплата"

# optional: the plan
# [targets]
# files = "План*.xlsx"
# [targets.columns]
# account_id = "ИНН"
# month = "Месяц"
# revenue_target = "План выручки"

# optional, from the CRM (contract v2): [contacts], [activities], [opportunities] and
# [closing_documents], each mapped the same way (see the contract for their columns)
"""
