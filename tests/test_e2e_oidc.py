"""Sign-in end to end: a real OpenID Connect provider, the app with `[auth]`, Chromium.

An OIDC provider (`oidc-provider-mock`) runs in the test process on a free localhost port;
the app runs as `streamlit run app.py` with an `[auth]` section pointing at it, from a secrets
file and an access file in a temporary folder (never the repository's). Chromium clicks
"Sign in", types the e-mail into the provider's authorization form and comes back through
`/oauth2callback` with the session cookie Streamlit signs. Then, as a user would see it:

- a director, a KAM and a finance user each see exactly their scope on every page, and in the
  CSV files the tables download (the KAM's rows are the director's rows of that KAM, in files
  named after the KAM; finance's the director's without cost and margin);
- signing out goes through the provider's end-session page back to the sign-in page;
- a session cookie whose content was edited, or whose signature is older than Streamlit
  accepts, gets the sign-in page, not the dashboard;
- a signed-in e-mail with no role gets the no-access page;
- someone whose identity token carries a KAM's e-mail with `email_verified = false` (an address
  they never proved, as self-registration allows) gets the no-access page saying why.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import itsdangerous
import oidc_provider_mock
import polars as pl
import pytest

# the browser, the server and the waits are test_e2e's; importing it skips this module the
# same way when Chromium is absent
import test_e2e
from test_e2e import ARTIFACTS, IDLE, TIMEOUT_MS, free_port, settle, streamlit_server, sync_api

from kamdash.engine.measures import MEASURES_BY_NAME, measure
from kamdash.engine.store import MARGIN_COLUMNS
from kamdash.report.exports.images import slug
from kamdash.ui.i18n import t

pytestmark = pytest.mark.e2e

# test_e2e's Chromium, and a fresh browser context (no cookies) with one tab for each test
browser = test_e2e.browser
page = test_e2e.page

DIRECTOR = "ceo@company.ru"
FINANCE = "cfo@company.ru"
STRANGER = "visitor@elsewhere.ru"
IMPOSTOR = "self-registered"  # the provider's subject of someone who typed a KAM's address
KAM_ID = "KAM-01"
COOKIE_SECRET = "e2e-oidc-cookie-secret-not-for-production"
USER_COOKIE = "_streamlit_user"  # Streamlit's signed identity cookie
# Streamlit refuses a signed identity older than the cookie's 30 days plus one day of grace
TOO_OLD_SECONDS = 32 * 24 * 3600
# the figures someone who may not see margins must not see, by the label they are shown under
MARGIN_LABELS = [
    measure(name).label("en") for name in sorted(MARGIN_COLUMNS) if name in MEASURES_BY_NAME
]


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The OpenID provider: any client id and secret; the user is whoever is typed into its
    authorization form, with that text as the `email` claim."""
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def app(provider: str, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with sign-in through `provider`; its secrets and access file are temporary."""
    folder = tmp_path_factory.mktemp("oidc-app")
    port = free_port()
    url = f"http://localhost:{port}"
    (folder / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        f'cookie_secret = "{COOKIE_SECRET}"\n'
        'client_id = "kamdash"\n'
        'client_secret = "kamdash-e2e"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    (folder / "kamdash.toml").write_text(
        f'[access]\ndirectors = ["{DIRECTOR}"]\nfinance = ["{FINANCE}"]\n'
        "kams_from_managers = true\n"
    )
    with streamlit_server(
        port,
        data_dir,
        folder,
        env={"KAMDASH_ACCESS_FILE": str(folder / "kamdash.toml")},
        options=["--secrets.files", str(folder / "secrets.toml")],
    ):
        # the browser must use the host of redirect_uri: the session cookie is set for it
        yield url


@pytest.fixture(scope="module")
def kam(data_dir: Path) -> dict[str, Any]:
    """The KAM of the test and who is who, read from the export itself: the KAM's e-mail and
    name, the names of their accounts and of everyone's, one account id of theirs and one of
    another KAM's, and every KAM's name."""
    managers = pl.read_parquet(data_dir / "managers.parquet")
    me = managers.filter(pl.col("kam_id") == KAM_ID)
    accounts = pl.read_parquet(data_dir / "accounts.parquet").sort("account_id")
    own = accounts.filter(pl.col("kam_id") == KAM_ID)
    return {
        "email": me["email"][0],
        "name": me["kam_name"][0],
        "accounts": sorted(own["account_name"]),
        "all_accounts": sorted(accounts["account_name"]),
        "own_id": own["account_id"][0],
        "other_id": accounts.filter(pl.col("kam_id") != KAM_ID)["account_id"][0],
        "all_kams": sorted(managers["kam_name"]),
    }


def provider_user(provider: str, subject: str, claims: dict[str, Any]) -> None:
    """Register `subject` at the provider with these identity-token claims (its users API)."""
    request = urllib.request.Request(
        f"{provider}/users/{subject}",
        data=json.dumps(claims).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204, response.status


# -- driving the browser ---------------------------------------------------------------------


def sign_in(tab: Any, app: str, email: str) -> None:
    """From the sign-in page through the provider's form, back on the app as `email`."""
    tab.goto(app)
    tab.get_by_text(t("auth.sign_in_title", "en")).wait_for(timeout=TIMEOUT_MS)
    tab.get_by_role("button", name=t("auth.sign_in", "en")).click()
    subject = tab.get_by_placeholder("sub")  # the provider's authorization form
    subject.wait_for(timeout=TIMEOUT_MS)
    subject.fill(email)
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(f"{app}/**", timeout=TIMEOUT_MS)


def table_csv(tab: Any, title: str) -> tuple[str, list[dict[str, str]]]:
    """The CSV file of the table named `title` on the page (its heading, which its files are
    named after): the file's name and rows. The button is found by its widget key, which
    holds the file name: tables draw in no fixed order, so "the first CSV button" is not."""
    # (while the page settles, a button can be drawn twice for a moment: either will do)
    button = tab.locator(f'[class*="_{slug(title)}_"][class*="-csv"] button').first
    with tab.expect_download(timeout=TIMEOUT_MS) as started:
        button.click()
    name = started.value.suggested_filename
    assert f"_{slug(title)}_" in name and name.endswith(".csv"), name
    content = Path(started.value.path()).read_bytes().decode("utf-8-sig")
    return name, list(csv.DictReader(io.StringIO(content)))


def shot(tab: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"e2e-oidc-{name}.png"), full_page=True)


