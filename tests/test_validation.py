"""Every validation rule, each with the exact message a person reads, and conservation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import exportkit as ek
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kamdash import DataValidationError, open_store, validate_folder
from kamdash.cli import main as cli_main
from kamdash.data.validation import ValidationReport

D = dt.date


def valid_tables() -> dict[str, list[dict[str, Any]]]:
    return ek.healthy_tables()


def report_for(tmp_path: Path, tables: dict[str, Any], **kwargs: Any) -> ValidationReport:
    return validate_folder(ek.write_export(tmp_path / "export", tables, **kwargs))


def only_finding_text(report: ValidationReport) -> str:
    assert len(report.findings) == 1, [f.to_text() for f in report.findings]
    return report.findings[0].to_text()


def test_valid_export_has_no_findings_and_balances(tmp_path: Path) -> None:
    report = report_for(tmp_path, valid_tables())
    assert report.findings == []
    assert report.verdict == "valid: no errors, no warnings"
    tail = " + excluded by findings 0.00 — balanced"
    assert [line.to_text() for line in report.conservation] == [
        "invoices.amount_due: loaded 1 680.00 = in metrics 1 680.00" + tail,
        "invoice_lines.net_amount: loaded 1 400.00 = in metrics 1 400.00" + tail,
        "invoice_lines.cost_amount: loaded 930.00 = in metrics 930.00" + tail,
        "payments.amount: loaded 1 050.00 = in metrics 1 050.00" + tail,
    ]


def test_missing_required_table_is_an_error(tmp_path: Path) -> None:
    tables = valid_tables()
    del tables["payments"]
    report = report_for(tmp_path, tables)
    assert report.has_errors
    assert only_finding_text(report) == (
        "ERROR payments: required table missing: expected payments.parquet or a payments/ "
        "folder of .parquet files in the data folder (rule table.missing; 0 rows)"
    )


def test_missing_optional_targets_is_fine(tmp_path: Path) -> None:
    tables = valid_tables()
    del tables["targets"]
    assert report_for(tmp_path, tables).findings == []


def test_missing_column_names_the_file(tmp_path: Path) -> None:
    tables = valid_tables()
    export = ek.write_export(tmp_path / "export", tables, layout="folder")
    lines = pq.read_table(export / "invoice_lines" / "part-0.parquet")
    pq.write_table(lines.drop_columns(["cost_amount"]), export / "invoice_lines" / "part-0.parquet")
    report = validate_folder(export)
    assert only_finding_text(report) == (
        "ERROR invoice_lines.cost_amount: required column cost_amount is missing (columns are "
        "matched by exact, case-sensitive name) (rule column.missing; 0 rows; "
        "file invoice_lines/part-0.parquet)"
    )


def test_text_money_is_a_type_error(tmp_path: Path) -> None:
    tables = valid_tables()
    invoices = ek.to_arrow("invoices", tables.pop("invoices"))
    index = invoices.schema.get_field_index("amount_due")
    as_text = pa.array([f"{v:.2f}".replace(".", ",") for v in invoices["amount_due"].to_pylist()])
    tables["invoices"] = invoices.set_column(index, "amount_due", as_text)
    report = report_for(tmp_path, tables)
    assert only_finding_text(report) == (
        "ERROR invoices.amount_due: column amount_due is stored as string (values such as "
        "'1200,00'); the contract needs an integer, DECIMAL or floating number "
        "(rule column.type; 0 rows; file invoices.parquet)"
    )


def test_numeric_id_is_a_type_error(tmp_path: Path) -> None:
    tables = valid_tables()
    managers = ek.to_arrow("managers", tables.pop("managers"))
    tables["managers"] = managers.set_column(0, "kam_id", pa.array([1], type=pa.int64()))
    report = report_for(tmp_path, tables)
    assert only_finding_text(report) == (
        "ERROR managers.kam_id: column kam_id is stored as int64; the contract needs a string "
        "(rule column.type; 0 rows; file managers.parquet)"
    )


def test_unreadable_file(tmp_path: Path) -> None:
    export = ek.write_export(tmp_path / "export", valid_tables())
    (export / "products.parquet").write_bytes(b"not parquet at all")
    report = validate_folder(export)
    text = only_finding_text(report)
    assert text.startswith("ERROR products: file cannot be read as Parquet (")
    assert text.endswith("(rule file.unreadable; 0 rows; file products.parquet)")


def test_duplicate_keys(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["invoice_lines"].append(ek.line("I1", 1, "P2", 1, 10.0, 5.0))
    report = report_for(tmp_path, tables)
    errors = [f.to_text() for f in report.errors]
    assert errors[0] == (
        "ERROR invoice_lines.invoice_id, line_no: (invoice_id, line_no) must be unique; "
        "duplicated rows would be counted twice (rule key.unique; 2 rows; "
        "file invoice_lines.parquet; e.g. 'I1 / 1')"
    )
    with pytest.raises(DataValidationError) as raised:
        open_store(tmp_path / "export")
    assert errors[0] in str(raised.value)


def test_duplicate_line_keys_among_many_lines(tmp_path: Path) -> None:
    # line keys are screened by a hash of their text first: lines whose text could run
    # together ("I1" + 11 and "I11" + 1) and numbers shared across invoices are not
    # duplicates; the one repeated key is found, with exactly its two rows
    tables = valid_tables()
    tables["invoice_lines"] += [
        ek.line("I1", 11, "P1", 1, 10.0, 5.0),
        ek.line("I2", 11, "P1", 1, 10.0, 5.0),
        ek.line("I2", 2, "P2", 1, 10.0, 5.0),
        ek.line("I2", 3, "P2", 1, 10.0, 5.0),
        ek.line("I2", 3, "P1", 2, 20.0, 9.0),
    ]
    report = report_for(tmp_path, tables)
    duplicates = [f for f in report.errors if f.rule == "key.unique"]
    assert [(f.table, f.count, f.examples) for f in duplicates] == [
        ("invoice_lines", 2, ("'I2 / 3'",))
    ]


def test_null_required_value(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["invoices"][1]["invoice_date"] = None
    report = report_for(tmp_path, tables)
    assert only_finding_text(report) == (
        "ERROR invoices.invoice_date: invoice_date is required but empty "
        "(rule value.not_null; 1 row; file invoices.parquet; e.g. 'I2')"
    )


def test_nan_money(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["invoice_lines"][0]["net_amount"] = float("nan")
    tables["invoice_lines"][1]["cost_amount"] = float("inf")
    report = report_for(tmp_path, tables)
    assert [f.to_text() for f in report.findings] == [
        "ERROR invoice_lines.net_amount: net_amount must be a finite number (found NaN or "
        "infinity) (rule value.not_finite; 1 row; file invoice_lines.parquet; e.g. 'I1 / 1')",
        "ERROR invoice_lines.cost_amount: cost_amount must be a finite number (found NaN or "
        "infinity) (rule value.not_finite; 1 row; file invoice_lines.parquet; e.g. 'I2 / 1')",
    ]


def test_money_out_of_range(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["payments"][0]["amount"] = 2e14
    report = report_for(tmp_path, tables)
    assert only_finding_text(report) == (
        "ERROR payments.amount: amount is beyond ±10^14, the largest amount kamdash holds "
        "(rule value.out_of_range; 1 row; file payments.parquet; e.g. 'PAY1 / I1')"
    )


def test_fractional_integer(tmp_path: Path) -> None:
    tables = valid_tables()
    accounts = ek.to_arrow("accounts", tables.pop("accounts"))
    index = accounts.schema.get_field_index("payment_terms_days")
    tables["accounts"] = accounts.set_column(
        index, "payment_terms_days", pa.array([30.0, 14.5], type=pa.float64())
    )
    report = report_for(tmp_path, tables)
    assert only_finding_text(report) == (
        "ERROR accounts.payment_terms_days: payment_terms_days must be a whole number "
        "(rule value.not_integer; 1 row; file accounts.parquet; e.g. 'A2')"
    )


def test_empty_accounts_table(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["accounts"] = []
    report = report_for(tmp_path, tables)
    assert (
        "ERROR accounts: the accounts table has no rows, so there is nothing to show "
        "(rule table.empty; 0 rows; file accounts.parquet)" in [f.to_text() for f in report.errors]
    )


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda t: t["accounts"][1].update(kam_id="K9"),
            "WARNING accounts.kam_id: kam_id is not in managers; the account is shown without a "
            "KAM name (rule reference.kam_id; 1 row; file accounts.parquet; "
            "unresolved 'K9' (1 row); e.g. 'A2')",
        ),
        (
            lambda t: t["invoice_lines"][1].update(product_id="P404"),
            "WARNING invoice_lines.product_id: product_id is not in products; revenue is counted "
            "under category (unknown) (rule reference.product_id; 1 row; "
            "file invoice_lines.parquet; unresolved 'P404' (1 row); e.g. 'I2 / 1')",
        ),
        (
            lambda t: t["payments"][0].update(account_id="A2"),
            "WARNING payments.account_id: account_id differs from the document's account; the "
            "allocation is counted on the document's account (rule rule.account_matches_document; "
            "1 row; file payments.parquet; e.g. 'PAY1 / I1')",
        ),
        (
            lambda t: t["invoices"][0].update(due_date=D(2024, 1, 9)),
            "WARNING invoices.due_date: due_date is before invoice_date; aging uses the due_date "
            "as given (rule rule.due_date; 1 row; file invoices.parquet; e.g. 'I1')",
        ),
        (
            lambda t: t["invoices"][1].update(doc_type="INVOICE"),
            "WARNING invoices.doc_type: doc_type must be one of invoice, credit_note; amounts are "
            "used with their sign (rule rule.doc_type; 1 row; file invoices.parquet; e.g. 'I2')",
        ),
        (
            lambda t: t["invoices"][1].update(amount_due=-600.0, doc_type="invoice"),
            "WARNING invoices.amount_due: amount_due must be > 0 on an invoice and < 0 on a "
            "credit note; used as given (rule rule.sign; 1 row; file invoices.parquet; e.g. 'I2')",
        ),
        (
            lambda t: t["invoice_lines"][2].update(net_amount=100.0),
            "WARNING invoice_lines.net_amount: a credit note's lines must have negative quantity, "
            "net_amount and cost_amount; used as given (rule rule.sign; 1 row; "
            "file invoice_lines.parquet; e.g. 'C1 / 1')",
        ),
        (
            lambda t: t["payments"][1].update(amount=-50.0),
            "WARNING payments.amount: amount must be > 0; used as given (rule rule.sign; 1 row; "
            "file payments.parquet; e.g. 'PAY2 / NULL')",
        ),
        (
            lambda t: t["accounts"][0].update(payment_terms_days=-5),
            "WARNING accounts.payment_terms_days: payment_terms_days must be ≥ 0 "
            "(rule rule.non_negative; 1 row; file accounts.parquet; e.g. 'A1')",
        ),
        (
            lambda t: t["accounts"][1].update(credit_limit=-1.0),
            "WARNING accounts.credit_limit: credit_limit must be ≥ 0; a negative limit is not "
            "used for utilisation (rule rule.non_negative; 1 row; file accounts.parquet; "
            "e.g. 'A2')",
        ),
        (
            lambda t: t["targets"][0].update(month=D(2024, 1, 15)),
            "WARNING targets.month: month must be the first day of a month; the plan is taken "
            "for that calendar month (rule rule.first_of_month; 1 row; file targets.parquet; "
            "e.g. 'A1 / 2024-01-15')",
        ),
        (
            lambda t: t["invoices"].append(ek.invoice("I3", "A2", D(2024, 3, 1), 10.0)),
            "WARNING invoices.invoice_id: document has no lines: its amount_due counts in "
            "receivables but it adds no revenue (rule rule.document_without_lines; 1 row; "
            "file invoices.parquet; e.g. 'I3')",
        ),
        (
            lambda t: t["accounts"][0].update(onboarded_on=D(1900, 1, 1)),
            "WARNING accounts.onboarded_on: onboarded_on lies outside 1990-01-01..2100-12-31; "
            "used as given, but check the export (rule date.implausible; 1 row; "
            "file accounts.parquet; e.g. 'A1')",
        ),
        (
            lambda t: t["targets"].append(
                {"account_id": "A9", "month": D(2024, 2, 1), "revenue_target": 10.0}
            ),
            "WARNING targets.account_id: account_id is not in accounts; the plan row is ignored "
            "(rule reference.account_id; 1 row; file targets.parquet; unresolved 'A9' (1 row); "
            "e.g. 'A9 / 2024-02-01')",
        ),
    ],
    ids=[
        "kam_orphan",
        "product_orphan",
        "payment_account_mismatch",
        "due_before_invoice",
        "doc_type",
        "invoice_sign",
        "credit_line_sign",
        "payment_sign",
        "negative_terms",
        "negative_limit",
        "targets_month",
        "document_without_lines",
        "implausible_date",
        "targets_orphan",
    ],
)
def test_warning_rules(tmp_path: Path, mutate: Any, expected: str) -> None:
    tables = valid_tables()
    mutate(tables)
    report = report_for(tmp_path, tables)
    assert not report.has_errors
    assert only_finding_text(report) == expected
    assert all(line.balanced for line in report.conservation)
    open_store(tmp_path / "export")  # warnings do not stop the data from being shown


def test_orphans_are_excluded_and_accounted_for(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["invoices"].append(ek.invoice("I9", "GHOST", D(2024, 3, 1), 240.0))
    tables["invoice_lines"] += [
        ek.line("I9", 1, "P1", 2, 200.0, 100.0),  # line of a document of an unknown account
        ek.line("NOPE", 1, "P1", 1, 50.0, 20.0),  # line of an unknown document
    ]
    tables["payments"] += [
        ek.payment("PAY7", "A1", "NOPE", D(2024, 3, 2), 70.0),
        ek.payment("PAY8", "GHOST", None, D(2024, 3, 2), 30.0),
    ]
    report = report_for(tmp_path, tables)
    assert not report.has_errors
    texts = [f.to_text() for f in report.findings]
    assert texts == [
        "WARNING invoices.account_id: account_id is not in accounts; the document is excluded "
        "from every metric (amount_due and its lines) (rule reference.account_id; 1 row; "
        "file invoices.parquet; unresolved 'GHOST' (1 row); e.g. 'I9')",
        "WARNING invoice_lines.invoice_id: invoice_id is not a document of a known account; the "
        "line is excluded from revenue (rule reference.invoice_id; 2 rows; "
        "file invoice_lines.parquet; unresolved 'I9' (1 row), 'NOPE' (1 row); "
        "e.g. 'I9 / 1', 'NOPE / 1')",
        "WARNING payments.invoice_id: invoice_id is not a document of a known account; the "
        "allocation is excluded from receivables and payment behaviour (rule "
        "reference.invoice_id; 1 row; file payments.parquet; unresolved 'NOPE' (1 row); "
        "e.g. 'PAY7 / NOPE')",
        "WARNING payments.account_id: unapplied cash on an account_id that is not in accounts; "
        "excluded from receivables (rule reference.account_id; 1 row; file payments.parquet; "
        "unresolved 'GHOST' (1 row); e.g. 'PAY8 / NULL')",
    ]
    excluded = {(f.table, f.rule): f.excluded for f in report.findings}
    assert excluded[("invoices", "reference.account_id")] == {"amount_due": 240.0}
    assert excluded[("invoice_lines", "reference.invoice_id")] == {
        "net_amount": 250.0,
        "cost_amount": 120.0,
    }
    lines = {(c.table, c.column): c for c in report.conservation}
    assert all(c.balanced for c in report.conservation)
    assert float(lines[("invoices", "amount_due")].excluded) == 240.0
    assert float(lines[("invoice_lines", "net_amount")].excluded) == 250.0
    assert float(lines[("payments", "amount")].excluded) == 100.0
    # what the report excludes is what the metrics leave out
    store = open_store(tmp_path / "export")
    assert store.portfolio("2024-01-01", "2024-03-31")["revenue"] == pytest.approx(1400.0)


def test_mixed_schemas_across_files_of_one_folder(tmp_path: Path) -> None:
    export = ek.write_export(tmp_path / "export", valid_tables(), layout="folder")
    part = export / "payments" / "deep" / "er" / "part-1.parquet"
    table = pq.read_table(part)
    index = table.schema.get_field_index("amount")
    pq.write_table(table.set_column(index, "amount", pa.array(["50"] * table.num_rows)), part)
    report = validate_folder(export)
    assert only_finding_text(report) == (
        "ERROR payments.amount: column amount is stored as string (values such as '50'); the "
        "contract needs an integer, DECIMAL or floating number (rule column.type; 0 rows; "
        "file payments/deep/er/part-1.parquet)"
    )


def test_cli_validate_exit_codes_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = ek.write_export(tmp_path / "good", valid_tables())
    assert cli_main(["validate", str(good)]) == 0
    assert "valid: no errors, no warnings" in capsys.readouterr().out
    tables = valid_tables()
    tables["accounts"].append(ek.account("A1"))
    bad = ek.write_export(tmp_path / "bad", tables)
    assert cli_main(["validate", str(bad), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["can_be_shown"] is False
    assert payload["findings"][0]["rule"] == "key.unique"
    assert payload["findings"][0]["examples"] == ["'A1'"]
    assert (
        cli_main(
            [
                "metrics",
                "portfolio",
                "--data",
                str(bad),
                "--start",
                "2024-01-01",
                "--end",
                "2024-03-31",
            ]
        )
        == 1
    )
    assert "rule key.unique" in capsys.readouterr().err
