-- Countback DSO from open AR and a billing walk (int_billing_walk, newest month first): the
-- walk consumes each month's billing while the AR left exceeds it, i.e. it stops in the first
-- month whose billing since as_of covers the AR; the days of the months passed plus that
-- month's covered fraction. Null when open AR <= 0 or no month covers it.
-- params: open_ar, walk
case
    when open_ar > 0 then countback_from_stop(
        open_ar::double, list_filter(walk, lambda step: open_ar <= step.billed_through)[1]
    )
end
