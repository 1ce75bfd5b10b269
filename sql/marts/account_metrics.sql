-- Every per-account figure for each requested period (`periods`: a list of
-- struct(period_start, period_end, as_of)): int_account_rows over int_account_figures.
-- Grain: one row per requested period (period_index, from 1) per account in scope, including
-- accounts with no activity.
-- params: periods, dso_days, scope
with figures as (
    select * from int_account_figures(periods, dso_days, scope)
),

final as (
    select * exclude (account_key) from int_account_rows(figures, periods, dso_days, scope)
)

select * from final
