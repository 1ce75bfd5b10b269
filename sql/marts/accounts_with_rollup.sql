-- account_metrics and rollup_metrics of the same periods and scope in one statement, from
-- one computation of the account figures: a page that shows the portfolio tiles above its
-- accounts table plans and runs the figures once, not twice. Each row carries one of the
-- two, whole, in a struct column: `account_row` (row_kind 'account') or `rollup_row`
-- (row_kind 'rollup'); the other is null. An account row is account_metrics' row
-- (int_account_rows).
-- Grain: one row per requested period per account in scope, plus one per requested period
-- per unit of `level`.
-- params: periods, dso_days, scope, level
with figures as materialized (
    select * from int_account_figures(periods, dso_days, scope)
),

accounts as (
    select
        'account' as row_kind,
        account_row
    from (
        select * exclude (account_key) from int_account_rows(figures, periods, dso_days, scope)
    ) as account_row
),

rollups as (
    select
        'rollup' as row_kind,
        rollup_row
    from int_rollup_metrics(figures, periods, dso_days, scope, level) as rollup_row
),

final as (
    select * from accounts
    union all by name
    select * from rollups
)

select * from final
