-- How fast and how late the scope paid, by calendar month of payment, over allocations to
-- documents (unapplied cash has no document to measure against).
-- Grain: one row per unit of `level` per month with payments in [period_start, period_end].
-- params: period_start, period_end, scope, level
with accounts as (
    select * from int_account_units(level, scope)
),

payments as (
    select
        accounts.unit_id,
        date_trunc('month', daily.activity_date)::date as month,
        sum(daily.paid_amount) as paid_amount,
        sum(daily.paid_amount_x_days_to_pay) as paid_amount_x_days_to_pay,
        sum(daily.paid_amount_x_days_late) as paid_amount_x_days_late
    from int_account_daily as daily
    inner join accounts on accounts.account_key = daily.account_key
    where daily.activity_date between period_start and period_end and daily.paid_amount <> 0
    group by all
),

final as (
    select
        unit_id,
        month,
        paid_amount::double as paid_amount,
        ratio_if_positive(paid_amount_x_days_to_pay, paid_amount) as avg_days_to_pay,
        ratio_if_positive(paid_amount_x_days_late, paid_amount) as avg_days_late
    from payments
)

select * from final
