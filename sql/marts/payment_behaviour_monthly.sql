-- How fast and how late the scope paid, by calendar month of payment, over allocations to
-- documents (unapplied cash has no document to measure against).
-- Grain: one row per unit of `level` per month with payments in [period_start, period_end].
-- params: period_start, period_end, scope, level
with accounts as (
    select * from int_account_units(level, scope)
),

allocations as (
    select
        accounts.unit_id,
        date_trunc('month', allocations.payment_date)::date as month,
        allocations.amount,
        allocations.payment_date - allocations.invoice_date as days_to_pay,
        greatest(0, allocations.payment_date - allocations.due_date) as days_late
    from int_allocations as allocations
    inner join accounts on accounts.account_id = allocations.account_id
    where allocations.payment_date between period_start and period_end
),

final as (
    select
        unit_id,
        month,
        sum(amount)::double as paid_amount,
        count(*) as allocations,
        ratio_if_positive(sum(amount * days_to_pay), sum(amount)) as avg_days_to_pay,
        ratio_if_positive(sum(amount * days_late), sum(amount)) as avg_days_late
    from allocations
    group by all
)

select * from final
