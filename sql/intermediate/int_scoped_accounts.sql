-- The accounts a scope names (`scope`: a list of account ids), and none without a scope, so a
-- filter written `scope is null or … in (select … from int_scoped_accounts(scope))` probes
-- nothing on an unscoped call instead of every row against every account.
-- Grain: one row per account in a given scope.
-- params: scope
with final as (
    select account_id, account_key
    from int_accounts
    where scope is not null and account_id in (select unnest(scope))
)

select * from final
