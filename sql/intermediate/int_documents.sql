-- Receivable documents of known accounts; documents of unknown accounts are excluded here
-- and listed by validation (rule reference.invoices.account_id).
-- Grain: one row per document (invoice or credit note).
-- materialized: table
with invoices as (
    select * from stg_invoices
),

accounts as (
    select account_id from stg_accounts
),

final as (
    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.invoice_date,
        invoices.due_date,
        invoices.doc_type,
        invoices.amount_due
    from invoices
    semi join accounts on accounts.account_id = invoices.account_id
)

select * from final
