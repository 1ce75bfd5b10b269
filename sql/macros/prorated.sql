-- A monthly amount (a plan row) for the part of its month inside [period_start, period_end]:
-- in proportion to the days of the month the period covers.
-- params: amount, month_start, month_end, period_start, period_end
amount
    * (least(month_end, period_end) - greatest(month_start, period_start) + 1)
    / day(month_end)
