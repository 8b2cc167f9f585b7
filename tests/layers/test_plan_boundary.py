"""The plan's area: only an official township boundary (a published XZQ layer with data
status official) makes "outside the plan" firm; the approximate extent never does. The point
report and the map's defaults in both states."""

import json

import pytest
from django.contrib.gis.geos import Point

from layers.boundary import official_boundary, plan_area
from layers.models import DataStatus
from tests.factories import make_layer, make_plan, square

pytestmark = pytest.mark.django_db

# make_plan's approximate extent is the square 112.0-112.1 E, 38.0-38.1 N.
INSIDE_BOTH = (112.02, 38.02)
INSIDE_EXTENT_ONLY = (112.08, 38.08)  # outside the official boundary below
OUTSIDE_EXTENT = (112.15, 38.05)  # beyond the approximate extent


def official_xzq(plan, **fields):
    """An official township boundary: the south-west quarter of the approximate extent, and a
    piece east of it, as a real boundary may well reach beyond the approximation."""
    fields = {"code": "XZQ", "data_status": DataStatus.OFFICIAL, **fields}
    shapes = [square(112.0, 38.0, 0.05), square(112.12, 38.0, 0.05)]
    return make_layer(plan, f"{plan.slug}-xzq", shapes=shapes, **fields)


def facilities(plan):
    return make_layer(
        plan,
        f"{plan.slug}-ggfw",
        code="GGFWSS",
        shapes=[
            {"geom": Point(112.03, 38.03, srid=4326), "name": "测试卫生院", "category": "0806"}
        ],
        legend=[{"value": "0806", "label": "医疗卫生用地"}],
        is_demo=True,
    )


def report(client, plan, lon, lat):
    response = client.get(
        f"/api/plans/{plan.slug}/report/", {"lon": lon, "lat": lat}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    return response.json()


def test_without_an_official_boundary_the_area_is_the_approximate_extent(db):
    plan = make_plan()
    make_layer(plan, "approx-xzq", code="XZQ", shapes=[square(112.0, 38.0, 0.1)], is_demo=True)
    make_layer(
        plan,
        "schematic-xzq",
        code="XZQ",
        shapes=[square(112.0, 38.0, 0.1)],
        data_status=DataStatus.SCHEMATIC,
    )
    # Demonstration data is never the official boundary, whatever its status says.
    make_layer(
        plan,
        "demo-official-xzq",
        code="XZQ",
        shapes=[square(112.0, 38.0, 0.1)],
        is_demo=True,
        data_status=DataStatus.OFFICIAL,
    )
    assert official_boundary(plan) is None
    area = plan_area(plan)
    assert not area.official and area.geometry == plan.extent


def test_an_unpublished_official_boundary_does_not_count(db):
    plan = make_plan()
    make_layer(
        plan,
        "draft-xzq",
        code="XZQ",
        shapes=[square(112.0, 38.0, 0.05)],
        data_status=DataStatus.OFFICIAL,
        published=False,
    )
    assert official_boundary(plan) is None


def test_the_official_boundary_is_the_union_of_its_published_features(db):
    plan = make_plan()
    official_xzq(plan)
    boundary = official_boundary(plan)
    assert boundary.contains(Point(*INSIDE_BOTH, srid=4326))
    assert boundary.contains(Point(112.14, 38.04, srid=4326))
    assert not boundary.contains(Point(*INSIDE_EXTENT_ONLY, srid=4326))
    assert plan_area(plan).official


def test_outside_the_approximate_extent_the_report_says_may_and_still_answers(client, db):
    plan = make_plan()
    facilities(plan)
    data = report(client, plan, *OUTSIDE_EXTENT)
    assert data["inside_plan_area"] is None
    assert data["plan_boundary"] == "approximate"
    assert data["sentences"][0] == "该位置可能不在本规划范围内（镇域范围为示意）。"
    assert "该位置不在本规划范围内。" not in data["sentences"]
    assert [item["name"] for item in data["nearest"]] == ["测试卫生院"]


def test_inside_the_approximate_extent_the_report_says_nothing_of_the_boundary(client, db):
    plan = make_plan()
    data = report(client, plan, *INSIDE_EXTENT_ONLY)
    assert data["inside_plan_area"] is True
    assert data["plan_boundary"] == "approximate"
    assert not any("规划范围" in sentence for sentence in data["sentences"])


def test_with_an_official_boundary_outside_is_a_firm_answer(client, db):
    plan = make_plan()
    facilities(plan)
    official_xzq(plan)
    data = report(client, plan, *INSIDE_EXTENT_ONLY)
    assert data["inside_plan_area"] is False
    assert data["plan_boundary"] == "official"
    assert data["sentences"] == ["该位置不在本规划范围内。"]
    assert data["nearest"] == []


def test_with_an_official_boundary_a_place_beyond_the_old_extent_is_inside(client, db):
    plan = make_plan()
    facilities(plan)
    official_xzq(plan)
    data = report(client, plan, 112.14, 38.04)
    assert data["inside_plan_area"] is True
    assert data["plan_boundary"] == "official"
    assert not any("规划范围" in sentence for sentence in data["sentences"])
    elements = {item["collection_id"]: item for item in data["elements"]}
    assert elements[f"{plan.slug}-xzq"]["data_mark"] == "正式"
    assert "此处位于" in data["sentences"][0] and "示意" not in data["sentences"][0]


def test_a_plan_without_any_area_counts_every_place_as_inside(client, db):
    plan = make_plan()
    plan.extent = None
    plan.save(update_fields=["extent"])
    data = report(client, plan, *OUTSIDE_EXTENT)
    assert data["inside_plan_area"] is True
    assert data["plan_boundary"] == "none"


def map_config(client, plan) -> dict:
    page = client.get(f"/plans/{plan.slug}/map/").content.decode()
    start = page.index('<script id="map-config" type="application/json">')
    text = page[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(text)


def test_the_map_draws_an_approximate_outline_only_when_asked(client, db):
    plan = make_plan()
    make_layer(plan, "approx-xzq", code="XZQ", shapes=[square(112.0, 38.0, 0.1)], is_demo=True)
    make_layer(plan, "test-roads", code="DL", shapes=[square(112.0, 38.0, 0.01)])
    assert map_config(client, plan)["default_layers"] == ["test-roads"]


def test_the_map_draws_an_official_boundary_by_default(client, db):
    plan = make_plan()
    layer = official_xzq(plan)
    assert map_config(client, plan)["default_layers"] == [layer.collection_id]


def test_the_demo_township_outline_is_not_on_by_default(client, demo_plan):
    config = map_config(client, demo_plan)
    approximate = demo_plan.layers.filter(code="XZQ").values_list("collection_id", flat=True)
    assert config["default_layers"], "the demo map still has default layers"
    assert not set(approximate) & set(config["default_layers"])
