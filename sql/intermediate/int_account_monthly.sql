-- Everything that happened on an account in a calendar month: the sums of int_account_daily
-- and the last day with a sale. A period of whole months then reads one row per account per
-- month instead of one per day; only the days of months a period covers in part are read
-- from the daily table (see counts_in_range).
-- Stored in month order (then account_key), so a statement reads only the blocks of the
-- months its ranges cover. last_sale_through (the account's latest sale up to the month's
-- end) and next_month_start (the account's next row, null for its last) make the latest sale
-- before any month a filter on the row just before it, not a max over the account's history.
-- Grain: one row per account per calendar month with any sale, document or allocated payment.
-- materialized: table
-- grouped and windowed on account_key alone (one per account_id); the text id is joined to
-- the result
with daily as (
    select * from int_account_daily
),

monthly as (
    select
        account_key,
        date_trunc('month', activity_date)::date as month_start,
        max(activity_date) filter (where has_sales) as last_sale_date,
        sum(quantity) as quantity,
        sum(revenue) as revenue,
        sum(cogs) as cogs,
        sum(billed) as billed,
        sum(paid_amount) as paid_amount,
        sum(paid_amount_x_days_to_pay) as paid_amount_x_days_to_pay,
        sum(paid_amount_x_days_late) as paid_amount_x_days_late
    from daily
    group by account_key, month_start
),

final as (
    select
        monthly.account_key,
        accounts.account_id,
        monthly.* exclude (account_key),
        max(monthly.last_sale_date) over (
            partition by monthly.account_key order by monthly.month_start
            rows between unbounded preceding and current row
        ) as last_sale_through,
        lead(monthly.month_start) over (
            partition by monthly.account_key order by monthly.month_start
        ) as next_month_start
    from monthly
    inner join int_accounts as accounts on accounts.account_key = monthly.account_key
    order by monthly.month_start, monthly.account_key
)

select * from final
