-- Which roll-up unit each account in scope belongs to at a level: itself ('account'), its KAM
-- ('kam'; none for a house account), its holding ('group'), key accounts against house accounts
-- ('segment': 'key' or 'house') or the whole scope ('portfolio', unit '*').
-- Grain: one row per account in scope.
-- params: level, scope
with accounts as (
    select * from int_accounts
    where scope is null or account_id in (select unnest(scope))
),

final as (
    select
        account_id,
        account_key,
        case level
            when 'account' then account_id
            when 'kam' then kam_id
            when 'group' then holding_name
            when 'segment' then case when is_house_account then 'house' else 'key' end
            else '*'
        end as unit_id
    from accounts
)

select * from final
