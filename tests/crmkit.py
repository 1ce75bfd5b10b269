"""Hand-made CRM and closing-document rows for tests: one export with every edge of the v2
relationship, pipeline, closing-document, renewal and landing definitions, computed by hand
in tests/test_relationship_hand.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from exportkit import account, add_document, base_tables

D = dt.date(2024, 6, 30)  # the as-of date of the hand-computed case (a leap year)
PERIOD = (dt.date(2024, 4, 1), D)


def contact(
    contact_id: str, account_id: str, role: str, *, attitude: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "account_id": account_id,
        "full_name": extra.pop("full_name", f"Контакт {contact_id}"),
        "job_title": extra.pop("job_title", "директор по закупкам"),
        "buying_role": role,
        "attitude": attitude,
        "active": extra.pop("active", True),
    }


def activity(
    activity_id: str,
    account_id: str,
    day: dt.date,
    kind: str,
    contact_id: str | None = None,
    kam_id: str | None = "K1",
    subject: str | None = None,
) -> dict[str, Any]:
    return {
        "activity_id": activity_id,
        "account_id": account_id,
        "contact_id": contact_id,
        "kam_id": kam_id,
        "activity_date": day,
        "activity_type": kind,
        "subject": subject,
    }


def opportunity(
    opportunity_id: str,
    account_id: str,
    amount: float,
    stage: str,
    created: dt.date,
    expected: dt.date,
    *,
    probability: float | None = None,
    closed: dt.date | None = None,
    category: str | None = "Cat1",
) -> dict[str, Any]:
    return {
        "opportunity_id": opportunity_id,
        "account_id": account_id,
        "category": category,
        "amount": amount,
        "stage": stage,
        "probability": probability,
        "created_on": created,
        "expected_close_on": expected,
        "closed_on": closed,
    }


def closing_doc(
    closing_doc_id: str,
    invoice_id: str,
    issued: dt.date,
    signed: dt.date | None = None,
    kind: str = "act",
    via_edo: bool | None = False,
) -> dict[str, Any]:
    return {
        "closing_doc_id": closing_doc_id,
        "invoice_id": invoice_id,
        "doc_kind": kind,
        "issued_on": issued,
        "signed_on": signed,
        "via_edo": via_edo,
    }


def crm_tables() -> dict[str, list[dict[str, Any]]]:
    """Four accounts: A1 (K1) with every edge, A2 (K2) single-threaded with an unmet decision
    maker, A3 (K1) with no CRM rows trading on an expired contract, A4 (K2) whose expired
    contract saw only a credit note."""
    d = dt.date
    tables = base_tables()
    tables["managers"].append({"kam_id": "K2", "kam_name": "Петров Пётр", "email": None})
    tables["accounts"] = [
        account("A1", contract_end_on=d(2024, 9, 28)),  # D + 90 days exactly: due
        account("A2", kam_id="K2", contract_end_on=d(2024, 9, 29)),  # D + 91: not yet
        account("A3", contract_end_on=d(2024, 5, 31)),  # expired, invoiced after
        account("A4", kam_id="K2", contract_end_on=d(2024, 5, 31)),  # expired, credit only
    ]
    add_document(tables, "I0", "A1", d(2023, 12, 31), [("P1", 1, 9999.0, 1.0)])
    add_document(tables, "I2", "A1", d(2024, 3, 1), [("P1", 1, 400.0, 1.0)], amount_due=500.0)
    add_document(tables, "I4", "A1", d(2024, 4, 15), [("P1", 1, 600.0, 1.0)], amount_due=700.0)
    add_document(tables, "I1", "A1", d(2024, 6, 1), [("P1", 1, 1000.0, 1.0)], amount_due=1200.0)
    add_document(tables, "I3", "A1", d(2024, 6, 28), [("P1", 1, 250.0, 1.0)], amount_due=300.0)
    add_document(tables, "I5", "A2", d(2024, 6, 15), [("P1", 1, 80.0, 1.0)], amount_due=100.0)
    add_document(tables, "I6", "A3", d(2024, 6, 10), [("P1", 1, 50.0, 1.0)], amount_due=60.0)
    add_document(tables, "C1", "A4", d(2024, 6, 10), [("P1", -1, -10.0, -1.0)], amount_due=-12.0)
    tables["targets"] = [
        {"account_id": "A1", "month": d(2024, m, 1), "revenue_target": 500.0,
         "gross_margin_target": None}
        for m in range(1, 13)
    ] + [
        # A2's plan is for last year only: 2024 has no plan
        {"account_id": "A2", "month": d(2023, 6, 1), "revenue_target": 900.0,
         "gross_margin_target": None}
    ]  # fmt: skip
    tables["contacts"] = [
        contact("C1", "A1", "decision_maker", attitude="supporter"),
        contact("C2", "A1", "decision_maker", attitude="detractor", active=None),
        contact("C3", "A1", "decision_maker", active=False),  # left the company
        contact("C4", "A1", "influencer"),
        contact("C5", "A1", "decision_maker", attitude="neutral"),
        contact("C6", "A2", "decision_maker"),
        contact("C7", "A2", "user"),
    ]
    tables["activities"] = [
        activity("X1", "A1", D, "meeting", "C1"),  # on D
        activity("X2", "A1", D + dt.timedelta(days=1), "meeting", "C5"),  # the day after
        activity("X3", "A1", d(2024, 5, 10), "call", "C2", kam_id="K2"),  # a colleague's
        activity("X4", "A1", d(2024, 4, 1), "email", "C5"),  # D − 90: outside the 90 days
        activity("X5", "A1", d(2024, 3, 15), "visit"),
        activity("X6", "A1", d(2024, 6, 20), "call", "C3"),  # the one who left
        activity("Y1", "A2", d(2024, 2, 1), "qbr", "C7", kam_id="K2"),
        activity("Y2", "A2", d(2024, 6, 1), "call", "C7", kam_id="K2"),
        activity("Y3", "A2", d(2024, 6, 2), "email", kam_id="K2"),
    ]
    tables["opportunities"] = [
        opportunity("O1", "A1", 1000.0, "qualify", d(2024, 1, 10), d(2024, 9, 30)),
        opportunity("O2", "A1", 2000.0, "negotiate", d(2024, 5, 1), d(2025, 2, 1),
                    probability=0.5),
        opportunity("O3", "A1", 3000.0, "won", d(2024, 2, 1), d(2024, 6, 30), closed=D),
        opportunity("O4", "A1", 500.0, "lost", d(2024, 3, 1), d(2024, 8, 1),
                    closed=d(2024, 7, 5)),
        opportunity("O5", "A1", 1500.0, "lost", d(2024, 1, 5), d(2024, 4, 30),
                    closed=d(2024, 4, 15)),
        opportunity("O6", "A1", 400.0, "propose", d(2024, 7, 2), d(2024, 10, 1)),
    ]  # fmt: skip
    tables["closing_documents"] = [
        closing_doc("CD1", "I1", d(2024, 6, 2)),  # unsigned, 28 days
        closing_doc("CD2", "I1", d(2024, 6, 2), d(2024, 6, 5), kind="waybill", via_edo=True),
        closing_doc("CD3", "I2", d(2024, 3, 1), d(2024, 7, 10)),  # signed after D
        closing_doc("CD4", "I3", d(2024, 6, 28), kind="upd", via_edo=None),
        closing_doc("CD5", "I4", d(2024, 4, 20), d(2024, 4, 25), via_edo=True),
    ]
    return tables
