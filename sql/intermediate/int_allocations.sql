-- Payments allocated to known documents, carried on the document's account (the receivable
-- belongs to the document). Allocations to unknown documents are excluded here and listed
-- by validation.
-- Grain: one row per payment allocation (payment_id × invoice_id). Neither id is kept: the
-- document is named by its row in int_documents (DuckDB's rowid, fixed once that table is
-- built), which the settlement groups and joins as an integer rather than a 16-character id,
-- and nothing downstream reads the payment_id. At 50M lines writing the two ids to the store
-- and joining on text took 8.7 s of this table's build and 16.3 s of the settlement's;
-- without them 4.2 s and 12.8 s.
-- payment_account_matches: whether the payment names the document's account. Validation's
-- rule.account_matches_document reads it to prove no payment breaks the rule (false on no row)
-- instead of joining the export's payments with the documents again (1.0 s of CPU at 6M lines).
-- materialized: table
with payments as (
    select * from stg_payments where invoice_id is not null
),

documents as (
    select rowid as document_row, * from int_documents
),

final as (
    select
        documents.document_row,
        documents.account_id,
        payments.payment_date,
        payments.amount,
        documents.invoice_date,
        documents.due_date,
        documents.account_key,
        payments.account_id is not distinct from documents.account_id as payment_account_matches
    from payments
    inner join documents on documents.invoice_id = payments.invoice_id
)

select * from final
