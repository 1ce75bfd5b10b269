-- Every per-account figure for each requested period P = [period_start, period_end] with its
-- as-of date D (`periods`: a list of struct(period_start, period_end, as_of)): P&L,
-- year-over-year growth, TTM revenues for retention, receivables and DSO, payment behaviour,
-- plan attainment and ABC class (ranked within the scope and the period).
-- `figures` names a relation of the caller (a CTE) holding int_account_figures(periods,
-- dso_days, scope): a statement that also rolls the accounts up computes them once.
-- Grain: one row per requested period (period_index, from 1) per account in scope, including
-- accounts with no activity.
-- params: figures, periods, dso_days, scope

with figures as (
    select * from query_table(figures)
),

account_open_ar as (
    select period_index, account_key as unit_id, as_of, exact_open_ar from figures
),

countback as (
    select
        period_index,
        account_key,
        countback_dso
    from int_account_countback_dso(account_open_ar, periods)
),

-- the ABC ranking over the period's revenue alone: a window sorts every column it carries, and
-- the figures have forty
revenue_ranks as (
    select
        period_index,
        account_key,
        coalesce(sum(exact_revenue) over (
            partition by period_index
            -- account_key is in account_id order: the same ties, broken on an integer
            order by exact_revenue desc, account_key
            rows between unbounded preceding and 1 preceding
        ), 0) as revenue_before,
        sum(exact_revenue) over (partition by period_index) as scope_revenue
    from figures
),

ranked as (
    select
        figures.*,
        countback.countback_dso,
        ratio_if_positive(figures.paid_amount_x_days_to_pay, figures.paid_in_period)
            as avg_days_to_pay,
        ratio_if_positive(figures.paid_amount_x_days_late, figures.paid_in_period)
            as avg_days_late,
        revenue_ranks.revenue_before,
        revenue_ranks.scope_revenue
    from figures
    inner join revenue_ranks
        on revenue_ranks.account_key = figures.account_key
        and revenue_ranks.period_index = figures.period_index
    left join countback
        on countback.account_key = figures.account_key
        and countback.period_index = figures.period_index
),

final as (
    select
        period_index,
        account_id,
        account_name,
        kam_id,
        revenue,
        cogs,
        revenue - cogs as gross_margin,
        ratio_if_positive(revenue - cogs, revenue) as gross_margin_pct,
        revenue_prior_year,
        ratio_if_positive(revenue, revenue_prior_year) - 1 as growth_yoy,
        open_ar,
        ar_current,
        ar_1_30,
        ar_31_60,
        ar_61_90,
        ar_91_plus,
        unapplied_credits,
        overdue_ar,
        period_dso(open_ar, billed, dso_days) as dso,
        countback_dso,
        avg_days_to_pay,
        avg_days_late,
        ratio_if_positive(open_ar, credit_limit) as credit_utilisation,
        case
            when scope_revenue <= 0 then null
            when revenue_before < 0.80 * scope_revenue then 'A'
            when revenue_before < 0.95 * scope_revenue then 'B'
            else 'C'
        end as abc_class,
        ratio_if_positive(overdue_ar, open_ar) as overdue_pct,
        revenue_target,
        ratio_if_positive(revenue, revenue_target) as plan_attainment,
        gross_margin_target,
        billed,
        paid_in_period,
        revenue_ttm,
        revenue_prior_ttm,
        last_order_date,
        kam_name,
        group_name,
        holding_name,
        industry,
        region,
        payment_terms_days,
        credit_limit,
        onboarded_on,
        -- the store's integer key, for the joins of the statements built on these rows
        account_key
    from ranked
)

select * from final
