"""Migration 0003 copies every tracked row as it stands when the trail is installed, so the
first change recorded after it still shows its "before"; the pages never list those copies."""

import importlib

import pytest
from django.db import connection
from pghistory.models import Events

from planportal.audit import history_context
from planportal.models import Plan, Section
from trail.entries import plan_trail
from trail.models import BASELINE, PLAN_EVENT_MODELS

pytestmark = pytest.mark.django_db

baseline = importlib.import_module("trail.migrations.0003_baseline")


def test_every_tracked_row_gets_a_baseline_copy_that_anchors_its_next_change(plan, draft, official):
    section = Section.objects.filter(chapter__version=draft).first()
    # As if the rows had been written before the triggers existed: their history starts at
    # the baseline copy. (The event tables refuse DELETE, so the copy comes on top.)
    with connection.schema_editor() as editor:
        baseline.copy_rows(None, editor)
    copies = PLAN_EVENT_MODELS["section"].objects.filter(pgh_label=BASELINE)
    assert set(copies.values_list("pgh_obj_id", flat=True)) == set(
        Section.objects.values_list("pk", flat=True)
    )
    assert PLAN_EVENT_MODELS["plan"].objects.filter(pgh_label=BASELINE).count() == (
        Plan.objects.count()
    )
    copy = copies.get(pgh_obj_id=section.pk)
    assert (copy.title, copy.pgh_context) == (section.title, {"baseline": True})

    with history_context(official):
        section.title = "总体格局与功能分区"
        section.save()
    last = (
        Events.objects.across(PLAN_EVENT_MODELS["section"])
        .filter(pgh_obj_id=str(section.pk))
        .latest("pgh_id")
    )
    assert last.pgh_diff == {"title": [copy.title, "总体格局与功能分区"]}
    listed = {entry.reference for entry in plan_trail(plan)}
    assert f"trail.SectionEvent:{last.pgh_id}" in listed
    assert f"trail.SectionEvent:{copy.pgh_id}" not in listed
