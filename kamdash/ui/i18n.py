"""Every word the app shows that is not a measure, in English and Russian.

Measure labels, formats and descriptions come from `kamdash.engine.measures` (one definition per
measure); this table holds the rest: page titles, filters, section titles, column headers of
non-measure columns, notes and empty states. `t(key, lang, **values)` fills `{name}` fields.
A test checks that every entry has both languages.
"""

from __future__ import annotations

from kamdash.engine.measures import Language

STRINGS: dict[str, tuple[str, str]] = {
    # -- app frame ---------------------------------------------------------------------------
    "app.title": ("Key-account P&L", "P&L ключевых клиентов"),
    "page.portfolio": ("Portfolio", "Портфель"),
    "page.account": ("Account", "Клиент"),
    "page.receivables": ("Receivables", "Дебиторка"),
    "page.team": ("Team", "Команда"),
    "page.data": ("Data & glossary", "Данные и глоссарий"),
    "sidebar.filters": ("Filters", "Фильтры"),
    "sidebar.language": ("Language", "Язык"),
    "sidebar.period": ("Period", "Период"),
    "sidebar.period_help": (
        "Presets end at the latest document date in the data ({anchor}).",
        "Готовые периоды заканчиваются последней датой документа в данных ({anchor}).",
    ),
    "sidebar.start": ("From", "С"),
    "sidebar.end": ("To", "По"),
    "sidebar.as_of": ("As of", "На дату"),
    "sidebar.as_of_help": (
        "Receivables and retention are measured at this date; by default the period end.",
        "Дебиторка и удержание считаются на эту дату; по умолчанию — конец периода.",
    ),
    "sidebar.kam": ("KAM", "KAM"),
    "sidebar.industry": ("Industry", "Отрасль"),
    "sidebar.region": ("Region", "Регион"),
    "sidebar.group": ("Holding group", "Холдинг"),
    "sidebar.all": ("All", "Все"),
    "sidebar.reset": ("Reset filters", "Сбросить фильтры"),
    "sidebar.copy_hint": (
        "The address bar holds this view: bookmark it or send it.",
        "Адресная строка хранит этот вид: сохраните её в закладки или отправьте.",
    ),
    "preset.mtd": ("Month to date", "С начала месяца"),
    "preset.qtd": ("Quarter to date", "С начала квартала"),
    "preset.ytd": ("Year to date", "С начала года"),
    "preset.last_quarter": ("Last quarter", "Прошлый квартал"),
    "preset.ttm": ("Trailing 12 months", "Последние 12 месяцев"),
    "preset.custom": ("Custom dates", "Свои даты"),
    "banner.data": (
        "Data folder `{folder}` · as of {as_of} · {exported}",
        "Папка данных `{folder}` · на дату {as_of} · {exported}",
    ),
    # when the data was exported, as the export says (`_export.json`), or else only when its
    # files were last modified: a copy or a clone resets that, so it is never called an export
    "export.stated": ("last export {moment}", "последняя выгрузка {moment}"),
    "export.files_modified": ("files modified {moment}", "файлы изменены {moment}"),
    "banner.warnings": (
        "The data has {count} warning(s): figures are shown, but check what was excluded.",
        "В данных {count} предупрежд.: показатели выводятся, но проверьте, что исключено.",
    ),
    "banner.open_data": ("Open the data checks", "Открыть проверку данных"),
    "banner.stale": (
        "A newer export in this folder cannot be shown yet ({verdict}); showing the previous "
        "version until it validates.",
        "Новую выгрузку в этой папке пока нельзя показать ({verdict}); показана предыдущая "
        "версия, пока новая не пройдёт проверку.",
    ),
    # -- sign-in and access ------------------------------------------------------------------
    "auth.demo": (
        "Open demo mode: no sign-in is configured, so everyone sees every account.",
        "Открытый демо-режим: вход не настроен, все видят всех клиентов.",
    ),
    "auth.sign_in_title": ("Sign in to kamdash", "Вход в kamdash"),
    "auth.sign_in_body": (
        "Key-account figures are confidential: sign in with your company account.",
        "Данные по ключевым клиентам конфиденциальны: войдите с корпоративной учётной записью.",
    ),
    "auth.sign_in": ("Sign in", "Войти"),
    "auth.sign_out": ("Sign out", "Выйти"),
    "auth.no_access_title": ("No access", "Нет доступа"),
    "auth.no_access_body": (
        "You are signed in as {email}, but this address has no role in kamdash. Ask your "
        "commercial director to add you.",
        "Вы вошли как {email}, но у этого адреса нет роли в kamdash. Попросите коммерческого "
        "директора добавить вас.",
    ),
    "auth.unverified_body": (
        "You are signed in as {email}, but your sign-in provider says this address has not "
        "been verified, and kamdash grants roles to verified addresses only. Confirm the "
        "address with your provider (or ask its administrator to), then sign out and in again.",
        "Вы вошли как {email}, но провайдер входа сообщает, что этот адрес не подтверждён, а "
        "kamdash даёт роли только подтверждённым адресам. Подтвердите адрес у провайдера (или "
        "попросите его администратора), затем выйдите и войдите снова.",
    ),
    "auth.signed_in": ("Signed in as {email} · {role}", "Вы вошли как {email} · {role}"),
    "auth.role.director": ("director: all accounts", "директор: все клиенты"),
    "auth.role.finance": ("finance: receivables, no margins", "финансы: дебиторка, без маржи"),
    "auth.role.kam": ("KAM: your accounts", "KAM: ваши клиенты"),
    "vs_prior_year": ("vs prior year", "к прошлому году"),
    "vs_plan": ("vs plan", "к плану"),
    "full_value": ("Full value: {value}", "Полное значение: {value}"),
    "compared_value": ("{compare}: {value}", "{compare}: {value}"),
    "formula": ("Formula: {formula}", "Формула: {formula}"),
    "period_caption": (
        "{period} · compared with {prior} · receivables as of {as_of}",
        "{period} · сравнение с {prior} · дебиторка на {as_of}",
    ),
    # -- notes about the URL -----------------------------------------------------------------
    "note.bad_date": (
        "Ignored `{param}={value}` from the link: dates are written YYYY-MM-DD.",
        "Параметр `{param}={value}` из ссылки пропущен: даты пишутся как ГГГГ-ММ-ДД.",
    ),
    "note.date_out_of_range": (
        "Ignored `{param}={value}` from the link: the date lies outside 1990–2100.",
        "Параметр `{param}={value}` из ссылки пропущен: дата вне 1990–2100.",
    ),
    "note.end_before_start": (
        "Ignored the period in the link: it ends ({end}) before it starts ({start}).",
        "Период из ссылки пропущен: он заканчивается ({end}) раньше начала ({start}).",
    ),
    "note.unknown_value": (
        "Ignored `{param}={value}` from the link: no such value in the data.",
        "Параметр `{param}={value}` из ссылки пропущен: такого значения нет в данных.",
    ),
    "note.unknown_account": (
        "Ignored `account={value}` from the link: no account with this id in the data.",
        "Параметр `account={value}` из ссылки пропущен: клиента с таким кодом нет в данных.",
    ),
    "note.bad_lang": (
        "Ignored `lang={value}` from the link: languages are en and ru.",
        "Параметр `lang={value}` из ссылки пропущен: языки — en и ru.",
    ),
    "note.bad_view": (
        "Ignored `view={value}` from the link: the one view is `brief` (the account page "
        "with the meeting brief first, as on a phone).",
        "Параметр `view={value}` из ссылки пропущен: есть только вид `brief` (страница "
        "клиента со справкой к встрече в начале, как на телефоне).",
    ),
    # -- empty states ------------------------------------------------------------------------
    "empty.no_accounts": (
        "No account matches these filters. Widen the view: clear the KAM, industry, region "
        "or holding filters in the sidebar (or press Reset filters).",
        "Ни один клиент не подходит под фильтры. Расширьте выборку: очистите фильтры KAM, "
        "отрасли, региона или холдинга на боковой панели (или нажмите «Сбросить фильтры»).",
    ),
    "empty.no_sales": (
        "No sales between {start} and {end} for this selection. Pick a longer period or "
        "another preset in the sidebar.",
        "Нет продаж с {start} по {end} в этой выборке. Выберите более длинный период или "
        "другой вариант на боковой панели.",
    ),
    "empty.no_open_items": (
        "Nothing is open at {as_of}: every document is paid.",
        "На {as_of} открытых документов нет: всё оплачено.",
    ),
    "empty.no_overdue": (
        "No overdue documents at {as_of}.",
        "На {as_of} просроченных документов нет.",
    ),
    "empty.no_over_limit": (
        "No account is over its credit limit at {as_of}.",
        "На {as_of} ни один клиент не превышает кредитный лимит.",
    ),
    "empty.no_risk": (
        "No account shows a warning sign in this period.",
        "В этом периоде ни у одного клиента нет тревожных признаков.",
    ),
    "empty.no_movers": (
        "No account changed revenue against the prior year.",
        "Ни у одного клиента выручка не изменилась к прошлому году.",
    ),
    "empty.no_bridge": (
        "Neither this period nor the prior year has sales, so there is nothing to bridge.",
        "Ни в этом периоде, ни год назад продаж нет — раскладывать нечего.",
    ),
    "empty.no_payments": (
        "No payments against documents in this range.",
        "За этот период нет оплат по документам.",
    ),
    "empty.no_kams": (
        "No KAM has accounts in this selection.",
        "В этой выборке нет KAM с клиентами.",
    ),
    # -- portfolio ---------------------------------------------------------------------------
    "portfolio.title": ("Portfolio", "Портфель клиентов"),
    "portfolio.accounts": ("Accounts", "Клиенты"),
    "portfolio.accounts_caption": (
        "Click a row to open the account; the ↗ column opens it in a new tab. "
        "Sort and search above the table apply to every account; a header click sorts "
        "only the page shown.",
        "Щёлкните строку, чтобы открыть клиента; колонка ↗ открывает его в новой вкладке. "
        "Сортировка и поиск над таблицей действуют на всех клиентов; щелчок по заголовку "
        "сортирует только показанную страницу.",
    ),
    "portfolio.concentration": ("Concentration", "Концентрация"),
    "portfolio.quadrant": ("Growth vs margin", "Рост и маржа"),
    "portfolio.quadrant_caption": (
        "Bubble size is revenue, colour is overdue %. Accounts without prior-year revenue "
        "(new) have no growth and are not plotted: {count}.",
        "Размер пузыря — выручка, цвет — доля просрочки. Клиенты без выручки год назад "
        "(новые) не имеют роста и не показаны: {count}.",
    ),
    "portfolio.movers": ("Movers", "Изменения"),
    "portfolio.gainers": ("Top gainers", "Больше всего выросли"),
    "portfolio.decliners": ("Top decliners", "Больше всего снизились"),
    "portfolio.at_risk": ("At risk", "Под угрозой"),
    "portfolio.at_risk_caption": (
        "Falling revenue, margin erosion or rising overdue against the prior year, or no "
        "order for {days} days before {as_of}.",
        "Падение выручки, снижение маржи или рост просрочки к прошлому году либо нет заказов "
        "{days} дней до {as_of}.",
    ),
    "risk.falling_revenue": ("Revenue {change} vs prior year", "Выручка {change} к прошлому году"),
    "risk.margin_erosion": ("GM % {change}", "Маржа {change}"),
    "risk.rising_overdue": ("Overdue % {change}", "Просрочка {change}"),
    "risk.no_orders": ("No order since {date}", "Нет заказов с {date}"),
    "risk.never_ordered": ("No order yet", "Заказов ещё не было"),
    "col.account": ("Account", "Клиент"),
    "col.open": ("Open", "Открыть"),
    "col.kam": ("KAM", "KAM"),
    "col.trend_12m": ("Revenue, 12 months", "Выручка, 12 мес."),
    "col.last_order": ("Last order", "Последний заказ"),
    "col.reasons": ("Why", "Причина"),
    "col.gm_pct_prior": ("GM %, prior year", "Маржа, % год назад"),
    "chart.pareto": (
        "Revenue by account and cumulative share",
        "Выручка по клиентам и накопленная доля",
    ),
    "chart.cumulative_share": ("Cumulative share", "Накопленная доля"),
    "chart.rank": ("Accounts by revenue", "Клиенты по выручке"),
    "chart.quadrant": ("Growth vs gross margin by account", "Рост и валовая маржа по клиентам"),
    "chart.as_of": ("as of {date}", "на {date}"),
    "chart.vs": ("{period} vs {prior}", "{period} и {prior}"),
    "chart.revenue_change": ("Revenue change vs prior year", "Изменение выручки к прошлому году"),
    # -- account -----------------------------------------------------------------------------
    "account.pick": ("Account", "Клиент"),
    "account.pick_help": (
        "Type part of the name in Cyrillic or Latin letters, or the account id.",
        "Введите часть названия кириллицей или латиницей либо код клиента.",
    ),
    "account.out_of_scope": (
        "This account is outside the sidebar filters; it is shown because the link names it.",
        "Клиент вне фильтров боковой панели; он показан, потому что указан в ссылке.",
    ),
    "account.holding": ("Holding", "Холдинг"),
    "account.industry": ("Industry", "Отрасль"),
    "account.region": ("Region", "Регион"),
    "account.kam": ("KAM", "KAM"),
    "account.terms": ("Payment terms", "Отсрочка платежа"),
    "account.prepaid": ("prepayment", "предоплата"),
    "account.credit_limit": ("Credit limit", "Кредитный лимит"),
    "account.no_limit": ("not set", "не задан"),
    "account.tenure": ("Client since", "Клиент с"),
    "account.unknown": ("unknown", "неизвестно"),
    "account.plan_caption": (
        "Plan for the period: revenue {revenue}, gross margin {margin}.",
        "План на период: выручка {revenue}, валовая маржа {margin}.",
    ),
    # for someone who may not see margins (finance): no margin word, not even a blank one
    "account.plan_caption_revenue": (
        "Plan for the period: revenue {revenue}.",
        "План на период: выручка {revenue}.",
    ),
    "account.no_plan": ("No plan is set for this period.", "План на этот период не задан."),
    "account.trend": ("Revenue and margin", "Выручка и маржа"),
    "account.mix": ("Product and category mix", "Структура по товарам и категориям"),
    "account.bridge": ("Price–volume–mix bridge", "Факторный анализ: цена, объём, структура"),
    "account.bridge_caption": (
        "From revenue of {prior} to revenue of {period}; each bar is one effect.",
        "От выручки за {prior} к выручке за {period}; каждый столбец — один фактор.",
    ),
    "account.receivables": ("Receivables", "Дебиторская задолженность"),
    "account.payment": ("Payment behaviour", "Платёжная дисциплина"),
    "account.credit_use": (
        "Credit limit use: {pct} of {limit}",
        "Использование лимита: {pct} от {limit}",
    ),
    "account.bridge_products": ("Effects by product", "Факторы по товарам"),
    # -- meeting brief (figures and sentences come from `kamdash.report.brief`) ---------------
    "brief.title": ("Meeting brief", "Справка к встрече"),
    "brief.counts": (
        "{issues} to raise · {points} talking points",
        "обсудить: {issues} · тезисов: {points}",
    ),
    "brief.caption": (
        "Built by fixed rules from the figures of {period} at {as_of}, compared with the "
        "previous period of the same length and with the prior-year period.",
        "Составлена по фиксированным правилам из показателей за {period} на {as_of} в "
        "сравнении с предыдущим периодом той же длины и с тем же периодом прошлого года.",
    ),
    "brief.changed": ("What changed", "Что изменилось"),
    "brief.raise": ("To raise", "Что обсудить"),
    "brief.whitespace": ("Whitespace", "Потенциал роста"),
    "brief.meeting": ("Before the meeting", "Перед встречей"),
    "brief.talking": ("Talking points", "Тезисы"),
    "brief.pvm": ("Price, volume, mix: {headline}", "Цена, объём, структура: {headline}"),
    "brief.up": ("Up: {products}", "Рост: {products}"),
    "brief.down": ("Down: {products}", "Снижение: {products}"),
    "brief.document": (
        "{doc} of {date}: {balance}, {days} past due",
        "{doc} от {date}: {balance}, просрочка {days}",
    ),
    "brief.more": ("… and {count} more", "… и ещё {count}"),
    "brief.none_raise": ("Nothing pressing to raise.", "Острых вопросов нет."),
    "brief.none_whitespace": (
        "No whitespace: the account buys what most of its active industry peers buy.",
        "Свободных ниш нет: клиент покупает то же, что и большинство клиентов отрасли.",
    ),
    "brief.none_talking": (
        "No figures in the period to talk about.",
        "В периоде нет показателей для тезисов.",
    ),
    "chart.trend": (
        "Revenue, gross margin and GM % by month",
        "Выручка, валовая маржа и маржа, % по месяцам",
    ),
    "chart.mix": ("Revenue by category", "Выручка по категориям"),
    "chart.bridge": (
        "Revenue bridge from the prior year to this period",
        "Мост выручки от прошлого года к этому периоду",
    ),
    "chart.aging": ("Open AR by age", "Дебиторка по срокам"),
    "chart.dso_trend": ("DSO at month ends", "DSO на конец месяца"),
    "chart.overdue_trend": ("Overdue % at month ends", "Доля просрочки на конец месяца"),
    "chart.payment": (
        "Days to pay and days late, by month of payment",
        "Дни до оплаты и дни просрочки по месяцу оплаты",
    ),
    "chart.period_now": ("This period", "Этот период"),
    "chart.period_prior": ("Prior year", "Прошлый год"),
    "chart.category": ("Category", "Категория"),
    "chart.base": ("Prior year", "Год назад"),
    "chart.current": ("This period", "Этот период"),
    "chart.measure": ("Measure", "Показатель"),
    "col.product": ("Product", "Товар"),
    "col.category": ("Category", "Категория"),
    "col.share_now": ("Share", "Доля"),
    "col.revenue_prior": ("Revenue, prior year", "Выручка год назад"),
    "col.share_prior": ("Share, prior year", "Доля год назад"),
    "col.document": ("Document", "Документ"),
    "col.doc_type": ("Type", "Тип"),
    "col.doc_date": ("Date", "Дата"),
    "col.due": ("Due", "Срок оплаты"),
    "col.days_past_due": ("Days past due", "Дней просрочки"),
    "col.amount_due": ("Amount", "Сумма"),
    "col.open_amount": ("Open amount", "Остаток"),
    "col.bucket": ("Age", "Срок"),
    "doc.invoice": ("invoice", "счёт"),
    "doc.credit_note": ("credit note", "корректировка"),
    "doc.unapplied_cash": ("unapplied cash", "нераспределённая оплата"),
    # -- receivables -------------------------------------------------------------------------
    "receivables.title": ("Receivables", "Дебиторская задолженность"),
    "receivables.aging": ("Aging", "Структура по срокам"),
    "receivables.by_account": ("By account", "По клиентам"),
    "receivables.by_account_caption": (
        "Accounts with open AR at {as_of}, most overdue first.",
        "Клиенты с задолженностью на {as_of}, сначала с наибольшей просрочкой.",
    ),
    "receivables.worklist": ("Collection worklist", "Список для взыскания"),
    "receivables.worklist_caption": (
        "Overdue documents with an open balance at {as_of}, longest overdue first; together "
        "{amount}.",
        "Просроченные документы с остатком на {as_of}, сначала самые давние; всего {amount}.",
    ),
    "receivables.over_limit": ("Over credit limit", "Превышение кредитного лимита"),
    # -- team --------------------------------------------------------------------------------
    # server-side tables (kamdash.ui.paged)
    "table.search": ("Search", "Поиск"),
    "table.search_placeholder": (
        "Name or id, in Cyrillic or Latin letters",
        "Название или код, кириллицей или латиницей",
    ),
    "table.sort": ("Sort by", "Сортировка"),
    "table.direction": ("Order", "Порядок"),
    "table.count": ("{first}–{last} of {total}", "{first}–{last} из {total}"),
    "table.page": ("Page (of {pages})", "Страница (из {pages})"),
    "export.parquet": ("Parquet", "Parquet"),
    "export.parquet_help": (
        "Every row of the table in its current order and search, as typed Parquet columns.",
        "Все строки таблицы в текущем порядке и с текущим поиском, типизированный Parquet.",
    ),
    # house accounts: served by no KAM
    "house.name": ("House accounts", "Клиенты без KAM"),
    "house.kam": ("— house —", "— без KAM —"),
    "house.split": ("Key and house accounts", "Ключевые клиенты и клиенты без KAM"),
    "house.split_caption": (
        "Key accounts have a KAM; house accounts are served by no KAM.",
        "У ключевых клиентов есть KAM; клиентов без KAM не ведёт никто.",
    ),
    "house.key": ("Key accounts", "Ключевые клиенты"),
    "house.share": ("{share} of revenue", "{share} выручки"),
    "house.promotion": ("House accounts to promote", "Кандидаты в ключевые клиенты"),
    "house.promotion_caption": (
        "House accounts that look like key accounts: revenue or growth in the top 10 % of "
        "the period's accounts, or new in a holding group that has a key account.",
        "Клиенты без KAM, похожие на ключевых: выручка или рост в верхних 10 % клиентов "
        "периода или новый клиент в холдинге, где есть ключевой клиент.",
    ),
    "promotion.top_revenue": ("revenue in the top 10 %", "выручка в верхних 10 %"),
    "promotion.top_growth": ("growth in the top 10 %", "рост в верхних 10 %"),
    "promotion.key_group": ("new in key group {group}", "новый в группе ключевого клиента {group}"),
    "empty.no_promotion": (
        "No house account looks like a key account in this period.",
        "В этом периоде нет клиентов без KAM, похожих на ключевых.",
    ),
    "account.search": ("Find an account", "Найти клиента"),
    "account.search_help": (
        "Type a few letters of the name (Cyrillic or Latin) or the id: the best 50 matches "
        "are offered.",
        "Введите несколько букв названия (кириллицей или латиницей) или код: будут "
        "предложены 50 лучших совпадений.",
    ),
    "chart.accounts_share": ("Share of accounts", "Доля клиентов"),
    "chart.other_accounts": ("Other accounts", "Прочие клиенты"),
    "portfolio.quadrant_top": (
        "The {top} largest accounts as points; the other {others} as shaded cells (darker = "
        "more accounts).",
        "{top} крупнейших клиентов — точками; остальные {others} — ячейками (темнее = больше "
        "клиентов).",
    ),
    "team.title": ("KAM team", "Команда KAM"),
    "team.caption": (
        "One row per key-account manager; the link opens that manager's portfolio. Meetings, "
        "coverage and pipeline appear when the data folder has the CRM's export.",
        "Строка на каждого менеджера; ссылка открывает его портфель. Встречи, охват ЛПР и "
        "воронка появляются, когда в папке данных есть выгрузка из CRM.",
    ),
    "team.portfolio_link": ("Portfolio", "Портфель"),
    "team.accounts": ("Accounts", "Клиентов"),
    "chart.team": ("Revenue and plan by KAM", "Выручка и план по KAM"),
    "chart.plan": ("Plan", "План"),
    # -- downloads ---------------------------------------------------------------------------
    "export.deck": ("QBR deck (.pptx)", "QBR-презентация (.pptx)"),
    "export.deck_help": (
        "A 16:9 business-review deck of this account for the period, in this language: "
        "KPIs, trend, mix, bridge, receivables, whitespace and talking points. Built when "
        "you click (a few seconds).",
        "Презентация бизнес-обзора клиента за период (16:9) на этом языке: показатели, "
        "динамика, структура, факторы, задолженность, потенциал и тезисы. Собирается по "
        "нажатию (несколько секунд).",
    ),
    "export.pdf": ("Meeting brief (PDF)", "Справка к встрече (PDF)"),
    "export.pdf_help": (
        "The meeting brief on one A4 page with KPIs and two charts, readable in black and "
        "white. Built when you click.",
        "Справка к встрече на одной странице A4 с показателями и двумя графиками, читается "
        "и в чёрно-белой печати. Собирается по нажатию.",
    ),
    "export.png": ("PNG", "PNG"),
    "export.png_help": (
        "The chart as a PNG image at twice the screen size, stamped with scope, period, "
        "as-of date and data export date.",
        "График в PNG с двойным разрешением; на изображении указаны охват, период, дата "
        "среза и дата выгрузки данных.",
    ),
    "export.svg": ("SVG", "SVG"),
    "export.svg_help": (
        "The chart as an SVG vector image with the same stamp; its text stays editable.",
        "График в векторном SVG с той же подписью; текст остаётся редактируемым.",
    ),
    "export.csv": ("CSV", "CSV"),
    "export.csv_help": (
        "The table as CSV (UTF-8, opens in Excel with Cyrillic intact), full precision.",
        "Таблица в CSV (UTF-8, Excel открывает кириллицу без искажений), полная точность.",
    ),
    "export.xlsx": ("Excel", "Excel"),
    "export.xlsx_help": (
        "The table as an Excel workbook: numbers stay numbers, with a sheet stating scope, "
        "period and metric definitions.",
        "Таблица в книге Excel: числа остаются числами, на отдельном листе — охват, период "
        "и определения показателей.",
    ),
    "export.all_accounts": ("All accounts", "Все клиенты"),
    "export.table": ("Table", "Таблица"),
    "export.chart": ("Chart", "График"),
    # -- data --------------------------------------------------------------------------------
    "data.title": ("Data checks", "Проверка данных"),
    "data.folder": ("Data folder", "Папка данных"),
    "data.fingerprint": ("Version", "Версия"),
    "verdict.valid": (
        "Valid: no errors, no warnings.",
        "Данные корректны: ошибок и предупреждений нет.",
    ),
    "verdict.warnings": (
        "Can be shown with {warnings} warning(s).",
        "Можно показывать; предупреждений: {warnings}.",
    ),
    "verdict.errors": (
        "Cannot be shown: {errors} error(s), {warnings} warning(s).",
        "Показать нельзя: ошибок — {errors}, предупреждений — {warnings}.",
    ),
    "data.findings": ("Findings", "Замечания"),
    "data.no_findings": ("No findings.", "Замечаний нет."),
    "data.conservation": ("Conservation of money", "Сохранение сумм"),
    "data.conservation_caption": (
        "For each money column: loaded = used in the figures + excluded by the findings.",
        "Для каждой денежной колонки: загружено = учтено в показателях + исключено замечаниями.",
    ),
    "data.tables": ("Tables", "Таблицы"),
    "data.restricted": (
        "You see the checks' verdicts only: example keys, files, row counts and money totals "
        "describe the whole export, other managers' accounts included. The full report is "
        "available to directors.",
        "Показаны только итоги проверок: примеры ключей, файлы, число строк и суммы относятся "
        "ко всей выгрузке, включая клиентов других менеджеров. Полный отчёт доступен "
        "руководителям.",
    ),
    "data.import": ("Imported from reports", "Импорт из отчётов"),
    "data.import_caption": (
        "This folder was written by kamdash import on {at} from {source}. Per file: rows and "
        "money read = written + rejected; totals rows and empty rows are skipped.",
        "Эта папка записана командой kamdash import {at} из {source}. По каждому файлу: "
        "прочитано = записано + отклонено (строки и суммы); строки итогов и пустые строки "
        "пропущены.",
    ),
    "data.import_mapping": ("Mapping used", "Использованное сопоставление"),
    "col.source_file": ("File", "Файл"),
    "col.rows_read": ("Rows read", "Прочитано строк"),
    "col.rows_written": ("Written", "Записано"),
    "col.rows_rejected": ("Rejected", "Отклонено"),
    "col.rows_skipped": ("Totals/empty rows", "Итоги/пустые"),
    "col.money_column": ("Money column", "Денежная колонка"),
    "col.money_read": ("Read", "Прочитано"),
    "col.money_written": ("Written", "Записано"),
    "col.money_rejected": ("Rejected", "Отклонено"),
    "data.glossary": ("Glossary", "Глоссарий"),
    "data.glossary_caption": (
        "Every figure in the app follows one of these definitions.",
        "Каждый показатель в приложении следует одному из этих определений.",
    ),
    "col.severity": ("Severity", "Уровень"),
    "col.table": ("Table", "Таблица"),
    "col.column": ("Column", "Колонка"),
    "col.rule": ("Rule", "Правило"),
    "col.rows": ("Rows", "Строк"),
    "col.message": ("Message", "Описание"),
    "col.unresolved": ("Unresolved values (rows)", "Ненайденные значения (строк)"),
    "data.more_values": ("{listed} and {count} more", "{listed} и ещё {count}"),
    "col.examples": ("Example keys", "Примеры ключей"),
    "col.files": ("Files", "Файлы"),
    "col.loaded": ("Loaded", "Загружено"),
    "col.used": ("In figures", "В показателях"),
    "col.excluded": ("Excluded", "Исключено"),
    "col.balanced": ("Balanced", "Сходится"),
    "col.location": ("Location", "Расположение"),
    "col.file_count": ("Files", "Файлов"),
    "col.first_date": ("First date", "Первая дата"),
    "col.last_date": ("Last date", "Последняя дата"),
    "col.measure": ("Measure", "Показатель"),
    "col.meaning": ("Meaning", "Смысл"),
    "col.formula": ("Formula", "Формула"),
    "severity.error": ("error", "ошибка"),
    "severity.warning": ("warning", "предупреждение"),
    # -- failures ----------------------------------------------------------------------------
    "error.invalid_title": (
        "The data folder cannot be shown",
        "Данные из папки нельзя показать",
    ),
    "error.invalid_body": (
        "The export in `{folder}` has errors that would make the figures wrong. Fix the "
        "rows listed below in the export (or the ERP/CRM query that writes it) and reload.",
        "В выгрузке `{folder}` есть ошибки, из-за которых показатели были бы неверны. "
        "Исправьте перечисленные ниже строки в выгрузке (или в запросе ERP/CRM) и обновите "
        "страницу.",
    ),
    # -- the first opening of a data version (validation and build) ---------------------------
    "preparing.title": (
        "Preparing this export for the first time: step {step} of {total}",
        "Первая подготовка этой выгрузки: шаг {step} из {total}",
    ),
    "preparing.detail": (
        "{step} · {seconds} s so far. This is done once per export: later pages open at once.",
        "{step} · прошло {seconds} с. Это делается один раз для выгрузки: дальше страницы "
        "открываются сразу.",
    ),
    "preparing.starting": (
        "Preparing this export for the first time",
        "Первая подготовка этой выгрузки",
    ),
    "preparing.opening": ("opening the export", "открытие выгрузки"),
    "preparing.files": ("checking the files and their columns", "проверка файлов и столбцов"),
    "preparing.values": ("checking every value", "проверка значений"),
    "preparing.partitions": ("checking the year folders", "проверка папок по годам"),
    "preparing.table": ("building the stored table {table}", "построение таблицы {table}"),
    "preparing.rules": (
        "checking the rules between tables and the money loaded",
        "проверка правил между таблицами и сверка денег",
    ),
    "preparing.summaries": ("counting each table's rows", "подсчёт строк таблиц"),
    "error.no_folder_title": ("No data to show", "Нет данных"),
    "error.ask_director": (
        "The data cannot be shown right now. The details are shown to directors; please "
        "ask one of them or your administrator.",
        "Данные сейчас нельзя показать. Подробности видны директорам — обратитесь к ним "
        "или к администратору.",
    ),
    "error.no_folder_body": (
        "{message}. Put the export there, or point the app at another folder with the "
        "environment variable `KAMDASH_DATA_DIR`.",
        "{message}. Положите выгрузку туда или укажите другую папку в переменной окружения "
        "`KAMDASH_DATA_DIR`.",
    ),
    "error.unexpected": (
        "Something went wrong while drawing this page. It has been logged; if it keeps "
        "happening, give your administrator the reference {reference}.",
        "При построении страницы произошла ошибка. Она записана в журнал; если ошибка "
        "повторяется, сообщите администратору номер {reference}.",
    ),
    "error.query": (
        "This view could not be computed: {message}",
        "Не удалось посчитать этот вид: {message}",
    ),
}


