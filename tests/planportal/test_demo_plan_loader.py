"""The demonstration plan loader: complete text, indicators, extent, idempotence."""

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import IntegrityError, transaction

from planportal.loader import stored_text
from planportal.models import Chapter, Indicator, Plan, Section
from planportal.plan_text import document_units, layout_lines, unmatched_draft_lines

pytestmark = pytest.mark.django_db

# Sections per chapter as the draft lists them.
DRAFT_OUTLINE = {1: 3, 2: 2, 3: 3, 4: 3, 5: 2, 6: 3, 7: 3, 8: 3}


def test_it_loads_all_eight_chapters_and_their_sections(demo_plan):
    chapters = {c.number: c.sections.count() for c in demo_plan.chapters.all()}
    assert chapters == DRAFT_OUTLINE
    assert demo_plan.chapters.get(number=3).title == "统筹规划，优化空间格局"
    assert demo_plan.chapters.get(number=3).sections.get(number="3.2").title == "控制线划定"


def test_the_stored_text_joined_equals_the_draft_apart_from_layout(demo_plan, draft_text):
    stored = stored_text(Plan.objects.get(pk=demo_plan.pk))
    left_out = unmatched_draft_lines(draft_text, document_units(stored))
    assert set(left_out) <= layout_lines(stored), set(left_out) - layout_lines(stored)
    joined = "".join(document_units(stored))
    assert "阳泉曲镇**不涉**生态保护红线。" in joined
    assert "联系电话：0358-2149993" in joined


def test_the_plan_carries_its_identity(demo_plan):
    assert demo_plan.name == "孝义市阳泉曲镇国土空间总体规划（2021-2035年）"
    assert demo_plan.region_code == "141181101000"
    assert (demo_plan.period_start, demo_plan.period_end) == (2021, 2035)
    assert demo_plan.get_status_display() == "草案"
    assert demo_plan.contact_phone == "0358-2149993"
    assert demo_plan.contact_email == "yqqgkjgh@163.com"


def test_the_extent_is_a_polygon_around_the_town_seat(demo_plan):
    town_seat = Point(111.552163, 37.07382, srid=4326)
    assert demo_plan.extent.geom_type == "Polygon"
    assert demo_plan.extent.contains(town_seat)
    # The approximated township is tens of square kilometres, not the whole county.
    area_km2 = demo_plan.extent.transform(4546, clone=True).area / 1e6
    assert 20 < area_km2 < 200


def test_the_indicators_come_with_their_source_sections(demo_plan):
    indicators = {i.name: i for i in demo_plan.indicators.select_related("section")}
    assert indicators["常住人口"].display_value == "1.6万人"
    assert indicators["镇政府驻地范围面积"].display_value == "118.13公顷"
    assert indicators["城镇污水处理率"].display_value == "≥40%"
    assert indicators["污泥处置率"].display_value == "≥90%"
    assert indicators["防洪标准"].display_value == "10年一遇"
    assert indicators["防洪标准"].section.number == "7.3"
    # The draft marks no indicator 约束性 or 预期性; the 2020 census count is a base-year value.
    assert {i.kind for i in indicators.values()} == {"unmarked"}
    assert [n for n, i in indicators.items() if i.role == "base"] == ["常住人口"]
    assert "指南" not in demo_plan.indicators_note


def test_loading_twice_duplicates_nothing_and_keeps_the_ids(demo_plan):
    before = (
        list(Chapter.objects.values_list("pk", flat=True).order_by("pk")),
        list(Section.objects.values_list("pk", flat=True).order_by("pk")),
        list(Indicator.objects.values_list("pk", flat=True).order_by("pk")),
    )
    call_command("load_demo_plan")
    call_command("load_demo_plan")
    after = (
        list(Chapter.objects.values_list("pk", flat=True).order_by("pk")),
        list(Section.objects.values_list("pk", flat=True).order_by("pk")),
        list(Indicator.objects.values_list("pk", flat=True).order_by("pk")),
    )
    assert Plan.objects.count() == 1
    assert before == after
    assert len(after[1]) == sum(DRAFT_OUTLINE.values())


def test_the_published_text_cannot_be_edited_in_the_database(demo_plan):
    """The demo's version 1 is published: PostgreSQL itself refuses to change its text, so
    what residents read and commented on stays as it was (a change is a new version)."""
    section = Section.objects.get(chapter__version=demo_plan.current_version, number="3.2")
    section.blocks = [{"type": "paragraph", "text": "被改动的文字"}]
    with pytest.raises(IntegrityError, match="published"), transaction.atomic():
        section.save()
    call_command("load_demo_plan")  # loading the same text again changes nothing
    section.refresh_from_db()
    assert section.blocks[4]["text"] == "阳泉曲镇**不涉**生态保护红线。"
