-- The relationship, pipeline, closing-document, renewal and landing figures of every account
-- in scope for each requested period P = [period_start, period_end] with its as-of date D
-- (`periods`: a list of struct(period_start, period_end, as_of)); the definitions are
-- metrics.md's "Relationship and pipeline" and "Closing documents". "The 90 days ending at D"
-- is [D − 89, D]. A CRM table with no rows is no such data: its figures are empty (null),
-- not zero, so a v1 export shows "—" rather than a false "0". Landing needs only invoices.
-- Grain: one row per requested period (period_index, from 1) per account in scope.
-- params: periods, scope
with accounts as (
    select account_id, account_key, contract_end_on from int_accounts
    where scope is null or account_id in (select unnest(scope))
),

scoped as (
    select * from int_scoped_accounts(scope)
),

requested as (
    select
        unnest(generate_series(1, len(periods))) as period_index,
        unnest(periods) as period
),

periods as (
    select
        period_index,
        period.period_start,
        period.period_end,
        period.as_of,
        (period.as_of - 89)::date as window_start,
        make_date(year(period.as_of), 1, 1) as year_start,
        make_date(year(period.as_of), 12, 31) as year_end
    from requested
),

has_data as (
    select
        exists (select 1 from int_contacts) as has_contacts,
        exists (select 1 from int_activities) as has_activities,
        exists (select 1 from int_opportunities) as has_opportunities,
        exists (select 1 from int_closing_documents) as has_closing_documents
),

period_activities as (
    select
        periods.period_index,
        activities.account_id,
        max(activities.activity_date) filter (
            where activities.is_meeting and activities.activity_date <= periods.as_of
        ) as last_meeting_on,
        count(*) filter (
            where activities.activity_date between periods.period_start and periods.period_end
        ) as touches_in_period,
        count(*) filter (
            where activities.is_meeting
            and activities.activity_date between periods.period_start and periods.period_end
        ) as meetings_in_period,
        count(distinct activities.contact_id) filter (
            where activities.activity_date between periods.window_start and periods.as_of
        ) as contacts_touched_90d
    from int_activities as activities
    inner join accounts on accounts.account_id = activities.account_id
    cross join periods
    group by all
),

-- active decision makers, and whether anyone (any KAM) touched each in the 90 days to D
decision_makers as (
    select
        periods.period_index,
        contacts.account_id,
        count(*) as decision_makers,
        count(*) filter (
            where exists (
                select 1 from int_activities as activities
                where activities.contact_id = contacts.contact_id
                and activities.activity_date between periods.window_start and periods.as_of
            )
        ) as decision_makers_met,
        bool_or(contacts.attitude = 'detractor') as decision_maker_detractor
    from int_contacts as contacts
    inner join accounts on accounts.account_id = contacts.account_id
    cross join periods
    where contacts.is_active_decision_maker
    group by all
),

pipeline as (
    select
        opportunities.period_index,
        opportunities.account_id,
        count(*) filter (where open_at_d) as open_opportunities,
        coalesce(sum(opportunities.amount) filter (where open_at_d), 0) as pipeline,
        coalesce(
            sum(opportunities.amount * opportunities.probability) filter (where open_at_d), 0
        ) as weighted_pipeline,
        coalesce(
            sum(opportunities.amount * opportunities.probability) filter (
                where open_at_d
                and opportunities.expected_close_on > opportunities.as_of
                and opportunities.expected_close_on <= opportunities.year_end
            ),
            0
        ) as weighted_pipeline_this_year,
        count(*) filter (where closed_in_period and opportunities.stage = 'won') as won_count,
        count(*) filter (where closed_in_period and opportunities.stage = 'lost') as lost_count,
        coalesce(
            sum(opportunities.amount) filter (
                where closed_in_period and opportunities.stage = 'won'
            ),
            0
        ) as won_amount,
        coalesce(
            sum(opportunities.amount) filter (
                where closed_in_period and opportunities.stage = 'lost'
            ),
            0
        ) as lost_amount
    from (
        select
            periods.period_index,
            periods.as_of,
            periods.year_end,
            opportunities.*,
            opportunities.created_on <= periods.as_of
            and (opportunities.closed_on is null or opportunities.closed_on > periods.as_of)
                as open_at_d,
            coalesce(
                opportunities.closed_on between periods.period_start and periods.period_end,
                false
            ) as closed_in_period
        from int_opportunities as opportunities
        inner join accounts on accounts.account_id = opportunities.account_id
        cross join periods
    ) as opportunities
    group by all
),

