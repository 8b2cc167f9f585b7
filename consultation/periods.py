"""The consultation period counted as the law counts it (城乡规划法 Art. 26; 民法典 Arts. 201, 203).

The counting itself (the day after the opening is day 1, at least 30 days, a last day on a
statutory rest day moves to the next working day, the chinese-calendar fallback) lives in
planportal/periods.py, because the publication of the approved plan (批后公布, the procedure's
last step in planportal/phases.py) counts its days the same way; its names are re-exported
here so the consultation's code and tests keep one place to import from. This module adds what
only a consultation has: the refusal of a too-short round and the database's guarantee.
"""

from datetime import datetime

from django.db.models import DateTimeField, Func
from django.utils.translation import gettext as _

from planportal.periods import (  # noqa: F401 (re-exported)
    CHINA,
    FIXED_HOLIDAYS,
    MINIMUM_DAYS,
    Period,
    RestDay,
    calendar_floor,
    china_date,
    counted_days,
    holiday_calendar_version,
    last_day_open,
    lawful_close,
    lawful_period,
    period_text,
    rest_day,
    start_of_day,
    uncovered_year_warning,
)


def too_short_message(opens_at: datetime) -> str:
    """The refusal of a close earlier than the law allows, naming the earliest lawful close."""
    period = lawful_period(opens_at)
    return _(
        "The consultation must be open for at least %(days)s days (Urban and Rural Planning "
        "Law, Art. 26), counted from the day after it opens (Civil Code Arts. 201 and 203): "
        "the earliest lawful close is %(last)s 24:00 China time."
    ) % {"days": MINIMUM_DAYS, "last": period.last_day.isoformat()}


# -- the database's guarantee ----------------------------------------------------------------


class CalendarFloor(Func):
    """SQL for ``calendar_floor(opens_at)``: 00:00 China time of the opening date + 31 days.
    China has kept UTC+8 without daylight saving since 1991, so the fixed zone name is exact."""

    # The explicit ::timestamp matters: a bare date would be cast to timestamptz in the
    # session's time zone, and AT TIME ZONE would then convert the wrong way.
    template = (
        "((((%(expressions)s) AT TIME ZONE 'Asia/Shanghai')::date + "
        f"{MINIMUM_DAYS + 1})::timestamp AT TIME ZONE 'Asia/Shanghai')"
    )
    output_field = DateTimeField()
