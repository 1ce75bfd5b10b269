-- Text as the account search compares it: lower case, Russian letters transliterated to
-- Latin (ICAO 9303, as kamdash.formatting.transliterate), so `romashka`, `Ромашка` and
-- `РОМАШКА` share one key. The query is keyed by the same macro: either script finds either.
-- params: text
list_reduce(
    [
        ['щ', 'shch'], ['ж', 'zh'], ['х', 'kh'], ['ц', 'ts'], ['ч', 'ch'], ['ш', 'sh'],
        ['ю', 'iu'], ['я', 'ia'], ['а', 'a'], ['б', 'b'], ['в', 'v'], ['г', 'g'], ['д', 'd'],
        ['е', 'e'], ['ё', 'e'], ['з', 'z'], ['и', 'i'], ['й', 'i'], ['к', 'k'], ['л', 'l'],
        ['м', 'm'], ['н', 'n'], ['о', 'o'], ['п', 'p'], ['р', 'r'], ['с', 's'], ['т', 't'],
        ['у', 'u'], ['ф', 'f'], ['ъ', ''], ['ы', 'y'], ['ь', ''], ['э', 'e']
    ],
    lambda key, pair: replace(key, pair[1], pair[2]),
    lower(coalesce(text, ''))
)
