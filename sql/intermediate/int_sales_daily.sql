-- Sales pre-aggregated once per data version so that any period's P&L is a cheap sum. Lines
-- are placed in time and on an account through their document; lines of unknown documents
-- are excluded here and listed by validation.
-- line_count is how many lines a row sums: validation compares their total with the export's.
-- Grain: one row per account per product per invoice date.
-- materialized: table
with lines as (
    select * from stg_invoice_lines
),

documents as (
    select * from int_documents
),

products as (
    select * from stg_products
),

-- aggregated on keys alone and the product's text attributes joined to the (much smaller)
-- result, so no group carries text in its state. account_key rides along with account_id (one
-- per id): grouping on the key alone and joining the id back took longer at 6M lines
daily as (
    select
        documents.account_id,
        documents.account_key,
        lines.product_id,
        documents.invoice_date,
        sum(lines.quantity) as quantity,
        sum(lines.net_amount) as revenue,
        sum(lines.cost_amount) as cogs,
        count(*) as line_count
    from lines
    inner join documents on documents.invoice_id = lines.invoice_id
    group by all
),

final as (
    select
        daily.account_id,
        daily.product_id,
        coalesce(products.product_name, daily.product_id) as product_name,
        coalesce(products.category, '(unknown)') as category,
        daily.invoice_date,
        daily.quantity,
        daily.revenue,
        daily.cogs,
        daily.line_count,
        daily.account_key
    from daily
    left join products on products.product_id = daily.product_id
)

select * from final
