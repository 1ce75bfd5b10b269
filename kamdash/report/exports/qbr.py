"""What the QBR deck, the PDF brief and `kamdash qbr` share: the account's figures gathered
once from the store, the KPI list, the charts, and every fixed text in English and Russian.

Nothing here computes a metric: figures are `Store` results and the `Brief`; KPI texts are
`kamdash.report.formatting` of those figures, so a deck, a PDF and the dashboard show the same text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from kamdash.engine.measures import Language, measure
from kamdash.engine.periods import DateLike, Period
from kamdash.engine.store import MARGIN_COLUMNS, Store
from kamdash.report import charts
from kamdash.report.brief import Brief, build_brief
from kamdash.report.exports import qbr_charts
from kamdash.report.exports.images import Stamp, data_export_date, data_files_modified
from kamdash.report.formatting import (
    delta,
    format_date,
    format_measure,
    format_month_range,
    format_period,
)

TREND_MONTHS = 24  # the deck's trend: two years show seasonality and the prior-year level
PRINT_TREND_MONTHS = 12  # the PDF's: one small chart

TEXTS: dict[str, tuple[str, str]] = {
    "deck.kicker": ("Business review", "Бизнес-обзор"),
    "brief.title": ("Meeting brief", "Справка к встрече"),
    "kam": ("Key account manager: {name}", "Менеджер: {name}"),
    "period": ("Period: {period}", "Период: {period}"),
    "as_of": ("Data as of {date}", "Данные на {date}"),
    "exported": ("data exported {date}", "выгрузка {date}"),
    "modified": ("data files modified {date}", "файлы данных изменены {date}"),
    "footer": ("{period} · as of {date}", "{period} · на {date}"),
    "industry": ("Industry: {industry}", "Отрасль: {industry}"),
    "slide.kpis": ("Key figures", "Ключевые показатели"),
    "slide.trend": ("Revenue and margin trend", "Динамика выручки и маржи"),
    "slide.revenue_trend": ("Revenue trend", "Динамика выручки"),
    "slide.mix": ("Product mix", "Структура закупок"),
    "slide.bridge": ("Price, volume and mix", "Цена, объём и структура"),
    "slide.receivables": (
        "Receivables and payment behaviour",
        "Задолженность и платёжная дисциплина",
    ),
    "slide.whitespace": ("Whitespace: what peers buy", "Потенциал: что покупают клиенты отрасли"),
    "slide.next": ("Talking points and next steps", "Тезисы и следующие шаги"),
    "slide.stakeholders": ("Stakeholders", "Карта контактов"),
    "slide.pipeline": ("Pipeline and renewal", "Воронка и продление"),
    "col.contact": ("Contact", "Контакт"),
    "col.job_title": ("Title", "Должность"),
    "col.role": ("Role", "Роль"),
    "col.attitude": ("Attitude", "Отношение"),
    "col.last_touch": ("Last touch", "Последний контакт"),
    "col.status": ("Status", "Статус"),
    "col.stage": ("Stage", "Стадия"),
    "col.amount": ("Amount", "Сумма"),
    "col.probability": ("Probability", "Вероятность"),
    "col.weighted": ("Weighted", "Взвешенно"),
    "col.expected_close": ("Close date", "Дата закрытия"),
    "role.decision_maker": ("Decision maker", "ЛПР"),
    "role.influencer": ("Influencer", "Влияющий"),
    "role.user": ("User", "Пользователь"),
    "role.gatekeeper": ("Gatekeeper", "Привратник"),
    "role.sponsor": ("Sponsor", "Спонсор"),
    "attitude.supporter": ("Supporter", "Сторонник"),
    "attitude.neutral": ("Neutral", "Нейтрален"),
    "attitude.detractor": ("Detractor", "Противник"),
    "stage.qualify": ("Qualify", "Квалификация"),
    "stage.propose": ("Propose", "Предложение"),
    "stage.negotiate": ("Negotiate", "Переговоры"),
    "stage.won": ("Won", "Выиграна"),
    "stage.lost": ("Lost", "Проиграна"),
    "contact.left": ("left", "ушёл"),
    "contact.not_met": ("not met in 90 days", "нет контакта 90 дней"),
    "none.contacts": ("No contacts recorded for this client.", "Контакты клиента не заведены."),
    "none.opportunities": (
        "No open, won or lost opportunities.",
        "Нет открытых, выигранных или проигранных возможностей.",
    ),
    "none.meet": (
        "Every active decision maker was met in the last 90 days.",
        "Со всеми активными ЛПР общались за последние 90 дней.",
    ),
    "vs_prior_year": ("vs prior year", "к прошлому году"),
    "plan": ("plan {value}", "план {value}"),
    "notes.prior": ("prior year {value}", "год назад {value}"),
    "notes.changed": (
        "Revenue {revenue}; {base} {base_revenue}",
        "Выручка {revenue}; {base} {base_revenue}",
    ),
    "chart.trend": ("Revenue, gross margin and GM %", "Выручка, валовая маржа и маржа, %"),
    "chart.print_trend": ("Revenue and GM %", "Выручка и маржа, %"),
    "chart.revenue_trend": ("Revenue by month", "Выручка по месяцам"),
    "chart.mix": ("Revenue by category", "Выручка по категориям"),
    "chart.bridge": ("From prior-year revenue to this period's", "От выручки год назад к текущей"),
    "chart.aging": ("Open AR by age", "Задолженность по срокам"),
    "chart.payment": ("Days to pay and days late", "Дни до оплаты и дни просрочки"),
    "chart.whitespace": ("Categories peers buy", "Категории, которые покупают клиенты отрасли"),
    "chart.peer_share": ("Share of active peers buying", "Доля покупающих клиентов отрасли"),
    "chart.measure": ("Measure", "Показатель"),
    "chart.category": ("Category", "Категория"),
    "chart.now": ("This period", "Текущий период"),
    "chart.prior": ("Prior year", "Год назад"),
    "chart.base": ("Prior year", "Год назад"),
    "chart.current": ("This period", "Сейчас"),
    "chart.vs": ("{period} vs {prior}", "{period} к {prior}"),
    "chart.as_of": ("at {date}", "на {date}"),
    "section.changed": ("What changed", "Что изменилось"),
    "section.raise": ("To raise", "Что обсудить"),
    "section.whitespace": ("Whitespace", "Потенциал роста"),
    "section.talking": ("Talking points", "Тезисы"),
    "section.next": ("Next steps", "Следующие шаги"),
    "section.meeting": ("Before the meeting", "Перед встречей"),
    "section.products_up": ("Products up", "Рост по товарам"),
    "section.products_down": ("Products down", "Снижение по товарам"),
    "section.overdue": (
        "Overdue documents, oldest first",
        "Просроченные документы, старые первыми",
    ),
    "col.document": ("Document", "Документ"),
    "col.date": ("Date", "Дата"),
    "col.due": ("Due", "Срок"),
    "col.days": ("Days past due", "Дней просрочки"),
    "col.balance": ("Open balance", "Остаток"),
    "col.category": ("Category", "Категория"),
    "col.buyers": ("Peers buying", "Покупают"),
    "col.share": ("Share of peers", "Доля клиентов"),
    "col.median": ("Median spend", "Медиана закупок"),
    "col.product": ("Product", "Товар"),
    "col.change": ("Change", "Изменение"),
    "none.raise": ("Nothing pressing to raise.", "Острых вопросов нет."),
    "none.overdue": ("No overdue documents.", "Просроченных документов нет."),
    "none.whitespace": (
        "No whitespace: the account buys what most of its active peers buy.",
        "Свободных ниш нет: клиент покупает то же, что и большинство клиентов отрасли.",
    ),
    "none.bridge": (
        "No revenue in either period: nothing to bridge.",
        "Нет выручки ни в одном из периодов: мост не строится.",
    ),
    "whitespace.intro": (
        "Categories that active {industry} accounts buy in the period and {account} does not.",
        "Категории, которые в периоде покупают активные клиенты отрасли {industry}, "
        "а {account} — нет.",
    ),
    "pvm": ("price/volume/mix", "факторы"),
    "more": ("… and {count} more", "… и ещё {count}"),
    "credit_use": ("Credit limit use {pct} of {limit}", "Использовано {pct} лимита {limit}"),
    "no_credit_limit": ("No credit limit set", "Кредитный лимит не задан"),
}


def t(key: str, language: Language, **values: object) -> str:
    """A fixed export text in the language, with values filled in."""
    en, ru = TEXTS[key]
    return (ru if language == "ru" else en).format(**values)


@dataclass(frozen=True)
class Kpi:
    """One headline figure: label, value text and its comparisons, as shown on slides."""

    name: str
    label: str
    value: Any
    text: str
    versus: str | None  # change vs prior year, formatted (`+8,1 %`, `−2,3 п.п.`)
    good: bool | None
    plan: str | None  # "plan ₽12.0M", "plan ₽672K"
    # the figures in full, for where there is room (the deck's speaker notes):
    # "Revenue: ₽4,251,388; prior year ₽2,222; plan ₽672,000"
    full: str = ""


@dataclass(frozen=True)
class QbrData:
    """Everything an account's QBR shows, fetched once from the store."""

    brief: Brief
    stamp: Stamp
    data_exported: dt.date | None
    trend_span: Period
    monthly: pl.DataFrame
    mix_now: pl.DataFrame
    mix_prior: pl.DataFrame
    payments: pl.DataFrame
    # the reader may not see cost or margin (finance): no margin tile, axis, line or title
    hide_margins: bool = False
    # data_exported is the files' modification date: the export did not say when it was made
    files_modified: bool = False
    # the stakeholder map at D and the opportunities (open at D, won or lost in the period);
    # None when the export has no contacts / opportunities table, and the deck has no slide
    stakeholders: pl.DataFrame | None = None
    opportunities: pl.DataFrame | None = None

    @property
    def language(self) -> Language:
        return self.brief.language

    def exported(self) -> str | None:
        """`data exported 30.06.2026`, `data files modified …`, or None (no date at all)."""
        if self.data_exported is None:
            return None
        key = "modified" if self.files_modified else "exported"
        return t(key, self.language, date=format_date(self.data_exported, self.language))

    def footer(self) -> str:
        lang = self.language
        return t(
            "footer",
            lang,
            period=format_period(self.brief.period.start, self.brief.period.end, lang),
            date=format_date(self.brief.as_of, lang),
        )