closing as (
    select
        documents.period_index,
        documents.account_id,
        count(*) filter (where unsigned_at_d) as unsigned_closing_docs,
        coalesce(sum(documents.amount) filter (where unsigned_at_d), 0) as unsigned_closing_amount,
        coalesce(
            sum(documents.amount) filter (where unsigned_at_d and days_unsigned <= 5), 0
        ) as unsigned_0_5,
        coalesce(
            sum(documents.amount) filter (where unsigned_at_d and days_unsigned between 6 and 30),
            0
        ) as unsigned_6_30,
        coalesce(
            sum(documents.amount) filter (where unsigned_at_d and days_unsigned between 31 and 90),
            0
        ) as unsigned_31_90,
        coalesce(
            sum(documents.amount) filter (where unsigned_at_d and days_unsigned >= 91), 0
        ) as unsigned_91_plus,
        max(days_unsigned) filter (where unsigned_at_d) as oldest_unsigned_days,
        count(*) filter (where issued_in_period) as closing_docs_issued,
        count(*) filter (
            where issued_in_period and documents.signed_on - documents.issued_on <= 5
        ) as closing_docs_signed_on_time
    from (
        select
            periods.period_index,
            documents.*,
            documents.issued_on <= periods.as_of
            and (documents.signed_on is null or documents.signed_on > periods.as_of)
                as unsigned_at_d,
            periods.as_of - documents.issued_on as days_unsigned,
            documents.issued_on between periods.period_start and periods.period_end
                as issued_in_period
        from int_closing_documents as documents
        inner join periods
            -- only what a figure below counts: unsigned at D, or issued in P
            on documents.issued_on <= periods.as_of
            and (documents.signed_on is null or documents.signed_on > periods.as_of)
            or documents.issued_on between periods.period_start and periods.period_end
        -- an unscoped call keeps every document (each has a known account) without a join
        where scope is null or documents.account_id in (select account_id from scoped)
    ) as documents
    group by all
),

