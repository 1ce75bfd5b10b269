-- Plan per account and calendar month for known accounts (month taken as its calendar month;
-- validation warns when the exported date is not the 1st).
-- Stored in month order (then account_key): a period reads only the blocks of its months.
-- Grain: one row per account per month.
-- materialized: table
with targets as (
    select * from stg_targets
),

accounts as (
    select account_id, account_key from int_accounts
),

final as (
    select
        targets.account_id,
        accounts.account_key,
        date_trunc('month', targets.month)::date as month_start,
        last_day(targets.month) as month_end,
        targets.revenue_target,
        targets.gross_margin_target
    from targets
    inner join accounts on accounts.account_id = targets.account_id
    order by month_start, accounts.account_key
)

select * from final
