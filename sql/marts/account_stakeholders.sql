-- The stakeholder map of one account at D: every contact with their buying role, attitude and
-- last touch (the latest activity naming them on or before D, by anyone on our side), and
-- whether they were met in the 90 days ending at D. `not_met_decision_maker` marks the active
-- decision makers nobody has touched in those 90 days: who to meet.
-- Grain: one row per contact of the account.
-- params: for_account, as_of
with contacts as (
    select * from int_contacts
    where account_id = for_account
),

touches as (
    select
        activities.contact_id,
        max(activities.activity_date) as last_touch_on,
        arg_max(activities.activity_type, activities.activity_date) as last_touch_type,
        count(*) filter (where activities.activity_date > as_of - 90) as touches_90_days
    from int_activities as activities
    where activities.account_id = for_account
    and activities.contact_id is not null
    and activities.activity_date <= as_of
    group by activities.contact_id
),

final as (
    select
        contacts.contact_id,
        contacts.full_name,
        contacts.job_title,
        contacts.buying_role,
        contacts.attitude,
        contacts.active,
        contacts.is_active_decision_maker,
        touches.last_touch_on,
        touches.last_touch_type,
        as_of - touches.last_touch_on as days_since_touch,
        coalesce(touches.last_touch_on > as_of - 90, false) as met_in_90_days,
        contacts.is_active_decision_maker
        and not coalesce(touches.last_touch_on > as_of - 90, false) as not_met_decision_maker,
        list_position(
            ['decision_maker', 'sponsor', 'influencer', 'gatekeeper', 'user'],
            contacts.buying_role
        ) as role_rank
    from contacts
    left join touches on touches.contact_id = contacts.contact_id
)

select * from final
