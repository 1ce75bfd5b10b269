"""Every measure defined once: name, labels in English and Russian, format, formula, meaning.

Tiles, tables, charts, the glossary, CLI column docs and exports all read these definitions,
so a metric's label or format is changed in exactly one place. The SQL in `sql/marts` computes
the values; `column` names the mart column that carries each measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "growth": a relative change, a percentage up to ±1000 % and a multiple past it, "new" for
# revenue without a positive base (kamdash.report.formatting.format_growth)
# "flag": a yes/no sign (single-threaded, renewal due)
Format = Literal["money", "percent", "growth", "days", "count", "ratio", "index", "text", "flag"]
Language = Literal["en", "ru"]
LANGUAGES: tuple[Language, ...] = ("en", "ru")


@dataclass(frozen=True)
class Measure:
    name: str
    label_en: str
    label_ru: str
    format: Format
    formula: str
    description_en: str
    description_ru: str
    # whether a rise is good news (drives delta colours); None when neither
    higher_is_better: bool | None = True
    # for a growth measure: the measure that grows and its base (revenue now, revenue a year
    # ago); where the growth is empty (no positive base) and the first is positive, the
    # growth reads "new"
    growth_of: tuple[str, str] | None = None
    # the optional export tables (contract v2) the figure is made from: without one of them it
    # is empty, and the tables leave its column out
    needs: tuple[str, ...] = ()

    def label(self, language: Language) -> str:
        return self.label_ru if language == "ru" else self.label_en

    def description(self, language: Language) -> str:
        return self.description_ru if language == "ru" else self.description_en


MEASURES: tuple[Measure, ...] = (
    Measure(
        "revenue",
        "Revenue",
        "Выручка",
        "money",
        "Σ invoice_lines.net_amount of documents dated in the period",
        "Net revenue (tax excluded) of invoices and credit notes dated in the period.",
        "Выручка без НДС по счетам и корректировочным документам, датированным в периоде.",
    ),
    Measure(
        "cogs",
        "COGS",
        "Себестоимость",
        "money",
        "Σ invoice_lines.cost_amount of the same documents",
        "Cost of goods sold on the same documents as revenue.",
        "Себестоимость проданных товаров по тем же документам, что и выручка.",
        higher_is_better=False,
    ),
    Measure(
        "gross_margin",
        "Gross margin",
        "Валовая маржа",
        "money",
        "Revenue − COGS",
        "Revenue minus cost of goods sold.",
        "Выручка минус себестоимость.",
    ),
    Measure(
        "gross_margin_pct",
        "GM %",
        "Маржа, %",
        "percent",
        "Gross margin / Revenue, when Revenue > 0",
        "Gross margin as a share of revenue; empty when revenue is not positive.",
        "Доля валовой маржи в выручке; пусто, если выручка не положительна.",
    ),
    Measure(
        "revenue_prior_year",
        "Revenue, prior year",
        "Выручка год назад",
        "money",
        "Revenue of [start − 1 year, end − 1 year] (29 Feb → 28 Feb)",
        "Revenue of the same calendar days one year earlier.",
        "Выручка за те же календарные дни годом ранее.",
    ),
    Measure(
        "growth_yoy",
        "Growth YoY",
        "Рост г/г",
        "growth",
        "Revenue / Revenue prior year − 1, when prior-year revenue > 0",
        "Change of revenue against the same period a year earlier; past ±1000 % shown as "
        'a multiple (×12.5); "new" for accounts without prior-year revenue.',
        "Изменение выручки к тому же периоду прошлого года; больше ±1000 % — кратность "
        "(×12,5); «новый» для клиентов без выручки год назад.",
        growth_of=("revenue", "revenue_prior_year"),
    ),
    Measure(
        "plan_attainment",
        "Plan attainment",
        "Выполнение плана",
        "percent",
        "Revenue / Σ revenue_target of the months in the period, pro rata by days",
        "Revenue against the plan; a month counts in proportion to its days inside the period.",
        "Выручка к плану; месяц учитывается пропорционально дням внутри периода.",
    ),
    Measure(
        "open_ar",
        "Open AR",
        "Дебиторская задолженность",
        "money",
        "Σ aging buckets + unapplied credits, at the as-of date",
        "What the client owes at the as-of date, net of credit notes and unapplied cash.",
        "Сколько клиент должен на дату отчёта за вычетом кредит-нот и нераспределённых оплат.",
        higher_is_better=False,
    ),
    Measure(
        "ar_current",
        "Not yet due",
        "Не просрочено",
        "money",
        "Open balances of documents with days past due ≤ 0",
        "Positive open balances not yet due.",
        "Положительные остатки документов, срок оплаты которых не наступил.",
        higher_is_better=None,
    ),
    Measure(
        "ar_1_30",
        "1–30 days overdue",
        "Просрочка 1–30 дн.",
        "money",
        "Open balances 1–30 days past due",
        "Positive open balances 1 to 30 days past due.",
        "Положительные остатки с просрочкой от 1 до 30 дней.",
        higher_is_better=False,
    ),
    Measure(
        "ar_31_60",
        "31–60 days overdue",
        "Просрочка 31–60 дн.",
        "money",
        "Open balances 31–60 days past due",
        "Positive open balances 31 to 60 days past due.",
        "Положительные остатки с просрочкой от 31 до 60 дней.",
        higher_is_better=False,
    ),
    Measure(
        "ar_61_90",
        "61–90 days overdue",
        "Просрочка 61–90 дн.",
        "money",
        "Open balances 61–90 days past due",
        "Positive open balances 61 to 90 days past due.",
        "Положительные остатки с просрочкой от 61 до 90 дней.",
        higher_is_better=False,
    ),
    Measure(
        "ar_91_plus",
        "91+ days overdue",
        "Просрочка 91+ дн.",
        "money",
        "Open balances ≥ 91 days past due",
        "Positive open balances 91 or more days past due.",
        "Положительные остатки с просрочкой 91 день и более.",
        higher_is_better=False,
    ),
    Measure(
        "unapplied_credits",
        "Unapplied credits",
        "Нераспределённые кредиты",
        "money",
        "Σ negative open balances − Σ unapplied cash (≤ 0)",
        "Credit notes and overpayments not yet offset, and cash received without a document.",
        "Незачтённые кредит-ноты и переплаты, а также оплаты без указания документа.",
        higher_is_better=None,
    ),
    Measure(
        "overdue_ar",
        "Overdue AR",
        "Просроченная задолженность",
        "money",
        "ar_1_30 + ar_31_60 + ar_61_90 + ar_91_plus",
        "Positive open balances past their due date.",
        "Положительные остатки документов с наступившим сроком оплаты.",
        higher_is_better=False,
    ),
    Measure(
        "overdue_pct",
        "Overdue %",
        "Просрочка, %",
        "percent",
        "Overdue AR / Open AR, when Open AR > 0",
        "Share of open AR that is past due (can exceed 100 % when credits offset it).",
        "Доля просроченной задолженности (может превышать 100 % при незачтённых кредитах).",
        higher_is_better=False,
    ),
    Measure(
        "dso",
        "DSO",
        "DSO",
        "days",
        "Open AR / Σ amount_due billed in the last 90 days × 90, when billed > 0",
        "Days of sales outstanding by the period method over the last 90 days.",
        "Оборачиваемость дебиторской задолженности в днях (метод периода, 90 дней).",
        higher_is_better=False,
    ),
    Measure(
        "countback_dso",
        "Countback DSO",
        "DSO (countback)",
        "days",
        "Walk back month by month consuming each month's billing until the AR is covered",
        "How many days of the most recent billing the open AR represents.",
        "Сколько дней последних отгрузок покрывает текущая задолженность.",
        higher_is_better=False,
    ),
    Measure(
        "avg_days_to_pay",
        "Days to pay",
        "Дней до оплаты",
        "days",
        "Σ amount × (payment_date − invoice_date) / Σ amount, payments in the period",
        "Payment-weighted average days from document to payment.",
        "Средневзвешенное число дней от документа до оплаты.",
        higher_is_better=False,
    ),
    Measure(
        "avg_days_late",
        "Days late",
        "Дней просрочки оплаты",
        "days",
        "Σ amount × max(0, payment_date − due_date) / Σ amount, payments in the period",
        "Payment-weighted average days paid after the due date.",
        "Средневзвешенное число дней оплаты после срока.",
        higher_is_better=False,
    ),
    Measure(
        "credit_utilisation",
        "Credit limit use",
        "Использование лимита",
        "percent",
        "Open AR / credit_limit, when a limit > 0 is set",
        "Open AR against the account's credit limit.",
        "Задолженность относительно кредитного лимита клиента.",
        higher_is_better=False,
    ),
    Measure(
        "abc_class",
        "ABC class",
        "ABC-класс",
        "text",
        "By revenue rank: A while the cumulative share before the account < 80 %, B < 95 %, C",
        "Revenue class of the account within the portfolio shown.",
        "Класс клиента по выручке внутри показанного портфеля.",
        higher_is_better=None,
    ),
    Measure(
        "top5_share",
        "Top-5 share",
        "Доля топ-5",
        "percent",
        "Revenue of the 5 largest accounts / total revenue",
        "How much of revenue the five largest accounts bring.",
        "Доля выручки пяти крупнейших клиентов.",
        higher_is_better=False,
    ),
    Measure(
        "top10_share",
        "Top-10 share",
        "Доля топ-10",
        "percent",
        "Revenue of the 10 largest accounts / total revenue",
        "How much of revenue the ten largest accounts bring.",
        "Доля выручки десяти крупнейших клиентов.",
        higher_is_better=False,
    ),
    Measure(
        "hhi",
        "HHI",
        "Индекс HHI",
        "index",
        "Σ (100 × account share of positive revenue)², 0–10 000",
        "Herfindahl–Hirschman concentration index of revenue across accounts.",
        "Индекс концентрации Херфиндаля–Хиршмана по выручке клиентов.",
        higher_is_better=False,
    ),
    Measure(
        "nrr",
        "NRR",
        "NRR",
        "percent",
        "Σ TTM revenue / Σ prior-TTM revenue, accounts with prior-TTM revenue > 0",
        "Net revenue retention of last year's accounts over the trailing twelve months.",
        "Чистое удержание выручки прошлогодних клиентов за последние 12 месяцев.",
    ),
    Measure(
        "grr",
        "GRR",
        "GRR",
        "percent",
        "Σ min(max(TTM, 0), prior TTM) / Σ prior TTM, same accounts",
        "Gross revenue retention: like NRR but growth does not count.",
        "Валовое удержание выручки: как NRR, но без учёта роста.",
    ),
    Measure(
        "volume",
        "Volume",
        "Объём",
        "money",
        "(Q₁ − Q₀) × ASP₀ over products sold in both periods",
        "Revenue change from selling more or fewer units at the base average price.",
        "Изменение выручки из-за изменения количества по базовой средней цене.",
    ),
    Measure(
        "mix",
        "Mix",
        "Структура",
        "money",
        "Q₁ × Σ (s₁ − s₀) × p₀",
        "Revenue change from a shift between products.",
        "Изменение выручки из-за сдвига между товарами.",
    ),
    Measure(
        "price",
        "Price",
        "Цена",
        "money",
        "Σ q₁ × (p₁ − p₀)",
        "Revenue change from price changes per product.",
        "Изменение выручки из-за изменения цен по товарам.",
    ),
    Measure(
        "new",
        "New products",
        "Новые товары",
        "money",
        "Σ current revenue of products not sold in both periods",
        "Revenue from products the base period did not have.",
        "Выручка от товаров, которых не было в базовом периоде.",
    ),
    Measure(
        "lost",
        "Lost products",
        "Ушедшие товары",
        "money",
        "− Σ base revenue of products not sold in both periods",
        "Revenue lost with products no longer bought.",
        "Потерянная выручка по товарам, которые больше не покупают.",
    ),
    # -- relationship and pipeline (contract v2, the optional CRM tables) ----------------------
    Measure(
        "days_since_last_meeting",
        "Days since last meeting",
        "Дней с последней встречи",
        "days",
        "D − latest activity_date ≤ D of type meeting, qbr or visit",
        "Days since anyone last met the client in person (meeting, QBR or visit); empty when "
        "never.",
        "Сколько дней прошло с последней личной встречи с клиентом (встреча, QBR, визит); "
        "пусто, если встреч не было.",
        higher_is_better=False,
        needs=("activities",),
    ),
    Measure(
        "meetings_in_period",
        "Meetings",
        "Встречи",
        "count",
        "Activities of type meeting, qbr or visit dated in the period",
        "In-person meetings with the client in the period (meetings, QBRs, visits).",
        "Личные встречи с клиентом в периоде (встречи, QBR, визиты).",
        needs=("activities",),
    ),
    Measure(
        "touches_in_period",
        "Touches",
        "Контакты",
        "count",
        "Activities of any type dated in the period",
        "Meetings, calls, mails, QBRs and visits with the client in the period.",
        "Встречи, звонки, письма, QBR и визиты с клиентом в периоде.",
        needs=("activities",),
    ),
    Measure(
        "meetings_per_account",
        "Meetings per account",
        "Встреч на клиента",
        "ratio",
        "Σ meetings_in_period / number of accounts, over a KAM's accounts",
        "In-person meetings (meetings, QBRs, visits) in the period per account of the book.",
        "Личные встречи (встречи, QBR, визиты) в периоде в среднем на одного клиента.",
        needs=("activities",),
    ),
    Measure(
        "decision_maker_coverage",
        "Decision-maker coverage",
        "Охват ЛПР",
        "percent",
        "Active decision makers with an activity naming them in [D − 89, D] / active "
        "decision makers",
        "Share of the client's active decision makers someone from our side met or spoke to "
        "in the last 90 days (any colleague's activity counts); empty when the account has "
        "none.",
        "Доля действующих ЛПР клиента, с которыми кто-либо из наших сотрудников "
        "контактировал за последние 90 дней; пусто, если ЛПР не указаны.",
        needs=("contacts", "activities"),
    ),
    Measure(
        "single_threaded",
        "Single-threaded",
        "Один контакт",
        "flag",
        "Activities in [D − 89, D] name exactly one distinct contact_id",
        "The whole relationship of the last 90 days runs through one person; empty when no "
        "activity names a contact.",
        "Все контакты за последние 90 дней шли через одного человека; пусто, если ни одна "
        "активность не называет контакт.",
        higher_is_better=False,
        needs=("activities",),
    ),
    Measure(
        "pipeline",
        "Pipeline",
        "Воронка",
        "money",
        "Σ amount of opportunities open at D (created_on ≤ D, closed_on empty or > D)",
        "Expected revenue of the upsell and cross-sell opportunities open at the as-of date.",
        "Ожидаемая выручка открытых на дату отчёта возможностей допродаж.",
        needs=("opportunities",),
    ),
    Measure(
        "weighted_pipeline",
        "Weighted pipeline",
        "Взвешенная воронка",
        "money",
        "Σ amount × probability of open opportunities (stage default where empty)",
        "Open pipeline weighted by each opportunity's probability (qualify 10 %, propose 30 %, "
        "negotiate 60 % when the CRM leaves it empty).",
        "Открытая воронка, взвешенная по вероятности (по умолчанию: квалификация 10 %, "
        "предложение 30 %, переговоры 60 %).",
        needs=("opportunities",),
    ),
    Measure(
        "win_rate",
        "Win rate",
        "Доля выигранных",
        "percent",
        "won / (won + lost), opportunities closed in the period, by count",
        "Share of the opportunities closed in the period that were won; empty when none closed.",
        "Доля выигранных среди закрытых в периоде возможностей; пусто, если закрытых нет.",
        needs=("opportunities",),
    ),
    Measure(
        "win_rate_by_amount",
        "Win rate by amount",
        "Доля выигранных по сумме",
        "percent",
        "Σ amount won / Σ amount won and lost, opportunities closed in the period",
        "Share of the amount of opportunities closed in the period that was won.",
        "Доля суммы закрытых в периоде возможностей, которая выиграна.",
        needs=("opportunities",),
    ),
    Measure(
        "unsigned_closing_amount",
        "Unsigned closing docs",
        "Неподписанные документы",
        "money",
        "Σ amount_due / the invoice's number of closing documents, documents issued ≤ D and "
        "not signed by D",
        "Amount of acts and УПД issued but not yet signed by the client at the as-of date "
        "(an invoice counts once however many documents it has).",
        "Сумма актов и УПД, выставленных, но не подписанных клиентом на дату отчёта (счёт "
        "учитывается один раз, сколько бы документов у него ни было).",
        higher_is_better=False,
        needs=("closing_documents",),
    ),
    Measure(
        "unsigned_closing_docs",
        "Unsigned documents",
        "Неподписанных документов",
        "count",
        "Closing documents with issued_on ≤ D and signed_on empty or > D",
        "Number of closing documents the client has not signed at the as-of date.",
        "Число закрывающих документов, не подписанных клиентом на дату отчёта.",
        higher_is_better=False,
        needs=("closing_documents",),
    ),
    Measure(
        "unsigned_0_5",
        "Unsigned 0–5 days",
        "Не подписаны 0–5 дн.",
        "money",
        "Unsigned amount of documents issued 0–5 days before D",
        "Unsigned closing documents issued up to 5 days ago.",
        "Неподписанные документы, выставленные не более 5 дней назад.",
        higher_is_better=None,
        needs=("closing_documents",),
    ),
    Measure(
        "unsigned_6_30",
        "Unsigned 6–30 days",
        "Не подписаны 6–30 дн.",
        "money",
        "Unsigned amount of documents issued 6–30 days before D",
        "Unsigned closing documents issued 6 to 30 days ago.",
        "Неподписанные документы, выставленные 6–30 дней назад.",
        higher_is_better=False,
        needs=("closing_documents",),
    ),
    Measure(
        "unsigned_31_90",
        "Unsigned 31–90 days",
        "Не подписаны 31–90 дн.",
        "money",
        "Unsigned amount of documents issued 31–90 days before D",
        "Unsigned closing documents issued 31 to 90 days ago.",
        "Неподписанные документы, выставленные 31–90 дней назад.",
        higher_is_better=False,
        needs=("closing_documents",),
    ),
    Measure(
        "unsigned_91_plus",
        "Unsigned 91+ days",
        "Не подписаны 91+ дн.",
        "money",
        "Unsigned amount of documents issued 91 or more days before D",
        "Unsigned closing documents issued 91 or more days ago.",
        "Неподписанные документы, выставленные 91 день назад и ранее.",
        higher_is_better=False,
        needs=("closing_documents",),
    ),
    Measure(
        "signed_on_time_pct",
        "Signed on time",
        "Подписано вовремя",
        "percent",
        "Closing documents issued in the period signed within 5 days / all issued in the period",
        "Share of the closing documents issued in the period that came back signed within "
        "5 days; empty when none was issued.",
        "Доля закрывающих документов периода, подписанных в течение 5 дней; пусто, если "
        "документов не было.",
        needs=("closing_documents",),
    ),
    Measure(
        "renewal_due",
        "Renewal due",
        "Продление договора",
        "flag",
        "D < contract_end_on ≤ D + 90 days, or an invoice dated after contract_end_on and ≤ D",
        "The supply contract ends within 90 days, or has ended and the client is still "
        "invoiced on it.",
        "Договор поставки истекает в ближайшие 90 дней или уже истёк, а отгрузки по нему "
        "продолжаются.",
        higher_is_better=None,
    ),
    Measure(
        "landing_forecast",
        "Landing forecast",
        "Прогноз года",
        "money",
        "Revenue 1 Jan–D + revenue of [D − 89, D] / 90 × days left in the year + weighted "
        "pipeline expected to close from D + 1 to 31 Dec",
        "Where the calendar year of the as-of date will land: revenue so far, the last 90 "
        "days' daily run rate for the rest of the year, and the weighted pipeline due this "
        "year.",
        "Ожидаемая выручка календарного года: фактическая с 1 января, далее по среднему "
        "дневному темпу последних 90 дней, плюс взвешенная воронка с закрытием в этом году.",
    ),
    Measure(
        "landing_vs_plan",
        "Landing vs plan",
        "Прогноз к плану",
        "growth",
        "Landing forecast / Σ revenue_target of the year − 1, when the plan > 0",
        "How far the landing forecast is above or below the year's plan; empty for a year "
        "without a plan.",
        "Отклонение прогноза года от годового плана; пусто, если плана на год нет.",
    ),
)

MEASURES_BY_NAME: dict[str, Measure] = {measure.name: measure for measure in MEASURES}


def measure(name: str) -> Measure:
    return MEASURES_BY_NAME[name]


def growth_measure_of(name: str) -> Measure | None:
    """The growth measure of a measure (`revenue` → `growth_yoy`), if it has one."""
    return next((m for m in MEASURES if m.growth_of and m.growth_of[0] == name), None)
