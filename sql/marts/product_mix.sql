-- What the scope bought in a period, by product or by category ('product' / 'category'),
-- with each item's share of revenue.
-- Grain: one row per product (or category) with sales or credits in the period.
-- params: period_start, period_end, scope, level
with sales as (
    select
        *,
        case level when 'category' then category else product_id end as item_id,
        case level when 'category' then category else product_name end as item_name
    from int_sales_daily
    where invoice_date between period_start and period_end
        and (scope is null or list_contains(scope, account_id))
),

items as (
    select
        item_id,
        any_value(item_name) as item_name,
        any_value(category) as category,
        count(distinct account_id) as accounts,
        sum(quantity) as quantity,
        sum(revenue)::double as revenue,
        sum(cogs)::double as cogs
    from sales
    group by item_id
),

final as (
    select
        item_id,
        item_name,
        category,
        accounts,
        quantity,
        revenue,
        cogs,
        revenue - cogs as gross_margin,
        ratio_if_positive(revenue - cogs, revenue) as gross_margin_pct,
        ratio_if_positive(revenue, sum(revenue) over ()) as revenue_share
    from items
)

select * from final
