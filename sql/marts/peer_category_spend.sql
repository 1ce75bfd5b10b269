-- What the account's industry peers bought in a period, by product category, beside the
-- account's own purchases: the whitespace of the meeting brief (categories most peers buy
-- and the account does not). Peers are the other accounts of the account's industry that
-- are in `scope` (the accounts the viewer may see; null = every account) and bought anything
-- in the period (dormant accounts say nothing about what the industry buys); a peer buys a
-- category when its revenue there in the period is > 0, and that is its spend.
-- A peer figure of one or two accounts is an individual client's figure (the median of one
-- account is its revenue; of two, their mean, which gives one away to whoever knows the
-- other): peer_median_revenue and peer_revenue are null when fewer than 3 peers buy the
-- category, for every viewer, and the brief then offers no whitespace for it. Counts and
-- shares stay.
-- Grain: one row per category bought by a peer or by the account in the period.
-- params: period_start, period_end, target_account, scope
with subject as (
    select account_id, industry
    from int_accounts
    where account_id = target_account
),

peers as (
    select accounts.account_id
    from int_accounts as accounts
    inner join subject on subject.industry = accounts.industry
    where accounts.account_id <> subject.account_id
        and (scope is null or list_contains(scope, accounts.account_id))
),

spend as (
    select
        sales.account_id,
        sales.account_id = target_account as is_subject,
        sales.category,
        sum(sales.revenue)::double as revenue
    from int_sales_daily as sales
    where sales.invoice_date between period_start and period_end
        and (
            sales.account_id = target_account
            or sales.account_id in (select account_id from peers)
        )
    group by all
),

peer_totals as (
    select
        account_id,
        sum(revenue) as revenue
    from spend
    where not is_subject
    group by account_id
),

peer_count as (
    select count(*) filter (where revenue > 0) as peers
    from peer_totals
),

categories as (
    select
        category,
        count(*) filter (where not is_subject and revenue > 0) as peer_buyers,
        median(revenue) filter (where not is_subject and revenue > 0) as peer_median_revenue,
        coalesce(sum(revenue) filter (where not is_subject and revenue > 0), 0)
            as peer_revenue,
        coalesce(sum(revenue) filter (where is_subject), 0) as account_revenue
    from spend
    group by category
),

final as (
    select
        categories.category,
        peer_count.peers,
        categories.peer_buyers,
        ratio_if_positive(categories.peer_buyers, peer_count.peers) as peer_share,
        -- fewer than 3 buying peers: no figure of theirs (see the header)
        case
            when categories.peer_buyers >= 3 then categories.peer_median_revenue::double
        end as peer_median_revenue,
        case
            when categories.peer_buyers >= 3 then categories.peer_revenue::double
        end as peer_revenue,
        categories.account_revenue::double as account_revenue
    from categories
    cross join peer_count
)

select * from final
