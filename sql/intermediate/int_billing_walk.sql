-- The months a countback DSO walks through, per unit of `level` ('account', 'kam', 'group',
-- 'portfolio'): as_of's month (its first day(as_of) days) and every month before it back to
-- the unit's first month with billing. Each carries its billing and its days, and the billing
-- and days from its first day through as_of. The walk stops in the newest month whose billing
-- through as_of covers open AR (countback_covers, countback_from_stop); open AR is left to the
-- callers, which already hold it.
-- Grain: one row per unit per month, for units with billing on or before as_of.
-- params: as_of, scope, level
with units as (
    select * from int_account_units(level, scope)
),

-- whole months before as_of's month, from the stored monthly table
earlier_months as (
    select
        units.unit_id,
        monthly.month_start,
        sum(monthly.billed) as billed,
        sum(monthly.billed_before) as billed_before
    from int_account_monthly_billing as monthly
    inner join units on units.account_id = monthly.account_id
    where monthly.month_start < date_trunc('month', as_of)
    group by all
),

-- as_of's own month, to its day
as_of_month as (
    select
        units.unit_id,
        date_trunc('month', as_of)::date as month_start,
        sum(daily.billed) as billed
    from int_account_daily as daily
    inner join units on units.account_id = daily.account_id
    where
        daily.activity_date between date_trunc('month', as_of) and as_of
        and daily.billed <> 0
    group by all
),

billed_to_as_of as (
    select
        unit_id,
        sum(billed) as billed
    from (
        select unit_id, billed from earlier_months
        union all
        select unit_id, billed from as_of_month
    )
    group by unit_id
),

-- billing from a month's first day through as_of is all billing to as_of less what came
-- before the month: exact decimals, so "covers" is decided without rounding
steps as (
    select
        earlier_months.unit_id,
        earlier_months.month_start,
        earlier_months.billed,
        billed_to_as_of.billed - earlier_months.billed_before as billed_through
    from earlier_months
    inner join billed_to_as_of on billed_to_as_of.unit_id = earlier_months.unit_id
    union all
    select
        unit_id,
        month_start,
        billed,
        billed as billed_through
    from as_of_month
),

walk_months as (
    select
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
