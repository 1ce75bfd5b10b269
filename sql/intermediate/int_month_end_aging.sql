-- Aging per account at every stored month end, computed once per data version: trends over
-- two years of month ends, and every quarter's or month's closing receivables, then read a
-- few stored rows instead of re-aging every open document at each date.
-- Grain: one row per month end per account with any document or unapplied cash then.
-- materialized: table
with month_ends as (
    select list(as_of order by as_of) as as_of_dates
    from int_month_ends
),

final as (
    select *
    from int_account_aging((select as_of_dates from month_ends))
)

select * from final
