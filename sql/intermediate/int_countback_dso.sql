-- Countback DSO of each unit of `level` at each requested as-of date: walk back from the
-- as-of month through the unit's billing (int_billing_walk) to the newest month whose billing
-- through the as-of date covers the unit's open AR, and count the days back to it.
-- `unit_open_ar` names a relation of the caller (a CTE) with one row per period_index and
-- unit_id, its as_of and its exact_open_ar (the AR to explain). A unit whose walk never
-- covers its AR has no row (its countback DSO is null).
-- Grain: one row per requested period (period_index) per unit of `level` with a stop.
-- params: unit_open_ar, periods, scope, level
with walk as (
    select *
    from int_billing_walk(list_transform(periods, lambda period: period.as_of), scope, level)
),

final as (
    select
        targets.period_index,
        walk.unit_id,
        countback_from_stop(
            any_value(targets.exact_open_ar),
            arg_max(walk.step, walk.month_start)
        ) as countback_dso
    from walk
    inner join query_table(unit_open_ar) as targets
        on targets.unit_id = walk.unit_id and targets.as_of = walk.as_of
    where countback_covers(targets.exact_open_ar, walk.billed_through)
    group by targets.period_index, walk.unit_id
)

select * from final
