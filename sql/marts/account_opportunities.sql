-- One account's pipeline: the opportunities open at D (created on or before D, not closed by
-- D) with their weighted amount, and those won or lost in [period_start, period_end].
-- Grain: one row per opportunity open at D or closed in the period.
-- params: for_account, period_start, period_end, as_of
with opportunities as (
    select * from int_opportunities
    where account_id = for_account
),

classified as (
    select
        *,
        case
            when created_on <= as_of and (closed_on is null or closed_on > as_of) then 'open'
            when closed_on between period_start and period_end and stage in ('won', 'lost')
                then stage
        end as status
    from opportunities
),

final as (
    select
        opportunity_id,
        category,
        stage,
        status,
        amount::double as amount,
        probability,
        case when status = 'open' then (amount * probability)::double end as weighted_amount,
        created_on,
        expected_close_on,
        closed_on,
        list_position(['negotiate', 'propose', 'qualify', 'won', 'lost'], stage) as stage_rank
    from classified
    where status is not null
)

select * from final
