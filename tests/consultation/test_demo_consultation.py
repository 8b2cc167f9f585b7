"""The demonstration data has one consultation, open for the lawful 30 days from when it was
loaded: to 24:00 China time of the 30th day after the opening date, moved past holidays."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from consultation.models import Consultation
from consultation.periods import CHINA, china_date, lawful_close

pytestmark = pytest.mark.django_db


def test_the_demo_plan_has_one_open_consultation_of_thirty_days(demo_plan):
    [consultation] = demo_plan.consultations.all()
    assert consultation.is_open
    assert consultation.closes_at == lawful_close(consultation.opens_at)
    closes = consultation.closes_at.astimezone(CHINA)
    assert (closes.hour, closes.minute, closes.second) == (0, 0, 0)
    assert (closes.date() - china_date(consultation.opens_at)).days >= 31
    assert consultation.period_days >= 30
    assert timezone.now() - consultation.opens_at < timedelta(hours=2)
    assert "0358-2149993" in consultation.contact


def test_loading_again_keeps_the_consultation_and_its_dates(demo_plan):
    before = list(Consultation.objects.values_list("pk", "opens_at", "closes_at"))
    call_command("load_demo_plan", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Consultation.objects.values_list("pk", "opens_at", "closes_at")) == before


def test_the_consultations_api_lists_it_as_open(client, demo_plan):
    [item] = client.get("/api/consultations/", {"plan": demo_plan.slug}).json()
    assert item["is_open"] is True
    assert item["opens_at"] and item["closes_at"]
    assert "起至" in item["period_text"] and "24:00（共 30 天" in item["period_text"]
    assert "short_period_reason" not in item
