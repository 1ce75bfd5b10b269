"""Each parse rule of `kamdash import` on small hand-made report files: what lands in the
published folder, what is reported (file, row, header, reason), and that rows and money read
= written + rejected on every file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from importkit import (
    DOC,
    INVOICE_HEADERS,
    MAPPING,
    NBSP,
    RETURN,
    assert_conserved,
    contract_csv,
    invoices_out,
    reports,
    write_csv,
    write_xlsx,
)

from kamdash.cli import main
from kamdash.data.importing import TEMPLATE, FileImport, ImportResult, import_export, load_mapping
from kamdash.errors import KamdashError


def run_import(folder: Path, out: Path) -> ImportResult:
    result = import_export(folder, folder.parent / "mapping.toml", out)
    assert_conserved(result)
    return result


def invoices_file(item: ImportResult) -> FileImport:
    return next(f for f in item.record.files if f.table == "invoices")


def test_bom_and_1c_number_and_date_forms(tmp_path: Path) -> None:
    """UTF-8 with a BOM; `1 234 567,89` with ordinary and no-break spaces; `31.12.2025 0:00:00`."""
    src = reports(tmp_path / "src", ["Р-1", "Р-2", "В-1"])
    write_csv(
        src / "Реализации.csv",
        INVOICE_HEADERS,
        [
            ["Р-1", "31.12.2025 0:00:00", "A1", DOC, "30.01.2026 0:00:00", "1 234 567,89"],
            ["Р-2", "15.01.2025", "A2", DOC, "01.03.2025", f"2{NBSP}000{NBSP}000,05"],
            ["В-1", "20.01.2025 12:30:00", "A1", RETURN, "20.01.2025", "-1\u202f000,10"],
        ],
        encoding="utf-8-sig",
    )
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    item = invoices_file(result)
    assert "utf-8-sig" in item.layout
    assert invoices_out(tmp_path / "out") == [
        (
            "В-1",
            "A1",
            dt.date(2025, 1, 20),
            dt.date(2025, 1, 20),
            "credit_note",
            Decimal("-1000.10"),
        ),
        (
            "Р-1",
            "A1",
            dt.date(2025, 12, 31),
            dt.date(2026, 1, 30),
            "invoice",
            Decimal("1234567.89"),
        ),
        ("Р-2", "A2", dt.date(2025, 1, 15), dt.date(2025, 3, 1), "invoice", Decimal("2000000.05")),
    ]
    (money,) = item.money
    assert money.read == money.written == Decimal("3233567.84")  # hand sum, to the kopeck


def test_cp1251_quoted_line_breaks_empty_line_and_totals_row(tmp_path: Path) -> None:
    """Windows-1251 with a quoted field spanning two lines, an empty line and a line of empty
    fields (as Excel saves a blank row) in the middle, and an «Итого» row at the bottom: 3 rows
    written; the blank row and the totals row skipped and said so (DuckDB passes over the
    empty line itself), the totals row's sum matching what was read."""
    src = reports(tmp_path / "src", ["1", "2", "3"])
    text = (
        ";".join(INVOICE_HEADERS) + "\r\n"
        '1;10.01.2025;A1;"Реализация товаров\r\nи услуг";09.02.2025;100,50\r\n'
        "\r\n"
        ";;;;;\r\n"
        "2;11.01.2025;A1;Реализация товаров и услуг;10.02.2025;200,25\r\n"
        "3;12.01.2025;A2;Реализация товаров и услуг;11.02.2025;1 000,00\r\n"
        "Итого;;;;;1 300,75\r\n"
    )
    (src / "Реализации.csv").write_bytes(text.encode("cp1251"))
    mapping = MAPPING + '"Реализация товаров\\r\\nи услуг" = "invoice"\n'
    (tmp_path / "mapping.toml").write_text(mapping, encoding="utf-8")
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    item = invoices_file(result)
    assert "cp1251" in item.layout
    assert (item.rows_read, item.rows_written, item.rows_rejected) == (3, 3, 0)
    assert item.rows_totals == 1
    assert item.rows_empty == 1
    (money,) = item.money
    assert money.read == money.totals_row == Decimal("1300.75")
    assert [r[0] for r in invoices_out(tmp_path / "out")] == ["1", "2", "3"]
    assert "1 totals row(s) skipped" in result.to_text()
    assert "1 empty row(s) skipped" in result.to_text()


