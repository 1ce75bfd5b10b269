-- What each document still owes at each as-of date: only documents dated on or before that
-- date and payments received on or before it exist then. Documents already settled for good
-- by that date owe nothing and are left out; the open balance is what was ever paid backed
-- out by the payments received after the date. Taking a list of dates lets trends (month-end
-- AR, DSO) share this one definition with the single-date views.
-- Grain: one row per as-of date per document dated on or before it and not settled by it.
-- params: as_of_dates
with as_of_dates as (
    select distinct unnest(as_of_dates)::date as as_of
),

documents as (
    select
        as_of_dates.as_of,
        documents.*
    from int_document_settlement as documents
    inner join as_of_dates
        on documents.invoice_date <= as_of_dates.as_of
        and (documents.settled_on is null or documents.settled_on > as_of_dates.as_of)
),

paid_later as (
    select
        as_of_dates.as_of,
        allocations.invoice_id,
        sum(allocations.amount) as amount
    from int_allocations as allocations
    inner join as_of_dates on allocations.payment_date > as_of_dates.as_of
    group by all
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
        documents.paid_total - coalesce(paid_later.amount, 0) as paid_amount,
        documents.amount_due - documents.paid_total + coalesce(paid_later.amount, 0)
            as open_balance,
        documents.as_of - documents.due_date as days_past_due
    from documents
    left join paid_later
        on paid_later.invoice_id = documents.invoice_id
        and paid_later.as_of = documents.as_of
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
