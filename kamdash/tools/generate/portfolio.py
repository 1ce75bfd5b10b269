"""Synthetic export generator: a realistic Russian B2B key-account export in the contract layout.

It feeds the committed sample data, demos and load tests. The data is shaped so that every
screen has something to show: growing, declining, churned and new accounts, holdings, seasonality,
annual price rises, margin erosion, credit notes, late / partial / missing payments, unapplied
cash and accounts over their credit limit. Large shapes (`--accounts 150000 --lines 6000000`)
are a whole customer base: a few hundred key accounts with KAMs, plans and contract renewal
dates, and a long tail of house accounts (no KAM) buying little and seldom. Transactions are
generated and written month by month (one Parquet writer per year), so memory stays flat from
a few thousand to 50 million lines.
The output is deterministic: the same arguments give the same table contents.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kamdash.data.contract import (
    ACCOUNTS,
    INVOICE_LINES,
    INVOICES,
    MANAGERS,
    PAYMENTS,
    PRODUCTS,
    TARGETS,
    ColumnKind,
    Table,
)
from kamdash.data.sources import MANIFEST, write_manifest

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
DateArray = npt.NDArray[np.datetime64]

# Kopecks are exact in decimal(18,2); the loader widens to the contract's decimal(18,4).
MONEY_TYPE = pa.decimal128(18, 2)
ROW_GROUP_ROWS = 500_000
PARQUET_COMPRESSION = "zstd"
# the manifest states the export was made on the data's last day, at the end of a Moscow
# working day (an ERP's evening job)
EXPORTED_AT_TIME = dt.time(18, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))

INDUSTRIES: tuple[str, ...] = ("IT", "Pharma", "Manufacturing", "Logistics", "Finance", "Retail")

_MANAGERS: tuple[tuple[str, str, str], ...] = (
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
# Share of the portfolio each KAM carries: senior KAMs hold many accounts, juniors a few.
_KAM_LOAD: tuple[float, ...] = (0.27, 0.22, 0.18, 0.14, 0.11, 0.08)
# Up to this many key accounts the six KAMs above carry them (the largest holds 27 %, at most
# 30); beyond, more KAMs join, each with about this many key accounts (the seniors ~1.6×,
# the juniors ~0.4×), up to the 25 of _MANAGERS.
_SIX_KAMS_UP_TO = 111
_KEY_ACCOUNTS_PER_KAM = 16
# `house_share=None`: a portfolio of up to this many accounts is all key accounts; a larger
# one keeps this many key accounts and the rest is the long tail of house accounts.
_AUTO_KEY_ACCOUNTS = 400


@dataclass(frozen=True)
class _Product:
    name: str
    category: str
    list_price_rub: float
    margin: float
    typical_quantity: float


_PACKAGING = "Упаковка"
_ELECTRICAL = "Электротехника"
_PPE = "Спецодежда и СИЗ"
_OFFICE = "Офисная техника"
_CHEMICALS = "Промышленная химия"
_SERVICES = "Услуги"

_PRODUCTS: tuple[_Product, ...] = (
    _Product("Гофрокороб 600×400×400 мм", _PACKAGING, 95, 0.28, 800),
    _Product("Стрейч-плёнка 500 мм × 300 м", _PACKAGING, 1450, 0.25, 120),
    _Product("Паллета деревянная EUR 1200×800", _PACKAGING, 1150, 0.22, 150),
    _Product("Скотч упаковочный 48 мм × 66 м", _PACKAGING, 85, 0.35, 600),
    _Product("Воздушно-пузырчатая плёнка 1,2 × 100 м", _PACKAGING, 2600, 0.30, 40),
    _Product("Кабель ВВГнг-LS 3×2,5 (бухта 100 м)", _ELECTRICAL, 9800, 0.24, 25),
    _Product("Автоматический выключатель 3P 25 А", _ELECTRICAL, 1650, 0.32, 60),
    _Product("Светильник светодиодный 36 Вт", _ELECTRICAL, 2300, 0.38, 80),
    _Product("Щит распределительный ЩРН-24", _ELECTRICAL, 7400, 0.27, 10),
    _Product("Удлинитель силовой на катушке 30 м", _ELECTRICAL, 3900, 0.33, 20),
    _Product("Костюм рабочий летний", _PPE, 3200, 0.40, 50),
    _Product("Перчатки нитриловые (100 пар)", _PPE, 1900, 0.30, 100),
    _Product("Респиратор FFP2 (упаковка 20 шт.)", _PPE, 2400, 0.42, 60),
    _Product("Ботинки рабочие с металлическим подноском", _PPE, 4800, 0.36, 40),
    _Product("Каска защитная", _PPE, 650, 0.45, 80),
    _Product("Ноутбук 15,6\u2033 бизнес-класса", _OFFICE, 78000, 0.12, 8),
    _Product("МФУ лазерное A4", _OFFICE, 32000, 0.15, 4),
    _Product("Картридж для МФУ", _OFFICE, 6900, 0.35, 20),
    _Product("Монитор 27\u2033", _OFFICE, 24000, 0.14, 10),
    _Product("Бумага офисная A4 (коробка 5 пачек)", _OFFICE, 1750, 0.18, 100),
    _Product("Смазка литиевая (ведро 18 кг)", _CHEMICALS, 6200, 0.29, 15),
    _Product("Растворитель Р-646 (канистра 20 л)", _CHEMICALS, 3100, 0.26, 25),
    _Product("Моющее средство концентрат (канистра 5 л)", _CHEMICALS, 1350, 0.44, 50),
    _Product("Антисептик для рук (канистра 5 л)", _CHEMICALS, 1600, 0.48, 40),
    _Product("Масло гидравлическое HLP 46 (бочка 216 л)", _CHEMICALS, 54000, 0.20, 3),
    _Product("Доставка (рейс по городу)", _SERVICES, 4500, 0.35, 10),
    _Product("Сервисное обслуживание оборудования (месяц)", _SERVICES, 38000, 0.55, 1),
    _Product("Монтажные работы (час)", _SERVICES, 2900, 0.50, 24),
    _Product("Аренда оборудования (месяц)", _SERVICES, 22000, 0.60, 2),
    _Product("Консультация инженера (час)", _SERVICES, 5200, 0.62, 6),
)

# How strongly each industry buys from each product line; shapes every account's basket.
_CATEGORY_AFFINITY: dict[str, dict[str, float]] = {
    "IT": {_OFFICE: 5, _ELECTRICAL: 3, _SERVICES: 3, _PACKAGING: 1, _PPE: 0.5, _CHEMICALS: 0.5},
    "Pharma": {_CHEMICALS: 5, _PPE: 4, _PACKAGING: 3, _OFFICE: 1, _SERVICES: 1, _ELECTRICAL: 1},
    "Manufacturing": {
        _PPE: 4,
        _CHEMICALS: 4,
        _ELECTRICAL: 4,
        _SERVICES: 2,
        _PACKAGING: 2,
        _OFFICE: 0.5,
    },
    "Logistics": {_PACKAGING: 6, _PPE: 3, _SERVICES: 2, _ELECTRICAL: 1, _OFFICE: 1, _CHEMICALS: 1},
    "Finance": {
        _OFFICE: 6,
        _SERVICES: 4,
        _ELECTRICAL: 1,
        _PACKAGING: 0.5,
        _PPE: 0.3,
        _CHEMICALS: 1,
    },
    "Retail": {_PACKAGING: 5, _OFFICE: 2, _ELECTRICAL: 2, _CHEMICALS: 2, _SERVICES: 2, _PPE: 1},
}

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

_REGIONS: tuple[tuple[str, float], ...] = (
    ("Москва", 0.30),
    ("Санкт-Петербург", 0.14),
    ("Московская область", 0.09),
    ("Новосибирская область", 0.07),
    ("Свердловская область", 0.08),
    ("Республика Татарстан", 0.07),
    ("Краснодарский край", 0.07),
    ("Нижегородская область", 0.05),
    ("Самарская область", 0.04),
    ("Ростовская область", 0.04),
    ("Пермский край", 0.03),
    ("Красноярский край", 0.02),
)
_PAYMENT_TERMS: tuple[tuple[int, float], ...] = (
    (0, 0.05),
    (14, 0.12),
    (30, 0.38),
    (45, 0.18),
    (60, 0.17),
    (90, 0.10),
)

# Ids that string handling gets wrong: a numeric-looking id with leading zeros, an apostrophe.
_ODD_ACCOUNT_IDS: dict[int, str] = {3: "O'KEY-01", 6: "007"}
_ODD_ACCOUNT_NAMES: dict[int, tuple[str, str]] = {3: ("ООО «О'Кей Ритейл Сервис»", "Retail")}

# Invoice count by calendar month: New Year holidays empty January, Q4 budgets fill December.
_SEASONALITY = np.array([0.70, 0.90, 1.00, 0.95, 0.92, 0.96, 0.90, 0.92, 1.02, 1.08, 1.20, 1.45])
_SEASONALITY = _SEASONALITY / _SEASONALITY.mean()

# Lines per invoice 1..6 and per credit note 1..2.
_INVOICE_LINE_COUNTS = np.array([0.22, 0.22, 0.20, 0.16, 0.12, 0.08])
_CREDIT_NOTE_LINE_COUNTS = np.array([0.75, 0.25])
_MEAN_INVOICE_LINES = float(np.dot(np.arange(1, 7), _INVOICE_LINE_COUNTS))
_MEAN_CREDIT_NOTE_LINES = float(np.dot(np.arange(1, 3), _CREDIT_NOTE_LINE_COUNTS))
# Credit notes are ~3 % of all documents.
_CREDIT_NOTES_PER_INVOICE = 0.03 / 0.97

# An account's basket: slots 0..8 are bought throughout, 9..10 are products it starts buying
# at some point (new products), 11 one it stops buying (a lost product): this feeds the
# price-volume-mix bridge with real new and lost products.
_BASKET_SLOTS = 12
_CORE_SLOTS = 9
_NEW_SLOTS = (9, 10)
_LOST_SLOT = 11
_SLOT_WEIGHTS = 1.0 / np.arange(1, _BASKET_SLOTS + 1) ** 0.8
_SLOT_WEIGHTS = _SLOT_WEIGHTS / _SLOT_WEIGHTS.sum()
_CORE_SLOT_WEIGHTS = _SLOT_WEIGHTS[:_CORE_SLOTS] / _SLOT_WEIGHTS[:_CORE_SLOTS].sum()

# 150–250 invoices per account over the default 4.5-year span
_NATURAL_INVOICES_PER_ACCOUNT_YEAR = (33.0, 56.0)
_MONTHLY_NOISE_SIGMA = 0.15
_LINE_QUANTITY_SIGMA = 0.5

_PROMPT, _SLOW, _TROUBLED = 0, 1, 2
_NEVER_PAID_SHARE = np.array([0.001, 0.006, 0.03])
_DISPUTE_NEVER_PAID_SHARE = 0.75
_PARTIAL_SHARE = 0.03
_PARTIAL_REST_PAID_SHARE = 0.75
_OVERPAID_SHARE = 0.0005
_SPLIT_PAYMENT_SHARE = 0.04
_UNAPPLIED_CASH_SHARE = 0.004

_TRAJECTORIES = ("stable", "growing", "declining", "churned", "new")

# A house account's median invoices a year (log-normal, so a few order every month)
_HOUSE_INVOICES_PER_YEAR = 1.5


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate_export` wrote: the folder and the row count of every table."""

    out_dir: Path
    accounts: int
    managers: int
    products: int
    targets: int
    invoices: int
    invoice_lines: int
    payments: int
    credit_notes: int = 0  # already counted in `invoices`

    @property
    def rows(self) -> dict[str, int]:
        return {
            ACCOUNTS.name: self.accounts,
            MANAGERS.name: self.managers,
            PRODUCTS.name: self.products,
            TARGETS.name: self.targets,
            INVOICES.name: self.invoices,
            INVOICE_LINES.name: self.invoice_lines,
            PAYMENTS.name: self.payments,
        }


