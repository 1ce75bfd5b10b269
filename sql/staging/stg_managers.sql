-- Staging: key account managers, typed.
-- Grain: one row per exported row (one per KAM once keys validate).
with source as (
    select * from raw_managers
),

final as (
    select
        kam_id::varchar as kam_id,
        kam_name::varchar as kam_name,
        email::varchar as email
    from source
)

select * from final