KPI_NAMES: tuple[str, ...] = (
    "revenue",
    "gross_margin",
    "gross_margin_pct",
    "plan_attainment",
    "open_ar",
    "overdue_pct",
    "dso",
    "avg_days_late",
)


def collect(
    store: Store,
    account_id: str,
    start: DateLike,
    end: DateLike,
    as_of: DateLike | None = None,
    language: Language = "en",
) -> QbrData:
    brief = build_brief(store, account_id, start, end, as_of, language)
    one = {"account_id": account_id}
    span = Period(*charts.month_span(brief.period.end, TREND_MONTHS))
    prior = brief.prior_year.base.period
    exported = data_export_date(store)
    modified = data_files_modified(store)
    scope = f"{brief.account_name} ({account_id})"
    stamp = Stamp(
        scope,
        brief.period.start,
        brief.period.end,
        brief.as_of,
        exported,
        language,
        files_modified=modified,
    )
    mixes = store.product_mixes(
        [(brief.period.start, brief.period.end), (prior.start, prior.end)], ("category",), **one
    )
    return QbrData(
        brief=brief,
        stamp=stamp,
        data_exported=exported,
        trend_span=span,
        monthly=store.monthly(span.start, span.end, level="account", **one),
        mix_now=mixes[0]["category"],
        mix_prior=mixes[1]["category"],
        payments=store.payment_behaviour(span.start, span.end, level="account", **one),
        hide_margins=store.hide_margins,
        files_modified=modified,
        stakeholders=(
            store.stakeholders(account_id, brief.as_of) if store.has_table("contacts") else None
        ),
        opportunities=(
            store.opportunities(account_id, brief.period.start, brief.period.end, brief.as_of)
            if store.has_table("opportunities")
            else None
        ),
    )


