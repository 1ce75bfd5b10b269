-- Closing documents of known invoices, placed on their invoice's account, each carrying its
-- share of the invoice: amount_due divided by the number of the invoice's closing documents,
-- so an invoice with an act and a waybill counts once. Documents of unknown invoices are
-- excluded here and listed by validation.
-- Grain: one row per closing document.
-- materialized: table
with closing_documents as (
    select * from stg_closing_documents
),

invoices as (
    select * from int_documents
),

final as (
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
        invoices.amount_due
        / count(*) over (partition by closing_documents.invoice_id) as amount
    from closing_documents
    inner join invoices on invoices.invoice_id = closing_documents.invoice_id
)

select * from final
