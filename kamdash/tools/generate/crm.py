"""The CRM side of the export (contract v2): the key accounts' contacts, the KAMs' activities
with them and the upsell / cross-sell opportunities.

- Contacts: 3–12 per key account (more at larger ones): the general director, then titles drawn
  from the usual buying centre (директор по закупкам, главный инженер, финансовый директор …),
  each with the buying roles its title plays; attitudes turn sour on declining and churned
  accounts; some people have left (`active` false). One of them is the KAM's main contact;
  on about one account in seven the KAM talks to no one else (single-threaded).
- Activities: a few a month per key account, within what a KAM can do in a month across
  their book; twice as many in the three months before each yearly renewal of the contract,
  fewer in a churning account's last half year and next to none after it left, a dip in
  January and August. A person who left is not met after they left.
- Opportunities: about one to two a year per key account, open ones in every stage; the
  closed ones won at a rate that depends on the industry (IT highest, Retail lowest) and on
  how the account is doing; a churned account's open deals were lost.

House accounts have no CRM rows: no KAM keeps in touch with them. Everything draws from the
run's `crm_rng` after the transactions, so the v1 tables stay as they were.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from kamdash.data.contract import ATTITUDES, BUYING_ROLES
from kamdash.tools.generate.catalogue import CATEGORY_AFFINITY, INDUSTRIES
from kamdash.tools.generate.context import BoolArray, DateArray, IntArray, Run
from kamdash.tools.generate.names import KAM_TEAM, person_names
from kamdash.tools.generate.portfolio import Portfolio
from kamdash.tools.generate.storage import money, numbered_ids

_DECISION_MAKER = BUYING_ROLES.index("decision_maker")

_GENERAL_DIRECTOR = "Генеральный директор"
# (title, how likely a CRM holds such a person, the shares of the buying roles the title plays
# in the contract's order: decision maker, influencer, user, gatekeeper, sponsor)
_TITLES: tuple[tuple[str, float, tuple[float, float, float, float, float]], ...] = (
    ("Директор по закупкам", 5.0, (0.6, 0.4, 0.0, 0.0, 0.0)),
    ("Финансовый директор", 3.0, (0.7, 0.2, 0.0, 0.0, 0.1)),
    ("Коммерческий директор", 2.0, (0.5, 0.3, 0.0, 0.0, 0.2)),
    ("Технический директор", 2.0, (0.5, 0.4, 0.0, 0.0, 0.1)),
    ("Главный инженер", 3.0, (0.1, 0.7, 0.2, 0.0, 0.0)),
    ("Начальник отдела закупок", 4.0, (0.1, 0.7, 0.2, 0.0, 0.0)),
    ("Руководитель службы снабжения", 2.0, (0.1, 0.6, 0.3, 0.0, 0.0)),
    ("Заместитель генерального директора", 1.5, (0.3, 0.2, 0.0, 0.0, 0.5)),
    ("Менеджер по закупкам", 4.0, (0.0, 0.2, 0.8, 0.0, 0.0)),
    ("Начальник склада", 2.0, (0.0, 0.2, 0.8, 0.0, 0.0)),
    ("Инженер по охране труда", 1.5, (0.0, 0.3, 0.7, 0.0, 0.0)),
    ("Главный бухгалтер", 2.5, (0.0, 0.1, 0.0, 0.9, 0.0)),
    ("Помощник генерального директора", 1.5, (0.0, 0.0, 0.0, 1.0, 0.0)),
    ("Офис-менеджер", 1.5, (0.0, 0.0, 0.3, 0.7, 0.0)),
    ("ИТ-директор", 1.0, (0.3, 0.6, 0.0, 0.0, 0.1)),
    ("Начальник производства", 1.5, (0.1, 0.6, 0.3, 0.0, 0.0)),
)
_MIN_CONTACTS, _MAX_CONTACTS = 3, 12
# supporter, neutral, detractor, not recorded
_ATTITUDE_HEALTHY = np.array([0.42, 0.40, 0.10, 0.08])
_ATTITUDE_TROUBLED = np.array([0.22, 0.38, 0.30, 0.10])
_LEFT_SHARE = 0.08
_LEFT_SHARE_CHURNED = 0.25
_SINGLE_THREADED_SHARE = 0.15
_MAIN_CONTACT_SHARE = 0.45  # of a multi-threaded account's activities
_NO_CONTACT_SHARE = 0.08  # a mail to the general mailbox, a call to the switchboard

# activities a month at an average key account, and what one KAM manages in a month
_ACTIVITIES_PER_MONTH = 2.4
_KAM_ACTIVITIES_PER_MONTH = 70.0
# each yearly renewal's month and the three before it (its 90 days fall in them)
_RENEWAL_MONTHS = 3
_RENEWAL_BOOST = 2.0
_CHURNING = 0.35  # a churned account's last six months of orders
_ACTIVITY_MONTH = np.array([0.6, 1.0, 1.05, 1.05, 0.9, 1.0, 0.95, 0.8, 1.1, 1.1, 1.1, 1.0])
_ACTIVITY_TYPES = ("meeting", "call", "email", "qbr", "visit")
_TYPE_SHARES = np.array([0.22, 0.36, 0.27, 0.05, 0.10])
_TYPE_SHARES_RENEWAL = np.array([0.32, 0.30, 0.18, 0.08, 0.12])
_COLLEAGUE_SHARE = 0.07  # a colleague's activity (the head of sales, a KAM standing in)
_NO_KAM_SHARE = 0.02
_NO_SUBJECT_SHARE = 0.05
_SUBJECTS: dict[str, tuple[str, ...]] = {
    "meeting": (
        "Обсуждение условий поставки",
        "Презентация новой продуктовой линейки",
        "Согласование спецификации к договору",
        "Встреча с закупками: объёмы на квартал",
    ),
    "call": (
        "Согласование графика отгрузок",
        "Уточнение по оплате счёта",
        "Статус заявки",
        "Возврат подписанных актов",
    ),
    "email": (
        "Коммерческое предложение",
        "Акт сверки взаиморасчётов",
        "Счёт и УПД за месяц",
        "Прайс-лист & условия <акции> на квартал",
    ),
    "qbr": ("QBR: итоги квартала и планы", "Квартальный обзор с руководством"),
    "visit": ("Визит на склад клиента", "Посещение производства", "Аудит условий хранения"),
}
_RENEWAL_SUBJECT = "Продление договора поставки"

# won / (won + lost) by industry; the account's course moves it
_WIN_RATE: dict[str, float] = {
    "IT": 0.36,
    "Pharma": 0.31,
    "Manufacturing": 0.28,
    "Finance": 0.25,
    "Logistics": 0.22,
    "Retail": 0.18,
}
_WIN_RATE_SHIFT: dict[str, float] = {
    "growing": 0.10,
    "new": 0.05,
    "stable": 0.0,
    "declining": -0.08,
    "churned": -0.15,
}
_OPPORTUNITIES_PER_YEAR: dict[str, float] = {
    "growing": 3.0,
    "new": 3.5,
    "stable": 2.2,
    "declining": 1.6,
    "churned": 1.4,
}
_STAGE_DEFAULT = np.array([0.1, 0.3, 0.6, 1.0, 0.0])  # qualify … lost, as the contract's
_STAGES = ("qualify", "propose", "negotiate", "won", "lost")
_PROBABILITY_GIVEN_SHARE = 0.35


@dataclass(frozen=True)
class CrmTables:
    contacts: dict[str, Any]
    activities: dict[str, Any]
    opportunities: dict[str, Any]


def crm_tables(run: Run, p: Portfolio, contract_end: list[dt.date | None]) -> CrmTables:
    """The three CRM tables of the key accounts (columns by contract name)."""
    key = np.flatnonzero(~p.is_house)
    contacts, people = _contacts(run, p, key)
    return CrmTables(
        contacts=contacts,
        activities=_activities(run, p, key, people, contract_end),
        opportunities=_opportunities(run, p, key),
    )


@dataclass(frozen=True)
class _People:
    """Where each key account's contacts are (contiguous, account by account) and who they are."""

    first: IntArray  # per key account: its first contact's row
    count: IntArray  # per key account: how many contacts
    main: IntArray  # per key account: the row of the KAM's main contact
    single_threaded: BoolArray  # per key account
    left_month: IntArray  # per contact: the month they left (past the end if still there)
    ids: pa.Array  # per contact: contact_id