def test_header_moved_down_and_unused_headers_listed(tmp_path: Path) -> None:
    """A title line above the header: the header is found one line down, and headers the
    mapping does not use are listed as ignored, never guessed into a column."""
    src = reports(tmp_path / "src", ["1"])
    write_csv(
        src / "Реализации.csv",
        [*INVOICE_HEADERS, "Комментарий"],
        [["1", "10.01.2025", "A1", DOC, "09.02.2025", "5,00", "срочно"]],
        title=["Реализации за январь 2025"],
    )
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    item = invoices_file(result)
    assert item.layout.endswith("header at line 2")
    assert item.notes == ["1 line(s) above the header skipped (title block)"]
    assert item.ignored_headers == ("Комментарий",)
    assert "headers the mapping does not use (ignored): 'Комментарий'" in result.to_text()


def test_unknown_header_is_refused_with_the_headers_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report calls the amount «Сумма с НДС»: the import names the file, the header it
    looked for and the headers it found, exits 1, and writes nothing."""
    src = reports(tmp_path / "src", ["1"])
    headers = [*INVOICE_HEADERS[:-1], "Сумма с НДС"]
    write_csv(src / "Реализации.csv", headers, [["1", "10.01.2025", "A1", DOC, "", "5,00"]])
    out = tmp_path / "out"
    code = main(
        ["import", str(src), "--mapping", str(tmp_path / "mapping.toml"), "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "invoices: Реализации.csv" in err
    assert "'Сумма'" in err and "'Сумма с НДС'" in err
    assert "Traceback" not in err
    assert not out.exists()
    with pytest.raises(KamdashError, match="never guessed"):
        import_export(src, tmp_path / "mapping.toml", out)


def test_value_missing_from_value_map_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """«Корректировка реализации» is not in the map: the row is rejected with its line (the
    line a person sees: the quoted line break above counts), header and value; exit 1 and the
    previous folder stays as it was."""
    src = reports(tmp_path / "src", ["1", "2", "3"])
    good = [["1", "10.01.2025", "A1", DOC, "09.02.2025", "100,00"]]
    write_csv(src / "Реализации.csv", INVOICE_HEADERS, good)
    (src / "lines.csv").write_text(
        "invoice_id;line_no;product_id;quantity;net_amount;cost_amount\n1;1;P1;1;1.00;0.50\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert run_import(src, out).published
    before = invoices_out(out)

    text = (
        ";".join(INVOICE_HEADERS) + "\r\n"
        '1;10.01.2025;A1;Реализация товаров и услуг;09.02.2025;"100,00"\r\n'
        '2;11.01.2025;"A2";"Реализация товаров\r\nи услуг";10.02.2025;250,00\r\n'
        "3;12.01.2025;A2;Корректировка реализации;11.02.2025;-50,00\r\n"
    )
    (src / "Реализации.csv").write_bytes(text.encode("cp1251"))
    mapping = MAPPING + '"Реализация товаров\\r\\nи услуг" = "invoice"\n'
    (tmp_path / "mapping.toml").write_text(mapping, encoding="utf-8")
    code = main(
        ["import", str(src), "--mapping", str(tmp_path / "mapping.toml"), "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert (
        "REJECTED 'Вид документа' → doc_type: is not in the value map "
        "(1 rows: line 5 'Корректировка реализации')" in printed
    )
    assert "3 rows read = 2 written + 1 rejected" in printed
    assert "amount_due: 300.00 read = 350.00 written + -50.00 rejected" in printed
    assert f"NOT published: {out} was left as it was" in printed
    assert invoices_out(out) == before

    result = import_export(src, tmp_path / "mapping.toml", out)
    assert_conserved(result)
    assert not result.published


def test_exact_money_more_than_four_decimals_is_rejected_not_rounded(tmp_path: Path) -> None:
    src = reports(tmp_path / "src", ["1", "2"])
    write_csv(
        src / "Реализации.csv",
        INVOICE_HEADERS,
        [
            ["1", "10.01.2025", "A1", DOC, "09.02.2025", "0,1"],
            ["2", "10.01.2025", "A1", DOC, "09.02.2025", "12,34567"],
        ],
    )
    result = run_import(src, tmp_path / "out")
    item = invoices_file(result)
    assert not result.published
    (rejection,) = item.rejections
    assert (rejection.header, rejection.reason) == (
        "Сумма",
        "is not an amount (at most 4 decimals)",
    )
    assert [(e.row, e.value) for e in rejection.examples] == [(3, "12,34567")]
    (money,) = item.money
    assert (money.read, money.written, money.rejected) == (Decimal("0.1"), Decimal("0.1"), 0)


def test_xlsx_title_block_totals_row_and_text_dates(tmp_path: Path) -> None:
    """An XLSX with a merged title, the header on row 3, typed numbers and dates, one date
    typed as text `31.12.2025 0:00:00`, and an «Итого» row."""
    src = reports(tmp_path / "src", ["1", "2"])
    write_xlsx(
        src / "Реализации.xlsx",
        INVOICE_HEADERS,
        [
            ["1", dt.datetime(2025, 1, 10), "A1", DOC, dt.datetime(2025, 2, 9), 1234567.89],
            ["2", "31.12.2025 0:00:00", "A2", DOC, "30.01.2026", "1 000,01"],
        ],
        title=["Реализации товаров и услуг", ""],
        totals=["Итого", None, None, None, None, 1235567.90],
    )
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    item = invoices_file(result)
    assert item.layout == "XLSX sheet 'Лист1', header at row 3"
    assert item.rows_totals == 1
    (money,) = item.money
    assert money.read == money.totals_row == Decimal("1235567.90")
    assert [r[2:4] for r in invoices_out(tmp_path / "out")] == [
        (dt.date(2025, 1, 10), dt.date(2025, 2, 9)),
        (dt.date(2025, 12, 31), dt.date(2026, 1, 30)),
    ]


def test_derivations_and_constants(tmp_path: Path) -> None:
    """No «Срок оплаты»: due date = date + the account's terms (30 and 45 days); no line
    number: lines numbered by order within a document; doc_type a constant."""
    mapping = (
        MAPPING.replace('due_date = "Срок оплаты"\n', "")
        .replace('doc_type = "Вид документа"\n', "")
        .split("[invoices.values.doc_type]")[0]
        .replace(
            '[invoice_lines]\nfiles = "lines.csv"',
            '[invoice_lines]\nfiles = "lines.csv"\n'
            '[invoice_lines.derive]\nline_no = "order within invoice_id"',
        )
        + '[invoices.constants]\ndoc_type = "invoice"\n'
        + '[invoices.derive]\ndue_date = "invoice_date + accounts.payment_terms_days"\n'
    )
    src = reports(tmp_path / "src", ["1", "2"], mapping)
    write_csv(
        src / "Реализации.csv",
        ["Номер", "Дата", "Контрагент", "Сумма"],
        [["1", "10.01.2025", "A1", "10,00"], ["2", "10.01.2025", "A2", "20,00"]],
    )
    contract_csv(
        src / "lines.csv",
        ["invoice_id", "product_id", "quantity", "net_amount", "cost_amount"],
        [["1", "P1", "1", "4.00", "1"], ["2", "P1", "1", "20", "1"], ["1", "P1", "2", "6", "1"]],
    )
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    assert [r[:5] for r in invoices_out(tmp_path / "out")] == [
        ("1", "A1", dt.date(2025, 1, 10), dt.date(2025, 2, 9), "invoice"),
        ("2", "A2", dt.date(2025, 1, 10), dt.date(2025, 2, 24), "invoice"),
    ]
    con = duckdb.connect()
    lines = con.sql(
        "select invoice_id, line_no, net_amount from read_parquet(?) order by all",
        params=[str(tmp_path / "out" / "invoice_lines" / "**" / "*.parquet")],
    ).fetchall()
    assert lines == [("1", 1, Decimal("4")), ("1", 2, Decimal("6")), ("2", 1, Decimal("20"))]


def test_rejected_line_reported_when_line_numbers_are_derived(tmp_path: Path) -> None:
    """A bad amount in a file whose line numbers are derived is reported with its line (the
    derived column has no reason of its own to report)."""
    mapping = MAPPING.replace(
        '[invoice_lines]\nfiles = "lines.csv"',
        '[invoice_lines]\nfiles = "lines.csv"\n'
        '[invoice_lines.derive]\nline_no = "order within invoice_id"',
    )
    src = reports(tmp_path / "src", ["1"], mapping)
    write_csv(
        src / "Реализации.csv",
        INVOICE_HEADERS,
        [["1", "10.01.2025", "A1", DOC, "09.02.2025", "10"]],
    )
    contract_csv(
        src / "lines.csv",
        ["invoice_id", "product_id", "quantity", "net_amount", "cost_amount"],
        [["1", "P1", "1", "4.00", "1"], ["1", "P1", "2", "abc", "1"]],
    )
    result = import_export(src, src.parent / "mapping.toml", tmp_path / "out")
    assert_conserved(result)
    assert not result.published
    item = next(f for f in result.record.files if f.table == "invoice_lines")
    (rejection,) = item.rejections
    assert (rejection.column, rejection.reason) == (
        "net_amount",
        "is not an amount (at most 4 decimals)",
    )
    assert [(e.row, e.value) for e in rejection.examples] == [(3, "abc")]


def test_template_is_a_mapping_that_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "--print-template"]) == 0
    printed = capsys.readouterr().out
    assert printed == TEMPLATE
    (tmp_path / "m.toml").write_text(printed, encoding="utf-8")
    mapping = load_mapping(tmp_path / "m.toml")
    assert (
        mapping.tables["invoices"].values["doc_type"]["Возврат товаров от клиента"] == "credit_note"
    )


def test_mapping_mistakes_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = reports(tmp_path / "src", ["1"])
    cases = {
        '[invoices]\nfiles = "x"\n[invoices.columns]\namount = "Сумма"\n': (
            "'amount' is not a column of invoices"
        ),
        '[invoice]\nfiles = "x"\n': "[invoice] is not a contract table",
        '[invoices]\nfile = "x"\n': "unknown key(s) file",
        '[invoices]\nfiles = "нет*.csv"\n': "files 'нет*.csv' match nothing",
        "[invoices\n": "is not valid TOML",
    }
    for text, message in cases.items():
        (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
        out = str(tmp_path / "out")
        assert (
            main(["import", str(src), "--mapping", str(tmp_path / "bad.toml"), "--out", out]) == 1
        )
        err = capsys.readouterr().err
        assert message in err, err
        assert "Traceback" not in err


def test_crm_table_with_value_map_and_yes_no_column(tmp_path: Path) -> None:
    """A CRM contacts list (contract v2): roles through a value map, «Активен» да/нет read as a
    boolean; a «может быть» is rejected with its line, not taken for either."""
    mapping = MAPPING + (
        '[contacts]\nfiles = "Контакты.csv"\n[contacts.columns]\ncontact_id = "Код"\n'
        'account_id = "Контрагент"\nfull_name = "ФИО"\nbuying_role = "Роль"\nactive = "Активен"\n'
        '[contacts.values.buying_role]\n"ЛПР" = "decision_maker"\n"Влияющий" = "influencer"\n'
    )
    src = reports(tmp_path / "src", ["1"], mapping)
    write_csv(
        src / "Реализации.csv", INVOICE_HEADERS, [["1", "10.01.2025", "A1", DOC, "09.02.2025", "1"]]
    )
    write_csv(
        src / "Контакты.csv",
        ["Код", "Контрагент", "ФИО", "Роль", "Активен"],
        [
            ["C1", "A1", "Петров Пётр", "ЛПР", "Да"],
            ["C2", "A1", "Сидорова Ольга", "Влияющий", "нет"],
            ["C3", "A2", "Орлов Иван", "ЛПР", "может быть"],
        ],
    )
    result = run_import(src, tmp_path / "out")
    contacts = next(f for f in result.record.files if f.table == "contacts")
    assert (contacts.rows_written, contacts.rows_rejected) == (2, 1)
    (rejection,) = contacts.rejections
    assert (rejection.header, rejection.reason) == ("Активен", "is not да/нет, true/false or 1/0")
    assert [(e.row, e.value) for e in rejection.examples] == [(4, "может быть")]

    write_csv(
        src / "Контакты.csv",
        ["Код", "Контрагент", "ФИО", "Роль", "Активен"],
        [["C1", "A1", "Петров Пётр", "ЛПР", "Да"], ["C2", "A1", "Сидорова Ольга", "Влияющий", "0"]],
    )
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    con = duckdb.connect()
    rows = con.sql(
        "select contact_id, buying_role, active from read_parquet(?) order by 1",
        params=[str(tmp_path / "out" / "contacts.parquet")],
    ).fetchall()
    assert rows == [("C1", "decision_maker", True), ("C2", "influencer", False)]


def test_xlsx_named_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sheet` picks the sheet; a sheet the workbook lacks is named with the ones it has."""
    src = reports(
        tmp_path / "src",
        ["1"],
        MAPPING.replace('files = "Реализации*"', 'files = "Реализации*"\nsheet = "Отчет"'),
    )
    write_xlsx(
        src / "Реализации.xlsx",
        INVOICE_HEADERS,
        [["1", dt.datetime(2025, 1, 10), "A1", DOC, dt.datetime(2025, 2, 9), 10.5]],
        sheet="Отчет",
    )
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    assert invoices_file(result).layout == "XLSX sheet 'Отчет', header at row 1"
    (tmp_path / "mapping.toml").write_text(
        MAPPING.replace('files = "Реализации*"', 'files = "Реализации*"\nsheet = "Лист2"')
    )
    args = [
        "import",
        str(src),
        "--mapping",
        str(tmp_path / "mapping.toml"),
        "--out",
        str(tmp_path / "out"),
    ]
    assert main(args) == 1
    assert "Реализации.xlsx: has no sheet 'Лист2' (its sheets: 'Отчет')" in capsys.readouterr().err


