-- Staging: the monthly plan, typed (an empty relation when the export has no targets).
-- Grain: one row per exported row (one per account × month once keys validate).
with source as (
    select * from raw_targets
),

final as (
    select
        account_id::varchar as account_id,
        month::date as month,
        revenue_target::decimal(18, 4) as revenue_target,
        gross_margin_target::decimal(18, 4) as gross_margin_target
    from source
)

select * from final
