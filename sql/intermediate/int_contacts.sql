-- The client-side people of known accounts, with whether each is an active decision maker
-- (decision-maker coverage counts those); contacts of unknown accounts are excluded here and
-- listed by validation.
-- Grain: one row per contact.
-- materialized: table
with contacts as (
    select * from stg_contacts
),

accounts as (
    select account_id from stg_accounts
),

final as (
    select
        contacts.contact_id,
        contacts.account_id,
        contacts.full_name,
        contacts.job_title,
        contacts.buying_role,
        contacts.attitude,
        contacts.active,
        contacts.active and contacts.buying_role = 'decision_maker' as is_active_decision_maker
    from contacts
    semi join accounts on accounts.account_id = contacts.account_id
)

select * from final