def _row_draw(rng: np.random.Generator, shares: np.ndarray, count: int) -> IntArray:
    """`count` draws from the categorical `shares` (one row of shares, or one row per draw)."""
    cumulative = np.cumsum(shares, axis=-1)
    cumulative = cumulative / cumulative[..., -1:]
    u = rng.random(count)
    if cumulative.ndim == 1:
        return np.searchsorted(cumulative, u, side="right").clip(0, len(cumulative) - 1)
    return (u[:, None] >= cumulative).sum(axis=1).clip(0, cumulative.shape[1] - 1)


def _trajectory_is(p: Portfolio, key: IntArray, *kinds: str) -> BoolArray:
    return np.array([p.trajectory[i] in kinds for i in key], dtype=bool)


def _contacts(run: Run, p: Portfolio, key: IntArray) -> tuple[dict[str, Any], _People]:
    rng = run.crm_rng
    accounts = len(key)
    titles = len(_TITLES)
    extra = rng.poisson(1.5 + 1.8 * np.log1p(p.size[key]))
    count = np.clip(_MIN_CONTACTS + extra, _MIN_CONTACTS, _MAX_CONTACTS).astype(np.int64)
    # the general director, then the others drawn without replacement, weighted by how often
    # a CRM holds such a person (the largest u^(1/w) of each row)
    weights = np.array([w for _, w, _ in _TITLES])
    scores = rng.random((accounts, titles)) ** (1.0 / weights)
    picked = np.argsort(-scores, axis=1, kind="stable")
    keep = np.arange(titles)[None, :] < (count - 1)[:, None]
    others = picked[keep]  # row-major: account by account
    rows = int(count.sum())
    first = np.cumsum(count) - count
    is_director = np.zeros(rows, dtype=bool)
    is_director[first] = True
    title_index = np.full(rows, -1, dtype=np.int64)
    title_index[~is_director] = others
    title_names = pa.array([_GENERAL_DIRECTOR, *(t for t, _, _ in _TITLES)], type=pa.string())
    role_shares = np.array([shares for _, _, shares in _TITLES])
    role = np.full(rows, _DECISION_MAKER, dtype=np.int64)
    role[~is_director] = _row_draw(rng, role_shares[others], len(others))

    owner = np.repeat(np.arange(accounts), count)
    troubled = _trajectory_is(p, key, "declining", "churned")
    attitude_shares = np.where(troubled[owner][:, None], _ATTITUDE_TROUBLED, _ATTITUDE_HEALTHY)
    attitude = _row_draw(rng, attitude_shares, rows)
    churned = _trajectory_is(p, key, "churned")
    left = rng.random(rows) < np.where(churned[owner], _LEFT_SHARE_CHURNED, _LEFT_SHARE)
    main = first + 1  # the first title drawn: mostly procurement, the KAM's day-to-day contact
    left[main] = False
    months = run.n_months
    left_month = np.where(
        left, rng.integers(min(6, months - 1), max(7, months - 2), rows), months
    ).clip(0, months)

    ids = numbered_ids("CT-", 1, rows, max(6, len(str(rows))))
    columns = {
        "contact_id": ids,
        "account_id": pa.array(p.ids, type=pa.string()).take(pa.array(key[owner])),
        "full_name": person_names(rng, rows),
        "job_title": title_names.take(pa.array(title_index + 1)),
        "buying_role": pa.array(BUYING_ROLES, type=pa.string()).take(pa.array(role)),
        "attitude": pa.array([*ATTITUDES, None], type=pa.string()).take(pa.array(attitude)),
        "active": pa.array(~left),
    }
    people = _People(
        first=first,
        count=count,
        main=main,
        single_threaded=rng.random(accounts) < _SINGLE_THREADED_SHARE,
        left_month=left_month,
        ids=ids,
    )
    return columns, people


