-- Aging buckets and unapplied credits per account in scope at each as-of date: the stored
-- rows for stored dates (int_aging_dates), the others aged now by the same definition
-- (int_account_aging).
-- Grain: one row per as-of date per account in scope with any document or unapplied cash then.
-- params: as_of_dates, scope
with requested_dates as (
    select distinct unnest(as_of_dates)::date as as_of
),

stored_dates as (
    select as_of from int_aging_dates
),

accounts as (
    select account_key from int_scoped_accounts(scope)
),

aging as (
    select aging.*
    from int_stored_aging as aging
    semi join requested_dates on requested_dates.as_of = aging.as_of
    union all by name
    select *
    from int_account_aging((
        select list(as_of)
        from requested_dates
        anti join stored_dates on stored_dates.as_of = requested_dates.as_of
    ))
),

final as (
    select *
    from aging
    where scope is null or account_key in (select account_key from accounts)
)

select * from final
