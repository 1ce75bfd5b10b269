"""Russian names: the KAM team, company names of key and house accounts, holdings, and the
client-side people of the CRM (`Орлова Наталья Викторовна`).

Key accounts get names of the `АО «Стем-Суффикс»` kind by industry, holdings (`Группа «…»`,
`ГК «…»`) name their members after the group, and the long tail gets small companies and sole
traders (`ИП Орлова Н. В.`); every company name is unique, numbered where it repeats.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kamdash.tools.generate.context import BoolArray, FloatArray, IntArray, Run

KAM_TEAM: tuple[tuple[str, str, str], ...] = (
    ("KAM-01", "Иванова Анна Сергеевна", "a.ivanova@example.ru"),
    ("KAM-02", "Петров Дмитрий Андреевич", "d.petrov@example.ru"),
    ("KAM-03", "Смирнова Екатерина Игоревна", "e.smirnova@example.ru"),
    ("KAM-04", "Кузнецов Алексей Викторович", "a.kuznetsov@example.ru"),
    ("KAM-05", "Соколова Мария Павловна", "m.sokolova@example.ru"),
    ("KAM-06", "Волков Игорь Николаевич", "i.volkov@example.ru"),
    # the team of a whole customer base: up to 25 KAMs, the first six as above
    ("KAM-07", "Морозова Ольга Владимировна", "o.morozova@example.ru"),
    ("KAM-08", "Новиков Сергей Александрович", "s.novikov@example.ru"),
    ("KAM-09", "Фёдорова Наталья Михайловна", "n.fedorova@example.ru"),
    ("KAM-10", "Лебедев Андрей Олегович", "a.lebedev@example.ru"),
    ("KAM-11", "Козлова Татьяна Юрьевна", "t.kozlova@example.ru"),
    ("KAM-12", "Егоров Максим Дмитриевич", "m.egorov@example.ru"),
    ("KAM-13", "Павлова Елена Викторовна", "e.pavlova@example.ru"),
    ("KAM-14", "Степанов Роман Евгеньевич", "r.stepanov@example.ru"),
    ("KAM-15", "Николаева Юлия Андреевна", "y.nikolaeva@example.ru"),
    ("KAM-16", "Орлов Павел Сергеевич", "p.orlov@example.ru"),
    ("KAM-17", "Андреева Светлана Петровна", "s.andreeva@example.ru"),
    ("KAM-18", "Макаров Кирилл Ильич", "k.makarov@example.ru"),
    ("KAM-19", "Захарова Ирина Геннадьевна", "i.zakharova@example.ru"),
    ("KAM-20", "Зайцев Владимир Борисович", "v.zaitsev@example.ru"),
    ("KAM-21", "Соловьёва Анастасия Романовна", "a.solovyova@example.ru"),
    ("KAM-22", "Борисов Денис Анатольевич", "d.borisov@example.ru"),
    ("KAM-23", "Яковлева Ксения Алексеевна", "k.yakovleva@example.ru"),
    ("KAM-24", "Григорьев Михаил Валерьевич", "m.grigoriev@example.ru"),
    ("KAM-25", "Романова Дарья Константиновна", "d.romanova@example.ru"),
)

_NAME_STEMS: tuple[str, ...] = (
    "Север", "Урал", "Волга", "Сибирь", "Байкал", "Енисей", "Ладога", "Кама", "Амур", "Восток",
    "Вектор", "Гранит", "Стрела", "Полюс", "Меридиан", "Орион", "Альтаир", "Звезда", "Исток",
    "Рубин", "Сапфир", "Кедр", "Ока", "Дон", "Нева", "Таймыр", "Алтай", "Эльбрус", "Вега",
    "Титан", "Импульс", "Горизонт", "Прогресс", "Континент", "Квант", "Спектр", "Магистраль",
    "Партнёр", "Ангара", "Печора",
)  # fmt: skip
_INDUSTRY_SUFFIXES: dict[str, tuple[str, ...]] = {
    "IT": ("Софт", "Системы", "Телеком", "Дата", "Интеграция"),
    "Pharma": ("Фарм", "Мед", "Био", "Фармация", "Лаб"),
    "Manufacturing": ("Пром", "Маш", "Металл", "Завод", "Техника"),
    "Logistics": ("Логистик", "Транс", "Экспедиция", "Терминал", "Карго"),
    "Finance": ("Финанс", "Инвест", "Капитал", "Лизинг", "Страхование"),
    "Retail": ("Маркет", "Трейд", "Ритейл", "Торг", "Опт"),
}
# House accounts' names join a stem and one of these (Север + строй = Северстрой)
_NAME_MIDDLES: tuple[str, ...] = (
    "Строй", "Снаб", "Тех", "Пром", "Агро", "Энерго", "Авто", "Комплект", "Сервис", "Торг",
    "Лес", "Хим", "Инвест", "Мед", "Пласт", "Гарант", "Профи", "Ресурс", "Электро", "Деталь",
)  # fmt: skip
# Sole traders' surnames in the masculine form (+ "а" gives the feminine one)
_SURNAMES: tuple[str, ...] = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин",
)  # fmt: skip
_INITIALS = "АБВГДЕИКЛМНОПРСТЮЯ"
_MALE_FIRST_NAMES: tuple[str, ...] = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Виктор", "Владимир",
    "Геннадий", "Денис", "Дмитрий", "Евгений", "Иван", "Игорь", "Илья", "Кирилл", "Константин",
    "Максим", "Михаил", "Николай", "Олег", "Павел", "Роман", "Руслан", "Сергей", "Станислав",
    "Тимур", "Юрий", "Ярослав",
)  # fmt: skip
_FEMALE_FIRST_NAMES: tuple[str, ...] = (
    "Александра", "Алина", "Анастасия", "Анна", "Валентина", "Вера", "Виктория", "Галина",
    "Дарья", "Евгения", "Екатерина", "Елена", "Жанна", "Ирина", "Ксения", "Лариса", "Людмила",
    "Марина", "Мария", "Надежда", "Наталья", "Оксана", "Ольга", "Полина", "Светлана",
    "Софья", "Татьяна", "Юлия",
)  # fmt: skip
# patronymics by the father's name: (his son's, his daughter's)
_PATRONYMICS: tuple[tuple[str, str], ...] = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"),
    ("Андреевич", "Андреевна"), ("Борисович", "Борисовна"), ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"), ("Геннадьевич", "Геннадьевна"),
    ("Дмитриевич", "Дмитриевна"), ("Евгеньевич", "Евгеньевна"), ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"), ("Ильич", "Ильинична"), ("Константинович", "Константиновна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"), ("Петрович", "Петровна"), ("Романович", "Романовна"),
    ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"), ("Анатольевич", "Анатольевна"),
)  # fmt: skip
_GROUP_STEMS: tuple[str, ...] = (
    "Альфа-Пром", "Северный Альянс", "Уралинвест", "Волжская Компания", "ТехноСфера",
    "Сибирский Холдинг", "Балтийский Берег", "Русь-Капитал", "Центр-Ресурс", "Евразия",
    "Южный Порт", "Приволжье", "Транзит-Групп", "Агроальянс", "Камский Союз",
    "Росинтер", "Дальневосточная Компания", "Металл-Инвест", "Объединённые Системы",
    "Невский Альянс", "Сибирская Сеть", "Восток-Ресурс", "Русские Технологии",
    "Северный Стандарт", "Азимут", "Промкомплект", "Золотое Кольцо", "Каспий", "Меркурий",
    "Новый Век",
)  # fmt: skip
_MEMBER_SUFFIXES: tuple[str, ...] = ("Логистик", "Трейд", "Сервис", "Снаб", "Производство")

ODD_ACCOUNT_NAMES: dict[int, tuple[str, str]] = {3: ("ООО «О'Кей Ритейл Сервис»", "Retail")}


def managers_columns(kams: int) -> dict[str, Any]:
    """The managers table: the first `kams` of the team."""
    managers = KAM_TEAM[:kams]
    return {
        "kam_id": pa.array([kam_id for kam_id, _, _ in managers]),
        "kam_name": pa.array([name for _, name, _ in managers]),
        "email": pa.array([email for _, _, email in managers]),
    }


def names_and_groups(
    run: Run,
    n: int,
    industries: list[str],
    size: FloatArray,
    is_house: BoolArray,
    house_in_groups: IntArray,
) -> tuple[list[str | None], list[str]]:
    """Holdings among the key accounts (a few house accounts join them) and unique names."""
    rng = run.rng
    groups: list[str | None] = [None] * n
    names: list[str] = [""] * n
    used: set[str] = set()
    next_copy: dict[str, int] = {}

    def unique(name: str) -> str:
        # copies are numbered per name from 2 on; a counter, not a search from 2, keeps
        # 150,000 names linear
        candidate, copy = name, next_copy.get(name, 2)
        while candidate in used:
            candidate = name.replace("»", f" {copy}»", 1) if "»" in name else f"{name} {copy}"
            copy += 1
        next_copy[name] = copy
        used.add(candidate)
        return candidate

    key_count = int((~is_house).sum())
    group_count = 0 if key_count < 6 else max(1, round(key_count / 12))
    members = rng.permutation(
        [i for i in range(n) if i not in ODD_ACCOUNT_NAMES and not is_house[i]]
    )
    holdings: list[tuple[str, str, int]] = []  # group name, stem, head account
    taken = 0
    for g in range(min(group_count, len(_GROUP_STEMS))):
        group_size = int(rng.integers(2, 5))
        if taken + group_size > len(members) // 2:
            break
        stem = _GROUP_STEMS[g]
        group_name = f"Группа «{stem}»" if g % 2 == 0 else f"ГК «{stem}»"
        member_suffixes = rng.permutation(len(_MEMBER_SUFFIXES))
        for position, account in enumerate(members[taken : taken + group_size]):
            groups[account] = group_name
            if position == 0:
                names[account] = unique(f"АО «{stem}»")
            else:
                suffix = _MEMBER_SUFFIXES[member_suffixes[position - 1]]
                names[account] = unique(f"ООО «{stem} {suffix}»")
            if position > 0 and rng.random() < 0.6:
                industries[account] = industries[members[taken]]
        holdings.append((group_name, stem, int(members[taken])))
        taken += group_size

    for number, account in enumerate(house_in_groups if holdings else ()):
        group_name, stem, head = holdings[number % len(holdings)]
        groups[account] = group_name
        suffix = _MEMBER_SUFFIXES[number % len(_MEMBER_SUFFIXES)]
        names[account] = unique(f"ООО «{stem} {suffix}»")
        industries[account] = industries[head]

    house_names = _house_names(run, industries, is_house)
    big = size >= np.quantile(size, 0.9) if n else np.zeros(0, dtype=bool)
    for i in range(n):
        if names[i]:
            continue
        if is_house[i]:
            # two sole traders may well share a surname and initials, as in life
            name = house_names[i]
            names[i] = name if name.startswith("ИП ") else unique(name)
            continue
        if big[i]:
            form = "ПАО" if rng.random() < 0.5 else "АО"
        else:
            form = "АО" if rng.random() < 0.2 else "ООО"
        stem = _NAME_STEMS[int(rng.integers(0, len(_NAME_STEMS)))]
        suffixes = _INDUSTRY_SUFFIXES[industries[i]]
        suffix = suffixes[int(rng.integers(0, len(suffixes)))]
        names[i] = unique(f"{form} «{stem}-{suffix}»")
    return groups, names


def _house_names(run: Run, industries: list[str], is_house: BoolArray) -> dict[int, str]:
    """Names of the long tail: small companies (ООО «Северстрой-Маркет») and sole
    traders (ИП Орлова Н. В.), varied enough that few companies need a number to be
    unique."""
    house = np.flatnonzero(is_house)
    if len(house) == 0:
        return {}
    rng = run.house_rng
    count = len(house)
    form = rng.choice(3, count, p=[0.25, 0.70, 0.05])  # ИП, ООО, АО
    stem = rng.integers(0, len(_NAME_STEMS), count)
    middle = rng.integers(0, len(_NAME_MIDDLES), count)
    suffix = rng.integers(0, 5, count)
    with_suffix = rng.random(count) < 0.9
    surname = rng.integers(0, len(_SURNAMES), count)
    female = rng.random(count) < 0.45
    initials = rng.integers(0, len(_INITIALS), (count, 2))
    names: dict[int, str] = {}
    for k, account in enumerate(house):
        if form[k] == 0:
            family = _SURNAMES[surname[k]] + ("а" if female[k] else "")
            first, middle_initial = (_INITIALS[j] for j in initials[k])
            names[int(account)] = f"ИП {family} {first}. {middle_initial}."
            continue
        word = _NAME_STEMS[stem[k]] + _NAME_MIDDLES[middle[k]].lower()
        if with_suffix[k]:
            word += "-" + _INDUSTRY_SUFFIXES[industries[account]][suffix[k]]
        names[int(account)] = f"{'ООО' if form[k] == 1 else 'АО'} «{word}»"
    return names


def person_names(rng: np.random.Generator, count: int) -> pa.Array:
    """`count` full names, surname first as a Russian CRM keeps them, the surname and the
    patronymic agreeing with the person's sex (`Орлова Наталья Викторовна`). Vectorised:
    150,000 key accounts have about a million contacts."""
    female = rng.random(count) < 0.45
    surnames = pa.array([*_SURNAMES, *(s + "а" for s in _SURNAMES)], type=pa.string())
    firsts = pa.array([*_MALE_FIRST_NAMES, *_FEMALE_FIRST_NAMES], type=pa.string())
    patronymics = pa.array(
        [*(male for male, _ in _PATRONYMICS), *(fem for _, fem in _PATRONYMICS)], type=pa.string()
    )
    surname = rng.integers(0, len(_SURNAMES), count) + female * len(_SURNAMES)
    first = np.where(
        female,
        len(_MALE_FIRST_NAMES) + rng.integers(0, len(_FEMALE_FIRST_NAMES), count),
        rng.integers(0, len(_MALE_FIRST_NAMES), count),
    )
    patronymic = rng.integers(0, len(_PATRONYMICS), count) + female * len(_PATRONYMICS)
    return pc.binary_join_element_wise(
        surnames.take(pa.array(surname)),
        firsts.take(pa.array(first)),
        patronymics.take(pa.array(patronymic)),
        " ",
    )