def generate_export(
    out_dir: Path,
    *,
    accounts: int = 60,
    lines: int | None = None,
    start: dt.date = dt.date(2022, 1, 1),
    end: dt.date = dt.date(2026, 6, 30),
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    house_share: float | None = None,
) -> GenerateSummary:
    """Write a synthetic export into `out_dir` and return its row counts.

    `house_share` is the share of accounts that are house accounts (no KAM, no plan, small and
    infrequent buyers); `None` chooses: none up to 400 accounts, beyond that 400 key accounts
    and the rest house accounts, as in a whole customer base. Key accounts get KAMs (3–30
    each where the count allows, up to 25 KAMs), targets and a contract end date.

    `lines=None` gives the natural volume (33–56 invoices per key account and year, so 150–250
    over the default span, 1–6 lines each; a median of 1.5 a year per house account); a number
    scales the invoice count to about that many invoice lines (±5 %).
    `progress(done_lines, total_lines)` is called after every month; `total_lines` is an
    estimate until the last call, where both are the final count.
    Files this function writes earlier are replaced; other files in `out_dir` are left alone.
    """
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if lines is not None and lines < 1:
        raise ValueError("lines must be positive")
    if end < start:
        raise ValueError("end must not be before start")
    if house_share is not None and not 0 <= house_share < 1:
        raise ValueError("house_share must be at least 0 and below 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous_output(out_dir)
    key_accounts = _key_account_count(accounts, house_share)
    summary = _Generator(out_dir, accounts, lines, start, end, seed, progress, key_accounts).run()
    # last, as an exporter writes it: the export is complete, and this is when it was made
    write_manifest(out_dir, dt.datetime.combine(end, EXPORTED_AT_TIME), source="kamdash generate")
    return summary


def _key_account_count(accounts: int, house_share: float | None) -> int:
    """How many of `accounts` are key accounts (at least one); the rest are house accounts."""
    if house_share is None:
        return min(accounts, _AUTO_KEY_ACCOUNTS)
    return max(1, round(accounts * (1 - house_share)))


def _kam_count(key_accounts: int) -> int:
    if key_accounts <= _SIX_KAMS_UP_TO:
        return len(_KAM_LOAD)
    wanted = math.ceil(key_accounts / _KEY_ACCOUNTS_PER_KAM)
    return min(len(_MANAGERS), max(len(_KAM_LOAD) + 1, wanted))


def _kam_load(kams: int) -> npt.NDArray[np.float64]:
    """Each KAM's share of the key accounts, seniors first."""
    if kams == len(_KAM_LOAD):
        return np.array(_KAM_LOAD)
    return np.linspace(1.6, 0.4, kams)


# --------------------------------------------------------------------------------------------
# Storage helpers


def _arrow_type(kind: ColumnKind) -> pa.DataType:
    return {
        "string": pa.string(),
        "integer": pa.int32(),
        "number": pa.float64(),
        "money": MONEY_TYPE,
        "date": pa.date32(),
    }[kind]


def _schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, _arrow_type(c.kind)) for c in table.columns])


def _arrow_table(table: Table, columns: dict[str, Any]) -> pa.Table:
    """Columns by contract name → Arrow table in contract order (a missing column fails loudly)."""
    schema = _schema(table)
    return pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)