def test_line_with_a_field_too_many_is_rejected_with_its_line(tmp_path: Path) -> None:
    """An unquoted `;` inside a value splits it into one field too many: the line is rejected
    whole, with its line number, and counted as read."""
    src = reports(tmp_path / "src", ["1", "2"])
    text = (
        "Отчет\r\n"
        + ";".join(INVOICE_HEADERS)
        + "\r\n"
        + "1;10.01.2025;A1;Реализация товаров и услуг;09.02.2025;100,00\r\n"
        + "2;11.01.2025;A1;Реализация; товаров и услуг;10.02.2025;50,00\r\n"
    )
    (src / "Реализации.csv").write_bytes(text.encode("cp1251"))
    result = run_import(src, tmp_path / "out")
    assert not result.published
    item = invoices_file(result)
    assert (item.rows_read, item.rows_written, item.rows_rejected) == (2, 1, 1)
    (rejection,) = item.rejections
    assert rejection.reason == "does not have the header's 6 fields"
    assert [e.row for e in rejection.examples] == [4]


def test_max_rejected_publishes_the_rows_that_convert(tmp_path: Path) -> None:
    """A bad row stops the publication; with --max-rejected 1 it is left out (and reported)
    and the rest is published; a negative allowance is refused."""
    src = reports(tmp_path / "src", ["1"])
    write_csv(
        src / "Реализации.csv",
        INVOICE_HEADERS,
        [
            ["1", "10.01.2025", "A1", DOC, "09.02.2025", "0,1"],
            ["2", "10.01.2025", "A1", DOC, "09.02.2025", "двенадцать"],
        ],
    )
    out = tmp_path / "out"
    args = ["import", str(src), "--mapping", str(tmp_path / "mapping.toml"), "--out", str(out)]
    assert main(args) == 1 and not out.exists()
    assert main([*args, "--max-rejected", "1"]) == 0
    assert [r[0] for r in invoices_out(out)] == ["1"]
    assert main([*args, "--max-rejected", "-1"]) == 1


