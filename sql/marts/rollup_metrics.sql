-- Account figures rolled up per unit of `level` ('portfolio', 'kam' or 'group') for each
-- requested period; what they are is int_rollup_metrics.
-- Grain: one row per requested period (period_index, from 1) per unit of `level` (a single
-- row per period for 'portfolio').
-- params: periods, dso_days, scope, level
with figures as (
    select * from int_account_figures(periods, dso_days, scope)
),

final as (
    select * from int_rollup_metrics(figures, periods, dso_days, scope, level)
)

select * from final
