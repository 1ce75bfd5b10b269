"""Account names findable in either script: `romashka` and `Ромашка` both find «Ромашка».

The account picker filters its options in the browser by what is typed. Its labels therefore
carry the name, its Latin transliteration (passport-style, ICAO 9303 as used in Russian
passports since 2014) and the account id, so typing any of them finds the account.
"""

from __future__ import annotations

from kamdash.report.formatting import transliterate

__all__ = ["option_label", "transliterate"]


def option_label(name: str, account_id: str) -> str:
    """A picker label that the browser-side filter can find in both scripts."""
    latin = transliterate(name)
    if latin == name:
        return f"{name} · {account_id}"
    return f"{name} · {latin} · {account_id}"
