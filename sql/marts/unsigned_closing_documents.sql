-- Closing documents unsigned at D (issued on or before D, not signed by D) of the accounts in
-- scope, with their days unsigned and amount (the invoice's amount_due over its number of
-- closing documents): the worklist of what clients must sign.
-- Grain: one row per closing document unsigned at D.
-- params: as_of, scope
with documents as (
    select * from int_closing_documents
    where issued_on <= as_of
    and (signed_on is null or signed_on > as_of)
    and (scope is null or account_id in (select unnest(scope)))
),

final as (
    select
        documents.closing_doc_id,
        documents.invoice_id,
        documents.account_id,
        accounts.account_name,
        accounts.kam_name,
        documents.doc_kind,
        documents.via_edo,
        documents.invoice_date,
        documents.issued_on,
        as_of - documents.issued_on as days_unsigned,
        documents.amount::double as amount
    from documents
    inner join int_accounts as accounts on accounts.account_id = documents.account_id
)

select * from final
