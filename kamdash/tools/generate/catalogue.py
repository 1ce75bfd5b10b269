"""The product catalogue the generated supplier sells, and which industries buy what.

Thirty products in six categories with list prices, margins and typical order quantities;
`CATEGORY_AFFINITY` shapes each account's basket by its industry. Also the products table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

INDUSTRIES: tuple[str, ...] = ("IT", "Pharma", "Manufacturing", "Logistics", "Finance", "Retail")


@dataclass(frozen=True)
class Product:
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
# public: an invoice line of a service is closed by an act, one of goods by a waybill
SERVICES = "Услуги"

CATALOGUE: tuple[Product, ...] = (
    Product("Гофрокороб 600×400×400 мм", _PACKAGING, 95, 0.28, 800),
    Product("Стрейч-плёнка 500 мм × 300 м", _PACKAGING, 1450, 0.25, 120),
    Product("Паллета деревянная EUR 1200×800", _PACKAGING, 1150, 0.22, 150),
    Product("Скотч упаковочный 48 мм × 66 м", _PACKAGING, 85, 0.35, 600),
    Product("Воздушно-пузырчатая плёнка 1,2 × 100 м", _PACKAGING, 2600, 0.30, 40),
    Product("Кабель ВВГнг-LS 3×2,5 (бухта 100 м)", _ELECTRICAL, 9800, 0.24, 25),
    Product("Автоматический выключатель 3P 25 А", _ELECTRICAL, 1650, 0.32, 60),
    Product("Светильник светодиодный 36 Вт", _ELECTRICAL, 2300, 0.38, 80),
    Product("Щит распределительный ЩРН-24", _ELECTRICAL, 7400, 0.27, 10),
    Product("Удлинитель силовой на катушке 30 м", _ELECTRICAL, 3900, 0.33, 20),
    Product("Костюм рабочий летний", _PPE, 3200, 0.40, 50),
    Product("Перчатки нитриловые (100 пар)", _PPE, 1900, 0.30, 100),
    Product("Респиратор FFP2 (упаковка 20 шт.)", _PPE, 2400, 0.42, 60),
    Product("Ботинки рабочие с металлическим подноском", _PPE, 4800, 0.36, 40),
    Product("Каска защитная", _PPE, 650, 0.45, 80),
    Product("Ноутбук 15,6\u2033 бизнес-класса", _OFFICE, 78000, 0.12, 8),
    Product("МФУ лазерное A4", _OFFICE, 32000, 0.15, 4),
    Product("Картридж для МФУ", _OFFICE, 6900, 0.35, 20),
    Product("Монитор 27\u2033", _OFFICE, 24000, 0.14, 10),
    Product("Бумага офисная A4 (коробка 5 пачек)", _OFFICE, 1750, 0.18, 100),
    Product("Смазка литиевая (ведро 18 кг)", _CHEMICALS, 6200, 0.29, 15),
    Product("Растворитель Р-646 (канистра 20 л)", _CHEMICALS, 3100, 0.26, 25),
    Product("Моющее средство концентрат (канистра 5 л)", _CHEMICALS, 1350, 0.44, 50),
    Product("Антисептик для рук (канистра 5 л)", _CHEMICALS, 1600, 0.48, 40),
    Product("Масло гидравлическое HLP 46 (бочка 216 л)", _CHEMICALS, 54000, 0.20, 3),
    Product("Доставка (рейс по городу)", SERVICES, 4500, 0.35, 10),
    Product("Сервисное обслуживание оборудования (месяц)", SERVICES, 38000, 0.55, 1),
    Product("Монтажные работы (час)", SERVICES, 2900, 0.50, 24),
    Product("Аренда оборудования (месяц)", SERVICES, 22000, 0.60, 2),
    Product("Консультация инженера (час)", SERVICES, 5200, 0.62, 6),
)

# How strongly each industry buys from each product line; shapes every account's basket.
CATEGORY_AFFINITY: dict[str, dict[str, float]] = {
    "IT": {_OFFICE: 5, _ELECTRICAL: 3, SERVICES: 3, _PACKAGING: 1, _PPE: 0.5, _CHEMICALS: 0.5},
    "Pharma": {_CHEMICALS: 5, _PPE: 4, _PACKAGING: 3, _OFFICE: 1, SERVICES: 1, _ELECTRICAL: 1},
    "Manufacturing": {
        _PPE: 4,
        _CHEMICALS: 4,
        _ELECTRICAL: 4,
        SERVICES: 2,
        _PACKAGING: 2,
        _OFFICE: 0.5,
    },
    "Logistics": {_PACKAGING: 6, _PPE: 3, SERVICES: 2, _ELECTRICAL: 1, _OFFICE: 1, _CHEMICALS: 1},
    "Finance": {
        _OFFICE: 6,
        SERVICES: 4,
        _ELECTRICAL: 1,
        _PACKAGING: 0.5,
        _PPE: 0.3,
        _CHEMICALS: 1,
    },
    "Retail": {_PACKAGING: 5, _OFFICE: 2, _ELECTRICAL: 2, _CHEMICALS: 2, SERVICES: 2, _PPE: 1},
}


def product_ids() -> pa.Array:
    """`P-0001`, `P-0002`, … in catalogue order."""
    return pa.array([f"P-{i + 1:04d}" for i in range(len(CATALOGUE))])


def products_columns(ids: pa.Array) -> dict[str, Any]:
    """The products table: the catalogue under `ids`."""
    return {
        "product_id": ids,
        "product_name": pa.array([q.name for q in CATALOGUE]),
        "category": pa.array([q.category for q in CATALOGUE]),
    }
