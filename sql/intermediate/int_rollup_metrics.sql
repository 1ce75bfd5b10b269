-- Account figures rolled up to a level: the whole scope ('portfolio'), each KAM ('kam') or
-- each holding group ('group'). Sums are summed; ratios are recomputed from the sums;
-- concentration (top-N share, HHI) and retention (NRR, GRR) are taken over the unit's accounts.
-- `periods` is a list of struct(period_start, period_end, as_of), as for account_metrics;
-- `figures` names a relation of the caller (a CTE) holding int_account_figures(periods,
-- dso_days, scope).
-- Grain: one row per requested period (period_index, from 1) per unit of `level` (a single
-- row per period for 'portfolio').
-- params: figures, periods, dso_days, scope, level

-- the money figures summed as the exact decimals they were (exact_money)
with accounts as (
    select
        figures.* replace (
            exact_money(figures.revenue) as revenue,
            exact_money(figures.cogs) as cogs,
            exact_money(figures.revenue_prior_year) as revenue_prior_year,
            exact_money(figures.open_ar) as open_ar,
            exact_money(figures.ar_current) as ar_current,
            exact_money(figures.ar_1_30) as ar_1_30,
            exact_money(figures.ar_31_60) as ar_31_60,
            exact_money(figures.ar_61_90) as ar_61_90,
            exact_money(figures.ar_91_plus) as ar_91_plus,
            exact_money(figures.unapplied_credits) as unapplied_credits,
            exact_money(figures.overdue_ar) as overdue_ar,
            exact_money(figures.billed) as billed,
            exact_money(figures.revenue_ttm) as revenue_ttm,
            exact_money(figures.revenue_prior_ttm) as revenue_prior_ttm,
            exact_money(figures.paid_in_period) as paid_in_period,
            exact_money(figures.paid_amount_x_days_to_pay) as paid_amount_x_days_to_pay,
            exact_money(figures.paid_amount_x_days_late) as paid_amount_x_days_late
        ),
        units.unit_id
    from query_table(figures) as figures
    inner join int_account_units(level, scope) as units on units.account_key = figures.account_key
),

totals as (
    select
        period_index,
        unit_id,
        any_value(as_of) as as_of,
        case level
            when 'kam' then coalesce(any_value(kam_name), unit_id)
            when 'group' then unit_id
            else null
        end as unit_name,
        count(*) as accounts,
        count(*) filter (where revenue <> 0) as active_accounts,
        sum(revenue) as revenue,
        sum(cogs) as cogs,
        sum(revenue_prior_year) as revenue_prior_year,
        sum(open_ar) as open_ar,
        sum(exact_open_ar) as exact_open_ar,
        sum(ar_current) as ar_current,
        sum(ar_1_30) as ar_1_30,
        sum(ar_31_60) as ar_31_60,
        sum(ar_61_90) as ar_61_90,
        sum(ar_91_plus) as ar_91_plus,
        sum(unapplied_credits) as unapplied_credits,
        sum(overdue_ar) as overdue_ar,
        sum(billed) as billed,
        -- the largest revenues by an aggregate rather than a rank: a window over the unit
        -- sorts all its accounts on one thread (0.45 s of the view at 150,000 accounts)
        list_sum(max(revenue, 5)) as top5_revenue,
        list_sum(max(revenue, 10)) as top10_revenue,
        -- Σ (100 · r / R)² over the positive revenues r, R their sum, as 10⁴ · Σ r² / R²
        10000 * sum(power(revenue::double, 2)) filter (where revenue > 0)
        / power(sum(revenue) filter (where revenue > 0), 2) as hhi,
        sum(revenue_ttm) filter (where revenue_prior_ttm > 0) as retained_ttm_revenue,
        sum(least(greatest(revenue_ttm, 0), revenue_prior_ttm)) filter (
            where revenue_prior_ttm > 0
        ) as kept_ttm_revenue,
        sum(revenue_prior_ttm) filter (where revenue_prior_ttm > 0) as prior_ttm_revenue,
        sum(revenue_target) as revenue_target,
        sum(gross_margin_target) as gross_margin_target,
        sum(paid_in_period) as paid_in_period,
        -- an account's average counts only where it has one (paid in the period > 0)
        sum(paid_amount_x_days_to_pay) filter (where paid_in_period > 0) as weighted_days_to_pay,
        sum(paid_amount_x_days_late) filter (where paid_in_period > 0) as weighted_days_late,
        count(*) filter (
            where ratio_if_positive(open_ar, credit_limit) > 1
        ) as accounts_over_credit_limit
    from accounts
    group by period_index, unit_id
),

countback as (
    select * from int_countback_dso(totals, periods, scope, level)
),

final as (
    select
        totals.period_index,
        totals.unit_id,
        totals.unit_name,
        totals.accounts,
        totals.active_accounts,
        totals.revenue::double as revenue,
        totals.cogs::double as cogs,
        (totals.revenue - totals.cogs)::double as gross_margin,
        ratio_if_positive(totals.revenue - totals.cogs, totals.revenue) as gross_margin_pct,
        totals.revenue_prior_year::double as revenue_prior_year,
        ratio_if_positive(totals.revenue, totals.revenue_prior_year) - 1 as growth_yoy,
        totals.open_ar::double as open_ar,
        totals.ar_current::double as ar_current,
        totals.ar_1_30::double as ar_1_30,
        totals.ar_31_60::double as ar_31_60,
        totals.ar_61_90::double as ar_61_90,
        totals.ar_91_plus::double as ar_91_plus,
        totals.unapplied_credits::double as unapplied_credits,
        totals.overdue_ar::double as overdue_ar,
        ratio_if_positive(totals.overdue_ar, totals.open_ar) as overdue_pct,
        period_dso(totals.open_ar, totals.billed, dso_days) as dso,
        countback.countback_dso,
        ratio_if_positive(totals.top5_revenue, totals.revenue) as top5_share,
        ratio_if_positive(totals.top10_revenue, totals.revenue) as top10_share,
        totals.hhi,
        ratio_if_positive(totals.retained_ttm_revenue, totals.prior_ttm_revenue) as nrr,
        ratio_if_positive(totals.kept_ttm_revenue, totals.prior_ttm_revenue) as grr,
        totals.revenue_target,
        ratio_if_positive(totals.revenue, totals.revenue_target) as plan_attainment,
        totals.gross_margin_target,
        ratio_if_positive(totals.weighted_days_to_pay, totals.paid_in_period) as avg_days_to_pay,
        ratio_if_positive(totals.weighted_days_late, totals.paid_in_period) as avg_days_late,
        totals.accounts_over_credit_limit,
        totals.billed::double as billed
    from totals
    left join countback
        -- a house account's KAM unit is none (null): it has its countback too
        on countback.unit_id is not distinct from totals.unit_id
        and countback.period_index = totals.period_index
)

select * from final
