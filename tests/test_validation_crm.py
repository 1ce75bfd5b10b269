"""The validation rules of the contract v2 tables (contacts, activities, opportunities,
closing_documents), each with the exact message a person reads; a v1 export is checked as
before; the generated sample data is clean."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import exportkit as ek
import pytest
from crmkit import activity, closing_doc, contact, opportunity

from kamdash import open_store, validate_folder
from kamdash.data.validation import ValidationReport

D = dt.date
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def crm_export() -> dict[str, list[dict[str, Any]]]:
    """healthy_tables (accounts A1 and A2 of K1, invoices I1, I2, credit note C1) with a clean
    row or two in every CRM table."""
    tables = ek.healthy_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": None})
    tables["contacts"] = [
        contact("CT1", "A1", "decision_maker", attitude="supporter"),
        contact("CT2", "A2", "influencer", attitude=None, active=False),
    ]
    tables["activities"] = [
        activity("E1", "A1", D(2024, 1, 12), "meeting", "CT1"),
        activity("E2", "A2", D(2024, 2, 12), "email", None, kam_id="K2", subject="<b>КП</b>"),
    ]
    tables["opportunities"] = [
        opportunity("O1", "A1", 1000.0, "qualify", D(2024, 1, 5), D(2024, 4, 1)),
        opportunity(
            "O2", "A2", 500.0, "won", D(2024, 1, 5), D(2024, 2, 1), closed=D(2024, 2, 1),
            probability=1.0,
        ),
    ]  # fmt: skip
    tables["closing_documents"] = [
        closing_doc("CD1", "I1", D(2024, 1, 10), D(2024, 1, 12), kind="upd", via_edo=True),
        closing_doc("CD2", "I2", D(2024, 2, 12), None, kind="act"),
        closing_doc("CD3", "I2", D(2024, 2, 10), D(2024, 3, 20), kind="waybill"),
    ]
    return tables


def report_for(tmp_path: Path, tables: dict[str, Any]) -> ValidationReport:
    return validate_folder(ek.write_export(tmp_path / "export", tables))


def finding_texts(report: ValidationReport) -> list[str]:
    return [finding.to_text() for finding in report.findings]


def test_a_clean_crm_export_has_no_findings(tmp_path: Path) -> None:
    report = report_for(tmp_path, crm_export())
    assert finding_texts(report) == []
    rows = {table.table: table.rows for table in report.tables}
    assert (rows["contacts"], rows["activities"]) == (2, 2)
    assert (rows["opportunities"], rows["closing_documents"]) == (2, 3)


def _update(table: str, index: int, **values: Any) -> Any:
    return lambda t: t[table][index].update(values)


def _append(table: str, row: dict[str, Any]) -> Any:
    return lambda t: t[table].append(row)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            _update("contacts", 1, account_id="A9"),
            "WARNING contacts.account_id: account_id is not in accounts; the contact is ignored "
            "(rule reference.account_id; 1 row; file contacts.parquet; unresolved 'A9' (1 row); "
            "e.g. 'CT2')",
        ),
        (
            _update("contacts", 0, buying_role="Decision Maker"),
            "WARNING contacts.buying_role: buying_role must be one of decision_maker, "
            "influencer, user, gatekeeper, sponsor; the contact is shown with it as given and "
            "never counts as a decision maker (rule rule.buying_role; 1 row; "
            "file contacts.parquet; e.g. 'CT1')",
        ),
        (
            _update("contacts", 0, attitude="hostile"),
            "WARNING contacts.attitude: attitude must be one of supporter, neutral, detractor "
            "or empty; shown as given, never as a detractor (rule rule.attitude; 1 row; "
            "file contacts.parquet; e.g. 'CT1')",
        ),
        (
            _append("contacts", contact("CT1", "A1", "user")),
            "ERROR contacts.contact_id: (contact_id) must be unique; duplicated rows would be "
            "counted twice (rule key.unique; 2 rows; file contacts.parquet; e.g. 'CT1')",
        ),
        (
            _update("activities", 0, account_id="A9", contact_id=None),
            "WARNING activities.account_id: account_id is not in accounts; the activity is "
            "ignored (rule reference.account_id; 1 row; file activities.parquet; "
            "unresolved 'A9' (1 row); e.g. 'E1')",
        ),
        (
            _update("activities", 0, contact_id="CT404"),
            "WARNING activities.contact_id: contact_id is not in contacts; the activity counts "
            "for its account but for no contact (rule reference.contact_id; 1 row; "
            "file activities.parquet; unresolved 'CT404' (1 row); e.g. 'E1')",
        ),
        (
            _update("activities", 1, contact_id="CT1"),
            "WARNING activities.contact_id: contact_id is a contact of another account; the "
            "activity counts for its own account but for no contact "
            "(rule rule.contact_matches_account; 1 row; file activities.parquet; e.g. 'E2')",
        ),
        (
            _update("activities", 1, kam_id="K9"),
            "WARNING activities.kam_id: kam_id is not in managers; the activity is shown "
            "without a KAM name (rule reference.kam_id; 1 row; file activities.parquet; "
            "unresolved 'K9' (1 row); e.g. 'E2')",
        ),
        (
            _update("activities", 0, activity_type="lunch"),
            "WARNING activities.activity_type: activity_type must be one of meeting, call, "
            "email, qbr, visit; the activity counts as a touch, never as a meeting "
            "(rule rule.activity_type; 1 row; file activities.parquet; e.g. 'E1')",
        ),
        (
            _update("activities", 0, activity_date=D(1900, 1, 1)),
            "WARNING activities.activity_date: activity_date lies outside "
            "1990-01-01..2100-12-31; used as given, but check the export "
            "(rule date.implausible; 1 row; file activities.parquet; e.g. 'E1')",
        ),
        (
            _update("opportunities", 0, account_id="A9"),
            "WARNING opportunities.account_id: account_id is not in accounts; the opportunity "
            "is ignored (rule reference.account_id; 1 row; file opportunities.parquet; "
            "unresolved 'A9' (1 row); e.g. 'O1')",
        ),
        (
            _update("opportunities", 0, stage="Won"),
            "WARNING opportunities.stage: stage must be one of qualify, propose, negotiate, won, "
            "lost; the opportunity is neither won nor lost and, without a probability, adds "
            "nothing to the weighted pipeline (rule rule.stage; 1 row; "
            "file opportunities.parquet; e.g. 'O1')",
        ),
        (
            _update("opportunities", 1, closed_on=None),
            "WARNING opportunities.closed_on: closed_on must be set when stage is won or lost "
            "and only then; an opportunity counts as open until its closed_on "
            "(rule rule.closed_on; 1 row; file opportunities.parquet; e.g. 'O2')",
        ),
        (
            _update("opportunities", 0, closed_on=D(2024, 3, 1)),
            "WARNING opportunities.closed_on: closed_on must be set when stage is won or lost "
            "and only then; an opportunity counts as open until its closed_on "
            "(rule rule.closed_on; 1 row; file opportunities.parquet; e.g. 'O1')",
        ),
        (
            _update("opportunities", 0, expected_close_on=D(2024, 1, 4)),
            "WARNING opportunities.expected_close_on: expected_close_on is before created_on; "
            "used as given (rule rule.expected_close_on; 1 row; file opportunities.parquet; "
            "e.g. 'O1')",
        ),
        (
            _update("opportunities", 1, closed_on=D(2024, 1, 4)),
            "WARNING opportunities.closed_on: closed_on is before created_on; used as given "
            "(rule rule.closed_before_created; 1 row; file opportunities.parquet; e.g. 'O2')",
        ),
        (
            _update("opportunities", 0, amount=0.0),
            "WARNING opportunities.amount: amount must be > 0; used as given (rule rule.sign; "
            "1 row; file opportunities.parquet; e.g. 'O1')",
        ),
        (
            _update("opportunities", 0, probability=1.5),
            "WARNING opportunities.probability: probability must be between 0 and 1; used as "
            "given in the weighted pipeline (rule rule.probability; 1 row; "
            "file opportunities.parquet; e.g. 'O1')",
        ),
        (
            _update("opportunities", 0, probability=-0.1),
            "WARNING opportunities.probability: probability must be between 0 and 1; used as "
            "given in the weighted pipeline (rule rule.probability; 1 row; "
            "file opportunities.parquet; e.g. 'O1')",
        ),
        (
            _update("closing_documents", 1, invoice_id="I404"),
            "WARNING closing_documents.invoice_id: invoice_id is not a document of a known "
            "account; the closing document is excluded from the unsigned documents and signed "
            "on time (rule reference.invoice_id; 1 row; file closing_documents.parquet; "
            "unresolved 'I404' (1 row); e.g. 'CD2')",
        ),
        (
            _update("closing_documents", 0, doc_kind="invoice"),
            "WARNING closing_documents.doc_kind: doc_kind must be one of act, upd, waybill; "
            "shown as given (rule rule.doc_kind; 1 row; file closing_documents.parquet; "
            "e.g. 'CD1')",
        ),
        (
            _update("closing_documents", 0, issued_on=D(2024, 1, 9)),
            "WARNING closing_documents.issued_on: issued_on is before the invoice's "
            "invoice_date; used as given (rule rule.issued_on; 1 row; "
            "file closing_documents.parquet; e.g. 'CD1')",
        ),
        (
            _update("closing_documents", 2, signed_on=D(2024, 2, 9)),
            "WARNING closing_documents.signed_on: signed_on is before issued_on; used as given "
            "(rule rule.signed_on; 1 row; file closing_documents.parquet; e.g. 'CD3')",
        ),
    ],
    ids=[
        "contact_account_orphan",
        "buying_role",
        "attitude",
        "contact_key",
        "activity_account_orphan",
        "activity_contact_orphan",
        "activity_contact_of_another_account",
        "activity_kam_orphan",
        "activity_type",
        "activity_implausible_date",
        "opportunity_account_orphan",
        "stage",
        "won_without_closed_on",
        "open_with_closed_on",
        "expected_before_created",
        "closed_before_created",
        "amount_sign",
        "probability_above_one",
        "probability_below_zero",
        "closing_invoice_orphan",
        "doc_kind",
        "issued_before_invoice",
        "signed_before_issued",
    ],
)
def test_crm_rules(tmp_path: Path, mutate: Any, expected: str) -> None:
    tables = crm_export()
    mutate(tables)
    report = report_for(tmp_path, tables)
    assert finding_texts(report) == [expected]
    assert all(line.balanced for line in report.conservation)
    if not report.has_errors:
        open_store(tmp_path / "export")  # warnings do not stop the data from being shown


def test_an_opportunity_of_an_unknown_account_names_the_amount_it_leaves_out(
    tmp_path: Path,
) -> None:
    tables = crm_export()
    tables["opportunities"][0].update(account_id="A9")
    (finding,) = report_for(tmp_path, tables).findings
    assert finding.excluded == {"amount": 1000.0}


def test_a_document_issued_on_the_invoice_date_and_signed_the_same_day_is_in_order(
    tmp_path: Path,
) -> None:
    tables = crm_export()
    tables["closing_documents"][2].update(issued_on=D(2024, 2, 10), signed_on=D(2024, 2, 10))
    tables["opportunities"][1].update(closed_on=D(2024, 1, 5), expected_close_on=D(2024, 1, 5))
    tables["opportunities"][0].update(probability=0.0)
    tables["opportunities"].append(
        opportunity("O3", "A2", 10.0, "lost", D(2024, 1, 5), D(2024, 2, 1), closed=D(2024, 2, 1))
    )
    tables["opportunities"][2].update(probability=1.0)
    assert finding_texts(report_for(tmp_path, tables)) == []


def test_an_invoice_of_an_unknown_account_leaves_its_closing_document_unresolved(
    tmp_path: Path,
) -> None:
    tables = crm_export()
    tables["invoices"][1].update(account_id="GHOST")
    texts = finding_texts(report_for(tmp_path, tables))
    assert (
        "WARNING closing_documents.invoice_id: invoice_id is not a document of a known account; "
        "the closing document is excluded from the unsigned documents and signed on time "
        "(rule reference.invoice_id; 2 rows; file closing_documents.parquet; "
        "unresolved 'I2' (2 rows); e.g. 'CD2', 'CD3')"
    ) in texts


def test_a_duplicated_invoice_does_not_hide_a_closing_document_of_an_unknown_one(
    tmp_path: Path,
) -> None:
    """I1 twice places CD1 twice, as many rows as the export has although CD2's invoice is
    unknown: the counts alone would call every document placed."""
    tables = crm_export()
    tables["invoices"].append(ek.invoice("I1", "A1", D(2024, 1, 10), 1200.0))
    tables["closing_documents"][1].update(invoice_id="I404")
    texts = finding_texts(report_for(tmp_path, tables))
    assert (
        "WARNING closing_documents.invoice_id: invoice_id is not a document of a known account; "
        "the closing document is excluded from the unsigned documents and signed on time "
        "(rule reference.invoice_id; 1 row; file closing_documents.parquet; "
        "unresolved 'I404' (1 row); e.g. 'CD2')"
    ) in texts


def test_activities_without_a_contacts_table_are_not_checked_against_contacts(
    tmp_path: Path,
) -> None:
    """No contacts table is no such data: an activity's contact_id has nothing to resolve to,
    and the export is not flagged row by row for it."""
    tables = crm_export()
    del tables["contacts"]
    tables["activities"][1].update(contact_id="CT404")
    assert finding_texts(report_for(tmp_path, tables)) == []


def test_a_v1_export_is_checked_as_before(tmp_path: Path) -> None:
    """Without the CRM tables none of their rules runs: a v1 export with problems of its own
    gives the findings it gave before, the same with clean CRM tables beside it."""
    v1 = ek.healthy_tables()
    v1["accounts"][1].update(kam_id="K9")
    v1["invoices"][0].update(due_date=D(2024, 1, 9))
    v1["payments"][1].update(amount=-50.0)
    expected = [
        "WARNING accounts.kam_id: kam_id is not in managers; the account is shown without a KAM "
        "name (rule reference.kam_id; 1 row; file accounts.parquet; unresolved 'K9' (1 row); "
        "e.g. 'A2')",
        "WARNING invoices.due_date: due_date is before invoice_date; aging uses the due_date as "
        "given (rule rule.due_date; 1 row; file invoices.parquet; e.g. 'I1')",
        "WARNING payments.amount: amount must be > 0; used as given (rule rule.sign; 1 row; "
        "file payments.parquet; e.g. 'PAY2 / NULL')",
    ]
    v1_report = report_for(tmp_path / "v1", v1)
    assert finding_texts(v1_report) == expected
    assert [line.to_text() for line in v1_report.conservation][:1] == [
        "invoices.amount_due: loaded 1 680.00 = in metrics 1 680.00 + excluded by findings "
        "0.00 — balanced"
    ]
    with_crm = crm_export()
    for name in ("accounts", "invoices", "payments"):
        with_crm[name] = v1[name]
    with_crm_report = report_for(tmp_path / "v2", with_crm)
    assert finding_texts(with_crm_report) == expected
    assert [line.to_text() for line in with_crm_report.conservation] == [
        line.to_text() for line in v1_report.conservation
    ]


def test_the_generated_sample_data_is_clean() -> None:
    report = validate_folder(SAMPLE)
    assert finding_texts(report) == []
    rows = {table.table: table.rows for table in report.tables}
    for name in ("contacts", "activities", "opportunities", "closing_documents"):
        assert rows[name], name
