"""Tables as files: CSV that Excel opens with Cyrillic intact, and typed, formatted XLSX.

CSV is UTF-8 with a byte-order mark (Excel needs the BOM to read UTF-8) and keeps full
precision. XLSX (xlsxwriter) writes numbers as numbers with the money, percent and day formats
of each column's measure (`kamdash.engine.measures`), dates as dates, a frozen header with filters,
and a second sheet that states the scope, period, as-of and data export dates and the
definition of every measure in the table, so a file forwarded to a director explains itself.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
import xlsxwriter

from kamdash.engine.measures import MEASURES_BY_NAME, Format, Language, Measure
from kamdash.report.formatting import format_date, format_period

# Excel number formats by measure format. Excel shows the grouping and decimal marks of the
# reader's locale, so one code serves both languages; the rouble sign is a literal.
NUMBER_FORMATS: dict[Format, str] = {
    "money": '#,##0 "₽";-#,##0 "₽"',
    "percent": "0.0%",
    "growth": "0.0%",  # the value itself; "new" is an empty cell, as the API has it
    "days": "#,##0",
    "count": "#,##0",
    "index": "#,##0",
    "ratio": "0.00",
}
DATE_FORMATS: dict[Language, str] = {"en": "yyyy-mm-dd", "ru": "dd.mm.yyyy"}
MAX_COLUMN_WIDTH = 48

# labels of the usual non-measure columns of the API's frames
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "account_id": ("Account ID", "ID клиента"),
    "account_name": ("Account", "Клиент"),
    "kam_id": ("KAM ID", "ID менеджера"),
    "kam_name": ("KAM", "Менеджер"),
    "group_name": ("Group", "Группа"),
    "holding_name": ("Holding", "Холдинг"),
    "industry": ("Industry", "Отрасль"),
    "region": ("Region", "Регион"),
    "month": ("Month", "Месяц"),
    "as_of": ("As of", "На дату"),
    "item_id": ("ID", "ID"),
    "item_name": ("Name", "Наименование"),
    "item_type": ("Type", "Тип"),
    "item_date": ("Date", "Дата"),
    "due_date": ("Due date", "Срок оплаты"),
    "days_past_due": ("Days past due", "Дней просрочки"),
    "open_balance": ("Open balance", "Остаток"),
    "amount_due": ("Amount due", "Сумма к оплате"),
    "paid_amount": ("Paid", "Оплачено"),
    "aging_bucket": ("Aging bucket", "Срок просрочки"),
    "product_id": ("Product ID", "ID товара"),
    "product_name": ("Product", "Товар"),
    "category": ("Category", "Категория"),
    "quantity": ("Quantity", "Количество"),
    "revenue_share": ("Share of revenue", "Доля выручки"),
    "revenue_target": ("Revenue plan", "План выручки"),
    "gross_margin_target": ("Gross margin plan", "План маржи"),
    "last_order_date": ("Last order", "Последний заказ"),
    "credit_limit": ("Credit limit", "Кредитный лимит"),
    "payment_terms_days": ("Payment terms, days", "Отсрочка, дн."),
}
# formats of those columns that are figures without a measure of their own
COLUMN_FORMATS: dict[str, Format] = {
    "days_past_due": "days",
    "open_balance": "money",
    "amount_due": "money",
    "paid_amount": "money",
    "quantity": "count",
    "revenue_share": "percent",
    "revenue_target": "money",
    "gross_margin_target": "money",
    "credit_limit": "money",
    "payment_terms_days": "days",
}

_SCOPE_TEXTS: dict[str, tuple[str, str]] = {
    "data_sheet": ("Data", "Данные"),
    "scope_sheet": ("About", "Описание"),
    "title": ("Table", "Таблица"),
    "scope": ("Scope", "Охват"),
    "period": ("Period", "Период"),
    "as_of": ("As of", "На дату"),
    "exported": ("Data exported", "Выгрузка данных"),
    "modified": ("Data files modified", "Файлы данных изменены"),
    "created": ("File created", "Файл создан"),
    "rows": ("Rows", "Строк"),
    "definitions": ("Metric definitions", "Определения показателей"),
    "column": ("Column", "Столбец"),
    "measure": ("Measure", "Показатель"),
    "formula": ("Formula", "Формула"),
    "meaning": ("Meaning", "Смысл"),
    "money_note": (
        "Money in roubles, net of VAT; percentages are stored as fractions (0.25 = 25 %).",
        "Суммы в рублях без НДС; проценты хранятся долями (0,25 = 25 %).",
    ),
}


@dataclass(frozen=True)
class TableScope:
    """What a table shows, written on its description sheet."""

    title: str
    scope: str
    start: dt.date
    end: dt.date
    as_of: dt.date | None = None
    data_exported: dt.date | None = None
    language: Language = "en"
    # the date is the files' modification date: the export did not say when it was made
    files_modified: bool = False


def _t(key: str, language: Language) -> str:
    en, ru = _SCOPE_TEXTS[key]
    return ru if language == "ru" else en


def table_csv(frame: pl.DataFrame) -> bytes:
    """The frame as CSV, UTF-8 with BOM; ISO dates, empty cells for nulls, full precision."""
    buffer = io.StringIO()
    frame.write_csv(buffer, null_value="")
    return buffer.getvalue().encode("utf-8-sig")


def column_measures(
    frame: pl.DataFrame, measures: Mapping[str, str] | Sequence[str] | None = None
) -> dict[str, Measure]:
    """Column → measure: columns named like a measure, plus those `measures` maps explicitly."""
    found = {name: MEASURES_BY_NAME[name] for name in frame.columns if name in MEASURES_BY_NAME}
    if isinstance(measures, Mapping):
        found.update({column: MEASURES_BY_NAME[name] for column, name in measures.items()})
    elif measures is not None:
        found.update({name: MEASURES_BY_NAME[name] for name in measures})
    return {column: found[column] for column in frame.columns if column in found}


def column_label(column: str, measure: Measure | None, language: Language) -> str:
    # a raw column name (`revenue`, `change`) is headed by its measure's label; a column that
    # already carries a header of its own ("Revenue, prior year") keeps it and only borrows
    # the measure's number format
    if measure is not None and re.fullmatch(r"[a-z0-9_]+", column):
        return measure.label(language)
    if column in COLUMN_LABELS:
        en, ru = COLUMN_LABELS[column]
        return ru if language == "ru" else en
    return column


def table_xlsx(
    frame: pl.DataFrame,
    measures: Mapping[str, str] | Sequence[str] | None,
    scope: TableScope,
) -> bytes:
    """The frame as an XLSX workbook: a typed, formatted data sheet and a description sheet.

    `measures` maps columns to measure names where they differ (`{"change": "revenue"}`);
    columns named like a measure need no entry.
    """
    lang = scope.language
    by_column = column_measures(frame, measures)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = workbook.add_format(
        {
            "bold": True,
            "bg_color": "#1f4e79",
            "font_color": "white",
            "text_wrap": True,
            "valign": "top",
            "border": 1,
            "border_color": "#d0d7de",
        }
    )
    date_format = workbook.add_format({"num_format": DATE_FORMATS[lang]})
    number_formats = {
        fmt: workbook.add_format({"num_format": code}) for fmt, code in NUMBER_FORMATS.items()
    }

    data = workbook.add_worksheet(_t("data_sheet", lang))
    formats: list[Any] = []
    widths: list[int] = []
    for index, column in enumerate(frame.columns):
        measure = by_column.get(column)
        label = column_label(column, measure, lang)
        data.write_string(0, index, label, header)
        fmt = measure.format if measure is not None else COLUMN_FORMATS.get(column)
        dtype = frame.schema[column]
        if dtype in (pl.Date, pl.Datetime):
            formats.append(date_format)
        elif fmt is not None and fmt != "text" and dtype.is_numeric():
            formats.append(number_formats[fmt])
        else:
            formats.append(None)
        widths.append(len(label))

    for row_index, row in enumerate(frame.iter_rows(), start=1):
        for index, value in enumerate(row):
            widths[index] = max(
                widths[index], _write_cell(data, row_index, index, value, formats[index])
            )

    for index, width in enumerate(widths):
        data.set_column(index, index, min(MAX_COLUMN_WIDTH, width + 2))
    data.set_row(0, 30)
    data.freeze_panes(1, 0)
    data.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))

    _scope_sheet(workbook, frame, by_column, scope)
    workbook.close()
    return buffer.getvalue()


def _write_cell(sheet: Any, row: int, column: int, value: Any, cell_format: Any) -> int:
    """Write one typed cell; returns an estimate of its width in characters."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, column, None, cell_format)
        return 0
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
        return 5
    if isinstance(value, int | float | Decimal):
        number = float(value)
        if math.isinf(number):
            sheet.write_blank(row, column, None, cell_format)
            return 0
        sheet.write_number(row, column, number, cell_format)
        return len(f"{number:,.0f}") + 3
    if isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, column, value, cell_format)
        return 10
    text = str(value)
    sheet.write_string(row, column, text)
    return len(text)


