-- The closing documents of the accounts in scope at D = as_of: those unsigned at D (issued on
-- or before D, not signed by D), their amount (the invoice's amount_due over its number of
-- closing documents) in buckets of days unsigned 0–5, 6–30, 31–90 and 91+, which sum to the
-- unsigned amount; and signed on time % over P = [period_start, period_end] (issued in P and
-- signed within 5 days / all issued in P, null when none). metrics.md, "Closing documents".
-- Grain: one row.
-- params: period_start, period_end, as_of, scope
with documents as (
    select
        *,
        issued_on <= as_of and (signed_on is null or signed_on > as_of) as unsigned_at_d,
        as_of - issued_on as days_unsigned,
        issued_on between period_start and period_end as issued_in_period
    from int_closing_documents
    where scope is null or account_id in (select unnest(scope))
),

final as (
    select
        count(*) filter (where unsigned_at_d) as unsigned_closing_docs,
        coalesce(sum(amount) filter (where unsigned_at_d), 0)::double as unsigned_closing_amount,
        coalesce(sum(amount) filter (where unsigned_at_d and days_unsigned <= 5), 0)::double
            as unsigned_0_5,
        coalesce(
            sum(amount) filter (where unsigned_at_d and days_unsigned between 6 and 30), 0
        )::double as unsigned_6_30,
        coalesce(
            sum(amount) filter (where unsigned_at_d and days_unsigned between 31 and 90), 0
        )::double as unsigned_31_90,
        coalesce(sum(amount) filter (where unsigned_at_d and days_unsigned >= 91), 0)::double
            as unsigned_91_plus,
        count(*) filter (where issued_in_period) as closing_docs_issued,
        ratio_if_positive(
            count(*) filter (where issued_in_period and signed_on - issued_on <= 5),
            count(*) filter (where issued_in_period)
        ) as signed_on_time_pct
    from documents
)

select * from final
