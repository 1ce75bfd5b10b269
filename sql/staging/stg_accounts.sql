-- Staging: the accounts export, typed. No joins, no filtering.
-- Grain: one row per exported row (one per key account once keys validate).
with source as (
    select * from raw_accounts
),

final as (
    select
        account_id::varchar as account_id,
        account_name::varchar as account_name,
        group_name::varchar as group_name,
        industry::varchar as industry,
        region::varchar as region,
        -- an empty kam_id is a house account, as a missing one is (contract v2)
        nullif(trim(kam_id::varchar), '') as kam_id,
        payment_terms_days::bigint as payment_terms_days,
        credit_limit::decimal(18, 4) as credit_limit,
        onboarded_on::date as onboarded_on,
        contract_end_on::date as contract_end_on
    from source
)

select * from final
