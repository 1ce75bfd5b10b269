-- The additive figures of every account in scope for each requested period P =
-- [period_start, period_end] with its as-of date D: activity (revenue, COGS, prior-year and
-- TTM revenue, last order, payments), receivables and DSO billing at D, and plan for P,
-- beside the account's attributes. account_metrics adds the per-account ratios, countback
-- and ABC class; rollup_metrics sums these per unit without binding what only accounts need.
-- `periods` is a list of struct(period_start, period_end, as_of): a page that shows a period
-- beside its prior year asks for both in one statement, planned once (planning, not reading
-- rows, is most of a call's time).
-- Grain: one row per requested period (period_index, from 1) per account in scope,
-- including accounts with no activity.
-- params: periods, dso_days, scope
with accounts as (
    select * from int_accounts
    where scope is null or account_id in (select unnest(scope))
),

scoped as (
    select * from int_scoped_accounts(scope)
),

requested as (
    select
        unnest(generate_series(1, len(periods))) as period_index,
        unnest(periods) as period
),

periods as (
    select
        period_index,
        period.period_start,
        period.period_end,
        period.as_of,
        date_trunc('month', period.as_of)::date as as_of_month,
        (period.period_start - interval 1 year)::date as prior_start,
        (period.period_end - interval 1 year)::date as prior_end,
        (period.as_of - interval 1 year)::date + 1 as ttm_start,
        (period.as_of - interval 2 year)::date + 1 as prior_ttm_start,
        (period.as_of - interval 1 year)::date as prior_ttm_end
    from requested
),

-- the months any range of a period touches: from the prior year's or prior TTM's start to the
-- later of its end and as-of. The scans below take the same bounds over every period from the
-- parameter itself, which they use to skip the blocks of other months (the monthly and daily
-- tables are stored in date order)
windows as (
    select
        *,
        date_trunc('month', least(prior_start, prior_ttm_start))::date as first_month,
        greatest(period_end, as_of) as last_day
    from periods
),

-- the months the ranges below cover only in part: their days are read from the daily table,
-- every other month as one row from the monthly one (none when periods are whole months)
partial_months as (
    select distinct date_trunc('month', edge)::date as month_start
    from (
        select unnest([period_start, prior_start, ttm_start, prior_ttm_start]) as edge
        from periods
    )
    where day(edge) <> 1
    union
    select distinct date_trunc('month', edge)::date as month_start
    from (
        select unnest([period_end, prior_end, as_of, prior_ttm_end]) as edge
        from periods
    )
    where edge <> last_day(edge)
),

activity_rows as (
    select
        account_key,
        month_start,
        null::date as activity_date,
        revenue,
        cogs,
        paid_amount,
        paid_amount_x_days_to_pay,
        paid_amount_x_days_late
    from int_account_monthly
    where
        month_start
        between date_trunc('month', list_min(list_transform(periods, lambda period: least(
            (period.period_start - interval 1 year)::date,
            (period.as_of - interval 2 year)::date + 1
        ))))
        and list_max(list_transform(
            periods, lambda period: greatest(period.period_end, period.as_of)
        ))
    union all
    select
        daily.account_key,
        partial_months.month_start,
        daily.activity_date,
        daily.revenue,
        daily.cogs,
        daily.paid_amount,
        daily.paid_amount_x_days_to_pay,
        daily.paid_amount_x_days_late
    from int_account_daily as daily
    inner join partial_months
        on daily.activity_date between partial_months.month_start
        and last_day(partial_months.month_start)
    where
        daily.activity_date
        between date_trunc('month', list_min(list_transform(periods, lambda period: least(
            (period.period_start - interval 1 year)::date,
            (period.as_of - interval 2 year)::date + 1
        ))))
        and list_max(list_transform(
            periods, lambda period: greatest(period.period_end, period.as_of)
        ))
),

-- which ranges of each period each row counts towards; an unscoped call keeps every row (the
-- join to the accounts below drops no one), a scoped one only its accounts' before summing
ranged_rows as (
    select
        periods.period_index,
        activity_rows.*,
        counts_in_range(month_start, activity_date, periods.period_start, periods.period_end)
            as in_period,
        counts_in_range(month_start, activity_date, periods.prior_start, periods.prior_end)
            as in_prior_year,
        counts_in_range(month_start, activity_date, periods.ttm_start, periods.as_of) as in_ttm,
        counts_in_range(month_start, activity_date, periods.prior_ttm_start, periods.prior_ttm_end)
            as in_prior_ttm
    from activity_rows
    inner join windows as periods
        on activity_rows.month_start between periods.first_month and periods.last_day
    where scope is null or activity_rows.account_key in (select account_key from scoped)
),

activity as (
    select
        period_index,
        account_key,
        sum(revenue) filter (where in_period) as revenue,
        sum(cogs) filter (where in_period) as cogs,
        sum(revenue) filter (where in_prior_year) as revenue_prior_year,
        sum(revenue) filter (where in_ttm) as revenue_ttm,
        sum(revenue) filter (where in_prior_ttm) as revenue_prior_ttm,
        sum(paid_amount) filter (where in_period) as paid_in_period,
        sum(paid_amount_x_days_to_pay) filter (where in_period) as paid_amount_x_days_to_pay,
        sum(paid_amount_x_days_late) filter (where in_period) as paid_amount_x_days_late
    from ranged_rows
    group by period_index, account_key
),

-- the latest sale on or before as-of: before as-of's month, what the account's last month row
-- before it carries (last_sale_through); in as-of's month, its days through as-of
last_sales as (
    select
        periods.period_index,
        monthly.account_key,
        monthly.last_sale_through as last_sale_date
    from int_account_monthly as monthly
    inner join periods
        on monthly.month_start < periods.as_of_month
        and coalesce(monthly.next_month_start >= periods.as_of_month, true)
    where
        monthly.last_sale_through is not null
        and (scope is null or monthly.account_key in (select account_key from scoped))
    union all
    select
        periods.period_index,
        daily.account_key,
        daily.activity_date as last_sale_date
    from int_account_daily as daily
    inner join periods on daily.activity_date between periods.as_of_month and periods.as_of
    where
        daily.has_sales
        and (scope is null or daily.account_key in (select account_key from scoped))
        and daily.activity_date
        between date_trunc('month', list_min(list_transform(periods, lambda period: period.as_of)))
        and list_max(list_transform(periods, lambda period: period.as_of))
),

last_orders as (
    select
        period_index,
        account_key,
        max(last_sale_date) as last_order_date
    from last_sales
    group by all
),

receivables as (
    select
        periods.period_index,
        at_dates.*
    from int_account_receivables(
        list_transform(periods, lambda period: period.as_of), dso_days, scope
    ) as at_dates
    inner join periods on periods.as_of = at_dates.as_of
),

-- month_start and month_end are the target's, period_start and period_end the period's
plan as (
    select
        periods.period_index,
        targets.account_key,
        sum(prorated(revenue_target, month_start, month_end, period_start, period_end))
            as revenue_target,
        sum(prorated(gross_margin_target, month_start, month_end, period_start, period_end))
            as gross_margin_target
    from int_targets as targets
    inner join periods
        on targets.month_start <= periods.period_end
        and targets.month_end >= periods.period_start
    where
        targets.month_start
        <= list_max(list_transform(periods, lambda period: period.period_end))
        and targets.month_end
        >= list_min(list_transform(periods, lambda period: period.period_start))
    group by all
),

final as (
    select
        periods.period_index,
        periods.as_of,
        accounts.account_id,
        accounts.account_key,
        accounts.account_name,
        accounts.kam_id,
        accounts.kam_name,
        accounts.group_name,
        accounts.holding_name,
        accounts.industry,
        accounts.region,
        accounts.payment_terms_days,
        accounts.credit_limit::double as credit_limit,
        accounts.onboarded_on,
        coalesce(activity.revenue, 0)::double as revenue,
        -- ABC classes compare cumulative shares with 80 % and 95 %: in exact decimals, as a
        -- double sum of many small amounts can land just below a boundary it reaches
        coalesce(activity.revenue, 0) as exact_revenue,
        coalesce(activity.cogs, 0)::double as cogs,
        coalesce(activity.revenue_prior_year, 0)::double as revenue_prior_year,
        coalesce(activity.revenue_ttm, 0)::double as revenue_ttm,
        coalesce(activity.revenue_prior_ttm, 0)::double as revenue_prior_ttm,
        last_orders.last_order_date,
        coalesce(receivables.open_ar, 0)::double as open_ar,
        -- countback compares open AR with billing: in exact decimals, so a sum that reaches
        -- a month's billing is not rounded just past or short of it
        coalesce(receivables.open_ar, 0) as exact_open_ar,
        coalesce(receivables.ar_current, 0)::double as ar_current,
        coalesce(receivables.ar_1_30, 0)::double as ar_1_30,
        coalesce(receivables.ar_31_60, 0)::double as ar_31_60,
        coalesce(receivables.ar_61_90, 0)::double as ar_61_90,
        coalesce(receivables.ar_91_plus, 0)::double as ar_91_plus,
        coalesce(receivables.unapplied_credits, 0)::double as unapplied_credits,
        coalesce(receivables.overdue_ar, 0)::double as overdue_ar,
        coalesce(receivables.billed, 0)::double as billed,
        coalesce(activity.paid_amount_x_days_to_pay, 0)::double as paid_amount_x_days_to_pay,
        coalesce(activity.paid_amount_x_days_late, 0)::double as paid_amount_x_days_late,
        coalesce(activity.paid_in_period, 0)::double as paid_in_period,
        plan.revenue_target::double as revenue_target,
        plan.gross_margin_target::double as gross_margin_target
    from accounts
    cross join periods
    left join activity
        on activity.account_key = accounts.account_key
        and activity.period_index = periods.period_index
    left join last_orders
        on last_orders.account_key = accounts.account_key
        and last_orders.period_index = periods.period_index
    left join receivables
        on receivables.account_key = accounts.account_key
        and receivables.period_index = periods.period_index
    left join plan
        on plan.account_key = accounts.account_key
        and plan.period_index = periods.period_index
)

select * from final