def assert_sign_in_page(tab: Any) -> None:
    settle(tab, t("auth.sign_in_title", "en"))
    sync_api.expect(tab.get_by_role("button", name=t("auth.sign_in", "en"))).to_have_count(1)
    sync_api.expect(tab.locator("body")).not_to_contain_text(t("portfolio.title", "en"))


def signed_in_as(email: str, role: str) -> str:
    return t("auth.signed_in", "en", email=email, role=t(f"auth.role.{role}", "en"))


# -- the session cookie ----------------------------------------------------------------------


class _Backdated(itsdangerous.TimestampSigner):
    """Signs as if it were 32 days ago."""

    def get_timestamp(self) -> int:
        return int(time.time()) - TOO_OLD_SECONDS


def user_cookie(tab: Any) -> dict[str, Any]:
    cookies = [c for c in tab.context.cookies() if c["name"] == USER_COOKIE]
    assert len(cookies) == 1, [c["name"] for c in tab.context.cookies()]
    return dict(cookies[0])


def replace_user_cookie(tab: Any, cookie: dict[str, Any], value: str) -> None:
    tab.context.add_cookies([{**cookie, "value": value}])


def identity_of(cookie: dict[str, Any]) -> dict[str, Any]:
    """What the app signed into the cookie (readable only with the app's secret)."""
    serializer = itsdangerous.URLSafeTimedSerializer(COOKIE_SECRET, salt=USER_COOKIE)
    return dict(json.loads(serializer.loads(cookie["value"])))


def signed(identity: dict[str, Any], *, backdated: bool = False) -> str:
    """`identity` signed with the app's secret, as Streamlit signs it (now or 32 days ago)."""
    options: dict[str, Any] = {"signer": _Backdated} if backdated else {}
    serializer = itsdangerous.URLSafeTimedSerializer(COOKIE_SECRET, salt=USER_COOKIE, **options)
    return str(serializer.dumps(json.dumps(identity)))


