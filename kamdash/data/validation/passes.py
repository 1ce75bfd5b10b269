"""Running the rules: one pass per relation counts the broken rows of every rule that reads
its rows (and takes conservation's sums); only a rule with broken rows, or one reading a
relation of its own, runs its own query, for its count, example keys, files and excluded
money. A pass that fails leaves its rules to run one by one, which names what fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from kamdash.data.contract import TABLES_BY_NAME, Column
from kamdash.data.sources import DataSources
from kamdash.data.validation import rules as rule_table
from kamdash.data.validation.report import MAX_EXAMPLES, Finding, _clip, _relative, _short
from kamdash.data.validation.rules import RowRule, _key_expression
from kamdash.data.validation.schema import SchemaScan, _unreadable_files, _unreadable_table


def _first_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    rows = con.sql(sql).fetchall()
    return rows[0] if rows else None


def _relation(rule: RowRule) -> str:
    return rule.relation or f"stg_{rule.table}"


def _shares_pass(rule: RowRule) -> bool:
    """A rule on the rows of its own table (staging or raw view) is counted in that table's one
    pass; key.unique's grouped semi join and table.empty read a relation of their own."""
    return _relation(rule) in (f"stg_{rule.table}", f"raw_{rule.table}")


def _count_pass(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    conditions: Sequence[str],
    money: Sequence[tuple[str, Sequence[str]]] = (),
) -> tuple[list[int], list[Any]]:
    """One pass over `relation`: how many rows match each of `conditions` and, for each
    (money column, conditions that exclude a row) of `money`, the column's sum over all rows
    and over the excluded ones (what conservation needs).

    Each distinct condition is computed once per row, as a flag: a condition with a subquery
    is one join however many counts and sums read it. Without money the outer `where` lets
    DuckDB drop what the files' statistics rule out (`x is null` in files without nulls)
    before reading, and read nothing when it rules out every condition (on the 50M-line
    export it halves the raw invoice_lines pass)."""
    flags: dict[str, str] = {}
    for condition in [*conditions, *(c for _, excluded_when in money for c in excluded_when)]:
        flags.setdefault(condition, f"broken_{len(flags)}")
    selects = [f"count(*) filter (where {flags[c]})" for c in conditions]
    for column, excluded_when in money:
        excluded = " or ".join(flags[c] for c in excluded_when) or "false"
        selects += [f'sum("{column}")', f'sum("{column}") filter (where {excluded})']
    columns = [f'"{column}"' for column in dict.fromkeys(column for column, _ in money)]
    columns += [f"({condition}) as {flag}" for condition, flag in flags.items()]
    where = "" if money else "where " + " or ".join(flags.values())
    row = _first_row(
        con,
        f"select {', '.join(selects)} from (select {', '.join(columns)} from {relation}) {where}",
    )
    if row is None:  # an ungrouped aggregate always returns its one row
        raise duckdb.InvalidInputException(f"the pass over {relation} returned no row")
    return [int(count) for count in row[: len(conditions)]], list(row[len(conditions) :])


@dataclass
class _Passes:
    """What one pass per relation found, for the rules that share one."""

    counts: dict[int, int] = field(default_factory=dict)  # rule's index → rows that break it
    money: dict[str, list[Any]] = field(default_factory=dict)  # relation → `_count_pass` sums


def _run_passes(
    con: duckdb.DuckDBPyConnection,
    rules: Sequence[RowRule],
    money: Mapping[str, Sequence[tuple[str, Sequence[str]]]] | None = None,
) -> _Passes:
    """Count the broken rows of every rule that shares a pass, one query per relation; a rule
    whose `clean_when` holds, sharing a pass or reading a relation of its own, counts none.

    A pass that fails (an unreadable file, a rule that cannot be evaluated) leaves its rules
    uncounted: each then runs on its own, as before, which says which rule or file fails."""
    passes = _Passes()
    members: dict[str, list[int]] = {}
    clean: set[str] = set()  # conditions no row can meet: neither counted nor summed
    for index, rule in enumerate(rules):
        if rule.clean_when and _holds(con, rule.clean_when):
            passes.counts[index] = 0
            if _shares_pass(rule):
                clean.add(rule.condition)
        elif _shares_pass(rule):
            members.setdefault(_relation(rule), []).append(index)
    for relation, indexes in members.items():
        sums = [
            (column, [c for c in excluded_when if c not in clean])
            for column, excluded_when in (money or {}).get(relation, ())
        ]
        try:
            counts, totals = _count_pass(con, relation, [rules[i].condition for i in indexes], sums)
        except duckdb.Error:
            continue
        passes.counts.update(zip(indexes, counts, strict=True))
        if sums:
            passes.money[relation] = totals
    return passes


def _holds(con: duckdb.DuckDBPyConnection, condition: str) -> bool:
    """Whether a scalar condition is true; one that cannot be evaluated is not."""
    try:
        row = _first_row(con, f"select ({condition})")
    except duckdb.Error:
        return False
    return bool(row and row[0])


