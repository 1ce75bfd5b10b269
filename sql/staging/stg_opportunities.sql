-- Staging: the CRM's upsell / cross-sell pipeline, typed (an empty relation when the export
-- has no opportunities table). The stage default for an empty probability is applied in
-- int_opportunities, not here: staging renames and casts only.
-- Grain: one row per exported row (one per opportunity once keys validate).
with source as (
    select * from raw_opportunities
),

final as (
    select
        opportunity_id::varchar as opportunity_id,
        account_id::varchar as account_id,
        category::varchar as category,
        amount::decimal(18, 4) as amount,
        stage::varchar as stage,
        probability::double as probability,
        created_on::date as created_on,
        expected_close_on::date as expected_close_on,
        closed_on::date as closed_on
    from source
)

select * from final