# the KPIs that show a plan: its column, and the money measure it is written as
PLANS: dict[str, tuple[str, str]] = {
    "revenue": ("revenue_target", "revenue"),
    "gross_margin": ("gross_margin_target", "gross_margin"),
    "plan_attainment": ("revenue_target", "revenue"),
}


def kpis(data: QbrData) -> list[Kpi]:
    """The KPI tiles: each figure vs the prior-year period, revenue and margin vs plan."""
    lang = data.language
    now, before = data.brief.figures, data.brief.prior_year_figures
    result = []
    for name in KPI_NAMES:
        if data.hide_margins and name in MARGIN_COLUMNS:
            continue
        value = now[name]
        change = delta(value, before[name], name, lang) if name != "plan_attainment" else None
        label = measure(name).label(lang)
        full = [f"{label}: {format_measure(value, name, lang)}"]
        if change is not None:
            full.append(t("notes.prior", lang, value=format_measure(before[name], name, lang)))
        plan = None
        target, money = PLANS.get(name, ("", name))
        if target and now[target]:
            plan = t("plan", lang, value=format_measure(now[target], money, lang, short=True))
            full.append(t("plan", lang, value=format_measure(now[target], money, lang)))
        result.append(
            Kpi(
                name=name,
                label=label,
                value=value,
                text=format_measure(value, name, lang, short=True),
                versus=change.text if change else None,
                good=change.good if change else None,
                plan=plan,
                full="; ".join(full),
            )
        )
    return result


