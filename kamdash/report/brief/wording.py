"""The brief's wording: every English and Russian sentence, filled with formatted figures.

`rules` decides which facts a brief holds and passes them here as figures; this module only
says them, through `kamdash.report.formatting`, in the brief's language. A new sentence is a
`_TEXTS` entry (both languages) and, where its figures need formatting, a function below.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from kamdash.engine.measures import Language, measure
from kamdash.report.brief.results import (
    BaseKind,
    Comparison,
    MeetKind,
    OverdueDocument,
    ProductChange,
    StoppedCategory,
    UnsignedDocument,
)
from kamdash.report.formatting import (
    format_date,
    format_days,
    format_growth,
    format_measure,
    format_money,
    format_percent,
    format_points,
)

_TEXTS: dict[str, tuple[str, str]] = {
    # (en, ru); {placeholders} are filled with figures already formatted for the language
    "summary.revenue": (
        "Revenue {revenue}, {change} {versus} ({base_revenue})",
        "Выручка {revenue}, {change} {versus} ({base_revenue})",
    ),
    "summary.revenue_base_zero": (
        "Revenue {revenue}; {base_revenue} {during}",
        "Выручка {revenue}; {base_revenue} {during}",
    ),
    "summary.gm": ("GM % {gm}, {gm_change}", "маржа {gm}, {gm_change}"),
    "summary.gm_now": ("GM % {gm}", "маржа {gm}"),
    "issue.overdue": (
        "{amount} overdue in {count}; oldest {doc} of {date}: {balance}, {days} past due",
        "Просрочено {amount} по {count}; самый старый {doc} от {date}: {balance}, просрочка {days}",
    ),
    "issue.credit_limit": (
        "Credit limit {pct} used: open AR {ar} against a limit of {limit}",
        "Кредитный лимит использован на {pct}: задолженность {ar} при лимите {limit}",
    ),
    "issue.days_late": (
        "Paying later: {now} late on average, up from {before} {during}",
        "Платит позже: в среднем {now} просрочки против {before} {during}",
    ),
    "issue.margin_erosion": (
        "GM % down to {now} from {before} ({change}) {versus}",
        "Маржа снизилась до {now} с {before} ({change}) {versus}",
    ),
    "issue.stopped_category": (
        "Stopped buying {category}: {amount} {during}, nothing this period",
        "Перестал покупать «{category}»: {amount} {during}, в этом периоде — ничего",
    ),
    "whitespace": (
        "{category}: bought by {share} of active {industry} peers ({buyers} of {peers}), "
        "median spend {median}",
        "«{category}»: покупают {share} активных клиентов отрасли {industry} "
        "({buyers} из {peers}), медиана {median}",
    ),
    "talk.revenue": (
        "Revenue {revenue}, {change} vs the prior-year period.",
        "Выручка {revenue}, {change} к тому же периоду прошлого года.",
    ),
    "talk.revenue_new": (
        "Revenue {revenue}; nothing was bought in the prior-year period.",
        "Выручка {revenue}; год назад закупок не было.",
    ),
    "talk.revenue_none": (
        "No purchases in the period: revenue {revenue} (prior year {before}).",
        "В периоде закупок нет: выручка {revenue} (год назад {before}).",
    ),
    "talk.pvm": ("Versus last year: {headline}.", "К прошлому году: {headline}."),
    "talk.top_up": (
        "Biggest gain: {product}, {change}.",
        "Больше всего выросло: {product}, {change}.",
    ),
    "talk.top_down": (
        "Biggest drop: {product}, {change}.",
        "Сильнее всего снизилось: {product}, {change}.",
    ),
    "talk.plan": (
        "Plan attainment {pct} of a {plan} plan.",
        "План выполнен на {pct} (план {plan}).",
    ),
    "talk.gm": (
        "GM % {now}, {change} vs the prior-year period.",
        "Маржа {now}, {change} к тому же периоду прошлого года.",
    ),
    "talk.overdue": (
        "Ask about {amount} overdue: {doc} is {days} past due.",
        "Обсудить просрочку {amount}: {doc} просрочен на {days}.",
    ),
    "talk.credit_limit": (
        "Credit limit {pct} used: agree on payments or a higher limit.",
        "Лимит использован на {pct}: договориться об оплатах или увеличении лимита.",
    ),
    "talk.days_late": (
        "Payments slipped to {now} late on average (was {before}).",
        "Оплаты задерживаются в среднем на {now} (было {before}).",
    ),
    "talk.margin_erosion": (
        "Margin fell to {now} ({change}): review prices and discounts.",
        "Маржа снизилась до {now} ({change}): пересмотреть цены и скидки.",
    ),
    "talk.stopped_category": (
        "Find out why {category} purchases stopped ({amount} {during}).",
        "Выяснить, почему прекратились закупки «{category}» ({amount} {during}).",
    ),
    "talk.whitespace": (
        "Offer {category}: {share} of active peers buy it, median {median}.",
        "Предложить «{category}»: покупают {share} активных клиентов отрасли, медиана {median}.",
    ),
    "meet.not_met": (
        "Meet the decision makers nobody has met in 90 days: {names}",
        "Встретиться с ЛПР, с которыми никто не общался 90 дней: {names}",
    ),
    "meet.detractor": (
        "Win over a decision maker who is against us: {names}",
        "Переубедить ЛПР, настроенного против нас: {names}",
    ),
    "meet.single_thread": (
        "Single-threaded: in 90 days only {names} was contacted; meet someone else too",
        "Один контакт: за 90 дней общались только с {names}; нужен выход на других",
    ),
    "renewal.due": (
        "Renewal due: the contract ends {date}",
        "Пора продлевать: договор действует до {date}",
    ),
    "renewal.expired": (
        "The contract ended {date} and the client is still invoiced: renew it",
        "Договор истёк {date}, а отгрузки продолжаются: продлить договор",
    ),
    "renewal.later": ("The contract ends {date}", "Договор действует до {date}"),
    "renewal.ended": ("The contract ended {date}", "Договор истёк {date}"),
    "opportunity": (
        "Advance {category}: {stage}, {amount} at {probability}, close expected {date}",
        "Продвинуть {category}: {stage}, {amount}, вероятность {probability}, закрытие {date}",
    ),
    "opportunity.no_category": ("an opportunity", "возможность"),
    "unsigned": (
        "Bring {count} for signature, {amount}: oldest {doc} ({kind}) issued {date}, "
        "{days} unsigned",
        "Взять на подпись {count} на {amount}: самый старый {doc} ({kind}) от {date}, "
        "без подписи {days}",
    ),
    "stage.qualify": ("qualify", "квалификация"),
    "stage.propose": ("propose", "предложение"),
    "stage.negotiate": ("negotiate", "переговоры"),
    "doc_kind.act": ("act", "акт"),
    "doc_kind.upd": ("УПД", "УПД"),
    "doc_kind.waybill": ("waybill", "накладная"),
    "talk.open_ar": (
        "Open AR {amount} at {date}.",
        "Задолженность {amount} на {date}.",
    ),
    "talk.days_to_pay": (
        "Pays {days} after the document on average.",
        "Оплачивает в среднем через {days} после документа.",
    ),
}


def text(key: str, language: Language, **values: object) -> str:
    """A brief sentence in the language with its figures filled in."""
    en, ru = _TEXTS[key]
    # a figure ending in an abbreviation ("4 дн.") must not end the sentence with ".."
    return (ru if language == "ru" else en).format(**values).replace("..", ".")


def _documents(count: int, language: Language) -> str:
    if language == "ru":
        return f"{count} док."
    return f"{count} document" if count == 1 else f"{count} documents"


def _money(value: float | None, language: Language, *, signed: bool = False) -> str:
    return format_money(value, language, short=True, signed=signed)


# -- base periods ----------------------------------------------------------------------------


def base_period_names(
    kind: BaseKind, months: int, days: int, language: Language
) -> tuple[str, str, str]:
    """A base period's nominative, "vs …" and "in …" names (Russian declines the noun): the
    prior-year period, or the previous period of `months` months (0: of `days` days)."""
    if kind == "prior_year":
        return {
            "en": ("prior-year period", "vs the prior-year period", "in the prior-year period"),
            "ru": (
                "тот же период прошлого года",
                "к тому же периоду прошлого года",
                "за тот же период прошлого года",
            ),
        }[language]
    if months == 3:
        en, ru = ("previous quarter",) * 3, ("предыдущий квартал", "предыдущему кварталу")
        ru_names = (ru[0], f"к {ru[1]}", f"за {ru[0]}")
    elif months == 1:
        en = ("previous month",) * 3
        ru_names = ("предыдущий месяц", "к предыдущему месяцу", "за предыдущий месяц")
    elif months:
        en = (f"previous {months} months",) * 3
        ru_names = (
            f"предыдущие {months} мес.",
            f"к предыдущим {months} мес.",
            f"за предыдущие {months} мес.",
        )
    else:
        en = (f"previous {days} days",) * 3
        ru_names = (
            f"предыдущие {days} дн.",
            f"к предыдущим {days} дн.",
            f"за предыдущие {days} дн.",
        )
    en_names = (en[0], f"vs the {en[0]}", f"in the {en[0]}")
    return ru_names if language == "ru" else en_names


# -- what changed ----------------------------------------------------------------------------


def summary(comparison: Comparison, language: Language) -> str:
    """`Revenue ₽41.5M, +47.7% vs the previous quarter (₽28.1M); GM % 9.8%, −4.5 pp`."""
    base = comparison.base
    values = {
        "revenue": _money(comparison.revenue, language),
        "base_revenue": _money(comparison.revenue_base, language),
        "versus": base.versus,
        "during": base.during,
        "change": format_growth(comparison.revenue_change, language, signed=True),
    }
    key = (
        "summary.revenue" if comparison.revenue_change is not None else "summary.revenue_base_zero"
    )
    parts = [text(key, language, **values)]
    gm, gm_change = comparison.gross_margin_pct, comparison.gross_margin_pct_change
    if gm is not None:
        parts.append(
            text(
                "summary.gm" if gm_change is not None else "summary.gm_now",
                language,
                gm=format_percent(gm, language),
                gm_change=format_points(gm_change, language),
            )
        )
    return "; ".join(parts)


def pvm_headline(effects: tuple[tuple[str, float], ...], language: Language) -> str:
    """`price +4.1 %, volume −2.3 %, mix +0.5 %`: each (effect, share of base revenue)."""
    parts = []
    for effect, share in effects:
        label = measure(effect).label(language).lower()
        parts.append(f"{label} {format_percent(share, language, signed=True)}")
    return ", ".join(parts)


# -- what to raise ---------------------------------------------------------------------------


def overdue(total: float, documents: tuple[OverdueDocument, ...], language: Language) -> str:
    oldest = documents[0]
    return text(
        "issue.overdue",
        language,
        amount=_money(total, language),
        count=_documents(len(documents), language),
        doc=oldest.item_id,
        date=format_date(oldest.item_date, language),
        balance=_money(oldest.open_balance, language),
        days=format_days(oldest.days_past_due, language),
    )


def credit_limit(use: float, figures: Mapping[str, Any], language: Language) -> str:
    return text(
        "issue.credit_limit",
        language,
        pct=format_measure(use, "credit_utilisation", language),
        ar=_money(figures["open_ar"], language),
        limit=_money(figures["credit_limit"], language),
    )


def days_late(now: float, before: float, during: str, language: Language) -> str:
    return text(
        "issue.days_late",
        language,
        now=format_days(now, language),
        before=format_days(before, language),
        during=during,
    )


def margin_erosion(comparison: Comparison, change: float, language: Language) -> str:
    return text(
        "issue.margin_erosion",
        language,
        now=format_percent(comparison.gross_margin_pct, language),
        before=format_percent(comparison.gross_margin_pct_base, language),
        change=format_points(change, language),
        versus=comparison.base.versus,
    )


def _stopped_figures(item: StoppedCategory, language: Language) -> dict[str, str]:
    amount = _money(item.revenue_base, language)
    return {"category": item.category, "amount": amount, "during": item.base.during}


def stopped_category(item: StoppedCategory, language: Language) -> str:
    return text("issue.stopped_category", language, **_stopped_figures(item, language))


def whitespace(
    category: str,
    share: float,
    industry: str,
    buyers: object,
    peers: object,
    median: float,
    language: Language,
) -> str:
    return text(
        "whitespace",
        language,
        category=category,
        share=format_percent(share, language, decimals=0),
        industry=industry,
        buyers=buyers,
        peers=peers,
        median=_money(median, language),
    )


# -- talking points --------------------------------------------------------------------------


def talk_revenue(year: Comparison, language: Language) -> str:
    """Revenue against the prior-year period: none now, none then, or the change."""
    revenue, before = year.revenue, year.revenue_base
    if revenue <= 0:
        return text(
            "talk.revenue_none",
            language,
            revenue=_money(revenue, language),
            before=_money(before, language),
        )
    if year.revenue_change is None:
        return text("talk.revenue_new", language, revenue=_money(revenue, language))
    change = format_growth(year.revenue_change, language, signed=True)
    return text("talk.revenue", language, revenue=_money(revenue, language), change=change)


def talk_overdue(amount: float | None, oldest: OverdueDocument, language: Language) -> str:
    return text(
        "talk.overdue",
        language,
        amount=_money(amount, language),
        doc=oldest.item_id,
        days=format_days(oldest.days_past_due, language),
    )


def talk_credit_limit(use: float | None, language: Language) -> str:
    pct = format_measure(use, "credit_utilisation", language)
    return text("talk.credit_limit", language, pct=pct)


def talk_margin(key: str, now: float | None, change: float, language: Language) -> str:
    """`talk.margin_erosion` or `talk.gm`: GM % now and its change in points."""
    return text(
        key, language, now=format_percent(now, language), change=format_points(change, language)
    )


def talk_days_late(now: float | None, before: float | None, language: Language) -> str:
    return text(
        "talk.days_late",
        language,
        now=format_days(now, language),
        before=format_days(before, language),
    )


def talk_stopped_category(stopped: StoppedCategory, language: Language) -> str:
    return text("talk.stopped_category", language, **_stopped_figures(stopped, language))


def talk_whitespace(category: str, share: float, median: float, language: Language) -> str:
    return text(
        "talk.whitespace",
        language,
        category=category,
        share=format_percent(share, language, decimals=0),
        median=_money(median, language),
    )


def talk_pvm(headline: str, language: Language) -> str:
    return text("talk.pvm", language, headline=headline)


def talk_product(key: str, product: ProductChange, language: Language) -> str:
    """`talk.top_up` or `talk.top_down`: the product and its signed change."""
    change = _money(product.change, language, signed=True)
    return text(key, language, product=product.product_name, change=change)


def talk_plan(attainment: float, target: float, language: Language) -> str:
    pct = format_measure(attainment, "plan_attainment", language)
    return text("talk.plan", language, pct=pct, plan=_money(target, language))


def talk_open_ar(amount: float | None, as_of: dt.date, language: Language) -> str:
    date = format_date(as_of, language)
    return text("talk.open_ar", language, amount=_money(amount, language), date=date)


def talk_days_to_pay(days: float, language: Language) -> str:
    return text("talk.days_to_pay", language, days=format_days(days, language))


# -- before the meeting (the CRM and closing-document tables) -------------------------------

MAX_NAMES = 4


def _words(key: str, value: str, language: Language) -> str:
    # a value outside the contract's list (validation warns) is said as exported
    return text(f"{key}.{value}", language) if f"{key}.{value}" in _TEXTS else value


def who_to_meet(kind: MeetKind, names: tuple[str, ...], language: Language) -> str:
    """`Meet the decision makers nobody has met in 90 days: Иванов И., Петров П.`; the names
    are the CRM's, as text."""
    listed = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        listed += f" (+{len(names) - MAX_NAMES})"
    # names are data: filled in after formatting, so braces in a name cannot break it
    en, ru = _TEXTS[f"meet.{kind}"]
    return (ru if language == "ru" else en).replace("{names}", listed)


