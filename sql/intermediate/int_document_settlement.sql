-- Each document with everything ever paid on it, its payments, and the day from which its
-- balance stays zero (open_until). Receivables at an as-of date only need documents still
-- open then, and each carries its own payments, which keeps aging fast however long the
-- history.
-- Grain: one row per document of a known account.
-- materialized: table
with documents as (
    select * from int_documents
),

payments as (
    select
        invoice_id,
        sum(amount) as paid_total,
        max(payment_date) as last_payment_date,
        -- unordered: readers only sum the payments after a date
        list(struct_pack(payment_date, amount)) as payments
    from int_allocations
    group by invoice_id
),

final as (
    select
        documents.invoice_id,
        documents.account_id,
        documents.doc_type,
        documents.invoice_date,
        documents.due_date,
        documents.amount_due,
        coalesce(payments.paid_total, 0) as paid_total,
        payments.payments,
        -- the day from which the balance is zero for good: after the later of the document
        -- date and its last payment nothing changes. 9999-12-31 while it may still owe, so
        -- "open at D" is the plain comparison D < open_until, which DuckDB can push into the
        -- scan of this table as a filter from the requested dates
        case
            when documents.amount_due - coalesce(payments.paid_total, 0) = 0
                then greatest(
                    documents.invoice_date,
                    coalesce(payments.last_payment_date, documents.invoice_date)
                )
            else date '9999-12-31'
        end as open_until
    from documents
    left join payments on payments.invoice_id = documents.invoice_id
    -- stored in settlement order: receivables at a recent date read only the tail still open
    -- then, and the zone maps of this table let the scan skip the rest
    order by open_until, documents.invoice_date
)

select * from final
