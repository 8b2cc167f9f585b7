"""Art. 26 to the day: 30 days counted from the day after the notice starts (民法典 Art. 201),
the last day ending at 24:00 China time and moved past statutory rest days but not past 调休
working weekends (Art. 203), with a visible fallback for years the holiday calendar does not
know; the database floor, the model check, the admin form and the public wording."""

import importlib
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultation.models import Consultation
from consultation.periods import (
    CHINA,
    calendar_floor,
    lawful_close,
    lawful_period,
    period_text,
    start_of_day,
)
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def china(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


def test_the_opening_day_is_not_counted_and_the_30th_day_ends_at_24_00_china_time():
    period = lawful_period(china(2026, 3, 10, 10, 9))
    assert period.first_day == date(2026, 3, 11)
    assert period.last_day == date(2026, 4, 9)
    assert period.closes_at == china(2026, 4, 10, 0, 0)
    assert not period.extended and not period.warnings
    assert (
        period_text(period.opens_at, period.closes_at)
        == "2026-03-10 起至 2026-04-09 24:00（共 30 天）"
    )


def test_the_days_are_china_days_whatever_zone_the_moment_is_given_in():
    # 16:30 UTC on 9 March is 00:30 on 10 March in China: the first day is 11 March.
    assert lawful_close(datetime(2026, 3, 9, 16, 30, tzinfo=UTC)) == china(2026, 4, 10)
    # 15:30 UTC is still 9 March in China (23:30): one day earlier.
    assert lawful_close(datetime(2026, 3, 9, 15, 30, tzinfo=UTC)) == china(2026, 4, 9)


def test_a_last_day_on_new_year_moves_to_the_next_working_day_a_swapped_sunday():
    # Day 30 is 1 January 2026; 2 and 3 January are holidays, Sunday 4 January is a 调休
    # working day, so the period ends there.
    period = lawful_period(china(2025, 12, 2, 9, 0))
    assert period.nominal_last_day == date(2026, 1, 1)
    assert period.last_day == date(2026, 1, 4)
    assert period.closes_at == china(2026, 1, 5)
    assert period_text(period.opens_at, period.closes_at) == (
        "2025-12-02 起至 2026-01-01 24:00（共 30 天，依法顺延至 2026-01-04 24:00）"
    )


def test_a_swapped_working_weekend_is_not_a_rest_day():
    period = lawful_period(china(2025, 12, 5, 9, 0))
    assert period.last_day == date(2026, 1, 4)  # a Sunday, but a working day
    assert not period.extended


def test_a_last_day_in_the_spring_festival_moves_past_the_whole_holiday():
    period = lawful_period(china(2026, 1, 16, 15, 0))
    assert period.nominal_last_day == date(2026, 2, 15)
    assert period.last_day == date(2026, 2, 24)
    assert period.closes_at == china(2026, 2, 25)


def test_a_last_day_on_a_weekend_moves_to_monday():
    period = lawful_period(china(2026, 5, 14, 8, 0))
    assert period.nominal_last_day == date(2026, 6, 13)  # Saturday
    assert period.last_day == date(2026, 6, 15)


def test_past_the_calendar_weekends_and_fixed_holidays_count_with_a_warning():
    # 2027 is not in chinese-calendar 1.11: 1 January is still a fixed-date holiday, the
    # weekend after it is skipped, and the warning names the year and the package.
    period = lawful_period(china(2026, 12, 2, 9, 0))
    assert period.nominal_last_day == date(2027, 1, 1)
    assert period.last_day == date(2027, 1, 4)
    [warning] = period.warnings
    assert "2027" in warning and "chinese-calendar" in warning
    assert "春节" in warning  # what the fallback cannot know is said
    # The demonstration's own dates: a Tuesday, nothing to move, but still warned.
    demo = lawful_period(china(2026, 12, 6, 10, 9))
    assert demo.closes_at == china(2027, 1, 6)
    assert demo.warnings


def test_a_shorter_period_cannot_even_be_computed():
    with pytest.raises(ValueError):
        lawful_period(china(2026, 3, 10), days=29)
    assert lawful_period(china(2026, 3, 10), days=45).last_day == date(2026, 4, 24)


def test_the_database_refuses_a_close_before_the_calendar_floor(plan):
    opens = china(2026, 12, 6, 10, 9)
    floor = calendar_floor(opens)
    assert floor == china(2027, 1, 6)
    for too_early in (opens + timedelta(days=30), floor - timedelta(seconds=1)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Consultation.objects.create(plan=plan, title="短", opens_at=opens, closes_at=too_early)
    Consultation.objects.create(plan=plan, title="足", opens_at=opens, closes_at=floor)


def test_the_model_check_adds_the_holiday_rule_and_names_the_earliest_close(plan):
    opens = china(2025, 12, 2, 9, 0)
    consultation = Consultation(
        plan=plan, title="元旦", opens_at=opens, closes_at=calendar_floor(opens)
    )
    with pytest.raises(ValidationError) as refused:
        consultation.full_clean()
    [message] = refused.value.message_dict["closes_at"]
    assert "最早可于 2026-01-04 24:00" in message
    consultation.closes_at = lawful_close(opens)
    consultation.full_clean()


def test_open_means_until_24_00_of_the_last_day(plan):
    opens = china(2026, 3, 10, 10, 9)
    consultation = Consultation.objects.create(
        plan=plan, title="期", opens_at=opens, closes_at=lawful_close(opens)
    )
    assert consultation.is_open_at(china(2026, 4, 9, 23, 59, 59))
    assert not consultation.is_open_at(china(2026, 4, 10, 0, 0))
    assert not consultation.is_open_at(opens - timedelta(seconds=1))
    assert consultation.period_days == 30


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("admin", password="x-Secret-123")
    client.force_login(admin)
    return client


def admin_form(plan, opens: datetime, closes: datetime | None = None) -> dict:
    data = {
        "plan": plan.pk,
        "title": "规划草案公示",
        "opens_at_0": opens.strftime("%Y-%m-%d"),
        "opens_at_1": opens.strftime("%H:%M:%S"),
        "closes_at_0": closes.strftime("%Y-%m-%d") if closes else "",
        "closes_at_1": closes.strftime("%H:%M:%S") if closes else "",
        "notice": "",
        "contact": "",
        "show_published_comments": "on",
    }
    return data


ADD_URL = "/admin/consultation/consultation/add/"


def test_the_admin_computes_the_lawful_close_when_none_is_given(admin_client, plan):
    response = admin_client.post(ADD_URL, admin_form(plan, china(2026, 1, 16, 15, 0)))
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get(plan=plan)
    assert consultation.closes_at == china(2026, 2, 25)


def test_the_admin_refuses_an_earlier_close_naming_the_earliest_lawful_one(admin_client, plan):
    opens = china(2026, 1, 16, 15, 0)
    response = admin_client.post(ADD_URL, admin_form(plan, opens, china(2026, 2, 16)))
    assert response.status_code == 200
    assert "最早可于 2026-02-24 24:00" in response.content.decode()
    assert not Consultation.objects.filter(plan=plan).exists()
    # A later close is the organiser's choice.
    later = china(2026, 3, 1)
    response = admin_client.post(ADD_URL, admin_form(plan, opens, later))
    assert response.status_code == 302
    assert Consultation.objects.get(plan=plan).closes_at == later


def test_the_admin_shows_the_warning_for_a_year_the_calendar_does_not_know(admin_client, plan):
    response = admin_client.post(ADD_URL, admin_form(plan, china(2026, 12, 6, 10, 9)), follow=True)
    assert response.status_code == 200
    assert Consultation.objects.get(plan=plan).closes_at == start_of_day(date(2027, 1, 6))
    assert "节假日日历" in response.content.decode() and "2027" in response.content.decode()


def test_the_migration_extends_a_period_that_closed_too_early_and_records_it(as_database_owner):
    """A consultation stored before the strict rule (30 x 24 h from the opening moment, as
    the demonstration had) is moved to the lawful close, never earlier, with an audit event."""
    from django.apps import apps
    from django.db import connection

    from planportal.models import AuditEvent

    migration = importlib.import_module("consultation.migrations.0004_strict_thirty_day_period")
    plan = make_plan()  # on the owner's connection, which the test's fixtures did not write to
    opens = china(2025, 12, 2, 10, 9)
    with connection.cursor() as cursor:  # as before the migration (rolled back with the test)
        cursor.execute(
            "ALTER TABLE consultation_consultation DROP CONSTRAINT consultation_lasts_30_days"
        )
    short = Consultation.objects.create(
        plan=plan, title="旧", opens_at=opens, closes_at=opens + timedelta(days=30)
    )
    later = china(2026, 3, 1)
    long = Consultation.objects.create(plan=plan, title="长", opens_at=opens, closes_at=later)
    migration.extend_short_periods(apps, None)
    short.refresh_from_db()
    long.refresh_from_db()
    assert short.closes_at == china(2026, 1, 5)  # 2026-01-04 24:00, after 元旦
    assert long.closes_at == later
    [event] = AuditEvent.objects.filter(
        action="consultation.extend_to_lawful_close", object_id=str(short.pk)
    )
    assert event.before["closes_at"].startswith("2026-01-01")
    assert event.after["closes_at"] == china(2026, 1, 5).isoformat()


def test_check_periods_names_a_consultation_that_closes_too_early(plan):
    """As after a calendar update that shows a period's last day to be a rest day: the stored
    close is the calendar floor, the lawful one later. Among 29 consecutive opening days one
    has its 30th day on a weekend, so such a consultation open now always exists."""
    now = timezone.now()
    opens = next(
        now - timedelta(days=k)
        for k in range(29)
        if lawful_close(now - timedelta(days=k)) > calendar_floor(now - timedelta(days=k))
    )
    out = io.StringIO()
    fine = Consultation.objects.create(
        plan=plan, title="合法", opens_at=opens, closes_at=lawful_close(opens)
    )
    old = china(2025, 12, 2, 9, 0)  # closed long ago, at the floor (1 January 2026)
    Consultation.objects.create(plan=plan, title="旧", opens_at=old, closes_at=calendar_floor(old))
    call_command("check_periods", stdout=out)
    assert "(closed)" in out.getvalue() and "the lawful close is 2026-01-04 24:00" in out.getvalue()
    Consultation.objects.filter(pk=fine.pk).update(closes_at=calendar_floor(opens))
    with pytest.raises(CommandError):
        call_command("check_periods", stdout=out)
    assert f"consultation {fine.pk} (OPEN)" in out.getvalue()
