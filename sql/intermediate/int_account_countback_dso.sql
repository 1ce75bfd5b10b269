-- Countback DSO of each account at each requested as-of date D: the walk of int_countback_dso
-- at level 'account' (int_billing_walk), read straight from each account's monthly billing.
-- An account is its own unit, so no month is summed over units: the walk stops in the newest
-- month m whose billing from its first day through D covers the open AR, that is D's month
-- when its billing through D does, else the newest earlier month with
-- billed_before(m) <= billed through D - open AR. At 150,000 accounts rolling every month of
-- every account up to itself took most of the accounts statement's time.
-- `account_open_ar` names a relation of the caller (a CTE) with one row per period_index and
-- unit_id (the account's account_key), its as_of and its exact_open_ar. An account whose walk
-- never covers its AR has no row (its countback DSO is null).
-- Grain: one row per requested period (period_index) per account with a stop.
-- params: account_open_ar, periods
with targets as (
    select
        period_index,
        unit_id as account_key,
        as_of,
        date_trunc('month', as_of)::date as as_of_month,
        exact_open_ar
    from query_table(account_open_ar)
    -- countback_covers: no AR to explain, no stop
    where exact_open_ar > 0
),

as_of_dates as (
    select list_transform(periods, lambda period: period.as_of) as dates
),

-- billing from the first day of D's month through D
as_of_month as (
    select
        targets.period_index,
        targets.account_key,
        sum(daily.billed) as billed
    from int_account_daily as daily
    inner join targets
        on targets.account_key = daily.account_key
        and daily.activity_date between targets.as_of_month and targets.as_of
    -- the same bounds on the parameter itself, which the scan can use to skip other days
    where
        daily.activity_date
        between date_trunc('month', (select list_min(dates) from as_of_dates))
        and (select list_max(dates) from as_of_dates)
        and daily.billed <> 0
    group by all
),

earlier_billing as (
    select
        targets.period_index,
        targets.account_key,
        sum(monthly.billed) as billed
    from int_account_monthly_billing as monthly
    inner join targets
        on targets.account_key = monthly.account_key
        and monthly.month_start < targets.as_of_month
    group by all
),

-- what the account billed from its first month through D, beside what is left to explain
walk_targets as (
    select
        targets.*,
        coalesce(as_of_month.billed, 0) as as_of_month_billed,
        coalesce(earlier_billing.billed, 0) + coalesce(as_of_month.billed, 0) as billed_to_as_of
    from targets
    left join as_of_month
        on as_of_month.period_index = targets.period_index
        and as_of_month.account_key = targets.account_key
    left join earlier_billing
        on earlier_billing.period_index = targets.period_index
        and earlier_billing.account_key = targets.account_key
),

-- the newest earlier month that covers, for the accounts D's own month does not cover
earlier_stops as (
    select
        walk_targets.period_index,
        walk_targets.account_key,
        arg_max(
            struct_pack(
                billed := monthly.billed,
                month_days := day(last_day(monthly.month_start)),
                billed_through := walk_targets.billed_to_as_of - monthly.billed_before,
                days_through := walk_targets.as_of - monthly.month_start + 1
            ),
            monthly.month_start
        ) as step
    from int_account_monthly_billing as monthly
    inner join walk_targets
        on walk_targets.account_key = monthly.account_key
        and monthly.month_start < walk_targets.as_of_month
        and walk_targets.billed_to_as_of - monthly.billed_before >= walk_targets.exact_open_ar
    where not countback_covers(walk_targets.exact_open_ar, walk_targets.as_of_month_billed)
    group by all
),

stops as (
    select
        period_index,
        account_key,
        exact_open_ar,
        struct_pack(
            billed := as_of_month_billed,
            month_days := day(as_of),
            billed_through := as_of_month_billed,
            days_through := as_of - as_of_month + 1
        ) as step
    from walk_targets
    where countback_covers(exact_open_ar, as_of_month_billed)
    union all
    select
        earlier_stops.period_index,
        earlier_stops.account_key,
        walk_targets.exact_open_ar,
        earlier_stops.step
    from earlier_stops
    inner join walk_targets
        on walk_targets.period_index = earlier_stops.period_index
        and walk_targets.account_key = earlier_stops.account_key
),

final as (
    select
        period_index,
        account_key,
        countback_from_stop(exact_open_ar, step) as countback_dso
    from stops
)

select * from final
