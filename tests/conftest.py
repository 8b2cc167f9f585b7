"""Shared fixtures: the demonstration plan, loaded into the real PostGIS test database."""

from pathlib import Path

import pytest
from django.conf import settings

from planportal.loader import load_plan
from planportal.models import Plan

REPO = Path(settings.BASE_DIR)
DEMO_META = REPO / "fixtures" / "yangquanqu" / "plan-meta.json"
DEMO_DRAFT = REPO / "fixtures" / "yangquanqu" / "plan-draft.txt"
DEMO_SLUG = "yangquanqu-2021-2035"


@pytest.fixture
def demo_plan(db) -> Plan:
    """The 阳泉曲镇 plan as `make run` loads it. Loaded per test (it takes milliseconds) so
    that tests which flush the database, like live-server tests, find it too."""
    return load_plan(DEMO_META).plan


@pytest.fixture
def draft_text() -> str:
    return DEMO_DRAFT.read_text(encoding="utf-8")
