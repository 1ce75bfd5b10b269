-- Activities of known accounts. A contact_id that is not a contact of the same account is
-- emptied here (validation lists it): touching another client's person is no touch of this
-- client's. is_meeting marks the in-person kinds that days since last meeting counts.
-- Grain: one row per activity.
-- materialized: table
with activities as (
    select * from stg_activities
),

accounts as (
    select account_id from stg_accounts
),

contacts as (
    select contact_id, account_id from int_contacts
),

final as (
    select
        activities.activity_id,
        activities.account_id,
        contacts.contact_id,
        activities.kam_id,
        activities.activity_date,
        activities.activity_type,
        activities.activity_type in ('meeting', 'qbr', 'visit') as is_meeting,
        activities.subject
    from activities
    semi join accounts on accounts.account_id = activities.account_id
    left join contacts
        on contacts.contact_id = activities.contact_id
        and contacts.account_id = activities.account_id
)

select * from final
