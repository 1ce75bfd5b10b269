-- The months a countback DSO walks through at each as-of date D, per unit of `level`
-- ('account', 'kam', 'group', 'portfolio'): D's month (its first day(D) days) and every month
-- before it with billing, back to the unit's first (a month without billing is never where a
-- walk stops: the newer month after it covers as much). Each carries its billing and its
-- days, and the billing and days from its first day through D. The walk stops in the newest
-- month whose billing through D covers open AR (countback_covers, countback_from_stop); open
-- AR is left to the callers, which already hold it.
-- Grain: one row per as-of date per unit per month with billing on or before it (D's month
-- when it has any).
-- params: as_of_dates, scope, level
with units as (
    select * from int_account_units(level, scope)
),

requested_dates as (
    select distinct unnest(as_of_dates)::date as as_of
),

-- each unit's billing per month before D's month, and what it billed before that month: a
-- unit's months with billing are those of its accounts (int_account_monthly_billing)
unit_months as (
    select
        requested_dates.as_of,
        units.unit_id,
        monthly.month_start,
        sum(monthly.billed) as billed
    from int_account_monthly_billing as monthly
    inner join units on units.account_key = monthly.account_key
    inner join requested_dates on monthly.month_start < date_trunc('month', requested_dates.as_of)
    group by all
),

earlier_months as (
    select
        as_of,
        unit_id,
        month_start,
        billed,
        coalesce(sum(billed) over (
            partition by as_of, unit_id
            order by month_start
            rows between unbounded preceding and 1 preceding
        ), 0) as billed_before
    from unit_months
),

as_of_month as (
    select
        requested_dates.as_of,
        units.unit_id,
        date_trunc('month', requested_dates.as_of)::date as month_start,
        sum(daily.billed) as billed
    from int_account_daily as daily
    inner join units on units.account_key = daily.account_key
    inner join requested_dates
        on daily.activity_date between date_trunc('month', requested_dates.as_of)
        and requested_dates.as_of
    -- the same bounds on the parameter itself, which the scan can use to skip other days
    where
        daily.activity_date
        between date_trunc('month', list_min(as_of_dates)) and list_max(as_of_dates)
        and daily.billed <> 0
    group by all
),

billed_to_as_of as (
    select
        as_of,
        unit_id,
        sum(billed) as billed
    from (
        select as_of, unit_id, billed from earlier_months
        union all
        select as_of, unit_id, billed from as_of_month
    )
    group by all
),

steps as (
    select
        earlier_months.as_of,
        earlier_months.unit_id,
        earlier_months.month_start,
        earlier_months.billed,
        billed_to_as_of.billed - earlier_months.billed_before as billed_through
    from earlier_months
    inner join billed_to_as_of
        on billed_to_as_of.unit_id = earlier_months.unit_id
        and billed_to_as_of.as_of = earlier_months.as_of
    union all
    select
        as_of,
        unit_id,
        month_start,
        billed,
        billed as billed_through
    from as_of_month
),

walk_months as (
    select
        as_of,
        unit_id,
        month_start,
        billed,
        case
            when month_start = date_trunc('month', as_of) then day(as_of)
            else day(last_day(month_start))
        end as month_days,
        billed_through,
        as_of - month_start + 1 as days_through
    from steps
),

final as (
    select
        *,
        -- what countback_from_stop reads of the month the walk stops in
        struct_pack(billed, month_days, billed_through, days_through) as step
    from walk_months
)

select * from final
