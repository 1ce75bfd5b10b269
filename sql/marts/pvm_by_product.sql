-- Price–volume–mix bridge between a base period and a current period, attributed to products.
-- For products sold (quantity > 0) in both periods: volume_i = s0_i × (Q1 − Q0) × p0_i,
-- mix_i = Q1 × (s1_i − s0_i) × p0_i, price_i = q1_i × (p1_i − p0_i); their sums are exactly the
-- aggregate Volume = (Q1 − Q0) × ASP0, Mix = Q1 × Σ(s1 − s0) p0 and Price = Σ q1 (p1 − p0).
-- Every other product is new (its current revenue) and lost (minus its base revenue).
-- Grain: one row per product sold or credited in either period within the scope.
-- params: base_start, base_end, period_start, period_end, scope
with sales as (
    select
        product_id,
        any_value(product_name) as product_name,
        any_value(category) as category,
        coalesce(sum(quantity) filter (where invoice_date between base_start and base_end), 0)
            as quantity_base,
        coalesce(sum(revenue) filter (where invoice_date between base_start and base_end), 0)::double
            as revenue_base,
        coalesce(sum(quantity) filter (where invoice_date between period_start and period_end), 0)
            as quantity,
        coalesce(sum(revenue) filter (where invoice_date between period_start and period_end), 0)::double
            as revenue
    from int_sales_daily
    where (scope is null or list_contains(scope, account_id))
        and (
            invoice_date between base_start and base_end
            or invoice_date between period_start and period_end
        )
    group by product_id
),

classified as (
    select
        *,
        quantity_base > 0 and quantity > 0 as sold_in_both
    from sales
),

both_totals as (
    select
        sum(quantity_base) filter (where sold_in_both) as total_quantity_base,
        sum(quantity) filter (where sold_in_both) as total_quantity
    from classified
),

final as (
    select
        classified.product_id,
        classified.product_name,
        classified.category,
        classified.sold_in_both,
        classified.quantity_base,
        classified.quantity,
        classified.revenue_base,
        classified.revenue,
        case when sold_in_both then revenue_base / quantity_base end as price_base,
        case when sold_in_both then classified.revenue / classified.quantity end as price,
        case
            when sold_in_both
                then quantity_base / total_quantity_base
                    * (total_quantity - total_quantity_base)
                    * (revenue_base / quantity_base)
            else 0
        end as volume,
        case
            when sold_in_both
                then total_quantity
                    * (classified.quantity / total_quantity - quantity_base / total_quantity_base)
                    * (revenue_base / quantity_base)
            else 0
        end as mix,
        case
            when sold_in_both
                then classified.quantity
                    * (classified.revenue / classified.quantity - revenue_base / quantity_base)
            else 0
        end as price_effect,
        case when sold_in_both then 0 else classified.revenue end as new,
        case when sold_in_both then 0 else -revenue_base end as lost
    from classified
    cross join both_totals
)

select * from final