def with_other_email(value: str, email: str) -> str:
    """The cookie's content changed to `email`, its timestamp and signature left as they were."""
    payload, timestamp, signature = value.rsplit(".", 2)
    codec = itsdangerous.URLSafeSerializer("unused")  # only for its payload encoding
    identity = json.loads(codec.load_payload(payload.encode()))
    forged = codec.dump_payload(json.dumps({**identity, "email": email}))
    return f"{forged.decode()}.{timestamp}.{signature}"


# -- what each role sees ----------------------------------------------------------------------

# page → a text of its main area drawn late in its run
PAGES = {
    "portfolio": "portfolio.at_risk",
    "account": "account.payment",
    "receivables": "receivables.worklist",
    "team": "chart.team",
    "data": "data.glossary",
}
# page → the title of the table whose CSV file is downloaded (the team table has no heading)
DOWNLOADED = {
    "portfolio": "portfolio.accounts",
    "receivables": "receivables.by_account",
    "team": "export.table",
}
ACCOUNT, KAM = t("col.account", "en"), t("col.kam", "en")


def arrive(tab: Any, name: str) -> str:
    """Wait for page `name` to be drawn, its run to end and its text to stop changing (the
    browser draws some elements a moment after the run); that text (no exception in it)."""
    main = tab.locator('[data-testid="stMain"]')
    main.get_by_text(t(PAGES[name], "en"), exact=True).first.wait_for(timeout=TIMEOUT_MS)
    if name == "data":  # the page ends with the glossary, a table drawn as text
        glossary = main.locator('[data-testid="stTable"]', has_text=t("col.formula", "en"))
        glossary.wait_for(timeout=TIMEOUT_MS)
    tab.wait_for_function(IDLE, timeout=TIMEOUT_MS)
    text, unchanged = str(tab.locator("body").inner_text()), 0
    for _ in range(40):  # the same text three times in a row, 300 ms apart
        tab.wait_for_timeout(300)
        again = str(tab.locator("body").inner_text())
        unchanged = unchanged + 1 if again == text else 0
        text = again
        if unchanged == 2:
            break
    exceptions = tab.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    return text


@pytest.fixture(scope="module")
def views(browser: Any, app: str) -> Any:
    """`views(email)`: what that person sees, signed in through the provider and going from
    page to page by the sidebar's links: each page's text, and the CSV file (name, rows) of
    the `DOWNLOADED` table of some pages. A director also opens the portfolio filtered to the
    test's KAM (`csv["portfolio", KAM_ID]`). Each person is visited once per module."""
    seen: dict[str, dict[str, Any]] = {}

    def visit(email: str) -> dict[str, Any]:
        if email in seen:
            return seen[email]
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        texts: dict[str, str] = {}
        files: dict[Any, tuple[str, list[dict[str, str]]]] = {}
        try:
            tab = context.new_page()
            sign_in(tab, app, email)  # back on the portfolio
            for number, name in enumerate(PAGES):
                if number:
                    sidebar = tab.locator('[data-testid="stSidebar"]')
                    sidebar.get_by_role("link", name=t(f"page.{name}", "en")).click()
                texts[name] = arrive(tab, name)
                if name in DOWNLOADED:
                    files[name] = table_csv(tab, t(DOWNLOADED[name], "en"))
            shot(tab, f"{email.split('@')[0]}-{name}")
            if email == DIRECTOR:
                tab.goto(f"{app}/?kam={KAM_ID}")
                arrive(tab, "portfolio")
                files["portfolio", KAM_ID] = table_csv(tab, t(DOWNLOADED["portfolio"], "en"))
        finally:
            context.close()
        seen[email] = {"text": texts, "csv": files}
        return seen[email]

    return visit


def column(rows: list[dict[str, str]], header: str) -> list[str]:
    return [row[header] for row in rows]


def rows(seen: dict[str, Any], name: Any) -> list[dict[str, str]]:
    return list(seen["csv"][name][1])


