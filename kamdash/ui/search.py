"""Account names findable in either script: `romashka` and `Ромашка` both find «Ромашка».

The account picker filters its options in the browser by what is typed. Its labels therefore
carry the name, its Latin transliteration (passport-style, ICAO 9303 as used in Russian
passports since 2014) and the account id, so typing any of them finds the account.
"""

from __future__ import annotations

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip


def transliterate(text: str) -> str:
    """Russian letters to Latin (`Ромашка` → `Romashka`); other characters kept."""
    result = []
    for char in text:
        lower = char.lower()
        latin = _CYRILLIC.get(lower)
        if latin is None:
            result.append(char)
        elif char != lower and latin:
            result.append(latin[0].upper() + latin[1:])
        else:
            result.append(latin)
    return "".join(result)


def option_label(name: str, account_id: str) -> str:
    """A picker label that the browser-side filter can find in both scripts."""
    latin = transliterate(name)
    if latin == name:
        return f"{name} · {account_id}"
    return f"{name} · {latin} · {account_id}"
