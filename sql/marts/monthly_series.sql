-- Monthly P&L and billing inside a period, per unit of `level` ('account', 'kam', 'group' or
-- 'portfolio'), with a row for every month even when nothing was sold (trend charts need
-- the gaps). Edge months count only their days inside the period.
-- Grain: one row per unit per calendar month overlapping [period_start, period_end].
-- params: period_start, period_end, scope, level
with accounts as (
    select * from int_account_units(level, scope)
),

months as (
    select unnest(generate_series(
        date_trunc('month', period_start)::date,
        date_trunc('month', period_end)::date,
        interval 1 month
    ))::date as month
),

units as (
    select distinct unit_id from accounts
),

activity as (
    select
        accounts.unit_id,
        date_trunc('month', daily.activity_date)::date as month,
        sum(daily.quantity) as quantity,
        sum(daily.revenue) as revenue,
        sum(daily.cogs) as cogs,
        sum(daily.billed) as billed
    from int_account_daily as daily
    inner join accounts on accounts.account_key = daily.account_key
    where daily.activity_date between period_start and period_end
    group by all
),

plan as (
    select
        accounts.unit_id,
        targets.month_start as month,
        sum(prorated(
            targets.revenue_target, targets.month_start, targets.month_end, period_start, period_end
        )) as revenue_target
    from int_targets as targets
    inner join accounts on accounts.account_key = targets.account_key
    where targets.month_start <= period_end and targets.month_end >= period_start
    group by all
),

final as (
    select
        units.unit_id,
        months.month,
        coalesce(activity.quantity, 0) as quantity,
        coalesce(activity.revenue, 0)::double as revenue,
        coalesce(activity.cogs, 0)::double as cogs,
        coalesce(activity.revenue - activity.cogs, 0)::double as gross_margin,
        ratio_if_positive(activity.revenue - activity.cogs, activity.revenue) as gross_margin_pct,
        coalesce(activity.billed, 0)::double as billed,
        plan.revenue_target::double as revenue_target
    from units
    cross join months
    left join activity on activity.unit_id = units.unit_id and activity.month = months.month
    left join plan on plan.unit_id = units.unit_id and plan.month = months.month
)

select * from final
