-- The Pareto curve of the first requested period, sized for any number of accounts: accounts
-- with revenue > 0 ranked by revenue (largest first, ties by id) with the running share of
-- their total revenue, kept at the first `head` ranks and wherever the rank crosses one of
-- `steps` equal steps of the accounts' count (and at the last rank), so a chart draws at most
-- head + steps points however many accounts there are.
-- Grain: one row per kept rank.
-- `account_rows` names a relation of the caller holding account_table's rows of the period.
-- params: account_rows, steps, head
with accounts as (
    select account_id, account_name, revenue
    from query_table(account_rows)
    where revenue > 0
),

ranked as (
    select
        account_id,
        account_name,
        revenue,
        row_number() over (order by revenue desc, account_id) as rank,
        count(*) over () as ranked_accounts,
        sum(revenue) over (
            order by revenue desc, account_id rows between unbounded preceding and current row
        ) as cumulative_revenue,
        sum(revenue) over () as total_revenue
    from accounts
),

final as (
    select
        rank,
        ranked_accounts,
        rank / ranked_accounts as account_share,
        cumulative_revenue / total_revenue as revenue_share,
        account_id,
        account_name,
        revenue
    from ranked
    where rank <= head
        or rank = ranked_accounts
        or (rank * steps) // ranked_accounts > ((rank - 1) * steps) // ranked_accounts
)

select * from final
