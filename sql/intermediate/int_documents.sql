-- Receivable documents of known accounts; documents of unknown accounts are excluded here
-- and listed by validation (rule reference.invoices.account_id). Each carries its account's
-- account_key, so the facts built from documents group and join on an integer, not the text id.
-- Grain: one row per document (invoice or credit note).
-- materialized: table
with invoices as (
    select * from stg_invoices
),

-- one key per account id: an account_id given twice (a key.unique error) must not repeat
-- its documents, as the semi join this replaced did not
accounts as (
    select
        account_id,
        min(account_key) as account_key
    from int_accounts
    group by account_id
),

final as (
    select
        invoices.invoice_id,
        invoices.account_id,
        invoices.invoice_date,
        invoices.due_date,
        invoices.doc_type,
        invoices.amount_due,
        accounts.account_key
    from invoices
    inner join accounts on accounts.account_id = invoices.account_id
)

select * from final