# the CRM side and the closing documents (contract v2): account page sections, receivables
STRINGS |= {
    "rel.section": ("Relationship", "Отношения"),
    "rel.caption": (
        "Who we know at the client, how they stand and when we last spoke to them; as of {date}.",
        "Кого мы знаем у клиента, как они к нам относятся и когда был последний контакт; "
        "на {date}.",
    ),
    "rel.no_crm": (
        "No CRM data: add contacts.parquet and activities.parquet (the CRM's export of contacts "
        "and meetings, calls and mails) to the data folder to see the stakeholder map here.",
        "Нет данных CRM: добавьте в папку данных contacts.parquet и activities.parquet "
        "(выгрузку контактов и встреч, звонков, писем из CRM), чтобы увидеть здесь карту "
        "контактов.",
    ),
    "rel.no_contacts": ("No contacts recorded for this client.", "Контакты клиента не заведены."),
    "rel.not_met": (
        "Decision makers nobody has met in the last 90 days: {names}",
        "ЛПР, с которыми никто не контактировал последние 90 дней: {names}",
    ),
    "rel.not_met_flag": ("⚠ not met in 90 days", "⚠ нет контакта 90 дней"),
    "rel.timeline": ("Activities per month", "Активности по месяцам"),
    "rel.no_activities": ("No activities in these months.", "Нет активностей за эти месяцы."),
    "rel.recent": ("Latest activities", "Последние активности"),
    "rel.count": ("Activities", "Активности"),
    "col.contact": ("Contact", "Контакт"),
    "col.job_title": ("Title", "Должность"),
    "col.buying_role": ("Role", "Роль"),
    "col.attitude": ("Attitude", "Отношение"),
    "col.last_touch": ("Last touch", "Последний контакт"),
    "col.touch_status": ("Status", "Статус"),
    "col.activity_date": ("Date", "Дата"),
    "col.activity_type": ("Type", "Тип"),
    "col.subject": ("Subject", "Тема"),
    "col.by": ("By", "Кто"),
    "role.decision_maker": ("Decision maker", "ЛПР"),
    "role.influencer": ("Influencer", "Влияющий"),
    "role.user": ("User", "Пользователь"),
    "role.gatekeeper": ("Gatekeeper", "Привратник"),
    "role.sponsor": ("Sponsor", "Спонсор"),
    "attitude.supporter": ("Supporter", "Сторонник"),
    "attitude.neutral": ("Neutral", "Нейтрален"),
    "attitude.detractor": ("Detractor", "Противник"),
    "activity.meeting": ("Meeting", "Встреча"),
    "activity.call": ("Call", "Звонок"),
    "activity.email": ("E-mail", "Письмо"),
    "activity.qbr": ("QBR", "QBR"),
    "activity.visit": ("Visit", "Визит"),
    "contact.left": ("left", "ушёл"),
    "pipe.section": ("Pipeline", "Воронка"),
    "pipe.caption": (
        "Opportunities open on {date}, and those won or lost in the period.",
        "Возможности, открытые на {date}, и выигранные или проигранные в периоде.",
    ),
    "pipe.no_data": (
        "No pipeline data: add opportunities.parquet (the CRM's export of upsell and cross-sell "
        "opportunities) to the data folder to see the pipeline here.",
        "Нет данных о воронке: добавьте в папку данных opportunities.parquet (выгрузку "
        "возможностей допродаж из CRM), чтобы увидеть здесь воронку.",
    ),
    "pipe.none": (
        "No open, won or lost opportunities.",
        "Нет открытых, выигранных или проигранных возможностей.",
    ),
    "pipe.whitespace": (
        "Whitespace estimate (median spend of industry peers on {count} categories this client "
        "does not buy): {amount}",
        "Оценка незанятого потенциала (медианные закупки клиентов отрасли по {count} "
        "категориям, которые клиент не покупает): {amount}",
    ),
    "col.stage": ("Stage", "Стадия"),
    "col.status": ("Status", "Статус"),
    "col.category": ("Category", "Категория"),
    "col.amount": ("Amount", "Сумма"),
    "col.probability": ("Probability", "Вероятность"),
    "col.weighted": ("Weighted", "Взвешенно"),
    "col.expected_close": ("Expected close", "Ожидаемое закрытие"),
    "col.closed_on": ("Closed", "Закрыта"),
    "stage.qualify": ("Qualify", "Квалификация"),
    "stage.propose": ("Propose", "Предложение"),
    "stage.negotiate": ("Negotiate", "Переговоры"),
    "stage.won": ("Won", "Выиграна"),
    "stage.lost": ("Lost", "Проиграна"),
    "status.open": ("Open", "Открыта"),
    "status.won": ("Won", "Выиграна"),
    "status.lost": ("Lost", "Проиграна"),
    "close.section": ("Closing documents", "Закрывающие документы"),
    "close.caption": (
        "Acts and УПД the client has not signed back on {date}, oldest first.",
        "Акты и УПД, не возвращённые клиентом подписанными на {date}, сначала самые старые.",
    ),
    "close.no_data": (
        "No closing documents: add closing_documents.parquet (the ERP or e-document exchange's "
        "export of acts and УПД) to the data folder to see what clients must sign.",
        "Нет закрывающих документов: добавьте в папку данных closing_documents.parquet "
        "(выгрузку актов и УПД из ERP или ЭДО), чтобы видеть, что клиенты должны подписать.",
    ),
    "close.none": ("Every closing document is signed.", "Все закрывающие документы подписаны."),
    "close.aging": ("Unsigned by days", "Неподписанные по давности"),
    "close.portfolio_caption": (
        "Acts and УПД not signed back on {date}: their amount by days unsigned, the share "
        "signed within 5 days by month of issue, and the documents, oldest first.",
        "Акты и УПД, не возвращённые подписанными на {date}: сумма по давности, доля "
        "подписанных в течение 5 дней по месяцам выставления и сами документы, старые первыми.",
    ),
    "close.no_issued": (
        "No closing documents issued in these months.",
        "За эти месяцы закрывающие документы не выставлялись.",
    ),
    "close.trend": ("Signed within 5 days", "Подписано в течение 5 дней"),
    "col.closing_doc": ("Document", "Документ"),
    "col.doc_kind": ("Kind", "Вид"),
    "col.issued_on": ("Issued", "Выставлен"),
    "col.days_unsigned": ("Days unsigned", "Дней без подписи"),
    "col.via_edo": ("ЭДО", "ЭДО"),
    "col.invoice": ("Invoice", "Счёт"),
    "doc_kind.act": ("Act", "Акт"),
    "doc_kind.upd": ("УПД", "УПД"),
    "doc_kind.waybill": ("Waybill", "Накладная"),
    "renewal.ends": ("Contract ends {date}", "Договор до {date}"),
    "landing.vs_plan": ("vs plan {year}", "к плану {year}"),
    "risk.no_meeting": ("no meeting for {days} days", "нет встреч {days} дн."),
    "risk.never_met": ("no meeting on record", "встреч не было"),
    "risk.single_thread": (
        "single-threaded: one contact in 90 days",
        "один контакт за 90 дней",
    ),
    "risk.contract_renewal": (
        "renewal due (contract ends {date})",
        "пора продлевать (договор до {date})",
    ),
    "risk.detractor": ("a decision maker is a detractor", "ЛПР настроен против нас"),
    "renewal.due": ("renewal due", "пора продлевать"),
    "renewal.expired": ("expired, still invoiced", "истёк, отгрузки продолжаются"),
}


def t(key: str, lang: Language, **values: object) -> str:
    """The text of `key` in `lang`, with `{name}` fields filled from `values`."""
    english, russian = STRINGS[key]
    text = russian if lang == "ru" else english
    return text.format(**values) if values else text
