-- Key account managers with how many accounts each looks after (KAMs without accounts too).
-- Grain: one row per KAM.
-- materialized: table
with managers as (
    select * from stg_managers
),

accounts as (
    select * from stg_accounts
),

account_counts as (
    select
        kam_id,
        count(*) as accounts
    from accounts
    group by kam_id
),

final as (
    select
        managers.kam_id,
        managers.kam_name,
        managers.email,
        coalesce(account_counts.accounts, 0) as accounts
    from managers
    left join account_counts on account_counts.kam_id = managers.kam_id
)

select * from final
