"""From text cells to contract values: the SQL that converts one source file.

Each contract column the file fills is converted from its text with the file's conventions:
value maps first (a value the map lacks is a rejection, never passed through), then by kind —
money `1 234 567,89` to DECIMAL (whitespace and no-break spaces as thousands separators, the
detected decimal mark; more than four decimals is a rejection, not a rounding), integers that
must be whole, dates `31.12.2025` with or without a time (or ISO). Constants and the
derivations the contract needs (due date = document date + the account's payment terms; line
number by order within a document) come next.

Every row ends in one partition: its year (or `ok`) when it is written, `rejected` when a value
cannot be converted or a required value is empty, `totals` for a report's totals row, `empty`
for a row with no value at all. The same expressions, run again with row numbers, explain the
rejected rows (`rejection_sql`). Source columns are named `c0`, `c1`, … and contract columns
come from the contract, so no identifier in this SQL is ever user text; values are bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kamdash.data.contract import SQL_TYPES, Column, ColumnKind
from kamdash.data.importing.mapping import DUE_FROM_TERMS, LINE_BY_ORDER, TableMapping
from kamdash.data.importing.readers import DATE_FORMATS, Source

# the spaces that group thousands: space, no-break, narrow no-break and thin spaces
SPACES = " \u00a0\u202f\u2009"
# what a number must look like once its thousands separators are gone and its mark is `.`
NUMBER_PATTERNS = {
    "money": "[+-]?[0-9]{1,14}([.][0-9]{0,4})?|[+-]?[.][0-9]{1,4}",
    "integer": "[+-]?[0-9]{1,18}([.]0*)?",
    "number": "[+-]?[0-9]{1,15}([.][0-9]*)?|[+-]?[.][0-9]+",
}
# the usual forms (digits grouped by no-break spaces, as 1C writes them, and the decimal mark
# `D`): each, once its no-break spaces are gone and its mark is `.`, is a string the chain of
# replace() in _number_text leaves as it is and NUMBER_PATTERNS accepts (at most 12, 15 and
# 18 digits), so it skips both; every other text takes the full path
FAST_PATTERNS = {
    "money": "[+-]?[0-9]{1,3}(\u00a0?[0-9]{3}){0,3}(D[0-9]{0,4})?",
    "integer": "[+-]?[0-9]{1,3}(\u00a0?[0-9]{3}){0,5}",
    "number": "[+-]?[0-9]{1,3}(\u00a0?[0-9]{3}){0,4}(D[0-9]*)?",
}
BOOLEAN_TEXTS = {
    True: ("да", "true", "истина", "1", "yes"),
    False: ("нет", "false", "ложь", "0", "no"),
}
# tables written as Hive folders by year, and the column that gives the year
YEAR_COLUMNS = {"invoices": "invoice_date", "payments": "payment_date"}
REASONS = {
    "map": "is not in the value map",
    "money": "is not an amount (at most 4 decimals)",
    "integer": "is not a whole number",
    "number": "is not a number",
    "boolean": "is not да/нет, true/false or 1/0",
    "date": "is not a date (31.12.2025, 31.12.2025 0:00:00 or 2025-12-31)",
    "empty": "is empty, and the contract requires a value",
    "terms": "has no payment terms: the account is not among the imported accounts",
}


@dataclass(frozen=True)
class Staged:
    """Tables this import has written already, that derivations read."""

    accounts: tuple[str, ...] = ()  # Parquet files with account_id, payment_terms_days
    invoices: tuple[str, ...] = ()  # Parquet files with invoice_id, invoice_date


@dataclass
class Plan:
    """The conversion of one file: `sql` yields the output columns and `_part`."""

    sql: str
    params: dict[str, Any]
    columns: tuple[str, ...]  # contract columns written, in contract order
    money: tuple[str, ...]  # of those, the money columns (for conservation)
    read: dict[str, str] = field(default_factory=dict)  # contract column -> source header
    # when set, `stage` runs first and writes the checked rows, in file order, to the Parquet
    # file bound as `$import_stage`, which `sql` then reads and numbers (see `build`)
    stage: str | None = None


def bound(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters `sql` refers to (DuckDB refuses a named parameter a statement lacks)."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}


class _Params:
    def __init__(self, initial: dict[str, Any]) -> None:
        self.values = dict(initial)

    def bind(self, value: Any, hint: str) -> str:
        name = f"p{len(self.values)}_{hint}"
        self.values[name] = value
        return f"${name}"


def _number_text(expression: str, decimal: str) -> str:
    """The number's text without thousands separators, with `.` as its decimal mark."""
    cleaned = expression
    for space in SPACES:  # replace() is several times cheaper than one regexp_replace
        cleaned = f"replace({cleaned}, '{space}', '')"
    cleaned = f"replace({cleaned}, '\u2212', '-')"  # a typographic minus
    if decimal == ",":
        cleaned = f"replace({cleaned}, ',', '.')"
    return cleaned


