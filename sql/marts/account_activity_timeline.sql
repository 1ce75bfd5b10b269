-- One account's activities per calendar month and type over [period_start, period_end] (the
-- account page's 24-month chart span): the rhythm of the relationship.
-- Grain: one row per month per activity type with at least one activity.
-- params: for_account, period_start, period_end
with activities as (
    select * from int_activities
    where account_id = for_account
    and activity_date between period_start and period_end
),

final as (
    select
        date_trunc('month', activity_date)::date as month,
        activity_type,
        count(*) as activities,
        count(*) filter (where is_meeting) as meetings
    from activities
    group by all
)

select * from final
