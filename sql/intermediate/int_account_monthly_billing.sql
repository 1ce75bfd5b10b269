-- Billing per account per calendar month, so a countback walk over years of history reads a
-- few rows per account instead of every day.
-- Grain: one row per account per month with any billing.
-- materialized: table
with daily as (
    select * from int_account_daily
),

final as (
    select
        account_id,
        date_trunc('month', activity_date)::date as month_start,
        sum(billed) as billed
    from daily
    where billed <> 0
    group by all
)

select * from final
