-- Which roll-up unit each account in scope belongs to at a level: itself ('account'), its KAM
-- ('kam'), its holding ('group') or the whole scope ('portfolio', unit '*').
-- Grain: one row per account in scope.
-- params: level, scope
with accounts as (
    select * from int_accounts
    where scope is null or account_id in (select unnest(scope))
),

final as (
    select
        account_id,
        case level
            when 'account' then account_id
            when 'kam' then kam_id
            when 'group' then holding_name
            else '*'
        end as unit_id
    from accounts
)

select * from final
