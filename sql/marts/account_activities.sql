-- One account's activities on or before D with who they named and who did them, for the
-- activity list under the timeline (the caller takes the latest few).
-- Grain: one row per activity of the account dated on or before D.
-- params: for_account, as_of
with activities as (
    select * from int_activities
    where account_id = for_account
    and activity_date <= as_of
),

final as (
    select
        activities.activity_id,
        activities.activity_date,
        activities.activity_type,
        contacts.full_name as contact_name,
        contacts.buying_role,
        managers.kam_name,
        activities.subject
    from activities
    left join int_contacts as contacts on contacts.contact_id = activities.contact_id
    left join int_managers as managers on managers.kam_id = activities.kam_id
)

select * from final
