-- The per-account figures of the first requested period as the pages' account tables show
-- them, with what the tables sort and select on beside them: the prior year's GM % and
-- overdue % (from the second requested period, the prior year, when given), the revenue
-- change against the prior year, and the at-risk signs, each a flag with the `thresholds`
-- (struct no_order_days, revenue_drop, margin_erosion_pp, overdue_rise_pp) it compares with,
-- and the relationship signs: no meeting in the 90 days to D, single-threaded, renewal due,
-- an active decision maker who is a detractor.
-- House accounts carry the signs that they look like key accounts: revenue or
-- growth in the top decile of the scope's accounts with one, or new (onboarded in the year to
-- D, or revenue in the TTM and none in the prior TTM) in a holding group that has a key
-- account. Searching, sorting and paging are the caller's (Store.account_listing), over these
-- rows computed once per view, so an account's ABC class does not depend on what was typed.
-- Of the prior year only the additive figures are computed (no ranking, countback or TTM);
-- its GM % and overdue % are account_metrics' formulas over them.
-- The same statement rolls the figures of both periods up for the whole scope (rollup_metrics
-- at level 'portfolio'), from the one computation of the account figures: the tiles above a
-- page's tables cost no second pass over the accounts. Each row carries one of the two, whole,
-- in a struct column, as accounts_with_rollup's do: `account_row` (row_kind 'account') or
-- `rollup_row` (row_kind 'rollup', one per requested period).
-- Grain: one row per account in scope, plus one per requested period.
-- params: periods, dso_days, scope, thresholds
with figures as materialized (
    select * from int_account_figures(periods, dso_days, scope)
),

current_figures as (
    select * from figures where period_index = 1
),

metrics as (
    select * from int_account_rows(current_figures, periods[1:1], dso_days, scope)
),

prior_figures as (
    select * from figures where period_index = 2
),

-- the ranks below over the few columns they read, joined back: a window sorts every column it
-- carries, and over the CTE of the account rows it was given them all (measured: ~0.7 s of
-- CPU at 150,000 accounts)
rank_inputs as materialized (
    select account_key, revenue, growth_yoy from metrics
),

ranks as (
    select
        account_key,
        case when revenue > 0 then percent_rank() over (
            partition by revenue > 0 order by revenue
        ) end as revenue_percentile,
        case when growth_yoy is not null then percent_rank() over (
            partition by growth_yoy is not null order by growth_yoy
        ) end as growth_percentile
    from rank_inputs
),

-- holding groups that have a key account in scope
key_groups as (
    select accounts.group_name
    from metrics
    inner join int_accounts as accounts on accounts.account_key = metrics.account_key
    where accounts.group_name is not null
    group by accounts.group_name
    having bool_or(not accounts.is_house_account)
),

-- where each account stands among the scope's (before any search): for the promotion signs
current_period as (
    select
        metrics.* exclude (period_index),
        accounts.is_house_account,
        accounts.onboarded_on is not null
        and accounts.onboarded_on > (periods[1].as_of - interval 1 year)::date
            as onboarded_in_last_year,
        ranks.revenue_percentile,
        ranks.growth_percentile,
        key_groups.group_name is not null as in_key_group
    from metrics
    inner join int_accounts as accounts on accounts.account_key = metrics.account_key
    inner join ranks on ranks.account_key = metrics.account_key
    left join key_groups on key_groups.group_name = accounts.group_name
),

prior_year as (
    select
        account_key,
        ratio_if_positive(revenue - cogs, revenue) as gross_margin_pct_prior,
        ratio_if_positive(overdue_ar, open_ar) as overdue_pct_prior,
        -- what the key/house split needs of the prior year (segment_split)
        cogs as cogs_prior_year,
        revenue_prior_year as revenue_two_years_before
    from prior_figures
),

signs as (
    select
        current_period.*,
        prior_year.gross_margin_pct_prior,
        prior_year.overdue_pct_prior,
        prior_year.cogs_prior_year,
        prior_year.revenue_two_years_before,
        current_period.revenue - current_period.revenue_prior_year as revenue_change,
        coalesce(current_period.growth_yoy < thresholds['revenue_drop'], false) as falling_revenue,
        coalesce(
            current_period.gross_margin_pct - prior_year.gross_margin_pct_prior
            < -thresholds['margin_erosion_pp'],
            false
        ) as margin_erosion,
        coalesce(
            current_period.overdue_pct > 0
            and current_period.overdue_pct - coalesce(prior_year.overdue_pct_prior, 0)
            > thresholds['overdue_rise_pp'],
            false
        ) as rising_overdue,
        coalesce(
            periods[1].as_of - current_period.last_order_date > thresholds['no_order_days'],
            false
        ) as no_orders,
        current_period.last_order_date is null and current_period.revenue_prior_year > 0
            as never_ordered,
        -- the relationship signs (contract v2; false where the export has no CRM table)
        current_period.touches_in_period is not null
        and coalesce(current_period.days_since_last_meeting >= 90, true) as no_meeting,
        coalesce(current_period.single_threaded, false) as single_thread,
        current_period.renewal_due as contract_renewal,
        coalesce(current_period.decision_maker_detractor, false) as detractor,
        -- a house account that looks like a key account
        current_period.is_house_account and coalesce(current_period.revenue_percentile >= 0.9, false)
            as promote_top_revenue,
        current_period.is_house_account and coalesce(current_period.growth_percentile >= 0.9, false)
            as promote_top_growth,
        current_period.is_house_account and current_period.in_key_group and (
            current_period.onboarded_in_last_year
            or (current_period.revenue_prior_ttm = 0 and current_period.revenue_ttm > 0)
        ) as promote_new_in_key_group
    from current_period
    left join prior_year on prior_year.account_key = current_period.account_key
),

table_rows as (
    select
        *,
        -- an account that bought nothing in either year has no relationship at risk
        (revenue <> 0 or revenue_prior_year <> 0)
        and (
            falling_revenue or margin_erosion or rising_overdue or no_orders or never_ordered
            or no_meeting or single_thread or contract_renewal or detractor
        ) as at_risk,
        promote_top_revenue or promote_top_growth or promote_new_in_key_group as promote
    from signs
),

rollups as (
    select * from int_rollup_metrics(figures, periods, dso_days, scope, 'portfolio')
),

final as (
    select
        'account' as row_kind,
        table_rows as account_row
    from (select * exclude (account_key) from table_rows) as table_rows
    union all by name
    select
        'rollup' as row_kind,
        rollups as rollup_row
    from rollups
)

select * from final
