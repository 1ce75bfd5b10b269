-- The price–volume–mix bridge from base-period revenue to current-period revenue:
-- revenue_base + volume + mix + price + new + lost = revenue.
-- Grain: one row for the scope.
-- params: base_start, base_end, period_start, period_end, scope
with products as (
    select * from pvm_by_product(base_start, base_end, period_start, period_end, scope)
),

final as (
    select
        coalesce(sum(volume), 0) as volume,
        coalesce(sum(mix), 0) as mix,
        coalesce(sum(price_effect), 0) as price,
        coalesce(sum(new), 0) as new,
        coalesce(sum(lost), 0) as lost,
        coalesce(sum(revenue_base), 0) as revenue_base,
        coalesce(sum(revenue), 0) as revenue
    from products
)

select * from final
