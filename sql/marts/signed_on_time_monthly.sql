-- Signed on time % per calendar month of issue over [period_start, period_end]: closing
-- documents issued in the month that came back signed within 5 days / all issued in it.
-- Grain: one row per month with at least one closing document issued.
-- params: period_start, period_end, scope
with documents as (
    select * from int_closing_documents
    where issued_on between period_start and period_end
    and (scope is null or account_id in (select unnest(scope)))
),

final as (
    select
        date_trunc('month', issued_on)::date as month,
        count(*) as closing_docs_issued,
        count(*) filter (where signed_on - issued_on <= 5) as closing_docs_signed_on_time,
        ratio_if_positive(count(*) filter (where signed_on - issued_on <= 5), count(*))
            as signed_on_time_pct
    from documents
    group by all
)

select * from final
