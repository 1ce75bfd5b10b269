-- Closing documents of known invoices, placed on their invoice's account, each carrying its
-- share of the invoice: amount_due divided by the number of the invoice's closing documents,
-- so an invoice with an act and a waybill counts once. Documents of unknown invoices are
-- excluded here and listed by validation.
-- The share is exact money: the invoice's amount in its smallest unit (0.0001 rouble, the
-- scale of amount_due) is split into whole units, the first documents by id taking one unit
-- of the remainder each. The shares of an invoice add up to its amount_due exactly, and a
-- sum of shares is the same on every run (a division in floating point was neither: sums
-- drifted by a few billionths depending on the order DuckDB added them in).
-- Grain: one row per closing document.
-- materialized: table
with closing_documents as (
    select * from stg_closing_documents
),

invoices as (
    select * from int_documents
),

placed as (
    select
        closing_documents.closing_doc_id,
        closing_documents.invoice_id,
        invoices.account_id,
        invoices.invoice_date,
        closing_documents.doc_kind,
        closing_documents.issued_on,
        closing_documents.signed_on,
        closing_documents.via_edo,
        invoices.amount_due,
        (abs(invoices.amount_due) * 10000)::bigint as amount_units,
        count(*) over (partition by closing_documents.invoice_id) as invoice_documents,
        row_number() over (
            partition by closing_documents.invoice_id order by closing_documents.closing_doc_id
        ) as invoice_document_number
    from closing_documents
    inner join invoices on invoices.invoice_id = closing_documents.invoice_id
),

final as (
    select
        closing_doc_id,
        invoice_id,
        account_id,
        invoice_date,
        doc_kind,
        issued_on,
        signed_on,
        via_edo,
        amount_due,
        sign(amount_due)
        * (
            amount_units // invoice_documents
            + (invoice_document_number <= amount_units % invoice_documents)::bigint
        )::decimal(18, 0)
        * 0.0001 as amount
    from placed
)

select * from final