def same_rows(got: list[dict[str, str]], want: list[dict[str, str]]) -> bool:
    """The same rows, columns and values; a number may differ in its last bits only. Two
    viewers' files are computed by separate statements, and DuckDB's parallel double sums do
    not always add in the same order (a difference of about 1e-16 relative, far below any
    digit shown)."""
    if len(got) != len(want) or any(a.keys() != b.keys() for a, b in zip(got, want, strict=True)):
        return False
    for a, b in zip(got, want, strict=True):
        for name, value in a.items():
            other = b[name]
            if value == other:
                continue
            try:
                if not math.isclose(float(value), float(other), rel_tol=1e-12, abs_tol=1e-9):
                    return False
            except ValueError:
                return False
    return True


def file_names(seen: dict[str, Any]) -> list[str]:
    """The names of the files downloaded from the `DOWNLOADED` tables."""
    return [seen["csv"][name][0] for name in DOWNLOADED]


EVERY_ACCOUNT = slug(t("export.all_accounts", "en"))  # how a file for all accounts is named


def test_a_director_sees_every_account_and_every_figure(views: Any, kam: dict[str, Any]) -> None:
    seen = views(DIRECTOR)
    for name, text in seen["text"].items():
        assert signed_in_as(DIRECTOR, "director") in text, name
    assert sorted(column(rows(seen, "portfolio"), ACCOUNT)) == kam["all_accounts"]
    assert sorted(column(rows(seen, "team"), KAM)) == kam["all_kams"]
    assert all(name.startswith(f"{EVERY_ACCOUNT}_") for name in file_names(seen))
    for label in ("Gross margin", "GM %", "COGS"):
        assert label in MARGIN_LABELS
        assert label in seen["text"]["data"]  # the glossary defines it
    assert "GM %" in rows(seen, "portfolio")[0] and "GM %" in rows(seen, "team")[0]
    assert "Gross margin" in seen["text"]["portfolio"]  # a tile


def test_a_kam_sees_only_their_accounts_on_every_page(views: Any, kam: dict[str, Any]) -> None:
    seen = views(kam["email"])
    others = set(kam["all_accounts"]) - set(kam["accounts"])
    for name, text in seen["text"].items():
        assert signed_in_as(kam["email"], "kam") in text, name
        assert not [account for account in others if account in text], name
    assert sorted(column(rows(seen, "portfolio"), ACCOUNT)) == kam["accounts"]
    # the KAM's files hold the director's rows of this KAM, figures and all; the portfolio's
    # as the director sees it filtered to this KAM (an ABC class ranks within the portfolio)
    director = views(DIRECTOR)
    assert same_rows(rows(seen, "portfolio"), rows(director, ("portfolio", KAM_ID)))
    for name in ("receivables", "team"):
        theirs = [row for row in rows(director, name) if row[KAM] == kam["name"]]
        assert theirs and same_rows(rows(seen, name), theirs), name
    # and are named after the KAM like the director's filtered to them, not "All accounts"
    assert all(name.startswith(f"{slug(kam['name'])}_") for name in file_names(seen))
    assert seen["csv"]["portfolio"][0] == director["csv"]["portfolio", KAM_ID][0]
    # the data page gives a KAM the verdicts, not the whole export's detail
    assert " ".join(t("data.restricted", "en").split()) in " ".join(seen["text"]["data"].split())


def test_finance_sees_every_account_but_no_cost_or_margin(views: Any) -> None:
    director, seen = views(DIRECTOR), views(FINANCE)
    for name, text in seen["text"].items():
        assert signed_in_as(FINANCE, "finance") in text, name
        for label in MARGIN_LABELS:
            assert label not in text, (name, label)
    # finance's files are the director's, without the margin columns
    assert file_names(seen) == file_names(director)
    for name in DOWNLOADED:
        without = [
            {k: v for k, v in row.items() if k not in MARGIN_LABELS} for row in rows(director, name)
        ]
        assert same_rows(rows(seen, name), without), (name, rows(seen, name), without)
    assert "GM %" in rows(director, "portfolio")[0]


