"""PostGIS records which villages (村庄分类 areas) and control lines a comment touches, from the
drawn place or the commented feature's geometry, in one statement."""

import pytest
from django.contrib.gis.geos import LineString, Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultation.models import Comment
from consultation.touches import touch_layers, touches
from layers.models import PublicPolicy
from tests.consultation.submit_helpers import geojson, payload, post_comment
from tests.factories import (
    SOUTH,
    WEST,
    add_revision,
    make_layer,
    make_plan,
    square,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(plan):
    """The tests' plan with two village areas side by side (甲村 west, 乙村 east), a farmland
    parcel in 甲村, a development boundary in 乙村, a flood line crossing both, and an empty red
    line layer."""
    make_layer(
        plan,
        "test-czfl",
        code="CZFL",
        shapes=[(square(WEST, SOUTH, 0.05), "甲村"), (square(WEST + 0.05, SOUTH, 0.05), "乙村")],
    )
    make_layer(
        plan,
        "test-yjjbnt",
        code="YJJBNT",
        policy=PublicPolicy.TILES_ONLY,
        shapes=[(square(WEST + 0.01, SOUTH + 0.01, 0.01), "")],
    )
    make_layer(plan, "test-czkfbj", code="CZKFBJ", shapes=[(square(WEST + 0.07, SOUTH, 0.02), "")])
    make_layer(
        plan,
        "test-hlfxkzx",
        code="HLFXKZX",
        geometry_type="LineString",
        shapes=[(LineString((WEST, SOUTH + 0.04), (WEST + 0.1, SOUTH + 0.04), srid=4326), "")],
    )
    make_layer(plan, "test-stbhhx", code="STBHHX", shapes=[])
    return plan


def submitted(client, consultation, **fields) -> Comment:
    response = post_comment(client, consultation, payload(consultation, **fields))
    assert response.status_code == 201, response.json()
    return Comment.objects.get(pk=response.json()["id"])


def test_a_drawn_point_on_farmland_touches_its_village_and_the_farmland(client, consultation):
    comment = submitted(client, consultation, geometry=geojson(Point(WEST + 0.015, SOUTH + 0.015)))
    assert comment.villages == ["甲村"]
    assert comment.control_lines == ["YJJBNT"]


def test_a_drawn_line_across_both_villages_touches_everything_it_crosses(client, consultation):
    # From the farmland parcel north across the flood line, then east into the boundary.
    line = LineString(
        (WEST + 0.012, SOUTH + 0.012),
        (WEST + 0.03, SOUTH + 0.045),
        (WEST + 0.08, SOUTH + 0.01),
        srid=4326,
    )
    comment = submitted(client, consultation, geometry=geojson(line))
    assert sorted(comment.villages) == sorted(["甲村", "乙村"])
    assert comment.control_lines == ["CZKFBJ", "HLFXKZX", "YJJBNT"]


def test_a_commented_feature_touches_what_its_geometry_touches(client, consultation, plan):
    farmland = plan.layers.get(code="YJJBNT").published_revision.features.get()
    comment = submitted(client, consultation, collection_id="test-yjjbnt", feature_id=farmland.pk)
    assert comment.villages == ["甲村"]
    assert comment.control_lines == ["YJJBNT"]


def test_only_published_revisions_count(client, consultation, plan):
    layer = plan.layers.get(code="CZKFBJ")
    add_revision(layer, [(square(WEST + 0.02, SOUTH + 0.02, 0.005), "")])  # not published
    comment = submitted(client, consultation, geometry=geojson(Point(WEST + 0.022, SOUTH + 0.022)))
    assert "CZKFBJ" not in comment.control_lines


def test_a_comment_on_a_section_or_the_whole_plan_touches_nothing(client, consultation):
    assert submitted(client, consultation, section="3.2").villages == []
    whole = submitted(client, consultation)
    assert (whole.villages, whole.control_lines) == ([], [])


def test_another_plans_layers_are_never_touched(plan):
    other = make_plan(slug="neighbour-town")
    make_layer(other, "other-czfl", code="CZFL", shapes=[(square(WEST, SOUTH, 0.1), "邻镇村")])
    found = touches(touch_layers(plan.pk), drawn=Point(WEST + 0.015, SOUTH + 0.015, srid=4326))
    assert found.villages == ["甲村"]


def test_touches_are_worked_out_in_one_statement_from_the_plans_public_layers(plan):
    with CaptureQueriesContext(connection) as queries:
        layers = touch_layers(plan.pk)
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        touches(layers, drawn=square(WEST, SOUTH, 0.1))
    assert len(queries) == 1


def test_an_unpublished_plans_layers_are_never_touched(plan):
    plan.is_published = False
    plan.save(update_fields=["is_published"])
    assert touches(touch_layers(plan.pk), drawn=square(WEST, SOUTH, 0.1)).villages == []