def _run_rule(
    con: duckdb.DuckDBPyConnection, rule: RowRule, sources: DataSources
) -> Finding | None:
    table = TABLES_BY_NAME[rule.table]
    relation = _relation(rule)
    if rule.rule == "table.empty":
        hit = _first_row(con, f"select count(*) from {relation}")
        if hit and hit[0]:
            return Finding(
                rule.severity,
                rule.table,
                rule.column,
                rule.rule,
                rule.message,
                0,
                files=(sources.tables[rule.table].location,),
            )
        return None
    # staging views drop the source file; rules on them find it again through raw_<table>
    source_file = "source_file" if relation.startswith("raw_") else "null::varchar"
    money = [f'sum("{c}")' for c in rule.excluded_money]
    # a reference rule also names the values that resolve to nothing, the most frequent first:
    # the keys say which rows to look at, these what to add to the other table or correct
    reference = rule.rule.startswith("reference.") and rule.column is not None
    value_select = (
        f", coalesce(\"{rule.column}\"::varchar, 'NULL') as unresolved_value" if reference else ""
    )
    unresolved = (
        f"""(select list({{'value': unresolved_value, 'rows': value_rows}}
                    order by value_rows desc, unresolved_value) from (
                select unresolved_value, count(*) as value_rows from broken group by all
                order by value_rows desc, unresolved_value limit {MAX_EXAMPLES}
            )),
            (select count(distinct unresolved_value) from broken)"""
        if reference
        else "null, 0"
    )
    sql = f"""
        with broken as (
            select {_key_expression(table)} as example_key, {source_file} as source_file
                {value_select}{"".join(', "' + c + '"' for c in rule.excluded_money)}
            from {relation} where {rule.condition}
        )
        select
            count(*),
            (select list(example_key order by example_key) from (
                select distinct example_key from broken order by example_key limit {MAX_EXAMPLES}
            )),
            (select list(distinct source_file) filter (where source_file is not null) from broken),
            {unresolved}
            {"".join(", " + m for m in money)}
        from broken
    """
    row = _first_row(con, sql)
    if not row or not row[0]:
        return None
    examples = tuple(repr(_clip(k)) for k in (row[1] or []))
    files = tuple(sorted(_relative(Path(f), sources.data_dir) for f in (row[2] or [])))[:3]
    if not files:
        files = (sources.tables[rule.table].location,)
    excluded = {
        column: float(value or 0)
        for column, value in zip(rule.excluded_money, row[5:], strict=True)
    }
    return Finding(
        rule.severity,
        rule.table,
        rule.column,
        rule.rule,
        rule.message,
        int(row[0]),
        examples,
        files,
        excluded,
        tuple((_clip(u["value"]), int(u["rows"])) for u in (row[3] or [])),
        int(row[4] or 0),
    )


def _run_value_rules(
    con: duckdb.DuckDBPyConnection, sources: DataSources, scan: SchemaScan
) -> list[Finding]:
    """Stage 2 on the raw rows; a table whose files fail to read gets that finding instead.

    One pass per raw view counts every value rule (see `_count_pass`); a table whose pass
    fails is checked rule by rule, which names the unreadable file as before."""
    rules = [
        rule for rule in rule_table._value_rules() if _column_exists(rule, scan.present, sources)
    ]
    passes = _run_passes(con, rules)
    try:
        return _value_findings(con, sources, rules, passes.counts)
    except duckdb.Error:
        # a rule's own query also reads the key columns, which its table's pass did not: a
        # damaged page there fails it. Rule by rule from the start reports what the stage
        # reported before passes, so which rules ran before the failure stays the same.
        return _value_findings(con, sources, rules, {})


def _value_findings(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    rules: Sequence[RowRule],
    counts: Mapping[int, int],
) -> list[Finding]:
    """The findings of `rules`, skipping those a pass counted no broken row of; raises when a
    rule fails whose table's pass succeeded (the caller then goes rule by rule)."""
    findings: list[Finding] = []
    failed: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.table in failed or counts.get(index) == 0:
            continue
        try:
            finding = _run_rule(con, rule, sources)
        except duckdb.Error as exc:
            if index in counts:
                raise
            failed.add(rule.table)
            findings.extend(
                _unreadable_files(con, sources, [rule.table])
                or [_unreadable_table(rule.table, sources, exc)]
            )
            continue
        if finding:
            findings.append(finding)
    return findings


def _check_rule(
    con: duckdb.DuckDBPyConnection, rule: RowRule, sources: DataSources
) -> tuple[Finding | None, bool]:
    """The rule's finding, and whether it could be checked at all."""
    try:
        return _run_rule(con, rule, sources), True
    except duckdb.Error as exc:
        # a bug of ours more likely than of the data; the rows are unproven either way
        return Finding(
            "error",
            rule.table,
            rule.column,
            rule.rule,
            f"this rule could not be checked ({_short(exc)}); please report it",
            0,
            files=(sources.tables[rule.table].location,),
        ), False


def _row_findings(
    con: duckdb.DuckDBPyConnection,
    sources: DataSources,
    rules: Sequence[RowRule],
    counts: Mapping[int, int],
) -> list[Finding]:
    """The findings of the row rules, in their order; a rule its pass counted no broken row
    of has none and is skipped, unless a rule of its table could not be checked."""
    results: dict[int, Finding | None] = {}
    unchecked: set[str] = set()
    for index, rule in enumerate(rules):
        if counts.get(index) != 0:
            results[index], checked = _check_rule(con, rule, sources)
            if not checked:
                unchecked.add(rule.table)
    # a rule's own query also reads its table's keys (for examples), which the pass did not: a
    # damaged page there fails every rule of the table, each named, as rule by rule did
    for index, rule in enumerate(rules):
        if index not in results and rule.table in unchecked:
            results[index], _ = _check_rule(con, rule, sources)
    return [finding for index in sorted(results) if (finding := results[index])]


def _column_exists(rule: RowRule, present: dict[str, set[str]], sources: DataSources) -> bool:
    """Optional tables and optional columns that are absent have nothing to check, nor has a
    reference into an optional table the export does not have."""
    if not all(sources.tables[name].found for name in (rule.table, *rule.refers_to)):
        return False
    table = TABLES_BY_NAME[rule.table]
    if rule.column is None or rule.column not in table.column_names:
        return True
    column: Column = table.column(rule.column)
    return column.required or column.name in present.get(rule.table, set())
