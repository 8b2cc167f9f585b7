"""Commands that change the record name themselves as its actor, and a command that changes
nothing leaves nothing on the record."""

from io import StringIO

import pytest
from django.core.management import call_command

from trail.entries import plan_trail

pytestmark = pytest.mark.django_db


def test_loading_the_demo_again_records_nothing_new(demo_plan):
    before = {entry.reference for entry in plan_trail(demo_plan) if entry.kind != "accounts"}
    call_command("load_demo_plan", stdout=StringIO())
    after = {entry.reference for entry in plan_trail(demo_plan) if entry.kind != "accounts"}
    assert after == before


def test_what_the_demo_loader_made_names_the_command(demo_plan):
    created = [e for e in plan_trail(demo_plan, kind="plan") if e.action == "创建"]
    assert created and {e.actor for e in created} == {"系统"}
    assert {e.via.split("（")[0] for e in created} == {"命令 load_demo_plan"}