def test_a_kam_opening_another_kams_account_is_told_it_does_not_exist(
    page: Any, app: str, kam: dict[str, Any], data_dir: Path
) -> None:
    accounts = pl.read_parquet(data_dir / "accounts.parquet")
    names = dict(accounts.select("account_id", "account_name").iter_rows())
    sign_in(page, app, kam["email"])
    page.goto(f"{app}/account?account={kam['own_id']}")
    assert signed_in_as(kam["email"], "kam") in arrive(page, "account")
    assert page.locator("h1").first.inner_text() == names[kam["own_id"]]
    page.goto(f"{app}/account?account={kam['other_id']}")
    other = arrive(page, "account")
    note = t("note.unknown_account", "en", value=kam["other_id"]).replace("`", "")
    assert note in other
    assert names[kam["other_id"]] not in other
    assert page.locator("h1").first.inner_text() in kam["accounts"]


# -- signing out, cookies, no role -------------------------------------------------------------


def test_signing_out_returns_to_the_sign_in_page(page: Any, app: str) -> None:
    sign_in(page, app, DIRECTOR)
    settle(page, signed_in_as(DIRECTOR, "director"))
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "button", name=t("auth.sign_out", "en")
    ).click()
    # the provider's end-session page, which sends the browser back to the app
    end_session = page.get_by_role("button", name="End session")
    end_session.wait_for(timeout=TIMEOUT_MS)
    end_session.click()
    assert_sign_in_page(page)
    assert not [c for c in page.context.cookies() if c["name"] == USER_COOKIE]
    page.goto(f"{app}/team")
    assert_sign_in_page(page)
    shot(page, "signed-out")


def test_an_edited_or_expired_session_cookie_gets_the_sign_in_page(
    page: Any, app: str, kam: dict[str, Any]
) -> None:
    sign_in(page, app, kam["email"])
    settle(page, signed_in_as(kam["email"], "kam"))
    cookie = user_cookie(page)
    identity = identity_of(cookie)
    assert identity["email"] == kam["email"]

    # a KAM who edits the cookie to say they are a director
    replace_user_cookie(page, cookie, with_other_email(cookie["value"], DIRECTOR))
    page.reload()
    assert_sign_in_page(page)
    assert signed_in_as(DIRECTOR, "director") not in page.locator("body").inner_text()
    shot(page, "edited-cookie")

    # the same identity signed now is accepted (so what follows is refused for its age alone)
    replace_user_cookie(page, cookie, signed(identity))
    page.reload()
    settle(page, signed_in_as(kam["email"], "kam"))

    replace_user_cookie(page, cookie, signed(identity, backdated=True))
    page.reload()
    assert_sign_in_page(page)
    shot(page, "expired-cookie")


def test_a_signed_in_email_without_a_role_gets_no_access(page: Any, app: str) -> None:
    sign_in(page, app, STRANGER)
    for path in ("", "data"):
        page.goto(f"{app}/{path}")
        settle(page, t("auth.no_access_title", "en"))
        body = page.locator("body")
        sync_api.expect(body).to_contain_text(STRANGER)
        sync_api.expect(body).not_to_contain_text(t("portfolio.title", "en"))
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
    shot(page, "no-access")


def test_an_unverified_email_gets_no_role_even_when_it_is_a_kams(
    page: Any, app: str, provider: str, kam: dict[str, Any]
) -> None:
    provider_user(provider, IMPOSTOR, {"email": kam["email"], "email_verified": False})
    sign_in(page, app, IMPOSTOR)
    for path in ("", f"account?account={kam['own_id']}", "data"):
        page.goto(f"{app}/{path}")
        settle(page, t("auth.no_access_title", "en"))
        body = page.locator("body")
        sync_api.expect(body).to_contain_text(t("auth.unverified_body", "en", email=kam["email"]))
        sync_api.expect(body).not_to_contain_text(signed_in_as(kam["email"], "kam"))
        sync_api.expect(body).not_to_contain_text(t("portfolio.title", "en"))
        for account in kam["accounts"]:
            sync_api.expect(body).not_to_contain_text(account)
        assert page.locator('[data-testid="stDataFrame"]').count() == 0
    # what the app was told: the KAM's own address, marked unverified (the same address with
    # no such mark is the KAM of the tests above, so the refusal is for the mark alone)
    assert identity_of(user_cookie(page))["email"] == kam["email"]
    assert identity_of(user_cookie(page))["email_verified"] is False
    shot(page, "unverified")