def _business_day_picker(run: Run) -> tuple[DateArray, IntArray, IntArray]:
    """Every business day of the span with each month's first position and count."""
    days = [run.month_business_days[m] for m in range(run.n_months)]
    counts = np.array([len(d) for d in days], dtype=np.int64)
    flat = np.concatenate(days) if days else np.zeros(0, dtype="datetime64[D]")
    return flat, np.cumsum(counts) - counts, counts


def _month_of(run: Run, days: list[dt.date | None], fallback: int) -> IntArray:
    """Month index of each date relative to the span's first month (`fallback` for none)."""
    months = np.array(
        [np.datetime64(d, "M") if d is not None else np.datetime64("NaT", "M") for d in days]
    )
    index = (months - run.months[0]).astype(np.int64)
    return np.where(np.isnat(months), fallback, index)


def _activities(
    run: Run,
    p: Portfolio,
    key: IntArray,
    people: _People,
    contract_end: list[dt.date | None],
) -> dict[str, Any]:
    rng = run.crm_rng
    months = run.n_months
    index = np.arange(months)
    base = _ACTIVITIES_PER_MONTH * np.clip(p.size[key], 0.2, 20.0) ** 0.25
    # a KAM's month has room for so many: a large book gets less attention per account
    kam = p.kam_index[key]
    book = np.bincount(kam, weights=base, minlength=run.n_kams)
    base = base * np.minimum(1.0, _KAM_ACTIVITIES_PER_MONTH / np.maximum(book, 1e-9))[kam]

    first_month, last_month = p.first_month[key], p.last_month[key]
    churned = _trajectory_is(p, key, "churned")
    declining = _trajectory_is(p, key, "declining")
    new = _trajectory_is(p, key, "new")
    # courting a new account starts two months before its first order; a churned one gets a
    # last call or two in the two months after its last
    begin = np.where(first_month > 0, np.maximum(0, first_month - 2), 0)
    stop = np.where(churned, last_month + 2, months - 1)
    rate = np.where(
        (index[None, :] >= begin[:, None]) & (index[None, :] <= stop[:, None]), base[:, None], 0.0
    )
    rate = rate * np.where(declining, 0.75, 1.0)[:, None] * np.where(new, 1.3, 1.0)[:, None]
    ends = _month_of(run, [contract_end[i] for i in key], fallback=-(10**6))
    # the contracts run a year at a time: each year's renewal falls in the end date's month
    before_renewal = ((ends[:, None] - index[None, :]) % 12 <= _RENEWAL_MONTHS) & (
        ends[:, None] > -(10**5)
    )
    churning = churned[:, None] & (index[None, :] > last_month[:, None] - 6)
    after = churned[:, None] & (index[None, :] > last_month[:, None])
    rate = np.where(before_renewal & ~churning, rate * _RENEWAL_BOOST, rate)
    rate = np.where(churning, rate * _CHURNING, rate)
    rate = np.where(after, rate * 0.3, rate)
    month_of_year = run.months.astype(np.int64) % 12
    rate = rate * _ACTIVITY_MONTH[month_of_year][None, :]
    business_days = np.array([len(run.month_business_days[m]) for m in index])
    rate = rate * (business_days > 0)[None, :]

    counts = rng.poisson(rate)
    owner = np.repeat(np.repeat(np.arange(len(key)), months), counts.reshape(-1))
    month = np.repeat(np.tile(index, len(key)), counts.reshape(-1))
    total = len(owner)
    flat_days, day_first, day_count = _business_day_picker(run)
    day = flat_days[day_first[month] + (rng.random(total) * day_count[month]).astype(np.int64)]

    renewal = before_renewal[owner, month] & ~churning[owner, month]
    kind = np.where(
        renewal,
        _row_draw(rng, _TYPE_SHARES_RENEWAL, total),
        _row_draw(rng, _TYPE_SHARES, total),
    )
    # whom: the main contact, or anyone of the account's; a single thread only the main one
    anyone = people.first[owner] + (rng.random(total) * people.count[owner]).astype(np.int64)
    main_share = np.where(people.single_threaded[owner], 1.0, _MAIN_CONTACT_SHARE)
    contact = np.where(rng.random(total) < main_share, people.main[owner], anyone)
    contact = np.where(month >= people.left_month[contact], people.main[owner], contact)
    no_contact = rng.random(total) < _NO_CONTACT_SHARE
    # who: the account's KAM, now and then a colleague, rarely not recorded
    colleague = (kam[owner] + rng.integers(1, max(2, run.n_kams), total)) % run.n_kams
    who_draw = rng.random(total)
    who = np.where(who_draw < _COLLEAGUE_SHARE, colleague, kam[owner])
    no_kam = who_draw > 1 - _NO_KAM_SHARE
    subject_pick = rng.random(total)
    no_subject = rng.random(total) < _NO_SUBJECT_SHARE
    renewal_subject = renewal & np.isin(kind, (0, 1)) & (rng.random(total) < 0.5)

    order = np.lexsort((kind, owner, day))
    owner, day, kind, contact, who = (
        owner[order],
        day[order],
        kind[order],
        contact[order],
        who[order],
    )
    no_contact, no_kam, subject_pick = no_contact[order], no_kam[order], subject_pick[order]
    no_subject, renewal_subject = no_subject[order], renewal_subject[order]

    subjects = [_RENEWAL_SUBJECT]
    subject_first = []
    for name in _ACTIVITY_TYPES:
        subject_first.append(len(subjects))
        subjects.extend(_SUBJECTS[name])
    subject_counts = np.array([len(_SUBJECTS[name]) for name in _ACTIVITY_TYPES])
    subject = np.array(subject_first)[kind] + (subject_pick * subject_counts[kind]).astype(np.int64)
    subject = np.where(renewal_subject, 0, subject)
    kam_ids = pa.array([kam_id for kam_id, _, _ in KAM_TEAM[: run.n_kams]], type=pa.string())
    return {
        "activity_id": numbered_ids("EV-", 1, total, max(6, len(str(total)))),
        "account_id": pa.array(p.ids, type=pa.string()).take(pa.array(key[owner])),
        "contact_id": people.ids.take(pa.array(contact, mask=no_contact)),
        "kam_id": kam_ids.take(pa.array(who, mask=no_kam)),
        "activity_date": pa.array(day),
        "activity_type": pa.array(_ACTIVITY_TYPES, type=pa.string()).take(pa.array(kind)),
        "subject": pa.array(subjects, type=pa.string()).take(pa.array(subject, mask=no_subject)),
    }


