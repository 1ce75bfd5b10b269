-- Whether a day's billing counts towards DSO at `as_of`: the `days` days ending at the as-of
-- date, that date included (metrics.md, DSO by the period method).
-- params: day, as_of, days
day between as_of - days + 1 and as_of
