"""Who may see what: roles from a config file, and the scoped store each person gets.

Roles (`kamdash.toml`, or the `[kamdash.access]` section of Streamlit secrets):

    [access]
    directors = ["ceo@company.ru"]      # every account, every figure
    finance = ["cfo@company.ru"]        # every account, receivables; no cost or margin
    kams_from_managers = true           # a KAM is whoever `managers.email` names

A KAM sees only the accounts whose `kam_id` belongs to their email. Anyone else signed in has
no access. The scope is applied by the core store (`Store.restricted`) to every query, so no
page, export or download can widen it. E-mail addresses are compared case-insensitively, and
only when the identity token does not call them unverified (`email_trusted`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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
