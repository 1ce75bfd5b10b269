"""The dashboard under Streamlit's AppTest: the app file, its pages, the `[auth]` secrets of a
signed-in test person, and one way to open a page the way a URL would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import exportkit as ek
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = {name: f"app_pages/{name}.py" for name in ("account", "receivables", "team", "data")}
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-secret",
    "client_id": "kamdash",
    "client_secret": "x",
    "server_metadata_url": "https://sso.example.ru/.well-known/openid-configuration",
}

Open = Callable[..., AppTest]
# who the role tests' access file names; KAMs are found by their managers' e-mail
ACCESS = '[access]\ndirectors = ["boss@company.ru"]\nfinance = ["cfo@company.ru"]\n'


def write_secured_export(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """`tables` as an export in `folder/data`, beside the access file `folder/kamdash.toml`."""
    ek.write_export(folder / "data", tables)
    (folder / "kamdash.toml").write_text(ACCESS)
    return folder


def serve(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """Point the app at the export and access file `write_secured_export` put in `folder`."""
    patch.setenv("KAMDASH_DATA_DIR", str(folder / "data"))
    patch.setenv("KAMDASH_ACCESS_FILE", str(folder / "kamdash.toml"))


def signed_in(email: str) -> dict[str, Any]:
    return {"is_logged_in": True, "email": email, "name": email}


def open_page(
    page: str = "portfolio", *, user: dict[str, Any] | None = None, **params: str | list[str]
) -> AppTest:
    """Run `page` with these query parameters (as `user`, with sign-in configured, when
    given) and fail the test if the run raised."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    at.query_params.update(params)
    if page != "portfolio":
        at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at
