"""Sign-in and the viewer's scope for the app.

With an `[auth]` section in `.streamlit/secrets.toml` every page requires `st.login` (OIDC);
the signed-in e-mail is matched against the access file (`kamdash.toml`, or the path in
`KAMDASH_ACCESS_FILE`, or a `[kamdash.access]` secrets section) and the export's
`managers.email`, and the session gets the store restricted to that person
(`kamdash.engine.access.scoped_store`). An address the identity token calls unverified
(`email_verified = false`) gets no role at all (`kamdash.engine.access.email_trusted`).
Without `[auth]` the app is an open demo and says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from kamdash.engine.access import AccessConfig, Principal, email_trusted, resolve, scoped_store
from kamdash.engine.measures import Language
from kamdash.engine.store import Store
from kamdash.errors import KamdashError
from kamdash.ui.i18n import t

ACCESS_FILE_ENV = "KAMDASH_ACCESS_FILE"
DEFAULT_ACCESS_FILE = "kamdash.toml"


@dataclass(frozen=True)
class Viewer:
    """The store as this session may see it, and who is looking (None in demo mode)."""

    store: Store
    principal: Principal | None


def _secrets() -> Any:
    try:
        # reading any key raises when there is no secrets file at all
        return st.secrets if len(st.secrets) >= 0 else {}
    except Exception:
        return {}


def auth_configured() -> bool:
    return "auth" in _secrets()


def access_config() -> AccessConfig:
    path = Path(os.environ.get(ACCESS_FILE_ENV) or DEFAULT_ACCESS_FILE)
    if path.is_file():
        return AccessConfig.load(path)
    section = _secrets().get("kamdash", {})
    if "access" in section:
        return AccessConfig.from_mapping(dict(section), source="secrets [kamdash]")
    # no roles configured: nobody is a director; KAMs still see their own accounts
    return AccessConfig()


def signed_out(lang: Language) -> bool:
    """With sign-in required and nobody signed in, draw the sign-in page and say so. Runs
    before the data is opened: a signed-out visitor learns nothing, not even that the
    export is broken or where it lives."""
    if not auth_configured() or st.user.is_logged_in:
        return False
    st.title(t("auth.sign_in_title", lang), anchor=False)
    st.write(t("auth.sign_in_body", lang))
    st.button(t("auth.sign_in", lang), on_click=st.login, type="primary")
    return True


def _signed_in_email() -> tuple[str, bool]:
    """The signed-in e-mail and whether it may be matched against roles (not unverified)."""
    email = str(st.user.get("email") or "")
    return email, email_trusted({"email_verified": st.user.get("email_verified")})


def may_see_data_problems() -> bool:
    """Whether this session may read a failed validation report, whose examples name
    accounts and documents of every KAM: in the open demo anyone, with sign-in the
    directors of the access file only."""
    if not auth_configured():
        return True
    email, trusted = _signed_in_email()
    if not trusted:
        return False
    try:
        return email.strip().lower() in access_config().directors
    except KamdashError:
        return False


def viewer(store: Store, lang: Language) -> Viewer | None:
    """Who is looking; draws the no-access page and returns None instead. The sign-in page
    is `signed_out`'s, drawn before the data is opened (someone not signed in has no
    e-mail, so reaching here anyway would only get the no-access page)."""
    if not auth_configured():
        return Viewer(store, None)
    email, trusted = _signed_in_email()
    if not trusted:
        # anyone can claim an address they have not proven: no role, and the page says why
        st.title(t("auth.no_access_title", lang), anchor=False)
        st.write(t("auth.unverified_body", lang, email=email))
        st.button(t("auth.sign_out", lang), on_click=st.logout)
        return None
    try:
        principal = resolve(store, access_config(), email)
    except KamdashError as error:
        st.error(str(error), icon=":material/error:")
        return None
    if principal is None:
        st.title(t("auth.no_access_title", lang), anchor=False)
        st.write(t("auth.no_access_body", lang, email=email))
        st.button(t("auth.sign_out", lang), on_click=st.logout)
        return None
    return Viewer(scoped_store(store, principal), principal)


def identity(current: Viewer, lang: Language) -> None:
    """Sidebar line: who is signed in with which role, or that this is an open demo."""
    if current.principal is None:
        st.info(t("auth.demo", lang), icon=":material/lock_open:")
        return
    st.caption(
        t(
            "auth.signed_in",
            lang,
            email=current.principal.email,
            role=t(f"auth.role.{current.principal.role}", lang),
        )
    )
    st.button(t("auth.sign_out", lang), on_click=st.logout, type="tertiary")