def test_derived_line_numbers_follow_the_file_through_a_parallel_read(tmp_path: Path) -> None:
    """A cp1251 file large enough to be transcoded in parts and read by several DuckDB
    threads, its documents' lines spread over the whole file: each document's lines are
    numbered 1, 2, … in the order they stand in the file, and the Cyrillic text is intact."""
    mapping = MAPPING.replace(
        '[invoice_lines]\nfiles = "lines.csv"',
        '[invoice_lines]\nfiles = "lines.csv"\n'
        '[invoice_lines.derive]\nline_no = "order within invoice_id"',
    )
    documents = [f"Р-{k}" for k in range(1, 301)]
    src = reports(tmp_path / "src", documents, mapping)
    write_csv(
        src / "Реализации.csv",
        INVOICE_HEADERS,
        [[d, "10.01.2025", "A1", DOC, "09.02.2025", "10,00"] for d in documents],
    )
    rows = 400_000  # 20 MB: more than one iconv part and one DuckDB thread's share
    # the k-th line of the file belongs to document k * 7 mod 300: each spread over the file
    text = "invoice_id;product_id;Номенклатура;quantity;net_amount;cost_amount\r\n" + "".join(
        f"Р-{k * 7 % 300 + 1};P1;Товар номер {k};{k};1{NBSP}234,56;0,50\r\n" for k in range(rows)
    )
    (src / "lines.csv").write_bytes(text.encode("cp1251"))
    result = run_import(src, tmp_path / "out")
    assert result.published, result.to_text()
    con = duckdb.connect()
    con.execute(
        "create table lines as select invoice_id, line_no, quantity::bigint as k "
        "from read_parquet(?)",
        [str(tmp_path / "out" / "invoice_lines" / "**" / "*.parquet")],
    )
    out_of_order = con.sql(
        "select count(*) from (select line_no, "
        "row_number() over (partition by invoice_id order by k) as expected from lines) "
        "where line_no <> expected"
    ).fetchall()[0][0]
    assert out_of_order == 0
    assert con.sql("select count(*), count(distinct invoice_id) from lines").fetchall() == [
        (rows, 300)
    ]
    assert sorted(r[0] for r in con.sql("select distinct invoice_id from lines").fetchall()) == (
        sorted(documents)
    )
