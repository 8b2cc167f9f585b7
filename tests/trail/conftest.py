"""The trail tests' data: the small plan of tests/factories.make_plan (chapter 3 with sections
3.1 and 3.2), an administrator for /admin/, and the history rows of one object."""

import pytest
from django.test import Client
from pghistory.models import Events

from tests.factories import make_plan, make_user
from trail.models import PLAN_EVENT_MODELS


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def administrator(db):
    return make_user("zhou.admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_site(administrator) -> Client:
    client = Client()
    client.force_login(administrator)
    return client


def history_of(obj, name: str):
    """The history rows of one object, oldest first, each with its diff to the one before."""
    events = Events.objects.across(PLAN_EVENT_MODELS[name]).filter(pgh_obj_id=str(obj.pk))
    return list(events.order_by("pgh_id"))
