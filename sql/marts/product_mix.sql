-- What the scope bought in each requested period, by product and/or by category (`levels`,
-- a list of 'product' / 'category'), with each item's share of the period's revenue.
-- `periods` is a list of struct(period_start, period_end): a page that shows a period's mix
-- beside its prior year's, by category and by product, asks for all four in one statement,
-- planned once.
-- Grain: one row per requested period (period_index, from 1) per level per product (or
-- category) with sales or credits in the period.
-- params: periods, scope, levels
with requested as (
    select
        unnest(generate_series(1, len(periods))) as period_index,
        unnest(periods) as period
),

requested_levels as (
    select distinct unnest(levels) as level
),

sales as (
    select
        requested.period_index,
        requested_levels.level,
        case requested_levels.level
            when 'category' then daily.category else daily.product_id
        end as item_id,
        case requested_levels.level
            when 'category' then daily.category else daily.product_name
        end as item_name,
        daily.category,
        daily.account_id,
        daily.quantity,
        daily.revenue,
        daily.cogs
    from int_sales_daily as daily
    inner join requested
        on daily.invoice_date between requested.period.period_start
        and requested.period.period_end
    cross join requested_levels
    -- the span of all periods on the parameter itself, which the scan can use to skip days
    where
        daily.invoice_date
        between list_min(list_transform(periods, lambda period: period.period_start))
        and list_max(list_transform(periods, lambda period: period.period_end))
        and (scope is null or list_contains(scope, daily.account_id))
),

items as (
    select
        period_index,
        level,
        item_id,
        any_value(item_name) as item_name,
        any_value(category) as category,
        count(distinct account_id) as accounts,
        sum(quantity) as quantity,
        sum(revenue)::double as revenue,
        sum(cogs)::double as cogs
    from sales
    group by period_index, level, item_id
),

final as (
    select
        period_index,
        level,
        item_id,
        item_name,
        category,
        accounts,
        quantity,
        revenue,
        cogs,
        revenue - cogs as gross_margin,
        ratio_if_positive(revenue - cogs, revenue) as gross_margin_pct,
        ratio_if_positive(revenue, sum(revenue) over (partition by period_index, level))
            as revenue_share
    from items
)

select * from final