def _money(kopecks: IntArray) -> pa.Array:
    """int64 kopecks → decimal128(18,2), exact: the kopecks are the decimal's unscaled value."""
    if sys.byteorder != "little":  # decimal128 buffers are little-endian 128-bit words
        return pa.array([Decimal(int(k)).scaleb(-2) for k in kopecks], type=MONEY_TYPE)
    low = np.ascontiguousarray(kopecks, dtype=np.int64)
    words = np.empty(2 * len(low), dtype=np.int64)
    words[0::2] = low
    words[1::2] = low >> 63  # sign extension of the high word
    return pa.Array.from_buffers(MONEY_TYPE, len(low), [None, pa.py_buffer(words)])


def _optional_money(kopecks: list[int | None]) -> pa.Array:
    return pa.array(
        [None if k is None else Decimal(k).scaleb(-2) for k in kopecks], type=MONEY_TYPE
    )


def _numbered_ids(prefix: str, first: int, count: int, width: int) -> pa.Array:
    numbers = pa.array(np.arange(first, first + count, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")


_PARTITIONED = (INVOICES, INVOICE_LINES, PAYMENTS)
_SINGLE_FILE = (ACCOUNTS, MANAGERS, PRODUCTS, TARGETS)


def _remove_previous_output(out_dir: Path) -> None:
    # Only the exact files this generator writes, so a re-run over a different span leaves no
    # stale year behind and nothing else in the folder is ever touched.
    (out_dir / MANIFEST).unlink(missing_ok=True)
    for table in _SINGLE_FILE:
        (out_dir / f"{table.name}.parquet").unlink(missing_ok=True)
    for table in _PARTITIONED:
        for part in sorted((out_dir / table.name).glob("year=*/part-0.parquet")):
            part.unlink()
            if not any(part.parent.iterdir()):
                part.parent.rmdir()


class _YearPartitionedWriter:
    """`<folder>/year=YYYY/part-0.parquet`, years written in ascending order, one open file."""

    def __init__(self, folder: Path, table: Table) -> None:
        self._folder = folder
        self._schema = _schema(table)
        self._writer: pq.ParquetWriter | None = None
        self._year: int | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self.rows_written = 0

    def write(self, year: int, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._year != year:
            if self._year is not None and year < self._year:
                raise ValueError(f"years must ascend: {year} after {self._year}")
            self._close_year()
            self._year = year
        self._pending.append(table)
        self._pending_rows += table.num_rows
        # Whole row groups only, so monthly slices add up to full ~500k-row groups.
        if self._pending_rows >= ROW_GROUP_ROWS:
            combined = pa.concat_tables(self._pending)
            full = (combined.num_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
            self._write_rows(combined.slice(0, full))
            rest = combined.slice(full)
            self._pending = [rest] if rest.num_rows else []
            self._pending_rows = rest.num_rows

    def close(self, *, empty_year: int) -> None:
        self._close_year()
        if self.rows_written == 0:
            # A required table must exist even when it has no rows.
            self._year = empty_year
            self._open().close()
            self._writer = None

    def _open(self) -> pq.ParquetWriter:
        if self._writer is None:
            path = self._folder / f"year={self._year}" / "part-0.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(path, self._schema, compression=PARQUET_COMPRESSION)
        return self._writer

    def _write_rows(self, table: pa.Table) -> None:
        self._open().write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.rows_written += table.num_rows

    def _close_year(self) -> None:
        if self._pending_rows:
            self._write_rows(pa.concat_tables(self._pending))
        self._pending = []
        self._pending_rows = 0
        if self._writer is not None:
            self._writer.close()
            self._writer = None


# --------------------------------------------------------------------------------------------
# Calendar


def _russian_holidays(first_year: int, last_year: int) -> DateArray:
    """Fixed public holidays (the New Year week, 23 Feb, 8 Mar, 1 and 9 May, 12 Jun, 4 Nov)."""
    days: list[dt.date] = []
    for year in range(first_year, last_year + 1):
        days.extend(dt.date(year, 1, day) for day in range(1, 9))
        days.extend(
            dt.date(year, month, day)
            for month, day in ((2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))
        )
    return np.array(days, dtype="datetime64[D]")


def _nice_round(value: float, *, up: bool) -> int:
    """Round roubles to two significant digits, the way credit limits are set."""
    if value <= 0:
        return 0
    step = 10 ** max(0, math.floor(math.log10(value)) - 1)
    return int((math.ceil(value / step) if up else math.floor(value / step)) * step)


# --------------------------------------------------------------------------------------------
# The portfolio: accounts and everything that drives their transactions


@dataclass
class _Portfolio:
    ids: list[str]
    names: list[str]
    groups: list[str | None]
    industries: list[str]
    regions: list[str]
    kam_index: IntArray  # -1 for a house account
    is_house: BoolArray
    terms_days: IntArray
    onboarded_on: list[dt.date | None]
    trajectory: list[str]
    first_month: IntArray  # first month index with orders
    last_month: IntArray  # last month index with orders
    size: FloatArray  # quantity multiplier: big accounts buy more per line
    payer: IntArray  # _PROMPT / _SLOW / _TROUBLED
    dispute_from: IntArray  # months [from, to) whose invoices mostly stay unpaid
    dispute_to: IntArray
    basket: IntArray  # accounts × _BASKET_SLOTS product indexes
    new_products_from: IntArray
    lost_product_from: IntArray
    price_kopecks: IntArray  # accounts × products × years
    cost_kopecks: IntArray


def _allocate(total: int, shares: npt.NDArray[np.float64]) -> IntArray:
    """Split `total` into integer parts proportional to `shares` (largest remainder)."""
    exact = shares / shares.sum() * total
    parts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - parts), kind="stable")
    parts[order[: total - int(parts.sum())]] += 1
    return parts


class _Generator:
    """One run: plans the portfolio up front, then streams the transactions month by month."""

    def __init__(
        self,
        out_dir: Path,
        accounts: int,
        lines: int | None,
        start: dt.date,
        end: dt.date,
        seed: int,
        progress: Callable[[int, int], None] | None,
        key_accounts: int | None = None,
    ) -> None:
        self.out_dir = out_dir
        self.n_accounts = accounts
        self.n_key = accounts if key_accounts is None else min(accounts, key_accounts)
        self.n_kams = _kam_count(self.n_key)
        self.requested_lines = lines
        self.start = np.datetime64(start, "D")
        self.end = np.datetime64(end, "D")
        self.start_year = start.year
        self.progress = progress
        self.rng = np.random.default_rng(seed)
        # House accounts and contracts draw from streams of their own, so a portfolio of key
        # accounts only draws from `rng` exactly as it did before they existed.
        self.house_rng = np.random.default_rng([seed, 1])
        self.contract_rng = np.random.default_rng([seed, 2])
        self.holidays = _russian_holidays(start.year - 1, end.year + 2)
        self.months: npt.NDArray[np.datetime64] = np.arange(
            np.datetime64(start, "M"), np.datetime64(end, "M") + 1
        )
        self.n_months = len(self.months)
        self.month_years = self.months.astype("datetime64[Y]").astype(np.int64) + 1970
        self.n_years = end.year - start.year + 1
        self.month_business_days = [self._business_days(m) for m in range(self.n_months)]

    # -- calendar ------------------------------------------------------------------------

    def _business_days(self, month: int) -> DateArray:
        month_start = self.months[month].astype("datetime64[D]")
        next_month = (self.months[month] + 1).astype("datetime64[D]")
        first = max(month_start, self.start)
        last = min(next_month - 1, self.end)
        days = np.arange(first, last + 1)
        return days[np.is_busday(days, holidays=self.holidays)]

    def _roll_to_business_day(self, days: DateArray) -> DateArray:
        return np.busday_offset(days, 0, roll="forward", holidays=self.holidays)

    def _month_index(self, days: DateArray) -> IntArray:
        return (days.astype("datetime64[M]") - self.months[0]).astype(np.int64)

    # -- the run -------------------------------------------------------------------------

    def run(self) -> GenerateSummary:
        portfolio = self._portfolio()
        smooth, intensity, plan_mask = self._order_intensity(portfolio)
        expected_lines = float(
            intensity.sum()
            * (_MEAN_INVOICE_LINES + _CREDIT_NOTES_PER_INVOICE * _MEAN_CREDIT_NOTE_LINES)
        )
        if self.requested_lines is not None and expected_lines > 0:
            scale = self.requested_lines / expected_lines
            smooth *= scale
            intensity *= scale
            expected_lines = float(self.requested_lines)

        writers = {t.name: _YearPartitionedWriter(self.out_dir / t.name, t) for t in _PARTITIONED}
        state = _RunState(self.n_accounts, len(_PRODUCTS))
        account_ids = pa.array(portfolio.ids, type=pa.string())
        product_ids = pa.array([f"P-{i + 1:04d}" for i in range(len(_PRODUCTS))])
        total_lines_estimate = max(1, round(expected_lines))
        try:
            for month in range(self.n_months):
                self._month(
                    month, portfolio, intensity[:, month], state, writers, account_ids, product_ids
                )
                # payments are never dated after `end`, so the last month flushes them all
                self._flush_payments(month, state, writers, account_ids)
                if self.progress is not None:
                    self.progress(state.lines, max(total_lines_estimate, state.lines))
        finally:
            for writer in writers.values():
                writer.close(empty_year=self.start_year)
        if self.progress is not None:
            self.progress(state.lines, state.lines)

        credit_limits = self._credit_limits(portfolio, state)
        targets = self._write_single_files(portfolio, credit_limits, smooth, plan_mask, product_ids)
        return GenerateSummary(
            out_dir=self.out_dir,
            accounts=self.n_accounts,
            managers=self.n_kams,
            products=len(_PRODUCTS),
            targets=targets,
            invoices=writers[INVOICES.name].rows_written,
            invoice_lines=writers[INVOICE_LINES.name].rows_written,
            payments=writers[PAYMENTS.name].rows_written,
            credit_notes=state.credit_notes,
        )

    # -- portfolio -----------------------------------------------------------------------

    def _portfolio(self) -> _Portfolio:
        rng = self.rng
        n = self.n_accounts
        months = self.n_months
        width = max(3, len(str(n)))
        ids = [_ODD_ACCOUNT_IDS.get(i, f"ACC-{i + 1:0{width}d}") for i in range(n)]

        size = np.clip(rng.lognormal(0.0, 0.8, n), 0.15, 8.0)
        industries = [INDUSTRIES[i] for i in rng.integers(0, len(INDUSTRIES), n)]
        region_names = [name for name, _ in _REGIONS]
        region_weights = np.array([w for _, w in _REGIONS])
        regions = [
            region_names[i]
            for i in rng.choice(len(_REGIONS), n, p=region_weights / region_weights.sum())
        ]
        term_values = np.array([t for t, _ in _PAYMENT_TERMS])
        term_weights = np.array([w for _, w in _PAYMENT_TERMS])
        terms_days = term_values[rng.choice(len(term_values), n, p=term_weights)].astype(np.int64)

        trajectory = self._trajectories(n)
        is_house, house_in_groups = self._house_accounts(size, trajectory)
        first_month = np.zeros(n, dtype=np.int64)
        last_month = np.full(n, months - 1, dtype=np.int64)
        onboarded_on: list[dt.date | None] = []
        start_date = self.start.astype(dt.date)
        for i, kind in enumerate(trajectory):
            if kind == "new":
                first_month[i] = max(1, months - int(rng.integers(2, 11))) if months > 1 else 0
            elif kind == "growing" and rng.random() < 0.25 and months >= 12:
                # won during the span: the onboarding shows up in NRR and growth
                first_month[i] = int(rng.integers(3, max(4, min(24, months // 2))))
            elif kind == "churned":
                last_month[i] = max(0, months - 1 - int(rng.integers(6, 12)))
            if first_month[i] > 0:
                onboard_month = self.months[first_month[i] - 1].astype(dt.date)
                onboarded_on.append(onboard_month + dt.timedelta(days=int(rng.integers(0, 28))))
            elif rng.random() < 0.05:
                onboarded_on.append(None)  # legacy account: the CRM never had the date
            else:
                onboarded_on.append(start_date - dt.timedelta(days=int(rng.integers(60, 4000))))

        payer = np.full(n, _PROMPT, dtype=np.int64)
        order = rng.permutation(n)
        troubled = max(1, round(0.08 * n)) if n >= 5 else 0
        slow = round(0.3 * n)
        payer[order[:troubled]] = _TROUBLED
        payer[order[troubled : troubled + slow]] = _SLOW
        dispute_from = np.full(n, -1, dtype=np.int64)
        dispute_to = np.full(n, -1, dtype=np.int64)
        for troubled_account in np.flatnonzero(payer == _TROUBLED):
            begin = max(0, months - int(rng.integers(9, 25)))
            dispute_from[troubled_account] = begin
            dispute_to[troubled_account] = begin + int(rng.integers(2, 5))

        groups, names = self._names_and_groups(n, industries, size, is_house, house_in_groups)
        for i, (name, industry) in _ODD_ACCOUNT_NAMES.items():
            if i < n and groups[i] is None:
                names[i] = name
                industries[i] = industry
        kam_index = self._assign_kams(is_house, groups)

        basket = np.empty((n, _BASKET_SLOTS), dtype=np.int64)
        categories = [p.category for p in _PRODUCTS]
        for i in range(n):
            affinity = _CATEGORY_AFFINITY[industries[i]]
            weights = np.array([affinity[c] for c in categories]) * rng.uniform(
                0.5, 1.5, len(categories)
            )
            basket[i] = rng.choice(
                len(_PRODUCTS), _BASKET_SLOTS, replace=False, p=weights / weights.sum()
            )
        late = max(7, months - 6)
        new_products_from = rng.integers(6, late, n) if months > 12 else np.full(n, months)
        new_products_from = np.where(rng.random(n) < 0.5, new_products_from, months)
        lost_product_from = rng.integers(6, late, n) if months > 12 else np.full(n, months)
        lost_product_from = np.where(rng.random(n) < 0.5, lost_product_from, months)

        price_kopecks, cost_kopecks = self._prices(n, size)
        return _Portfolio(
            ids=ids,
            names=names,
            groups=groups,
            industries=industries,
            regions=regions,
            kam_index=kam_index,
            is_house=is_house,
            terms_days=terms_days,
            onboarded_on=onboarded_on,
            trajectory=trajectory,
            first_month=first_month,
            last_month=last_month,
            size=size,
            payer=payer,
            dispute_from=dispute_from,
            dispute_to=dispute_to,
            basket=basket,
            new_products_from=new_products_from.astype(np.int64),
            lost_product_from=lost_product_from.astype(np.int64),
            price_kopecks=price_kopecks,
            cost_kopecks=cost_kopecks,
        )

    def _trajectories(self, n: int) -> list[str]:
        churned = max(1, round(0.10 * n)) if n >= 3 else 0
        new = max(1, round(0.10 * n)) if n >= 3 else 0
        declining = round(0.15 * n)
        growing = round(0.25 * n)
        stable = max(0, n - churned - new - declining - growing)
        kinds = (
            ["churned"] * churned
            + ["new"] * new
            + ["declining"] * declining
            + ["growing"] * growing
            + ["stable"] * stable
        )[:n]
        return [kinds[i] for i in self.rng.permutation(n)]

    def _house_accounts(
        self, size: FloatArray, trajectory: list[str]
    ) -> tuple[BoolArray, IntArray]:
        """Which accounts are house accounts, and the few of them that belong to a key
        account's holding (half of those newly won: a holding's new member).

        Key accounts are the large ones of a whole customer base, house accounts the long tail
        of small ones; `size` and `trajectory` are adjusted in place. Without house accounts
        nothing is drawn and nothing changes."""
        n = self.n_accounts
        is_house = np.zeros(n, dtype=bool)
        if self.n_key >= n:
            return is_house, np.zeros(0, dtype=np.int64)
        rng = self.house_rng
        is_house[rng.choice(n, n - self.n_key, replace=False)] = True
        house = np.flatnonzero(is_house)
        size[~is_house] = np.clip(size[~is_house] * 2.5, 0.5, 20.0)
        size[house] = np.clip(rng.lognormal(-2.0, 1.1, len(house)), 0.01, 3.0)
        holding_members = min(len(house), max(3, round(self.n_key / 50)))
        in_groups = np.sort(rng.choice(house, holding_members, replace=False))
        # a holding's subsidiary buys more than the typical house account
        size[in_groups] = np.clip(rng.lognormal(-0.3, 0.6, holding_members), 0.2, 4.0)
        for account in in_groups[: (holding_members + 1) // 2]:
            trajectory[account] = "new"
        return is_house, in_groups

    def _names_and_groups(
        self,
        n: int,
        industries: list[str],
        size: FloatArray,
        is_house: BoolArray,
        house_in_groups: IntArray,
    ) -> tuple[list[str | None], list[str]]:
        """Holdings among the key accounts (a few house accounts join them) and unique names."""
        rng = self.rng
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
            [i for i in range(n) if i not in _ODD_ACCOUNT_NAMES and not is_house[i]]
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

        house_names = self._house_names(industries, is_house)
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

    def _house_names(self, industries: list[str], is_house: BoolArray) -> dict[int, str]:
        """Names of the long tail: small companies (ООО «Северстрой-Маркет») and sole
        traders (ИП Орлова Н. В.), varied enough that few companies need a number to be
        unique."""
        house = np.flatnonzero(is_house)
        if len(house) == 0:
            return {}
        rng = self.house_rng
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

    def _assign_kams(self, is_house: BoolArray, groups: list[str | None]) -> IntArray:
        """Holdings stay with one KAM; units go to whoever has the most room left. House
        accounts have no KAM (-1), also where they belong to a key account's holding."""
        capacity = _allocate(int((~is_house).sum()), _kam_load(self.n_kams))
        units: dict[str, list[int]] = {}
        for i, group in enumerate(groups):
            if not is_house[i]:
                units.setdefault(group if group is not None else f"\0{i}", []).append(i)
        kam_index = np.full(len(groups), -1, dtype=np.int64)
        unit_list = list(units.values())
        for u in self.rng.permutation(len(unit_list)):
            kam = int(np.argmax(capacity))
            for account in unit_list[u]:
                kam_index[account] = kam
            capacity[kam] -= len(unit_list[u])
        return kam_index

    def _prices(self, n: int, size: FloatArray) -> tuple[IntArray, IntArray]:
        """Contract prices and unit costs in kopecks per account, product and calendar year.

        List prices rise 5–10 % every January and costs follow; accounts with margin erosion
        stop passing the rises on from some year, so their cost outgrows their price.
        """
        rng = self.rng
        products = len(_PRODUCTS)
        years = self.n_years
        base_price = np.array([p.list_price_rub for p in _PRODUCTS])
        base_cost = base_price * (1 - np.array([p.margin for p in _PRODUCTS]))
        list_rise = rng.uniform(0.05, 0.10, (products, years))
        cost_rise = list_rise + rng.uniform(-0.02, 0.01, (products, years))
        list_rise[:, 0] = 0.0
        cost_rise[:, 0] = 0.0
        list_index = np.cumprod(1 + list_rise, axis=1)
        cost_index = np.cumprod(1 + cost_rise, axis=1)

        discount = np.clip(0.04 + 0.04 * np.log(size) + rng.uniform(-0.02, 0.04, n), 0.0, 0.22)
        price_index = np.broadcast_to(list_index, (n, products, years)).copy()
        eroding = rng.permutation(n)[: max(1, round(0.12 * n)) if n >= 4 else 0]
        for account in eroding:
            from_year = int(rng.integers(1, 3)) if years > 1 else 0
            for year in range(from_year, years):
                frozen = rng.uniform(0.0, 0.02)
                previous = price_index[account, :, year - 1] if year > 0 else 1.0
                price_index[account, :, year] = previous * (1 + frozen)
        price = base_price[None, :, None] * price_index * (1 - discount)[:, None, None]
        cost = np.broadcast_to(base_cost[:, None] * cost_index, (n, products, years))
        return (
            np.maximum(1, np.rint(price * 100)).astype(np.int64),
            np.maximum(1, np.rint(cost * 100)).astype(np.int64),
        )

    # -- demand --------------------------------------------------------------------------

    def _order_intensity(self, p: _Portfolio) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Expected invoices per account and month: the smooth plan curve, the noisy actual
        curve (zero outside the account's active months) and the months a plan exists for."""
        rng = self.rng
        n, months = self.n_accounts, self.n_months
        month_of_year = self.months.astype(np.int64) % 12
        window = np.array(
            [len(self.month_business_days[m]) for m in range(months)], dtype=np.float64
        )
        full = np.array(
            [
                np.busday_count(
                    self.months[m].astype("datetime64[D]"),
                    (self.months[m] + 1).astype("datetime64[D]"),
                    holidays=self.holidays,
                )
                for m in range(months)
            ],
            dtype=np.float64,
        )
        calendar = _SEASONALITY[month_of_year] * np.divide(
            window, full, where=full > 0, out=np.zeros(months)
        )
        years_in = (np.arange(months) + 0.5) / 12
        index = np.arange(months)

        rate = rng.uniform(*_NATURAL_INVOICES_PER_ACCOUNT_YEAR, n) / 12
        house = np.flatnonzero(p.is_house)
        if len(house):
            # the tail orders now and then: a median of 1.5 invoices a year, a few monthly
            yearly = self.house_rng.lognormal(math.log(_HOUSE_INVOICES_PER_YEAR), 1.0, len(house))
            rate[house] = np.clip(yearly, 0.1, 40.0) / 12
        trend = np.ones((n, months))
        for i, kind in enumerate(p.trajectory):
            if kind == "stable":
                curve = np.exp(rng.uniform(-0.03, 0.04) * years_in)
            elif kind == "growing":
                curve = np.exp(rng.uniform(0.12, 0.40) * years_in)
            elif kind == "declining":
                curve = np.exp(-rng.uniform(0.10, 0.30) * years_in)
            elif kind == "churned":
                curve = np.exp(rng.uniform(-0.10, 0.02) * years_in)
                # orders thin out before they stop: the signal a KAM should have caught
                curve = np.where(index > p.last_month[i] - 6, curve * 0.6, curve)
            else:  # new: ramp-up after onboarding, then healthy growth
                since = np.maximum(index - p.first_month[i], 0)
                curve = (1 - np.exp(-(since + 1) / 2.5)) * np.exp(0.25 * since / 12)
            if kind != "new":
                curve = curve / curve.mean()
            trend[i] = curve
        smooth = rate[:, None] * trend * calendar[None, :]
        active = (index[None, :] >= p.first_month[:, None]) & (
            index[None, :] <= p.last_month[:, None]
        )
        noise = rng.lognormal(-(_MONTHLY_NOISE_SIGMA**2) / 2, _MONTHLY_NOISE_SIGMA, (n, months))
        intensity = smooth * noise * active
        # The plan for a year is set in advance: a churned account keeps its target until the
        # year it left ends; before onboarding there is nothing to plan.
        last_year = self.month_years[p.last_month]
        plan_mask = (index[None, :] >= p.first_month[:, None]) & (
            self.month_years[None, :] <= last_year[:, None]
        )
        return smooth, intensity, plan_mask

    # -- one month of documents ----------------------------------------------------------

    def _month(
        self,
        month: int,
        p: _Portfolio,
        intensity: FloatArray,
        state: _RunState,
        writers: dict[str, _YearPartitionedWriter],
        account_ids: pa.Array,
        product_ids: pa.Array,
    ) -> None:
        rng = self.rng
        n = self.n_accounts
        year = int(self.month_years[month])
        year_index = year - self.start_year
        business_days = self.month_business_days[month]
        if len(business_days) == 0:
            return

        invoice_counts = rng.poisson(intensity)
        # a return needs something sold earlier to this account
        has_sales = state.sold.sum(axis=1) > 0
        credit_counts = rng.poisson(intensity * _CREDIT_NOTES_PER_INVOICE) * has_sales
        account = np.concatenate(
            [np.repeat(np.arange(n), invoice_counts), np.repeat(np.arange(n), credit_counts)]
        )
        is_credit = np.concatenate(
            [np.zeros(invoice_counts.sum(), dtype=bool), np.ones(credit_counts.sum(), dtype=bool)]
        )
        documents = len(account)
        if documents == 0:
            return
        doc_date = business_days[rng.integers(0, len(business_days), documents)]
        order = np.lexsort((account, is_credit, doc_date))
        account, is_credit, doc_date = account[order], is_credit[order], doc_date[order]

        line_count = np.where(
            is_credit,
            rng.choice(2, documents, p=_CREDIT_NOTE_LINE_COUNTS) + 1,
            rng.choice(6, documents, p=_INVOICE_LINE_COUNTS) + 1,
        ).astype(np.int64)
        first_line = np.cumsum(line_count) - line_count
        line_doc = np.repeat(np.arange(documents), line_count)
        line_no = np.arange(len(line_doc)) - first_line[line_doc] + 1
        line_account = account[line_doc]
        line_is_credit = is_credit[line_doc]
        product = np.empty(len(line_doc), dtype=np.int64)
        quantity = np.empty(len(line_doc), dtype=np.int64)

        sale = np.flatnonzero(~line_is_credit)
        slot = rng.choice(_BASKET_SLOTS, len(sale), p=_SLOT_WEIGHTS)
        sale_account = line_account[sale]
        not_yet = np.isin(slot, _NEW_SLOTS) & (month < p.new_products_from[sale_account])
        slot = np.where(not_yet, 0, slot)
        gone = (slot == _LOST_SLOT) & (month >= p.lost_product_from[sale_account])
        slot = np.where(gone, 1, slot)
        product[sale] = p.basket[sale_account, slot]
        typical = np.array([q.typical_quantity for q in _PRODUCTS])
        mean_quantity = typical[product[sale]] * p.size[sale_account]
        jitter = rng.lognormal(-(_LINE_QUANTITY_SIGMA**2) / 2, _LINE_QUANTITY_SIGMA, len(sale))
        quantity[sale] = np.maximum(1, np.rint(mean_quantity * jitter))

        returned = np.flatnonzero(line_is_credit)
        return_account = line_account[returned]
        return_slot = rng.choice(_CORE_SLOTS, len(returned), p=_CORE_SLOT_WEIGHTS)
        return_product = p.basket[return_account, return_slot]
        never_sold = ~state.sold[return_account, return_product]
        if never_sold.any():
            best_seller = state.sold_quantity[return_account[never_sold]].argmax(axis=1)
            return_product[never_sold] = best_seller
        product[returned] = return_product
        return_share = rng.uniform(0.05, 0.35, len(returned))
        quantity[returned] = -np.maximum(
            1, np.rint(typical[return_product] * p.size[return_account] * return_share)
        )

        net = quantity * p.price_kopecks[line_account, product, year_index]
        cost = quantity * p.cost_kopecks[line_account, product, year_index]
        doc_net = np.add.reduceat(net, first_line)
        # VAT 20 %, rounded half away from zero to the kopeck
        amount_due = np.sign(doc_net) * ((np.abs(doc_net) * 12 + 5) // 10)
        due_date = doc_date + np.where(is_credit, 0, p.terms_days[account]).astype("timedelta64[D]")

        # invoices and credit notes are numbered in separate series that restart each year
        invoice_total = int((~is_credit).sum())
        credit_total = documents - invoice_total
        rank_in_series = np.where(
            is_credit, invoice_total + np.cumsum(is_credit) - 1, np.cumsum(~is_credit) - 1
        )
        invoice_ids = pa.concat_arrays(
            [
                _numbered_ids(
                    f"INV-{year}-", state.reserve("INV", year, invoice_total), invoice_total, 7
                ),
                _numbered_ids(
                    f"CRN-{year}-", state.reserve("CRN", year, credit_total), credit_total, 6
                ),
            ]
        ).take(pa.array(rank_in_series))

        writers[INVOICES.name].write(
            year,
            _arrow_table(
                INVOICES,
                {
                    "invoice_id": invoice_ids,
                    "account_id": account_ids.take(pa.array(account)),
                    "invoice_date": pa.array(doc_date),
                    "due_date": pa.array(due_date),
                    "doc_type": pc.if_else(pa.array(is_credit), "credit_note", "invoice"),
                    "amount_due": _money(amount_due),
                },
            ),
        )
        writers[INVOICE_LINES.name].write(
            year,
            _arrow_table(
                INVOICE_LINES,
                {
                    "invoice_id": invoice_ids.take(pa.array(line_doc)),
                    "line_no": pa.array(line_no.astype(np.int32)),
                    "product_id": product_ids.take(pa.array(product)),
                    "quantity": pa.array(quantity.astype(np.float64)),
                    "net_amount": _money(net),
                    "cost_amount": _money(cost),
                },
            ),
        )
        state.lines += len(line_doc)
        state.credit_notes += int(is_credit.sum())

        sold_keys = line_account[sale] * len(_PRODUCTS) + product[sale]
        state.sold_quantity += np.bincount(
            sold_keys, weights=quantity[sale], minlength=state.sold_quantity.size
        ).reshape(state.sold_quantity.shape)
        state.sold = state.sold_quantity > 0
        state.open_ar += np.bincount(account, weights=amount_due, minlength=n)
        if month >= self.n_months - 12:
            state.billed_last_year += np.bincount(
                account[~is_credit], weights=amount_due[~is_credit], minlength=n
            )

        invoices = np.flatnonzero(~is_credit)
        self._payments(
            month,
            p,
            state,
            account[invoices],
            doc_date[invoices],
            due_date[invoices],
            amount_due[invoices],
            invoice_ids.take(pa.array(invoices)),
        )

    # -- payments ------------------------------------------------------------------------

    def _payments(
        self,
        month: int,
        p: _Portfolio,
        state: _RunState,
        account: IntArray,
        invoice_date: DateArray,
        due_date: DateArray,
        amount_due: IntArray,
        invoice_ids: pa.Array,
    ) -> None:
        """Allocations for this month's invoices, parked under the month they are paid in."""
        rng = self.rng
        count = len(account)
        if count == 0:
            return
        # account-then-date order puts an account's invoices side by side for split payments
        order = np.lexsort((invoice_date, account))
        account, invoice_date, due_date, amount_due = (
            account[order],
            invoice_date[order],
            due_date[order],
            amount_due[order],
        )
        invoice_ids = invoice_ids.take(pa.array(order))
        payer = p.payer[account]

        days_late = np.where(
            payer == _PROMPT,
            np.rint(rng.normal(-1.0, 4.0, count)),
            np.where(
                payer == _SLOW, 3 + rng.gamma(2.0, 10.0, count), 10 + rng.gamma(2.0, 25.0, count)
            ),
        )
        # even good payers slip now and then
        slips = (payer == _PROMPT) & (rng.random(count) < 0.08)
        days_late = np.where(slips, days_late + rng.integers(5, 46, count), days_late)
        cash_on_delivery = p.terms_days[account] == 0
        days_late = np.where(cash_on_delivery, rng.integers(0, 4, count), days_late)
        anchor = np.where(cash_on_delivery, invoice_date, due_date)
        pay_date = anchor + np.rint(days_late).astype(np.int64).astype("timedelta64[D]")
        pay_date = self._roll_to_business_day(np.maximum(pay_date, invoice_date))

        in_dispute = (month >= p.dispute_from[account]) & (month < p.dispute_to[account])
        never_share = _NEVER_PAID_SHARE[payer] + in_dispute * _DISPUTE_NEVER_PAID_SHARE
        draw = rng.random(count)
        never = draw < never_share
        partial = ~never & (draw < never_share + _PARTIAL_SHARE)
        overpaid = ~never & ~partial & (draw < never_share + _PARTIAL_SHARE + _OVERPAID_SHARE)
        full = ~never & ~partial & ~overpaid

        # one bank transfer settling two invoices of the same account
        next_same = np.zeros(count, dtype=bool)
        next_same[:-1] = (account[:-1] == account[1:]) & full[:-1] & full[1:]
        candidate = next_same & (rng.random(count) < _SPLIT_PAYMENT_SHARE)
        pair_first = candidate & ~np.concatenate([[False], candidate[:-1]])
        pair_second = np.concatenate([[False], pair_first[:-1]])
        first_at = np.flatnonzero(pair_first)
        joint_date = np.maximum(pay_date[first_at], pay_date[first_at + 1])
        pay_date[first_at] = joint_date
        pay_date[first_at + 1] = joint_date

        settled = np.flatnonzero(full | overpaid)
        settled_amount = amount_due[settled] + overpaid[settled] * rng.integers(
            100, 300_001, len(settled)
        )
        settled_new_id = ~pair_second[settled]

        halves = np.flatnonzero(partial)
        share_paid = rng.uniform(0.3, 0.9, len(halves))
        first_amount = (amount_due[halves] * share_paid).astype(np.int64) // 100 * 100
        first_amount = np.clip(first_amount, 1, amount_due[halves] - 1)
        rest_paid = rng.random(len(halves)) < _PARTIAL_REST_PAID_SHARE
        rest = halves[rest_paid]
        rest_date = self._roll_to_business_day(
            pay_date[rest] + rng.integers(15, 121, len(rest)).astype("timedelta64[D]")
        )
        rest_amount = amount_due[rest] - first_amount[rest_paid]

        # cash that arrives before anyone can match it to a document
        unapplied = np.flatnonzero(rng.random(count) < _UNAPPLIED_CASH_SHARE)
        unapplied_date = self._roll_to_business_day(
            invoice_date[unapplied] + rng.integers(0, 26, len(unapplied)).astype("timedelta64[D]")
        )
        unapplied_amount = np.maximum(
            100_000,
            (amount_due[unapplied] * rng.uniform(0.1, 0.6, len(unapplied))).astype(np.int64)
            // 100_000
            * 100_000,
        )

        new_id = np.concatenate(
            [
                settled_new_id,
                np.ones(len(halves) + len(rest) + len(unapplied), dtype=bool),
            ]
        )
        group_key = state.next_payment_key + np.cumsum(new_id) - 1
        state.next_payment_key += int(new_id.sum())
        rows_invoice = np.concatenate([settled, halves, rest])
        payment_account = np.concatenate([account[rows_invoice], account[unapplied]])
        payment_date = np.concatenate(
            [pay_date[settled], pay_date[halves], rest_date, unapplied_date]
        )
        payment_amount = np.concatenate(
            [settled_amount, first_amount, rest_amount, unapplied_amount]
        ).astype(np.int64)
        payment_invoice = pa.concat_arrays(
            [
                invoice_ids.take(pa.array(rows_invoice, type=pa.int64())),
                pa.nulls(len(unapplied), type=pa.string()),
            ]
        )
        # nothing is paid after the export was taken
        keep = payment_date <= self.end
        payment_invoice = payment_invoice.filter(pa.array(keep))
        group_key, payment_account, payment_date, payment_amount = (
            group_key[keep],
            payment_account[keep],
            payment_date[keep],
            payment_amount[keep],
        )
        state.open_ar -= np.bincount(
            payment_account, weights=payment_amount, minlength=self.n_accounts
        )

        pay_month = self._month_index(payment_date)
        by_month = np.argsort(pay_month, kind="stable")
        pay_month = pay_month[by_month]
        boundaries = np.flatnonzero(np.diff(pay_month)) + 1
        for chunk in np.split(np.arange(len(by_month)), boundaries):
            if len(chunk) == 0:
                continue
            rows = by_month[chunk]
            state.pending_payments.setdefault(int(pay_month[chunk[0]]), []).append(
                _PendingPayments(
                    group_key=group_key[rows],
                    account=payment_account[rows],
                    invoice_id=payment_invoice.take(pa.array(rows)),
                    payment_date=payment_date[rows],
                    amount=payment_amount[rows],
                )
            )

    def _flush_payments(
        self,
        up_to_month: int,
        state: _RunState,
        writers: dict[str, _YearPartitionedWriter],
        account_ids: pa.Array,
    ) -> None:
        """Write the payments of every finished month: later invoices cannot be paid earlier."""
        for month in sorted(m for m in state.pending_payments if m <= up_to_month):
            parts = state.pending_payments.pop(month)
            group_key = np.concatenate([part.group_key for part in parts])
            payment_date = np.concatenate([part.payment_date for part in parts])
            order = np.lexsort((group_key, payment_date))
            group_key, payment_date = group_key[order], payment_date[order]
            account = np.concatenate([part.account for part in parts])[order]
            amount = np.concatenate([part.amount for part in parts])[order]
            invoice_id = pa.concat_arrays([part.invoice_id for part in parts]).take(pa.array(order))

            year = int(self.month_years[month])
            new_id = np.ones(len(group_key), dtype=bool)
            new_id[1:] = group_key[1:] != group_key[:-1]
            payment_count = int(new_id.sum())
            payment_ids = _numbered_ids(
                f"PAY-{year}-", state.reserve("PAY", year, payment_count), payment_count, 7
            ).take(pa.array(np.cumsum(new_id) - 1))
            writers[PAYMENTS.name].write(
                year,
                _arrow_table(
                    PAYMENTS,
                    {
                        "payment_id": payment_ids,
                        "account_id": account_ids.take(pa.array(account)),
                        "invoice_id": invoice_id,
                        "payment_date": pa.array(payment_date),
                        "amount": _money(amount),
                    },
                ),
            )

    # -- closing tables ------------------------------------------------------------------

    def _credit_limits(self, p: _Portfolio, state: _RunState) -> list[int | None]:
        """Limits sized from the exposure at the end; a few accounts end above theirs."""
        rng = self.rng
        n = self.n_accounts
        open_ar_rub = state.open_ar / 100
        monthly_billing_rub = state.billed_last_year / 100 / 12
        no_limit = (p.terms_days == 0) | (rng.random(n) < 0.15)
        candidates = [
            i
            for i in np.argsort(-open_ar_rub, kind="stable")
            if not no_limit[i] and open_ar_rub[i] > 0
        ]
        # troubled payers first: an overdue account over its limit is the story to show
        candidates.sort(key=lambda i: 0 if p.payer[i] == _TROUBLED else 1)
        over_limit = set(candidates[: max(1, round(0.05 * n)) if n >= 5 else 0])
        limits: list[int | None] = []
        for i in range(n):
            if no_limit[i]:
                limits.append(None)
            elif i in over_limit:
                limits.append(_nice_round(open_ar_rub[i] * rng.uniform(0.6, 0.9), up=False) * 100)
            else:
                exposure = max(
                    open_ar_rub[i] * rng.uniform(1.3, 2.5),
                    monthly_billing_rub[i] * (p.terms_days[i] / 30 + 1) * rng.uniform(1.2, 2.0),
                    500_000.0,
                )
                limits.append(_nice_round(exposure, up=True) * 100)
        return limits

    def _write_single_files(
        self,
        p: _Portfolio,
        credit_limits: list[int | None],
        smooth: FloatArray,
        plan_mask: BoolArray,
        product_ids: pa.Array,
    ) -> int:
        """Write the single-file tables; returns the number of target rows."""
        out = self.out_dir
        managers = _MANAGERS[: self.n_kams]
        kam_ids = [kam_id for kam_id, _, _ in managers]
        targets = self._targets(p, smooth, plan_mask)
        tables = {
            MANAGERS: {
                "kam_id": pa.array(kam_ids),
                "kam_name": pa.array([name for _, name, _ in managers]),
                "email": pa.array([email for _, _, email in managers]),
            },
            PRODUCTS: {
                "product_id": product_ids,
                "product_name": pa.array([q.name for q in _PRODUCTS]),
                "category": pa.array([q.category for q in _PRODUCTS]),
            },
            ACCOUNTS: {
                "account_id": pa.array(p.ids, type=pa.string()),
                "account_name": pa.array(p.names, type=pa.string()),
                "group_name": pa.array(p.groups, type=pa.string()),
                "industry": pa.array(p.industries, type=pa.string()),
                "region": pa.array(p.regions, type=pa.string()),
                "kam_id": pa.array(
                    [kam_ids[k] if k >= 0 else None for k in p.kam_index], type=pa.string()
                ),
                "payment_terms_days": pa.array(p.terms_days.astype(np.int32)),
                "credit_limit": _optional_money(credit_limits),
                "onboarded_on": pa.array(p.onboarded_on, type=pa.date32()),
                "contract_end_on": pa.array(self._contract_ends(p), type=pa.date32()),
            },
            TARGETS: targets,
        }
        for table, columns in tables.items():
            pq.write_table(
                _arrow_table(table, columns),
                out / f"{table.name}.parquet",
                compression=PARQUET_COMPRESSION,
            )
        return len(targets["account_id"])

    def _contract_ends(self, p: _Portfolio) -> list[dt.date | None]:
        """Each key account's supply contract end (its renewal date); none for a house account.

        Relative to the data's end: a churned account's contract ran out around its last
        order; a new one was just signed for one to two years; of the rest about a fifth come
        up for renewal within 90 days, about a tenth expired while the account still buys (a
        renewal overdue), and the others run one to three years, a third of them to 31
        December."""
        rng = self.contract_rng
        end = self.end.astype(dt.date)
        ends: list[dt.date | None] = []
        for i in range(self.n_accounts):
            if p.is_house[i]:
                ends.append(None)
                continue
            draw = rng.random()
            if p.trajectory[i] == "churned":
                last_order_month = self.months[p.last_month[i]].astype(dt.date)
                days = int(rng.integers(-60, 46))
                ends.append(last_order_month + dt.timedelta(days=days))
            elif p.trajectory[i] == "new":
                ends.append(end + dt.timedelta(days=int(rng.integers(180, 731))))
            elif draw < 0.2:
                ends.append(end + dt.timedelta(days=int(rng.integers(1, 91))))
            elif draw < 0.3:
                ends.append(end - dt.timedelta(days=int(rng.integers(1, 151))))
            elif draw < 0.53:
                ends.append(dt.date(end.year + int(rng.integers(1, 3)), 12, 31))
            else:
                ends.append(end + dt.timedelta(days=int(rng.integers(91, 3 * 365 + 1))))
        return ends

    def _targets(self, p: _Portfolio, smooth: FloatArray, plan_mask: BoolArray) -> dict[str, Any]:
        """Plan = expected revenue × 1.05 per month; margin plan at last year's margin rate."""
        rng = self.rng
        n, months = self.n_accounts, self.n_months
        typical = np.array([q.typical_quantity for q in _PRODUCTS])
        basket_quantity = typical[p.basket] * p.size[:, None]  # accounts × slots
        rows = np.arange(n)[:, None]
        basket_price = p.price_kopecks[rows, p.basket, :]  # accounts × slots × years
        basket_cost = p.cost_kopecks[rows, p.basket, :]
        line_net = np.einsum("s,as,asy->ay", _SLOT_WEIGHTS, basket_quantity, basket_price)
        line_cost = np.einsum("s,as,asy->ay", _SLOT_WEIGHTS, basket_quantity, basket_cost)
        margin_rate = 1 - line_cost / line_net
        planned_margin = np.concatenate([margin_rate[:, :1], margin_rate[:, :-1]], axis=1)
        year_index = self.month_years - self.start_year
        ambition = 1.05 * rng.uniform(0.97, 1.03, (n, self.n_years))
        revenue_kopecks = (
            smooth * _MEAN_INVOICE_LINES * line_net[:, year_index] * ambition[:, year_index]
        ) * plan_mask
        # plans are set in whole thousands of roubles
        revenue = np.rint(revenue_kopecks / 100_000).astype(np.int64) * 100_000
        margin = (
            np.rint(revenue * planned_margin[:, year_index] / 100_000).astype(np.int64) * 100_000
        )
        # only key accounts have a plan: a house account is budgeted in bulk, not by name
        planned = np.flatnonzero(~p.is_house)
        return {
            "account_id": pa.array(
                np.repeat(np.array(p.ids, dtype=object)[planned], months), type=pa.string()
            ),
            "month": pa.array(np.tile(self.months.astype("datetime64[D]"), len(planned))),
            "revenue_target": _money(revenue[planned].reshape(-1)),
            "gross_margin_target": _money(margin[planned].reshape(-1)),
        }


@dataclass
class _PendingPayments:
    group_key: IntArray  # same key = same payment_id
    account: IntArray
    invoice_id: pa.Array
    payment_date: DateArray
    amount: IntArray


class _RunState:
    """What carries over from month to month while streaming."""

    def __init__(self, accounts: int, products: int) -> None:
        self.sold_quantity = np.zeros((accounts, products), dtype=np.float64)
        self.sold = np.zeros((accounts, products), dtype=bool)
        self.open_ar = np.zeros(accounts, dtype=np.float64)  # kopecks, exact below 2**53
        self.billed_last_year = np.zeros(accounts, dtype=np.float64)
        self.next_number: dict[tuple[str, int], int] = {}
        self.next_payment_key = 0
        self.pending_payments: dict[int, list[_PendingPayments]] = {}
        self.lines = 0
        self.credit_notes = 0

    def reserve(self, series: str, year: int, count: int) -> int:
        """First of `count` consecutive numbers in a document series of a year."""
        first = self.next_number.get((series, year), 1)
        self.next_number[(series, year)] = first + count
        return first
