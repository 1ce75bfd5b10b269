-- Staging: the CRM's contacts (people on the client's side), typed (an empty relation when
-- the export has no contacts table). An empty `active` is true (contract v2).
-- Grain: one row per exported row (one per contact once keys validate).
with source as (
    select * from raw_contacts
),

final as (
    select
        contact_id::varchar as contact_id,
        account_id::varchar as account_id,
        full_name::varchar as full_name,
        job_title::varchar as job_title,
        buying_role::varchar as buying_role,
        attitude::varchar as attitude,
        coalesce(active::boolean, true) as active
    from source
)

select * from final
