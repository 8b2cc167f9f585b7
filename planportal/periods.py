"""A notice period counted as the law counts it (城乡规划法 Art. 26; 民法典 Arts. 201, 203): the
consultation (公示, consultation/periods.py) and the publication of the approved plan (批后公布,
planportal/phases.py) count their days alike.

- The notice starts at some moment (``opens_at``). The day it starts is not counted: the first
  day is the next day, in China time (Asia/Shanghai), whatever the server's time zone.
- The period lasts at least 30 days; its last day ends at 24:00 China time, so ``closes_at`` is
  the next day's 00:00 and the consultation is open while ``opens_at <= now < closes_at``.
- A last day that falls on a statutory rest day (法定休假日: the public holidays and the weekends
  that are rest days, but not the 调休 weekends that are working days) moves to the next
  working day.

Holidays and working days come from the package ``chinese-calendar``, which knows the State
Council's arrangement of each year it was released for and raises NotImplementedError for any
other year. For such a year we do not refuse (a consultation announced in December for January
must not wait for the next release): we fall back to Saturdays, Sundays and the fixed-date
holidays of 《全国年节及纪念日放假办法》 (1 January, 1–2 May, 1–3 October) and say so in a warning
that the admin form and the demo loader show. The fallback never ends a period on a weekend,
and it cannot know 春节, 清明, 端午, 中秋 or the 调休 arrangement: update the package
(``pip install -U chinese-calendar`` and its pin) once the State Council has published the year,
then run ``manage.py check_periods`` to find periods that now end too early.

For a consultation the database guarantees the calendar floor only (``closes_at`` at or after
the start of the 31st day after the opening date, ``CalendarFloor`` in consultation/periods.py);
the holiday rule is checked by ``Consultation.clean`` and computed by the admin form and the
demo loader.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib.metadata import version
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext as _

CHINA = ZoneInfo("Asia/Shanghai")
# 城乡规划法 Art. 26: 公告的时间不得少于三十日.
MINIMUM_DAYS = 30
# Fixed-date statutory holidays (全国年节及纪念日放假办法, 2024 revision), as (month, day): the
# only holidays known without the State Council's yearly arrangement.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def china_date(moment: datetime) -> date:
    """The calendar date of ``moment`` in China."""
    return moment.astimezone(CHINA).date()


def start_of_day(day: date) -> datetime:
    """00:00 China time of ``day``, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=CHINA)


def calendar_floor(opens_at: datetime, days: int = MINIMUM_DAYS) -> datetime:
    """The earliest close without the holiday rule: 24:00 of the ``days``-th day after the
    opening date (the opening date itself is not counted, 民法典 Art. 201)."""
    return start_of_day(china_date(opens_at) + timedelta(days=days + 1))


def holiday_calendar_version() -> str:
    return version("chinese-calendar")


@dataclass(frozen=True)
class RestDay:
    """Whether a day is a statutory rest day, and whether the holiday calendar knew its year."""

    is_rest: bool
    known: bool


def rest_day(day: date) -> RestDay:
    try:
        return RestDay(is_rest=chinese_calendar.is_holiday(day), known=True)
    except NotImplementedError:
        # A year the calendar does not cover: weekends and fixed-date holidays only.
        fixed = (day.month, day.day) in FIXED_HOLIDAYS
        return RestDay(is_rest=day.weekday() >= 5 or fixed, known=False)


@dataclass(frozen=True)
class Period:
    opens_at: datetime
    days: int
    # The ``days``-th day after the opening date, and the last day after moving it past rest
    # days (the same when nothing moved).
    nominal_last_day: date
    last_day: date
    warnings: tuple[str, ...] = field(default=())

    @property
    def first_day(self) -> date:
        return china_date(self.opens_at) + timedelta(days=1)

    @property
    def closes_at(self) -> datetime:
        """24:00 China time of the last day, that is 00:00 of the day after."""
        return start_of_day(self.last_day + timedelta(days=1))

    @property
    def extended(self) -> bool:
        return self.last_day != self.nominal_last_day


def lawful_period(opens_at: datetime, days: int = MINIMUM_DAYS) -> Period:
    """The period of a notice that starts at ``opens_at`` and lasts ``days`` days, with its
    last day moved past statutory rest days; ``warnings`` says when a year was not covered by
    the holiday calendar and the fallback was used."""
    if days < MINIMUM_DAYS:
        raise ValueError(f"a notice lasts at least {MINIMUM_DAYS} days, not {days}")
    nominal = china_date(opens_at) + timedelta(days=days)
    last = nominal
    unknown_years = set()
    while True:
        rest = rest_day(last)
        if not rest.known:
            unknown_years.add(last.year)
        if not rest.is_rest:
            break
        last += timedelta(days=1)
    warnings = tuple(uncovered_year_warning(year) for year in sorted(unknown_years))
    return Period(opens_at, days, nominal, last, warnings)


def lawful_close(opens_at: datetime, days: int = MINIMUM_DAYS) -> datetime:
    """The earliest lawful ``closes_at`` of a notice that starts at ``opens_at``."""
    return lawful_period(opens_at, days).closes_at


def uncovered_year_warning(year: int) -> str:
    return _(
        "The holiday calendar (chinese-calendar %(version)s) does not cover %(year)s: only "
        "weekends and the fixed-date holidays (1 January, 1-2 May, 1-3 October) were counted, "
        "not the Spring Festival, Qingming, Dragon Boat, Mid-Autumn or the swapped working "
        "days. Check the State Council's holiday arrangement for %(year)s and update the "
        "package."
    ) % {"version": holiday_calendar_version(), "year": year}


# -- what the public pages say ------------------------------------------------------------


def period_text(opens_at: datetime, closes_at: datetime) -> str:
    """The period as the pages show it: 2026-12-06 起至 2027-01-05 24:00（共 30 天）, and when
    the last day was moved past a holiday …（共 30 天，依法顺延至 2027-01-04 24:00）."""
    opened = china_date(opens_at)
    lawful = lawful_period(opens_at)
    if closes_at == lawful.closes_at and lawful.extended:
        return _(
            "%(opens)s to %(last)s 24:00 (%(days)s days, extended by law to %(moved)s 24:00)"
        ) % {
            "opens": opened.isoformat(),
            "last": lawful.nominal_last_day.isoformat(),
            "days": lawful.days,
            "moved": lawful.last_day.isoformat(),
        }
    local_close = closes_at.astimezone(CHINA)
    if local_close.time() == time.min:
        last_day, clock = local_close.date() - timedelta(days=1), "24:00"
    else:
        last_day, clock = local_close.date(), local_close.strftime("%H:%M")
    return _("%(opens)s to %(last)s %(clock)s (%(days)s days)") % {
        "opens": opened.isoformat(),
        "last": last_day.isoformat(),
        "clock": clock,
        "days": (last_day - opened).days,
    }


def last_day_open(closes_at: datetime) -> date:
    """The last China date on which the consultation is open (a 00:00 close ends the day
    before)."""
    return (closes_at.astimezone(CHINA) - timedelta(microseconds=1)).date()


def counted_days(opens_at: datetime, closes_at: datetime) -> int:
    """Whole days from the day after the opening to the last day open (24:00 closes count
    their day; a close during a day counts that day too)."""
    return (last_day_open(closes_at) - china_date(opens_at)).days
