-- Cash received on account without a document (payments with a null invoice_id) of known
-- accounts.
-- Grain: one row per unapplied payment.
-- materialized: table
with payments as (
    select * from stg_payments where invoice_id is null
),

accounts as (
    select account_id from stg_accounts
),

final as (
    select
        payments.payment_id,
        payments.account_id,
        payments.payment_date,
        payments.amount
    from payments
    semi join accounts on accounts.account_id = payments.account_id
)

select * from final
