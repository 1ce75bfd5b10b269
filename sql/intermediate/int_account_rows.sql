-- The account rows the pages and the API show: every figure of int_account_metrics and,
-- beside them, the relationship, pipeline, closing-document, renewal and landing figures
-- (int_account_relationship; empty where the export has no CRM or closing-document table).
-- `figures` is int_account_figures of the same periods and scope, computed by the caller so a
-- statement that also rolls the accounts up computes it once.
-- Grain: one row per requested period (period_index, from 1) per account in scope.
-- params: figures, periods, dso_days, scope
with relationship as (
    select * from int_account_relationship(periods, scope)
),

final as (
    select
        metrics.*,
        relationship.* exclude (period_index, account_id, account_key)
    from int_account_metrics(figures, periods, dso_days, scope) as metrics
    left join relationship
        on relationship.period_index = metrics.period_index
        and relationship.account_key = metrics.account_key
)

select * from final
