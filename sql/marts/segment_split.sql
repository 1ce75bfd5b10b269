-- Key accounts against house accounts (those without a KAM) for a period and its prior year,
-- summed from a view's account rows: `account_rows` names a relation of the caller holding
-- account_table's rows (the period first, the prior year second), so the split costs nothing
-- beyond the figures the page's tables already computed. Revenue, COGS and their ratios are
-- sums of the accounts', as the 'segment' roll-up's are, and as exact (exact_money).
-- Grain: one row per segment ('key', 'house') with accounts in scope.
-- params: account_rows
with accounts as (
    select * from query_table(account_rows)
),

sums as (
    select
        case when is_house_account then 'house' else 'key' end as unit_id,
        count(*) as accounts,
        sum(exact_money(revenue))::double as revenue,
        sum(exact_money(cogs))::double as cogs,
        sum(exact_money(revenue_prior_year))::double as revenue_prior_year,
        sum(exact_money(cogs_prior_year))::double as cogs_prior_year,
        sum(exact_money(revenue_two_years_before))::double as revenue_two_years_before
    from accounts
    group by all
),

final as (
    select
        unit_id,
        accounts,
        revenue,
        cogs,
        ratio_if_positive(revenue - cogs, revenue) as gross_margin_pct,
        ratio_if_positive(revenue, revenue_prior_year) - 1 as growth_yoy,
        revenue_prior_year,
        cogs_prior_year,
        ratio_if_positive(revenue_prior_year - cogs_prior_year, revenue_prior_year)
            as gross_margin_pct_prior,
        ratio_if_positive(revenue_prior_year, revenue_two_years_before) - 1 as growth_yoy_prior
    from sums
)

select * from final
