-- Everything that happened on an account on a day, pre-aggregated once per data version:
-- sales and billing by document date, payments by payment date. Any period's P&L, billing
-- for DSO and payment behaviour is then a sum over a few rows per account.
-- Grain: one row per account per calendar day with any sale, document or allocated payment.
-- materialized: table
with sales as (
    select
        account_id,
        invoice_date as activity_date,
        sum(quantity) as quantity,
        sum(revenue) as revenue,
        sum(cogs) as cogs
    from int_sales_daily
    group by all
),

billing as (
    select
        account_id,
        invoice_date as activity_date,
        sum(amount_due) as billed
    from int_documents
    group by all
),

payments as (
    select
        account_id,
        payment_date as activity_date,
        sum(amount) as paid_amount,
        sum(amount * (payment_date - invoice_date)) as paid_amount_x_days_to_pay,
        sum(amount * greatest(0, payment_date - due_date)) as paid_amount_x_days_late
    from int_allocations
    group by all
),

days as (
    select account_id, activity_date from sales
    union
    select account_id, activity_date from billing
    union
    select account_id, activity_date from payments
),

final as (
    select
        days.account_id,
        days.activity_date,
        sales.account_id is not null as has_sales,
        coalesce(sales.quantity, 0) as quantity,
        coalesce(sales.revenue, 0) as revenue,
        coalesce(sales.cogs, 0) as cogs,
        coalesce(billing.billed, 0) as billed,
        coalesce(payments.paid_amount, 0) as paid_amount,
        coalesce(payments.paid_amount_x_days_to_pay, 0) as paid_amount_x_days_to_pay,
        coalesce(payments.paid_amount_x_days_late, 0) as paid_amount_x_days_late
    from days
    left join sales
        on sales.account_id = days.account_id and sales.activity_date = days.activity_date
    left join billing
        on billing.account_id = days.account_id and billing.activity_date = days.activity_date
    left join payments
        on payments.account_id = days.account_id and payments.activity_date = days.activity_date
    order by days.activity_date
)

select * from final
