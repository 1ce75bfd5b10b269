-- Sales pre-aggregated once per data version so that any period's P&L is a cheap sum.
-- Grain: one row per account per product per invoice date.
-- materialized: table
with lines as (
    select * from int_invoice_lines
),

final as (
    select
        account_id,
        product_id,
        any_value(product_name) as product_name,
        any_value(category) as category,
        invoice_date,
        sum(quantity) as quantity,
        sum(net_amount) as revenue,
        sum(cost_amount) as cogs
    from lines
    group by account_id, product_id, invoice_date
)

select * from final
