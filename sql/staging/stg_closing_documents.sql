-- Staging: closing documents (acts, УПД, waybills) the client must sign, typed (an empty
-- relation when the export has none).
-- Grain: one row per exported row (one per closing document once keys validate).
with source as (
    select * from raw_closing_documents
),

final as (
    select
        closing_doc_id::varchar as closing_doc_id,
        invoice_id::varchar as invoice_id,
        doc_kind::varchar as doc_kind,
        issued_on::date as issued_on,
        signed_on::date as signed_on,
        via_edo::boolean as via_edo
    from source
)

select * from final