def renewal(end: dt.date, due: bool, expired: bool, language: Language) -> str:
    if expired:
        key = "renewal.expired" if due else "renewal.ended"
    else:
        key = "renewal.due" if due else "renewal.later"
    return text(key, language, date=format_date(end, language))


def opportunity(
    category: str | None,
    stage: str,
    amount: float,
    probability: float,
    expected: dt.date,
    language: Language,
) -> str:
    return text(
        "opportunity",
        language,
        # a category is a name: quoted in Russian, as the brief's other category sentences
        category=(
            text("opportunity.no_category", language)
            if not category
            else category
            if language == "en"
            else f"«{category}»"
        ),
        stage=_words("stage", stage, language),
        amount=_money(amount, language),
        probability=format_percent(probability, language, decimals=0),
        date=format_date(expected, language),
    )


def unsigned(
    documents: tuple[UnsignedDocument, ...], count: int, amount: float, language: Language
) -> str:
    oldest = documents[0]
    return text(
        "unsigned",
        language,
        count=_documents(count, language),
        amount=_money(amount, language),
        doc=oldest.closing_doc_id,
        kind=_words("doc_kind", oldest.doc_kind, language),
        date=format_date(oldest.issued_on, language),
        days=format_days(oldest.days_unsigned, language),
    )