def typed(
    kind: ColumnKind, text: str, decimal: str, date_formats: list[str], params: _Params
) -> str:
    """The SQL converting `text` (a varchar expression, null when empty) to `kind`; null when
    it does not convert exactly. DuckDB's casts alone would round `12.34567` to four decimals
    and accept `1e5` or `1_000`: each number must first match its exact pattern."""
    if kind == "string":
        return text
    if kind == "date":
        formats = params.bind(date_formats, "dates")
        return f"try_strptime({text}, {formats})::date"
    if kind == "boolean":  # what 1C and Excel write for a yes/no column
        truthy = params.bind(list(BOOLEAN_TEXTS[True]), "yes")
        falsy = params.bind(list(BOOLEAN_TEXTS[False]), "no")
        return (
            f"case when list_contains({truthy}, lower({text})) then true "
            f"when list_contains({falsy}, lower({text})) then false end"
        )
    number = _number_text(text, decimal)
    pattern, sql_type = NUMBER_PATTERNS[kind], SQL_TYPES[kind]
    fast = FAST_PATTERNS[kind].replace("D", "[,]" if decimal == "," else "[.]")
    plain = f"replace({text}, '\u00a0', '')"
    if decimal == ",":
        plain = f"replace({plain}, ',', '.')"

    def cast(number: str) -> str:
        if kind == "integer":  # `30,00` days is 30; the cast of a whole decimal is exact
            return f"try_cast(try_cast({number} as decimal(18,0)) as {sql_type})"
        return f"try_cast({number} as {sql_type})"

    # the fast branch is the full one's result for the texts it takes (see FAST_PATTERNS),
    # at a third of its cost: the chain of replace() is most of a conversion's time
    return (
        f"case when regexp_full_match({text}, '{fast}') then {cast(plain)} "
        f"when regexp_full_match({number}, '{pattern}') then {cast(number)} end"
    )


def _value_map(text: str, pairs: dict[str, str], params: _Params) -> tuple[str, str]:
    """(mapped text, condition that the value is in the map)."""
    whens: list[str] = []
    known: list[str] = []
    exact = {k: v for k, v in pairs.items() if not k.endswith("*")}
    prefixes = sorted(
        ((k[:-1], v) for k, v in pairs.items() if k.endswith("*")), key=lambda p: -len(p[0])
    )
    for source, target in exact.items():
        key = params.bind(source, "from")
        whens.append(f"when {text} = {key} then nullif({params.bind(target, 'to')}, '')")
        known.append(f"{text} = {key}")
    for prefix, target in prefixes:
        key = params.bind(prefix, "prefix")
        whens.append(
            f"when starts_with({text}, {key}) then nullif({params.bind(target, 'to')}, '')"
        )
        known.append(f"starts_with({text}, {key})")
    mapped = f"case {' '.join(whens)} end"
    return mapped, f"({' or '.join(known)})"


def _required(column: Column) -> bool:
    return column.required and column.not_null


