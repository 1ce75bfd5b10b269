-- Aging buckets and unapplied credits per account at each as-of date, from the document
-- balances and the unapplied cash of that date. The one definition behind both the stored
-- month-end aging and the aging at any other date.
-- Grain: one row per as-of date per account with any document or unapplied cash at that date.
-- Summed on the integer account_key and the text id joined last: at 150,000 accounts the
-- group by of millions of (date, document) rows was most of the stored aging's build.
-- params: as_of_dates
with as_of_dates as (
    select distinct unnest(as_of_dates)::date as as_of
),

balances as (
    select * from int_document_balances(as_of_dates)
),

unapplied_cash as (
    select
        as_of_dates.as_of,
        accounts.account_key,
        sum(cash.amount) as unapplied_cash
    from int_unapplied_cash as cash
    inner join int_accounts as accounts on accounts.account_id = cash.account_id
    inner join as_of_dates on cash.payment_date <= as_of_dates.as_of
    group by all
),

document_totals as (
    select
        as_of,
        account_key,
        coalesce(sum(open_balance) filter (where aging_bucket = 'ar_current'), 0) as ar_current,
        coalesce(sum(open_balance) filter (where aging_bucket = 'ar_1_30'), 0) as ar_1_30,
        coalesce(sum(open_balance) filter (where aging_bucket = 'ar_31_60'), 0) as ar_31_60,
        coalesce(sum(open_balance) filter (where aging_bucket = 'ar_61_90'), 0) as ar_61_90,
        coalesce(sum(open_balance) filter (where aging_bucket = 'ar_91_plus'), 0) as ar_91_plus,
        coalesce(sum(open_balance) filter (where open_balance < 0), 0) as negative_balances
    from balances
    group by as_of, account_key
),

joined as (
    select
        coalesce(document_totals.as_of, unapplied_cash.as_of) as as_of,
        coalesce(document_totals.account_key, unapplied_cash.account_key) as account_key,
        coalesce(document_totals.ar_current, 0) as ar_current,
        coalesce(document_totals.ar_1_30, 0) as ar_1_30,
        coalesce(document_totals.ar_31_60, 0) as ar_31_60,
        coalesce(document_totals.ar_61_90, 0) as ar_61_90,
        coalesce(document_totals.ar_91_plus, 0) as ar_91_plus,
        coalesce(document_totals.negative_balances, 0)
            - coalesce(unapplied_cash.unapplied_cash, 0) as unapplied_credits
    from document_totals
    full join unapplied_cash
        on unapplied_cash.account_key = document_totals.account_key
        and unapplied_cash.as_of = document_totals.as_of
),

final as (
    select
        joined.as_of,
        accounts.account_id,
        joined.* exclude (as_of, account_key),
        joined.account_key
    from joined
    inner join int_accounts as accounts on accounts.account_key = joined.account_key
)

select * from final
