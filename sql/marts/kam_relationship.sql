-- The relationship, pipeline and landing figures of each KAM's book (the team page) for the
-- period P = [period_start, period_end] at D = as_of: meetings in P per account, decision-
-- maker coverage pooled over the book (decision makers met in the 90 days to D / active
-- decision makers, null when it has none), the weighted pipeline open at D, and the landing
-- forecast against the year's plan (Σ landing / Σ plan − 1, as landing_rollup). House
-- accounts (no KAM) are the unit with an empty kam_id. A figure whose CRM table is missing
-- is empty, as in int_account_relationship.
-- Grain: one row per KAM with an account in scope (and one for house accounts, if any).
-- params: period_start, period_end, as_of, scope
with accounts as (
    select * from int_account_relationship(
        [{'period_start': period_start, 'period_end': period_end, 'as_of': as_of}], scope
    )
),

units as (
    select * from int_account_units('kam', scope)
),

final as (
    select
        units.unit_id as kam_id,
        count(*) as accounts,
        sum(accounts.meetings_in_period)::bigint as meetings_in_period,
        sum(accounts.meetings_in_period) / count(*) as meetings_per_account,
        sum(accounts.decision_makers)::bigint as decision_makers,
        sum(accounts.decision_makers_met)::bigint as decision_makers_met,
        ratio_if_positive(sum(accounts.decision_makers_met), sum(accounts.decision_makers))
            as decision_maker_coverage,
        sum(accounts.pipeline) as pipeline,
        sum(accounts.weighted_pipeline) as weighted_pipeline,
        sum(accounts.landing_forecast) as landing_forecast,
        sum(accounts.year_revenue_target) as year_revenue_target,
        ratio_if_positive(sum(accounts.landing_forecast), sum(accounts.year_revenue_target)) - 1
            as landing_vs_plan
    from accounts
    inner join units on units.account_id = accounts.account_id
    group by units.unit_id
)

select * from final