-- revenue from 1 January to D and over the 90 days ending at D, for the landing forecast
-- (on account_key, the stored facts' integer key; an unscoped call drops no row)
landing_revenue as (
    select
        periods.period_index,
        daily.account_key,
        coalesce(sum(daily.revenue) filter (where daily.activity_date >= periods.year_start), 0)
            as revenue_year_to_date,
        coalesce(
            sum(daily.revenue) filter (where daily.activity_date >= periods.window_start), 0
        ) as revenue_last_90_days
    from int_account_daily as daily
    inner join periods
        on daily.activity_date between least(periods.year_start, periods.window_start)
        and periods.as_of
    where
        (scope is null or daily.account_key in (select account_key from scoped))
        -- the same bounds on the parameter itself, which the scan of the date-ordered table
        -- uses to skip the blocks of other days
        and daily.activity_date
        between list_min(list_transform(periods, lambda period: least(
            make_date(year(period.as_of), 1, 1), (period.as_of - 89)::date
        )))
        and list_max(list_transform(periods, lambda period: period.as_of))
    group by all
),

-- the plan of D's calendar year; int_targets is stored in month order, so bounds on the
-- parameter read only the blocks of the years asked (not every month of every account)
year_plan as (
    select
        periods.period_index,
        targets.account_key,
        sum(targets.revenue_target) as year_revenue_target
    from int_targets as targets
    inner join periods
        on targets.month_start between periods.year_start and periods.year_end
    where
        (scope is null or targets.account_key in (select account_key from scoped))
        and targets.month_start
        between list_min(list_transform(periods, lambda period: make_date(year(period.as_of), 1, 1)))
        and list_max(list_transform(periods, lambda period: make_date(year(period.as_of), 12, 31)))
    group by all
),

figures as (
    select
        periods.period_index,
        accounts.account_id,
        accounts.account_key,
        case when has_data.has_activities then
            periods.as_of - period_activities.last_meeting_on
        end as days_since_last_meeting,
        case when has_data.has_activities then
            coalesce(period_activities.meetings_in_period, 0)
        end as meetings_in_period,
        case when has_data.has_activities then
            coalesce(period_activities.touches_in_period, 0)
        end as touches_in_period,
        case when has_data.has_contacts then
            coalesce(decision_makers.decision_makers, 0)
        end as decision_makers,
        -- the numerator of coverage, so a roll-up (a KAM's book) pools it over its accounts
        case when has_data.has_contacts and has_data.has_activities then
            coalesce(decision_makers.decision_makers_met, 0)
        end as decision_makers_met,
        case when has_data.has_contacts and has_data.has_activities then
            ratio_if_positive(decision_makers.decision_makers_met, decision_makers.decision_makers)
        end as decision_maker_coverage,
        case when has_data.has_activities and period_activities.contacts_touched_90d > 0 then
            period_activities.contacts_touched_90d = 1
        end as single_threaded,
        case when has_data.has_contacts then
            coalesce(decision_makers.decision_maker_detractor, false)
        end as decision_maker_detractor,
        case when has_data.has_opportunities then
            coalesce(pipeline.open_opportunities, 0)
        end as open_opportunities,
        case when has_data.has_opportunities then
            coalesce(pipeline.pipeline, 0)::double
        end as pipeline,
        case when has_data.has_opportunities then
            coalesce(pipeline.weighted_pipeline, 0)::double
        end as weighted_pipeline,
        case when has_data.has_opportunities then
            coalesce(pipeline.won_count, 0)
        end as won_count,
        case when has_data.has_opportunities then
            coalesce(pipeline.lost_count, 0)
        end as lost_count,
        ratio_if_positive(pipeline.won_count, pipeline.won_count + pipeline.lost_count)
            as win_rate,
        ratio_if_positive(pipeline.won_amount, pipeline.won_amount + pipeline.lost_amount)
            as win_rate_by_amount,
        case when has_data.has_closing_documents then
            coalesce(closing.unsigned_closing_docs, 0)
        end as unsigned_closing_docs,
        case when has_data.has_closing_documents then
            coalesce(closing.unsigned_closing_amount, 0)::double
        end as unsigned_closing_amount,
        case when has_data.has_closing_documents then
            coalesce(closing.unsigned_0_5, 0)::double
        end as unsigned_0_5,
        case when has_data.has_closing_documents then
            coalesce(closing.unsigned_6_30, 0)::double
        end as unsigned_6_30,
        case when has_data.has_closing_documents then
            coalesce(closing.unsigned_31_90, 0)::double
        end as unsigned_31_90,
        case when has_data.has_closing_documents then
            coalesce(closing.unsigned_91_plus, 0)::double
        end as unsigned_91_plus,
        closing.oldest_unsigned_days,
        case when has_data.has_closing_documents then
            coalesce(closing.closing_docs_issued, 0)
        end as closing_docs_issued,
        ratio_if_positive(closing.closing_docs_signed_on_time, closing.closing_docs_issued)
            as signed_on_time_pct,
        accounts.contract_end_on,
        coalesce(
            periods.as_of < accounts.contract_end_on
            and accounts.contract_end_on <= periods.as_of + 90
            or accounts.contract_end_on <= periods.as_of and exists (
                select 1 from int_documents as documents
                where documents.account_id = accounts.account_id
                and documents.doc_type = 'invoice'
                and documents.invoice_date > accounts.contract_end_on
                and documents.invoice_date <= periods.as_of
            ),
            false
        ) as renewal_due,
        (
            coalesce(landing_revenue.revenue_year_to_date, 0)
            + coalesce(landing_revenue.revenue_last_90_days, 0) / 90
            * (periods.year_end - periods.as_of)
            + coalesce(pipeline.weighted_pipeline_this_year, 0)
        )::double as landing_forecast,
        year_plan.year_revenue_target::double as year_revenue_target
    from accounts
    cross join periods
    cross join has_data
    left join period_activities
        on period_activities.account_id = accounts.account_id
        and period_activities.period_index = periods.period_index
    left join decision_makers
        on decision_makers.account_id = accounts.account_id
        and decision_makers.period_index = periods.period_index
    left join pipeline
        on pipeline.account_id = accounts.account_id
        and pipeline.period_index = periods.period_index
    left join closing
        on closing.account_id = accounts.account_id
        and closing.period_index = periods.period_index
    left join landing_revenue
        on landing_revenue.account_key = accounts.account_key
        and landing_revenue.period_index = periods.period_index
    left join year_plan
        on year_plan.account_key = accounts.account_key
        and year_plan.period_index = periods.period_index
),

final as (
    select
        *,
        ratio_if_positive(landing_forecast, year_revenue_target) - 1 as landing_vs_plan
    from figures
)

select * from final
