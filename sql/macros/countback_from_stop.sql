-- The countback DSO once the stopping month is known: whole months before it, plus the
-- share of its billing that the AR left still needs, in days.
-- params: open_ar, stop
(stop.days_through - stop.month_days)
    + (open_ar - (stop.billed_through - stop.billed)) / stop.billed * stop.month_days
