-- Aging per account at every stored as-of date (int_aging_dates), computed once per data
-- version: trends over two years of month ends, every quarter's or month's closing
-- receivables and the app's default views then read a few stored rows instead of re-aging
-- every open document at each date.
-- Stored in as-of order (then account_key): a statement reads only the blocks of its dates.
-- Grain: one row per stored as-of date per account with any document or unapplied cash then.
-- materialized: table
with stored_dates as (
    select list(as_of order by as_of) as as_of_dates
    from int_aging_dates
),

final as (
    select *
    from int_account_aging((select as_of_dates from stored_dates))
    order by as_of, account_key
)

select * from final
