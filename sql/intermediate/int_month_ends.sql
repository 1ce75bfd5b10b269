-- The month ends whose aging is stored: from the month of the first document or payment to
-- the month of the last. Later (or mid-month) as-of dates are aged when asked.
-- Grain: one row per month end.
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

final as (
    select last_day(month_start)::date as as_of
    from months
)

select * from final
