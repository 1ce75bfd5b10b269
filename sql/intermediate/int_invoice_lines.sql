-- P&L lines placed in time and on an account through their document, with product attributes.
-- Lines of unknown documents are excluded here and listed by validation.
-- Grain: one row per document line.
with lines as (
    select * from stg_invoice_lines
),

documents as (
    select * from int_documents
),

products as (
    select * from stg_products
),

final as (
    select
        lines.invoice_id,
        lines.line_no,
        documents.account_id,
        documents.invoice_date,
        documents.doc_type,
        lines.product_id,
        coalesce(products.product_name, lines.product_id) as product_name,
        coalesce(products.category, '(unknown)') as category,
        lines.quantity,
        lines.net_amount,
        lines.cost_amount
    from lines
    inner join documents on documents.invoice_id = lines.invoice_id
    left join products on products.product_id = lines.product_id
)

select * from final
