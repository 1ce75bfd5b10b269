-- Billing per account per calendar month, with everything the account billed before that
-- month. A countback walk over years of history then reads a few rows per account, and how
-- much was billed from any month through the as-of date is a subtraction, not a running sum
-- at query time.
-- Grain: one row per account per calendar month, from the account's first month with billing
-- to the last month with any billing (months in between without billing included, as 0).
-- materialized: table
with billed_months as (
    select
        account_id,
        month_start,
        billed
    from int_account_monthly
    where billed <> 0
),

history as (
    select
        account_id,
        min(month_start) as first_month
    from billed_months
    group by account_id
),

last_month as (
    select max(month_start) as month_start from billed_months
),

months as (
    select
        history.account_id,
        unnest(generate_series(
            history.first_month, last_month.month_start, interval 1 month
        ))::date as month_start
    from history
    cross join last_month
),

final as (
    select
        months.account_id,
        months.month_start,
        coalesce(billed_months.billed, 0) as billed,
        coalesce(sum(billed_months.billed) over (
            partition by months.account_id
            order by months.month_start
            rows between unbounded preceding and 1 preceding
        ), 0) as billed_before
    from months
    left join billed_months
        on billed_months.account_id = months.account_id
        and billed_months.month_start = months.month_start
)

select * from final
