-- Staging: payment allocations, typed. A null invoice_id is unapplied cash on account.
-- Grain: one row per exported row (one per payment_id × invoice_id once keys validate).
with source as (
    select * from raw_payments
),

final as (
    select
        payment_id::varchar as payment_id,
        account_id::varchar as account_id,
        invoice_id::varchar as invoice_id,
        payment_date::date as payment_date,
        amount::decimal(18, 4) as amount
    from source
)

select * from final
