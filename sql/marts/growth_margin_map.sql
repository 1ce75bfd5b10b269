-- The growth–margin quadrant of the first requested period, sized for any number of
-- accounts: the `top` accounts by revenue as points ('point' rows, with their figures), and
-- every other account with both a growth and a GM % counted in a cell of a grid ('cell'
-- rows): growth in steps of 10 points from −100 % to +200 %, GM % in steps of 5 points from
-- −50 % to +100 %, values beyond the grid counted in its edge cells. One 'new' row counts the
-- accounts the quadrant cannot place because they have revenue but no growth (no prior-year
-- revenue: new accounts).
-- Grain: one row per top account, one per grid cell holding at least one other account, and
-- one 'new' row.
-- `account_rows` names a relation of the caller holding account_table's rows of the period.
-- params: account_rows, top
with metrics as (
    select * from query_table(account_rows)
),

accounts as (
    select
        account_id,
        account_name,
        revenue,
        growth_yoy,
        gross_margin_pct,
        overdue_pct,
        row_number() over (order by revenue desc, account_id) as revenue_rank
    from metrics
    where growth_yoy is not null and gross_margin_pct is not null
),

points as (
    select
        'point' as row_kind,
        account_id,
        account_name,
        revenue,
        growth_yoy,
        gross_margin_pct,
        overdue_pct,
        null::bigint as accounts_in_cell
    from accounts
    where revenue_rank <= top
),

cells as (
    select
        'cell' as row_kind,
        null::varchar as account_id,
        null::varchar as account_name,
        sum(revenue) as revenue,
        -- the cell's lower corner; a cell spans 0.1 of growth and 0.05 of GM %
        least(greatest(floor(growth_yoy * 10), -10), 19) / 10 as growth_yoy,
        least(greatest(floor(gross_margin_pct * 20), -10), 19) / 20 as gross_margin_pct,
        null::double as overdue_pct,
        count(*) as accounts_in_cell
    from accounts
    where revenue_rank > top
    group by all
),

new_accounts as (
    select
        'new' as row_kind,
        null::varchar as account_id,
        null::varchar as account_name,
        sum(revenue) as revenue,
        null::double as growth_yoy,
        null::double as gross_margin_pct,
        null::double as overdue_pct,
        count(*) as accounts_in_cell
    from metrics
    where growth_yoy is null and revenue <> 0
),

final as (
    select * from points
    union all
    select * from cells
    union all
    select * from new_accounts
)

select * from final
