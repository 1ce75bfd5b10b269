-- Staging: P&L lines of every document, typed; money as one exact numeric type.
-- Grain: one row per exported row (one per invoice_id × line_no once keys validate).
with source as (
    select * from raw_invoice_lines
),

final as (
    select
        invoice_id::varchar as invoice_id,
        line_no::bigint as line_no,
        product_id::varchar as product_id,
        quantity::double as quantity,
        net_amount::decimal(18, 4) as net_amount,
        cost_amount::decimal(18, 4) as cost_amount
    from source
)

select * from final
