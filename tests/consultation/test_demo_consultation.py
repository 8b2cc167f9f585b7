"""The demonstration data has one consultation, open for 30 days from when it was loaded."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from consultation.models import Consultation

pytestmark = pytest.mark.django_db


def test_the_demo_plan_has_one_open_consultation_of_thirty_days(demo_plan):
    [consultation] = demo_plan.consultations.all()
    assert consultation.is_open
    assert consultation.closes_at - consultation.opens_at == timedelta(days=30)
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
