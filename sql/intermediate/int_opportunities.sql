-- Opportunities of known accounts with the probability they are weighted by: the exported
-- one, or the stage default where it is empty (qualify 0.1, propose 0.3, negotiate 0.6,
-- won 1, lost 0; contract v2).
-- Grain: one row per opportunity.
-- materialized: table
with opportunities as (
    select * from stg_opportunities
),

accounts as (
    select account_id from stg_accounts
),

final as (
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.category,
        opportunities.amount,
        opportunities.stage,
        opportunities.probability as probability_given,
        coalesce(
            opportunities.probability,
            case opportunities.stage
                when 'qualify' then 0.1
                when 'propose' then 0.3
                when 'negotiate' then 0.6
                when 'won' then 1.0
                when 'lost' then 0.0
            end
        ) as probability,
        opportunities.created_on,
        opportunities.expected_close_on,
        opportunities.closed_on
    from opportunities
    semi join accounts on accounts.account_id = opportunities.account_id
)

select * from final
