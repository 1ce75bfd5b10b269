-- DSO by the period method: open AR / billed in the last `days` days × days; null when
-- nothing positive was billed.
-- params: open_ar, billed, days
case when billed > 0 then open_ar::double / billed::double * days end
