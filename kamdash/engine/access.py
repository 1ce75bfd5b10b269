"""Who may see what: roles from a config file, and the scoped store each person gets.

Roles (`kamdash.toml`, or the `[kamdash.access]` section of Streamlit secrets):

    [access]
    directors = ["ceo@company.ru"]      # every account, every figure
    finance = ["cfo@company.ru"]        # every account, receivables; no cost or margin
    kams_from_managers = true           # a KAM is whoever `managers.email` names

What a person's defaults and the `/data` page say about dates is also within their scope:
`data_range` (the last document date the default period and as-of date end on) and
`table_summaries` (each table's first and last date) count only the rows of their accounts.

A KAM sees only the accounts whose `kam_id` belongs to their email. Anyone else signed in has
no access. The scope is applied by the core store (`Store.restricted`) to every query, so no
page, export or download can widen it. E-mail addresses are compared case-insensitively, and
only when the identity token does not call them unverified (`email_trusted`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kamdash.data.validation import TableSummary
from kamdash.engine.store import Store
from kamdash.errors import KamdashError

Role = Literal["director", "kam", "finance"]


@dataclass(frozen=True)
class AccessConfig:
    directors: frozenset[str] = field(default_factory=frozenset)
    finance: frozenset[str] = field(default_factory=frozenset)
    kams_from_managers: bool = True

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "config") -> AccessConfig:
        section = data.get("access", data)
        if not isinstance(section, Mapping):
            raise KamdashError(f"{source}: [access] must be a table")

        def emails(key: str) -> frozenset[str]:
            values = section.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise KamdashError(f"{source}: access.{key} must be a list of e-mail addresses")
            return frozenset(v.strip().lower() for v in values)

        flag = section.get("kams_from_managers", True)
        if not isinstance(flag, bool):
            raise KamdashError(f"{source}: access.kams_from_managers must be true or false")
        return cls(emails("directors"), emails("finance"), flag)

    @classmethod
    def load(cls, path: Path) -> AccessConfig:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KamdashError(f"access config {path} not found") from None
        except tomllib.TOMLDecodeError as error:
            raise KamdashError(f"access config {path} is not valid TOML: {error}") from None
        return cls.from_mapping(data, source=str(path))


@dataclass(frozen=True)
class Principal:
    email: str
    role: Role
    kam_ids: frozenset[str] = frozenset()


def email_trusted(claims: Mapping[str, Any]) -> bool:
    """Whether the e-mail of these identity-token claims may be matched against roles.

    A provider that lets people register or change an address without proving it says so
    with `email_verified = false`; such an address could be anyone's, a KAM's included. When
    the token carries the claim, only `true` is trusted (also as the text "true", which some
    providers send); a token without it is trusted, and docs/security.md says which providers
    must then be set up to vouch for their addresses."""
    verified = claims.get("email_verified")
    if verified is None:
        return True
    return verified is True or (isinstance(verified, str) and verified.strip().lower() == "true")


def resolve(store: Store, config: AccessConfig, email: str | None) -> Principal | None:
    """The role of a signed-in person, or None when they have no access."""
    if not email:
        return None
    address = email.strip().lower()
    if address in config.directors:
        return Principal(address, "director")
    if address in config.finance:
        return Principal(address, "finance")
    if config.kams_from_managers:
        managers = store.query(
            "select kam_id from int_managers where lower(trim(email)) = $1", [address]
        )
        if managers.height:
            return Principal(address, "kam", frozenset(managers["kam_id"].to_list()))
    return None


def scoped_store(store: Store, principal: Principal) -> Store:
    """The store as this person may see it."""
    if principal.role == "director":
        return store.restricted(None)
    if principal.role == "finance":
        return store.restricted(None, hide_margins=True)
    accounts = store.query(
        "select account_id from int_accounts where list_contains($1, kam_id)",
        [sorted(principal.kam_ids)],
    )
    return store.restricted(accounts["account_id"].to_list())


# each dated table's first and last day over the rows of the accounts in $1, from the tables
# the built store keeps (the raw files are not readable after the build): one fixed statement,
# so a scope is only ever a bound parameter
_SPANS_WITHIN = """
with dated as (
    select 'invoices' as table_name, invoice_date as day, account_id from int_documents
    union all
    select 'payments', payment_date, account_id from int_allocations
    union all
    select 'payments', payment_date, account_id from int_unapplied_cash
    union all
    select 'targets', month_start, account_id from int_targets
)
select table_name, min(day)::varchar as first, max(day)::varchar as last
from dated
where list_contains($1, account_id)
group by table_name
"""
DATED_TABLES = frozenset({"invoices", "payments", "targets"})


def data_range(store: Store) -> tuple[dt.date | None, dt.date | None]:
    """First and last document date among the accounts this store may see: a KAM's default
    period and as-of date end on the latest document of their own book, not on one of another
    KAM's accounts (`Store.data_range` is the whole export's)."""
    row = store.query(
        "select min(invoice_date) as first, max(invoice_date) as last from int_documents "
        "where $1 is null or list_contains($1, account_id)",
        [store.scope()],
    )
    return row["first"][0], row["last"][0]


def table_summaries(store: Store) -> list[TableSummary]:
    """The validation report's table summaries with each dated table's first and last date
    counted within this store's scope: unrestricted, the report's own (the whole export as
    loaded); restricted, over the visible accounts' rows only (none when they have none)."""
    if store.allowed is None:
        return list(store.report.tables)
    spans = store.query(_SPANS_WITHIN, [sorted(store.allowed)])
    within = {name: (first, last) for name, first, last in spans.iter_rows()}

    def scoped(summary: TableSummary) -> TableSummary:
        if summary.table not in DATED_TABLES:
            return summary
        first, last = within.get(summary.table, (None, None))
        return dataclasses.replace(summary, first_date=first, last_date=last)

    return [scoped(summary) for summary in store.report.tables]
