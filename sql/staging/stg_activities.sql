-- Staging: the CRM's activities (meetings, calls, mails with the client), typed (an empty
-- relation when the export has no activities table).
-- Grain: one row per exported row (one per activity once keys validate).
with source as (
    select * from raw_activities
),

final as (
    select
        activity_id::varchar as activity_id,
        account_id::varchar as account_id,
        contact_id::varchar as contact_id,
        nullif(trim(kam_id::varchar), '') as kam_id,
        activity_date::date as activity_date,
        activity_type::varchar as activity_type,
        subject::varchar as subject
    from source
)

select * from final
