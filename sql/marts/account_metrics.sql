-- Every per-account figure for each requested period (`periods`: a list of
-- struct(period_start, period_end, as_of)); what they are is int_account_metrics, and beside
-- them the relationship, pipeline, closing-document, renewal and landing figures
-- (int_account_relationship; empty where the export has no CRM or closing-document table).
-- Grain: one row per requested period (period_index, from 1) per account in scope, including
-- accounts with no activity.
-- params: periods, dso_days, scope
with figures as (
    select * from int_account_figures(periods, dso_days, scope)
),

relationship as (
    select * from int_account_relationship(periods, scope)
),

final as (
    select
        metrics.*,
        relationship.* exclude (period_index, account_id)
    from int_account_metrics(figures, periods, dso_days, scope) as metrics
    left join relationship
        on relationship.period_index = metrics.period_index
        and relationship.account_id = metrics.account_id
)

select * from final