def _opportunities(run: Run, p: Portfolio, key: IntArray) -> dict[str, Any]:
    rng = run.crm_rng
    trajectory = [p.trajectory[i] for i in key]
    first_month = p.first_month[key]
    # a churned account's last deals were opened a few months before its last order
    last_month = np.where(
        _trajectory_is(p, key, "churned"),
        np.maximum(first_month, p.last_month[key] - 2),
        p.last_month[key],
    )
    active_years = (last_month - first_month + 1) / 12
    per_year = np.array([_OPPORTUNITIES_PER_YEAR[t] for t in trajectory])
    expected = per_year * np.clip(p.size[key], 0.2, 20.0) ** 0.2 * active_years
    count = rng.poisson(expected)
    owner = np.repeat(np.arange(len(key)), count)
    total = len(owner)
    month = first_month[owner] + (rng.random(total) * (last_month - first_month + 1)[owner]).astype(
        np.int64
    )
    flat_days, day_first, day_count = _business_day_picker(run)
    safe = np.maximum(day_count[month], 1)
    created = flat_days[
        np.minimum(
            day_first[month] + (rng.random(total) * safe).astype(np.int64), len(flat_days) - 1
        )
    ]
    cycle = np.clip(np.rint(rng.lognormal(np.log(90), 0.5, total)), 14, 365).astype(np.int64)
    expected_close = created + cycle.astype("timedelta64[D]")
    # deals slip: the decision comes a little later than hoped, more often than earlier
    decided_days = np.maximum(7, np.rint(cycle * rng.lognormal(0.15, 0.35, total)))
    decided = created + decided_days.astype(np.int64).astype("timedelta64[D]")

    industry = np.array([INDUSTRIES.index(p.industries[i]) for i in key], dtype=np.int64)[owner]
    win_rate = (
        np.array([_WIN_RATE[name] for name in INDUSTRIES])[industry]
        + np.array([_WIN_RATE_SHIFT[t] for t in trajectory])[owner]
    )
    won = rng.random(total) < np.clip(win_rate, 0.02, 0.9)
    closed = decided <= run.end
    churned = _trajectory_is(p, key, "churned")[owner]
    # a churned account's deals still open at the end were lost when it left
    left_on = run.months[np.minimum(p.last_month[key][owner] + 2, run.n_months - 1)].astype(
        "datetime64[D]"
    )
    lost_on_leaving = churned & (decided > left_on)
    closed_on = np.where(
        lost_on_leaving, np.maximum(created, np.minimum(left_on, run.end)), decided
    )
    closed = closed | lost_on_leaving
    won = won & ~lost_on_leaving
    progress = (run.end - created).astype(np.int64) / decided_days
    open_stage = np.where(progress < 0.35, 0, np.where(progress < 0.7, 1, 2))
    stage = np.where(closed, np.where(won, 3, 4), open_stage)

    default = _STAGE_DEFAULT[stage]
    jitter = rng.choice(np.array([-0.1, -0.05, 0.0, 0.05, 0.1]), total)
    given = np.where(closed, default, np.clip(np.round(default + jitter, 2), 0.05, 0.95))
    probability_given = rng.random(total) < _PROBABILITY_GIVEN_SHARE

    categories = list(CATEGORY_AFFINITY[INDUSTRIES[0]])
    affinity = np.array([[CATEGORY_AFFINITY[name][c] for c in categories] for name in INDUSTRIES])
    category = _row_draw(rng, affinity[industry], total)
    roubles = np.clip(p.size[key][owner], 0.2, 20.0) ** 0.7 * rng.lognormal(
        np.log(400_000), 0.9, total
    )
    amount_kopecks = np.maximum(50_000, np.rint(roubles / 10_000) * 10_000).astype(np.int64) * 100

    order = np.lexsort((owner, created))
    return {
        "opportunity_id": numbered_ids("OPP-", 1, total, max(5, len(str(total)))),
        "account_id": pa.array(p.ids, type=pa.string()).take(pa.array(key[owner[order]])),
        "category": pa.array(categories, type=pa.string()).take(pa.array(category[order])),
        "amount": money(amount_kopecks[order]),
        "stage": pa.array(_STAGES, type=pa.string()).take(pa.array(stage[order])),
        "probability": pa.array(given[order], mask=~probability_given[order]),
        "created_on": pa.array(created[order]),
        "expected_close_on": pa.array(expected_close[order]),
        "closed_on": pa.array(closed_on[order], mask=~closed[order]),
    }
