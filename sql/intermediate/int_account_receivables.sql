-- Aging, unapplied credits, open and overdue AR, and DSO billing per account (account_key)
-- in scope at each as-of date.
-- Grain: one row per as-of date per account in scope with a document still open, unapplied
-- cash or billing in the DSO window at that date.
-- params: as_of_dates, dso_days, scope
with requested_dates as (
    select distinct unnest(as_of_dates)::date as as_of
),

accounts as (
    select account_key from int_scoped_accounts(scope)
),

aging as (
    select * from int_aging_at_dates(as_of_dates, scope)
),

billed as (
    select
        requested_dates.as_of,
        daily.account_key,
        sum(daily.billed) as billed
    from int_account_daily as daily
    inner join requested_dates
        on in_dso_window(daily.activity_date, requested_dates.as_of, dso_days)
    where
        -- the bounds of every window on the parameter itself, which the scan of the
        -- date-ordered table uses to skip the blocks of other days
        daily.activity_date
        between list_min(as_of_dates)::date - dso_days + 1 and list_max(as_of_dates)::date
        and (scope is null or daily.account_key in (select account_key from accounts))
    group by all
),

-- an account whose documents are all settled by the date has no aging row, but what it was
-- billed still counts towards DSO: a full join, not a left one
joined as (
    select
        coalesce(aging.as_of, billed.as_of) as as_of,
        coalesce(aging.account_key, billed.account_key) as account_key,
        coalesce(aging.ar_current, 0) as ar_current,
        coalesce(aging.ar_1_30, 0) as ar_1_30,
        coalesce(aging.ar_31_60, 0) as ar_31_60,
        coalesce(aging.ar_61_90, 0) as ar_61_90,
        coalesce(aging.ar_91_plus, 0) as ar_91_plus,
        coalesce(aging.unapplied_credits, 0) as unapplied_credits,
        coalesce(billed.billed, 0) as billed
    from aging
    full join billed on billed.account_key = aging.account_key and billed.as_of = aging.as_of
),

final as (
    select
        *,
        ar_1_30 + ar_31_60 + ar_61_90 + ar_91_plus as overdue_ar,
        ar_current + ar_1_30 + ar_31_60 + ar_61_90 + ar_91_plus + unapplied_credits as open_ar
    from joined
)

select * from final
