-- numerator / denominator when the denominator is > 0, else null: the guard every ratio in
-- the metric definitions uses (GM %, growth, overdue %, plan attainment, shares).
-- params: numerator, denominator
case when denominator > 0 then numerator::double / denominator::double end
