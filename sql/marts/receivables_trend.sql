-- Open AR, overdue AR and DSO at each of a list of as-of dates (e.g. month ends), per unit of
-- `level`, from the same aging and DSO window as the single-date figures. Each is summed per
-- unit before the two meet, so a portfolio's trend joins a few dozen rows, not a row per
-- account and date.
-- Grain: one row per unit per as-of date.
-- params: as_of_dates, dso_days, scope, level
with requested_dates as (
    select distinct unnest(as_of_dates)::date as as_of
),

accounts as (
    select * from int_account_units(level, scope)
),

aging as (
    select
        aging.as_of,
        accounts.unit_id,
        sum(
            aging.ar_current + aging.ar_1_30 + aging.ar_31_60 + aging.ar_61_90 + aging.ar_91_plus
            + aging.unapplied_credits
        ) as open_ar,
        sum(aging.ar_1_30 + aging.ar_31_60 + aging.ar_61_90 + aging.ar_91_plus) as overdue_ar,
        sum(aging.ar_91_plus) as ar_91_plus
    from int_aging_at_dates(as_of_dates, scope) as aging
    inner join accounts on accounts.account_key = aging.account_key
    group by all
),

-- billing per unit and day first: the windows of consecutive month ends overlap, and a
-- unit's day is then one row whatever the number of its accounts
daily_billing as (
    select
        daily.activity_date,
        accounts.unit_id,
        sum(daily.billed) as billed
    from int_account_daily as daily
    inner join accounts on accounts.account_key = daily.account_key
    where
        daily.activity_date
        between list_min(as_of_dates)::date - dso_days + 1 and list_max(as_of_dates)::date
    group by all
),

billed as (
    select
        requested_dates.as_of,
        daily_billing.unit_id,
        sum(daily_billing.billed) as billed
    from daily_billing
    inner join requested_dates
        on in_dso_window(daily_billing.activity_date, requested_dates.as_of, dso_days)
    group by all
),

-- a unit whose documents are all settled by a date still has its billing for DSO, and one
-- with open documents may have billed nothing in the window: a full join
receivables as (
    select
        coalesce(aging.as_of, billed.as_of) as as_of,
        coalesce(aging.unit_id, billed.unit_id) as unit_id,
        coalesce(aging.open_ar, 0) as open_ar,
        coalesce(aging.overdue_ar, 0) as overdue_ar,
        coalesce(aging.ar_91_plus, 0) as ar_91_plus,
        coalesce(billed.billed, 0) as billed
    from aging
    full join billed
        on billed.as_of = aging.as_of and billed.unit_id is not distinct from aging.unit_id
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
