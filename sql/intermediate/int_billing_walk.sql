-- The months a countback DSO walks through, per unit of `level` ('account', 'kam', 'group',
-- 'portfolio'): from the month of as_of (counting day(as_of) days) back to the first month
-- with billing, newest first, with billing and days accumulated along the way. Kept apart
-- from open AR so callers that already hold open AR do not compute it again.
-- Grain: one row per unit with billing on or before as_of.
-- params: as_of, scope, level
with units as (
    select * from int_account_units(level, scope)
),

-- whole months before as_of's month from the monthly table, as_of's own month to its day
billing as (
    select
        units.unit_id,
        monthly.month_start,
        monthly.billed
    from int_account_monthly_billing as monthly
    inner join units on units.account_id = monthly.account_id
    where monthly.month_start < date_trunc('month', as_of)
    union all
    select
        units.unit_id,
        date_trunc('month', as_of)::date as month_start,
        daily.billed
    from int_account_daily as daily
    inner join units on units.account_id = daily.account_id
    where
        daily.activity_date between date_trunc('month', as_of) and as_of
        and daily.billed <> 0
),

history as (
    select
        unit_id,
        min(month_start) as first_month
    from billing
    group by unit_id
),

months as (
    select
        history.unit_id,
        unnest(generate_series(
            history.first_month, date_trunc('month', as_of)::date, interval 1 month
        ))::date as month_start
    from history
),

monthly_billed as (
    select
        unit_id,
        month_start,
        sum(billed) as billed
    from billing
    group by all
),

steps as (
    select
        months.unit_id,
        months.month_start,
        coalesce(monthly_billed.billed, 0)::double as billed,
        case
            when months.month_start = date_trunc('month', as_of) then day(as_of)
            else day(last_day(months.month_start))
        end as month_days
    from months
    left join monthly_billed
        on monthly_billed.unit_id = months.unit_id
        and monthly_billed.month_start = months.month_start
),

cumulative as (
    select
        *,
        sum(billed) over newest_first as billed_through,
        sum(month_days) over newest_first as days_through
    from steps
    window newest_first as (
        partition by unit_id order by month_start desc
        rows between unbounded preceding and current row
    )
),

final as (
    select
        unit_id,
        list(
            struct_pack(billed, month_days, billed_through, days_through)
            order by month_start desc
        ) as walk
    from cumulative
    group by unit_id
)

select * from final
