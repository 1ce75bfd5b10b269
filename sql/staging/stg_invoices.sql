-- Staging: receivable documents (invoices and credit notes), typed; TIMESTAMP → DATE.
-- Grain: one row per exported row (one per document once keys validate).
with source as (
    select * from raw_invoices
),

final as (
    select
        invoice_id::varchar as invoice_id,
        account_id::varchar as account_id,
        invoice_date::date as invoice_date,
        due_date::date as due_date,
        doc_type::varchar as doc_type,
        amount_due::decimal(18, 4) as amount_due
    from source
)

select * from final
