-- Everything that makes up open AR at the as-of date: documents with a non-zero open balance
-- (with days past due and aging bucket) and unapplied cash on account. Its open_balance
-- sums to open AR. With `overdue_only`, the collection worklist: only documents past due
-- that still owe (open balance > 0), which sum to overdue AR.
-- Grain: one row per open document or unapplied payment (per overdue document).
-- params: as_of, scope, overdue_only
with accounts as (
    select * from int_accounts
    where scope is null or list_contains(scope, account_id)
),

documents as (
    select
        invoice_id as item_id,
        account_id,
        doc_type as item_type,
        invoice_date as item_date,
        due_date,
        amount_due::double as amount_due,
        paid_amount::double as paid_amount,
        open_balance::double as open_balance,
        days_past_due,
        coalesce(aging_bucket, 'unapplied_credits') as aging_bucket
    from int_document_balances([as_of])
    -- the scope here, not only in the final join, so out-of-scope documents are never aged
    where open_balance <> 0 and (scope is null or list_contains(scope, account_id))
        and (not overdue_only or (days_past_due > 0 and open_balance > 0))
),

unapplied_cash as (
    select
        payment_id as item_id,
        account_id,
        'unapplied_cash' as item_type,
        payment_date as item_date,
        null::date as due_date,
        null::double as amount_due,
        amount::double as paid_amount,
        -amount::double as open_balance,
        null::bigint as days_past_due,
        'unapplied_credits' as aging_bucket
    from int_unapplied_cash
    where payment_date <= as_of and (scope is null or list_contains(scope, account_id))
        and not overdue_only
),

items as (
    select * from documents
    union all
    select * from unapplied_cash
),

final as (
    select
        items.item_id,
        items.item_type,
        accounts.account_id,
        accounts.account_name,
        accounts.kam_id,
        accounts.kam_name,
        items.item_date,
        items.due_date,
        items.amount_due,
        items.paid_amount,
        items.open_balance,
        items.days_past_due,
        items.aging_bucket
    from items
    inner join accounts on accounts.account_id = items.account_id
)

select * from final