def build(source: Source, mapping: TableMapping, staged: Staged, *, numbered: bool) -> Plan:
    """The conversion of `source`. With `numbered`, rows also carry `_rec`, their 1-based
    record number (CSV) or Excel row number (XLSX), and per column the reason it failed."""
    params = _Params(source.params)
    table = mapping.contract
    formats = [mapping.date_format] if mapping.date_format else list(source.date_formats)
    decimal = source.decimal
    record = "_row" if source.kind == "xlsx" else "row_number() over ()"
    needs_order = numbered or LINE_BY_ORDER in mapping.derive.values()
    width = len(source.headers)

    texts: list[str] = []  # per contract column read from the file: text, value, bad, why
    values: list[str] = []
    checks: list[str] = []
    whys: list[str] = []
    read: dict[str, str] = {}
    for column in table.columns:
        name = column.name
        if name in mapping.constants or name in mapping.derive:
            continue
        if name not in source.positions:
            continue  # an optional column the file does not have
        position = source.positions[name]
        read[name] = source.headers[position]
        text = f"nullif(trim(c{position}), '')"
        texts.append(f'{text} as "t_{name}"')
        t = f'"t_{name}"'
        failures: list[tuple[str, str]] = []
        if name in mapping.values:
            mapped, known = _value_map(t, mapping.values[name], params)
            failures.append((f"({t} is not null and not {known})", "map"))
            t = mapped
        value = typed(column.kind, t, decimal, formats, params)
        values.append(f'{value} as "{name}"')
        failures.append((f'({t} is not null and "{name}" is null)', column.kind))
        if _required(column):
            failures.append((f'"{name}" is null', "empty"))
        checks.append(" or ".join(f"coalesce({c}, false)" for c, _ in failures))
        why = " ".join(f"when coalesce({c}, false) then '{code}'" for c, code in failures)
        whys.append(f'case {why} end as "why_{name}"')

    for name, constant in mapping.constants.items():
        column = table.column(name)
        text = params.bind(constant, "constant")
        values.append(f'{typed(column.kind, text, decimal, formats, params)} as "{name}"')

    raw = [f"c{i}" for i in range(width)]
    # a row is empty when the cells the import reads (and the first ones, where a totals
    # label stands) are: looking at every column would make DuckDB materialize them all
    first_cell = f"coalesce({', '.join(raw[:4])})"
    read_texts = [f"nullif(trim(c{p}), '')" for p in sorted(set(source.positions.values()))]
    empty = f"coalesce({', '.join([*read_texts, first_cell])}) is null"
    labels = params.bind(list(mapping.totals_labels), "totals")
    # lower() is costly on millions of Cyrillic cells: only short ones can be a label
    longest = max(len(label.encode()) for label in mapping.totals_labels) + 8
    short = f"strlen({first_cell}) <= {longest}"
    if not any(character in "0123456789" for label in mapping.totals_labels for character in label):
        # neither trim() nor lower() removes a digit, so a cell with one cannot be a label
        # that has none: a cheap test that spares lower() the document numbers
        short = f"{short} and not regexp_matches({first_cell}, '[0-9]')"
    totals = (
        f"case when {short} "
        f"then list_contains({labels}, rtrim(lower(trim({first_cell})), ':')) else false end"
    )

    # Line numbers need the file's order. Numbering the CSV's records as they are read
    # (`row_number() over ()`, a streaming window) makes DuckDB run the scan and the whole
    # conversion on one thread; instead the conversion runs on every core into a Parquet file
    # written in file order (DuckDB keeps insertion order), and the numbering reads that
    # file's `file_row_number`. An XLSX relation carries its row numbers already.
    # (a join, as for the due date, need not keep the order: such a table is numbered as read)
    staged_order = (
        needs_order and not numbered and source.kind == "csv" and "due_date" not in mapping.derive
    )
    rec = record if needs_order and not staged_order else "null"
    ctes = [
        f"numbered as (select {rec} as _rec, * from {source.relation})",
        f"texts as (select _rec, {', '.join(['*', *texts][1:]) or 'null as none'}, "
        f"{empty} as _empty, coalesce({totals}, false) as _totals"
        + (f", {', '.join(raw)}" if numbered else "")
        + " from numbered)",
        f"converted as (select *, {', '.join(values) if values else 'null as none'} from texts)",
    ]
    derived_checks: list[str] = []
    derived_whys: list[str] = []
    last = "converted"
    if "due_date" in mapping.derive:
        accounts = params.bind(list(staged.accounts), "accounts")
        ctes.append(
            "terms as (select account_id::varchar as account_id, "
            "max(payment_terms_days)::integer as terms "
            f"from read_parquet({accounts}) group by all)"
        )
        ctes.append(
            f"with_due as (select {last}.*, invoice_date + terms.terms as due_date "
            f"from {last} left join terms using (account_id))"
        )
        last = "with_due"
        failed = "(account_id is not null and invoice_date is not null and due_date is null)"
        derived_checks.append(f"coalesce({failed}, false)")
        derived_whys.append(
            f"case when coalesce({failed}, false) then 'terms' end as \"why_due_date\""
        )
    status_checks = checks + derived_checks
    bad = " or ".join(f"({c})" for c in status_checks) or "false"
    # whether a row is rejected is settled here, so that what follows (the line numbers'
    # window sorts every column it is given) carries only the columns written, not the texts
    present = set(read) | set(mapping.constants) | set(mapping.derive)
    columns = tuple(c.name for c in table.columns if c.name in present)
    if numbered:
        kept = "*"
    else:
        later = {"line_no"} & set(mapping.derive)  # numbered below, after this step
        kept = ", ".join(
            ["_rec", "_empty", "_totals", *(f'"{name}"' for name in columns if name not in later)]
        )
    ctes.append(f"checked as (select {kept}, {bad} as _bad from {last})")
    last = "checked"
    stage = None
    if staged_order:
        stage = f"with {', '.join(ctes)} select * exclude (_rec) from checked"
        ctes = [
            "checked as (select file_row_number as _rec, * exclude (file_row_number) "
            "from read_parquet($import_stage, file_row_number = true))"
        ]
    if "line_no" in mapping.derive:
        ctes.append(
            f"with_line as (select *, row_number() over (partition by invoice_id order by _rec) "
            f"as line_no from {last})"
        )
        last = "with_line"
    if mapping.table in YEAR_COLUMNS:
        ok_part = f"coalesce(year({YEAR_COLUMNS[mapping.table]})::varchar, 'unknown')"
    elif mapping.table == "invoice_lines" and staged.invoices:
        invoices = params.bind(list(staged.invoices), "invoices")
        ctes.append(
            "invoice_years as (select invoice_id::varchar as invoice_id, "
            f"min(year(invoice_date))::varchar as invoice_year from read_parquet({invoices}) "
            "group by all)"
        )
        ctes.append(
            f"with_year as (select {last}.*, invoice_years.invoice_year from {last} "
            "left join invoice_years using (invoice_id))"
        )
        last = "with_year"
        ok_part = "coalesce(invoice_year, 'unknown')"
    else:
        ok_part = "'ok'"
    part = (
        f"case when _empty then 'empty' when _totals then 'totals' "
        f"when _bad then 'rejected' else {ok_part} end"
    )
    ctes.append(f"final as (select *, {part} as _part from {last})")
    money = tuple(c for c in columns if table.column(c).kind == "money")
    if numbered:
        select = ", ".join(
            [
                "_rec",
                "_part",
                *(f'"{name}"' for name in columns),
                *whys,
                *derived_whys,
                *raw,
            ]
        )
    else:
        select = ", ".join(
            [
                *(
                    f'"{name}"::{SQL_TYPES[table.column(name).kind]} as "{name}"'
                    for name in columns
                ),
                "_part",
            ]
        )
    sql = f"with {', '.join(ctes)} select {select} from final"
    return Plan(sql, params.values, columns, money, read, stage)


def reason_text(code: str) -> str:
    return REASONS.get(code, code)


__all__ = [
    "DATE_FORMATS",
    "DUE_FROM_TERMS",
    "Plan",
    "Staged",
    "bound",
    "build",
    "reason_text",
    "typed",
]
