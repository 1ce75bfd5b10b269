-- Countback DSO at the as-of date, per account or for the whole scope: walk back calendar
-- months from the month of as_of (which counts day(as_of) days), consuming each month's billed
-- amount while the AR left exceeds it, then take the fraction of the month where it stops.
-- Null when open AR <= 0 or when the walk runs out of billing history.
-- Grain: one row per unit of `level`: 'account', 'kam', 'group' (holding) or 'portfolio'.
-- params: as_of, scope, level
with units as (
    select * from int_account_units(level, scope)
),

billing as (
    select
        units.unit_id,
        date_trunc('month', daily.activity_date)::date as month_start,
        daily.billed
    from int_account_daily as daily
    inner join units on units.account_id = daily.account_id
    where daily.activity_date <= as_of and daily.billed <> 0
),

open_ar as (
    select
        units.unit_id,
        sum(receivables.open_ar) as open_ar
    from int_account_receivables([as_of], 1) as receivables
    inner join units on units.account_id = receivables.account_id
    group by all
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

walk as (
    select
        months.unit_id,
        months.month_start,
        coalesce(monthly_billed.billed, 0) as billed,
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
        walk.*,
        open_ar.open_ar,
        sum(billed) over newest_first as billed_through,
        sum(month_days) over newest_first as days_through
    from walk
    inner join open_ar on open_ar.unit_id = walk.unit_id
    window newest_first as (
        partition by walk.unit_id order by walk.month_start desc
        rows between unbounded preceding and current row
    )
),

-- the walk stops in the newest month where the AR no longer exceeds what has been billed
-- since (AR left > month billed  <=>  AR > billed through that month)
stop_month as (
    select
        unit_id,
        arg_max(
            struct_pack(billed, month_days, billed_through, days_through, open_ar),
            month_start
        ) as stop
    from cumulative
    where open_ar <= billed_through
    group by unit_id
),

final as (
    select
        open_ar.unit_id,
        case
            when open_ar.open_ar <= 0 then null
            else (stop.days_through - stop.month_days)
                + (stop.open_ar - (stop.billed_through - stop.billed))::double
                / stop.billed::double * stop.month_days
        end as countback_dso
    from open_ar
    left join stop_month on stop_month.unit_id = open_ar.unit_id
)

select * from final