# -- charts ---------------------------------------------------------------------------------


def _versus(data: QbrData) -> str:
    lang = data.language
    period = data.brief.period
    prior = data.brief.prior_year.base.period
    return t(
        "chart.vs",
        lang,
        period=format_period(period.start, period.end, lang),
        prior=format_period(prior.start, prior.end, lang),
    )


def trend_title(data: QbrData) -> str:
    """The trend slide's heading: without margins it is about revenue alone."""
    return t("slide.revenue_trend" if data.hide_margins else "slide.trend", data.language)


def trend_chart(data: QbrData) -> Any:
    lang = data.language
    if data.hide_margins:
        return charts.measure_trend(
            data.monthly,
            lang,
            x="month",
            measures=["revenue"],
            title=t("chart.revenue_trend", lang),
            subtitle=format_month_range(data.trend_span.start, data.trend_span.end, lang),
        )
    return charts.revenue_margin_trend(
        data.monthly,
        lang,
        title=t("chart.trend", lang),
        subtitle=format_month_range(data.trend_span.start, data.trend_span.end, lang),
    )


def mix_chart(data: QbrData) -> Any:
    lang = data.language
    return charts.period_comparison(
        data.mix_now,
        data.mix_prior,
        lang,
        title=t("chart.mix", lang),
        subtitle=_versus(data),
        now_label=t("chart.now", lang),
        prior_label=t("chart.prior", lang),
        item_label=t("chart.category", lang),
    )


def bridge_values(data: QbrData) -> dict[str, float]:
    pvm = data.brief.prior_year.pvm
    return {name: float(getattr(pvm, name)) for name in pvm.__dataclass_fields__}


def has_bridge(data: QbrData) -> bool:
    pvm = data.brief.prior_year.pvm
    return bool(pvm.revenue or pvm.revenue_base)


def bridge_chart(data: QbrData) -> Any:
    lang = data.language
    return charts.waterfall(
        bridge_values(data),
        lang,
        title=t("chart.bridge", lang),
        subtitle=_versus(data),
        base_label=t("chart.base", lang),
        current_label=t("chart.current", lang),
    )


def aging_chart(data: QbrData) -> Any:
    lang = data.language
    return charts.aging(
        data.brief.figures,
        lang,
        title=t("chart.aging", lang),
        subtitle=t("chart.as_of", lang, date=format_date(data.brief.as_of, lang)),
    )


def payment_chart(data: QbrData) -> Any | None:
    if data.payments.is_empty():
        return None
    lang = data.language
    return charts.measure_trend(
        data.payments,
        lang,
        x="month",
        measures=["avg_days_to_pay", "avg_days_late"],
        title=t("chart.payment", lang),
        subtitle=format_month_range(data.trend_span.start, data.trend_span.end, lang),
        series_label=t("chart.measure", lang),
    )


def whitespace_chart(data: QbrData) -> Any | None:
    if not data.brief.whitespace:
        return None
    lang = data.language
    return qbr_charts.whitespace_chart(
        data.brief.whitespace,
        lang,
        title=t("chart.whitespace", lang),
        subtitle=format_period(data.brief.period.start, data.brief.period.end, lang),
        share_label=t("chart.peer_share", lang),
    )


def print_trend_chart(data: QbrData) -> Any:
    lang = data.language
    span = Period(*charts.month_span(data.brief.period.end, PRINT_TREND_MONTHS))
    monthly = data.monthly.filter(pl.col("month") >= span.start)
    return qbr_charts.print_trend(
        monthly,
        lang,
        title=t("chart.revenue_trend" if data.hide_margins else "chart.print_trend", lang),
        subtitle=format_month_range(span.start, span.end, lang),
        margin=not data.hide_margins,
    )


def print_bridge_chart(data: QbrData) -> Any:
    lang = data.language
    return qbr_charts.print_bridge(
        data.brief.prior_year.pvm,
        lang,
        title=t("chart.bridge", lang),
        subtitle=_versus(data),
        base_label=t("chart.base", lang),
        current_label=t("chart.current", lang),
    )


def word(prefix: str, value: str | None, language: Language) -> str:
    """A CRM value (`decision_maker`, `negotiate`) in words; one outside the contract's list
    (validation warns) as exported, an empty one as "—"."""
    if value is None:
        return "—"
    key = f"{prefix}.{value}"
    return t(key, language) if key in TEXTS else value
