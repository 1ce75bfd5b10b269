-- The landing forecast of the scope for the calendar year of D (int_landing_sum over the
-- accounts' landings of D).
-- Grain: one row.
-- params: as_of, scope
with accounts as (
    select * from int_account_relationship(
        [{'period_start': as_of, 'period_end': as_of, 'as_of': as_of}], scope
    )
),

final as (
    select * from int_landing_sum(accounts, as_of)
)

select * from final
