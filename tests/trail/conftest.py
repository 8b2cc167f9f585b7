"""The trail tests' data: the small plan of tests/factories.make_plan (chapter 3 with sections
3.1 and 3.2, published as version 1), the working draft its text is edited in, an
administrator for /admin/, and the history rows of one object."""

import json

import pytest
from django.test import Client
from pghistory.models import Events

from planportal.versions import new_draft
from tests.factories import make_plan, make_user
from trail.models import PLAN_EVENT_MODELS


@pytest.fixture
def plan(db):
    return make_plan()


@pytest.fixture
def draft(plan):
    """Version 2, a copy of the published version 1: the text staff may still change (the
    published version is kept as it is by PostgreSQL)."""
    return new_draft(plan)


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


def chapter_form(chapter, blocks_by_number: dict[str, list]) -> dict:
    """The admin's change form of a chapter with its section inline, as a browser sends it."""
    sections = list(chapter.sections.order_by("position"))
    data = {
        "plan": chapter.plan_id,
        "number": chapter.number,
        "title": chapter.title,
        "intro": json.dumps(chapter.intro, ensure_ascii=False),
        "sections-TOTAL_FORMS": len(sections),
        "sections-INITIAL_FORMS": len(sections),
        "sections-MIN_NUM_FORMS": 0,
        "sections-MAX_NUM_FORMS": 1000,
        "_save": "Save",
    }
    for i, section in enumerate(sections):
        blocks = blocks_by_number.get(section.number, section.blocks)
        data |= {
            f"sections-{i}-id": section.pk,
            f"sections-{i}-chapter": chapter.pk,
            f"sections-{i}-number": section.number,
            f"sections-{i}-title": section.title,
            f"sections-{i}-position": section.position,
            f"sections-{i}-blocks": json.dumps(blocks, ensure_ascii=False),
        }
    return data
