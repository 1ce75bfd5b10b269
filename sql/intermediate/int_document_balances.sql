-- What each document still owes at each as-of date: only documents dated on or before that
-- date and payments received on or before it exist then. Documents already settled for good
-- by that date owe nothing and are left out; for the others, the document's own payments
-- received after the date are backed out of what was ever paid. Taking a list of dates lets
-- trends (month-end AR, DSO) share this one definition with the single-date views.
-- Grain: one row per as-of date per document dated on or before it and not settled by it.
-- params: as_of_dates
with as_of_dates as (
    select distinct unnest(as_of_dates)::date as as_of
),

documents as (
    select
        as_of_dates.as_of,
        documents.*,
        case
            when documents.first_payment_date is null
                or as_of_dates.as_of >= documents.last_payment_date then 0
            when as_of_dates.as_of < documents.first_payment_date then documents.paid_total
            -- only a document paid over several days can be paid in part by the as-of date
            else coalesce(list_sum(list_transform(
                list_filter(
                    documents.payments, lambda payment: payment.payment_date > as_of_dates.as_of
                ),
                lambda payment: payment.amount
            )), 0)
        end as paid_after_as_of
    from int_document_settlement as documents
    inner join as_of_dates
        on documents.invoice_date <= as_of_dates.as_of
        and documents.open_until > as_of_dates.as_of
),

balances as (
    select
        documents.as_of,
        documents.invoice_id,
        documents.account_id,
        documents.doc_type,
        documents.invoice_date,
        documents.due_date,
        documents.amount_due,
        documents.paid_total - documents.paid_after_as_of as paid_amount,
        documents.amount_due - documents.paid_total + documents.paid_after_as_of as open_balance,
        documents.as_of - documents.due_date as days_past_due,
        documents.account_key
    from documents
),

final as (
    select
        *,
        case
            when open_balance <= 0 then null
            when days_past_due <= 0 then 'ar_current'
            when days_past_due <= 30 then 'ar_1_30'
            when days_past_due <= 60 then 'ar_31_60'
            when days_past_due <= 90 then 'ar_61_90'
            else 'ar_91_plus'
        end as aging_bucket
    from balances
)

select * from final
