-- The countback DSO once the stopping month is known (the newest walk month that
-- countback_covers): the days from the month after it through as_of, plus the share of its
-- billing that the AR left after the newer months still needs, in days. Null when no month
-- covers the AR (stop is null).
-- params: open_ar, stop
(stop.days_through - stop.month_days)
    + (open_ar::double - (stop.billed_through - stop.billed)::double)
    / stop.billed::double * stop.month_days
