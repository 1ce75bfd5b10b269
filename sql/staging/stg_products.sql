-- Staging: the product catalogue, typed.
-- Grain: one row per exported row (one per product once keys validate).
with source as (
    select * from raw_products
),

final as (
    select
        product_id::varchar as product_id,
        product_name::varchar as product_name,
        category::varchar as category
    from source
)

select * from final