def _scope_sheet(
    workbook: Any, frame: pl.DataFrame, by_column: Mapping[str, Measure], scope: TableScope
) -> None:
    lang = scope.language
    sheet = workbook.add_worksheet(_t("scope_sheet", lang))
    bold = workbook.add_format({"bold": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    header = workbook.add_format({"bold": True, "bottom": 1, "valign": "top"})
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 2, 50)
    sheet.set_column(3, 3, 60)
    facts: list[tuple[str, str]] = [
        (_t("title", lang), scope.title),
        (_t("scope", lang), scope.scope),
        (_t("period", lang), format_period(scope.start, scope.end, lang)),
    ]
    if scope.as_of is not None:
        facts.append((_t("as_of", lang), format_date(scope.as_of, lang)))
    if scope.data_exported is not None:
        label = _t("modified" if scope.files_modified else "exported", lang)
        facts.append((label, format_date(scope.data_exported, lang)))
    facts.append((_t("created", lang), format_date(dt.date.today(), lang)))
    facts.append((_t("rows", lang), str(frame.height)))
    for row, (name, value) in enumerate(facts):
        sheet.write_string(row, 0, name, bold)
        sheet.write_string(row, 1, value, wrap)
    row = len(facts) + 1
    sheet.write_string(row, 0, _t("money_note", lang))
    row += 2
    sheet.write_string(row, 0, _t("definitions", lang), bold)
    row += 1
    for index, key in enumerate(("column", "measure", "formula", "meaning")):
        sheet.write_string(row, index, _t(key, lang), header)
    for column, measure in by_column.items():
        row += 1
        sheet.write_string(row, 0, column, wrap)
        sheet.write_string(row, 1, measure.label(lang), wrap)
        sheet.write_string(row, 2, measure.formula, wrap)
        sheet.write_string(row, 3, measure.description(lang), wrap)
