-- Open AR, overdue AR and DSO at each of a list of as-of dates (e.g. month ends), per unit of
-- `level`, from the same document balances as the single-date figures.
-- Grain: one row per unit per as-of date.
-- params: as_of_dates, dso_days, scope, level
with accounts as (
    select * from int_account_units(level, scope)
),

receivables as (
    select
        receivables.as_of,
        accounts.unit_id,
        sum(receivables.open_ar) as open_ar,
        sum(receivables.overdue_ar) as overdue_ar,
        sum(receivables.ar_91_plus) as ar_91_plus,
        sum(receivables.billed) as billed
    from int_account_receivables(as_of_dates, dso_days) as receivables
    inner join accounts on accounts.account_key = receivables.account_key
    group by all
),

final as (
    select
        unit_id,
        as_of,
        open_ar::double as open_ar,
        overdue_ar::double as overdue_ar,
        ar_91_plus::double as ar_91_plus,
        ratio_if_positive(overdue_ar, open_ar) as overdue_pct,
        billed::double as billed,
        period_dso(open_ar, billed, dso_days) as dso
    from receivables
)

select * from final
