-- Whether a row of activity counts towards the days [range_start, range_end]. A month row
-- (activity_date null) counts when its whole month lies inside; a day row counts when the
-- day lies inside and its month does not, so no day is counted twice or left out as long as
-- the days of every partly covered month were read.
-- params: month_start, activity_date, range_start, range_end
case
    when activity_date is null
        then month_start >= range_start and last_day(month_start) <= range_end
    else
        activity_date between range_start and range_end
        and not (month_start >= range_start and last_day(month_start) <= range_end)
end
