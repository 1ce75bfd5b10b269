-- The as-of dates whose aging is stored, computed once per data version: every month end from
-- the month of the first document or payment to the month of the last (trends, and every
-- month's or quarter's closing receivables), plus the latest document day and the same day a
-- year earlier, where the app's default views end (every period preset but the last quarter
-- ends at the latest document day, and compares with the year before). Any other as-of date
-- is aged when asked.
-- Grain: one row per stored as-of date.
-- materialized: table
with activity as (
    select
        min(activity_date) as first_date,
        max(activity_date) as last_date
    from int_account_daily
),

unapplied as (
    select
        min(payment_date) as first_date,
        max(payment_date) as last_date
    from int_unapplied_cash
),

months as (
    select unnest(generate_series(
        date_trunc('month', least(activity.first_date, unapplied.first_date)),
        date_trunc('month', greatest(activity.last_date, unapplied.last_date)),
        interval 1 month
    )) as month_start
    from activity, unapplied
),

-- the app's anchor: the latest document date (Store.data_range)
latest_document as (
    select max(invoice_date) as last_date from int_documents
),

final as (
    select last_day(month_start)::date as as_of
    from months
    union
    select last_date as as_of
    from latest_document
    where last_date is not null
    union
    -- 29 February a year on is 28 February, as the app's prior-year dates
    select (last_date - interval 1 year)::date as as_of
    from latest_document
    where last_date is not null
)

select * from final
