-- The landing forecast of a set of accounts for the calendar year of D: the accounts'
-- landings and their year's plan summed, and landing vs plan = Σ landing / Σ plan − 1 when
-- the plan > 0 (a portfolio lands where its accounts land; accounts without a plan add landing
-- only). `account_rows` names a relation of the caller with one row per account of D
-- carrying landing_forecast and year_revenue_target (int_account_relationship's columns).
-- Grain: one row.
-- params: account_rows, as_of
with accounts as (
    select * from query_table(account_rows)
),

final as (
    select
        as_of,
        make_date(year(as_of), 12, 31) as year_end,
        coalesce(sum(landing_forecast), 0) as landing_forecast,
        sum(year_revenue_target) as year_revenue_target,
        ratio_if_positive(sum(landing_forecast), sum(year_revenue_target)) - 1 as landing_vs_plan
    from accounts
)

select * from final
