-- Accounts with their KAM's name and holding; the dimension every mart starts from. An
-- account with no kam_id is a house account (is_house_account), served by no KAM.
-- account_key numbers the accounts in account_id order: the stored facts carry it, so the
-- marts group, join and break ties on an integer instead of the text id (at 150,000 accounts
-- a group by over millions of account × month rows ran 2-3× faster on it), and ordering by
-- it is ordering by account_id.
-- Grain: one row per account.
-- materialized: table
with accounts as (
    select * from stg_accounts
),

managers as (
    select * from stg_managers
),

final as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.group_name,
        -- an account without a group is its own holding (export contract)
        coalesce(accounts.group_name, accounts.account_name) as holding_name,
        accounts.industry,
        accounts.region,
        accounts.kam_id,
        managers.kam_name,
        accounts.kam_id is null as is_house_account,
        managers.email as kam_email,
        accounts.payment_terms_days,
        accounts.credit_limit,
        accounts.onboarded_on,
        accounts.contract_end_on,
        -- what the account search matches: name and id in either script
        search_key(accounts.account_name || ' ' || accounts.account_id) as search_key,
        row_number() over (order by accounts.account_id)::integer as account_key
    from accounts
    left join managers on managers.kam_id = accounts.kam_id
)

select * from final
