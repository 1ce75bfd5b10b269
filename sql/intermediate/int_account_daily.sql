-- Everything that happened on an account on a day, pre-aggregated once per data version:
-- sales and billing by document date, payments by payment date. Any period's P&L, billing
-- for DSO and payment behaviour is then a sum over a few rows per account.
-- Stored in date order (then account_key), so a statement that reads a range of days reads
-- only the blocks that hold them.
-- Grain: one row per account per calendar day with any sale, document or allocated payment.
-- materialized: table
-- the three kinds of row side by side, summed per account and day in one group by: a union
-- of the days and three joins back to them took twice as long at 150,000 accounts. Grouped
-- on account_key, which every source carries; the text id is joined to the result.
with activity_rows as (
    select
        account_key,
        invoice_date as activity_date,
        true as is_sale,
        quantity,
        revenue,
        cogs,
        null as amount_due,
        null as amount,
        null as amount_x_days_to_pay,
        null as amount_x_days_late
    from int_sales_daily
    union all
    select
        account_key,
        invoice_date as activity_date,
        false as is_sale,
        null as quantity,
        null as revenue,
        null as cogs,
        amount_due,
        null as amount,
        null as amount_x_days_to_pay,
        null as amount_x_days_late
    from int_documents
    union all
    select
        account_key,
        payment_date as activity_date,
        false as is_sale,
        null as quantity,
        null as revenue,
        null as cogs,
        null as amount_due,
        amount,
        amount * (payment_date - invoice_date) as amount_x_days_to_pay,
        amount * greatest(0, payment_date - due_date) as amount_x_days_late
    from int_allocations
),

summed as (
    select
        account_key,
        activity_date,
        bool_or(is_sale) as has_sales,
        coalesce(sum(quantity), 0) as quantity,
        coalesce(sum(revenue), 0) as revenue,
        coalesce(sum(cogs), 0) as cogs,
        coalesce(sum(amount_due), 0) as billed,
        coalesce(sum(amount), 0) as paid_amount,
        coalesce(sum(amount_x_days_to_pay), 0) as paid_amount_x_days_to_pay,
        coalesce(sum(amount_x_days_late), 0) as paid_amount_x_days_late
    from activity_rows
    group by account_key, activity_date
),

final as (
    select
        accounts.account_id,
        summed.* exclude (account_key),
        summed.account_key
    from summed
    inner join int_accounts as accounts on accounts.account_key = summed.account_key
    order by summed.activity_date, summed.account_key
)

select * from final
