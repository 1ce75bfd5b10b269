-- Whether a month of a countback walk (int_billing_walk) can be where the walk stops: there
-- is open AR to explain, and the billing from that month's first day through as_of covers it.
-- The walk stops in the newest such month; none → countback DSO is null.
-- params: open_ar, billed_through
open_ar > 0 and billed_through >= open_ar
