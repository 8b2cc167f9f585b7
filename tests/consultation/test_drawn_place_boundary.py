"""A place a resident draws past the plan's extent is refused outside the official township
boundary, but not just past an approximate extent (示意范围), which is no legal boundary."""

import pytest
from django.contrib.gis.geos import Point

from layers.models import DataStatus
from tests.consultation.submit_helpers import geojson, payload, post_comment
from tests.factories import EAST, SOUTH, WEST, make_layer, square

pytestmark = pytest.mark.django_db

JUST_WEST = Point(WEST - 0.01, SOUTH + 0.05, srid=4326)  # about 1 km past the extent


def drawn_status(client, consultation, point) -> int:
    response = post_comment(client, consultation, payload(consultation, geometry=geojson(point)))
    return response.status_code


def test_just_past_the_approximate_extent_a_drawn_place_is_accepted(client, consultation):
    assert drawn_status(client, consultation, JUST_WEST) == 201


def test_past_the_official_boundary_a_drawn_place_is_refused(client, consultation, plan):
    # The official boundary reaches 2 km east of the approximate extent, not west of it.
    make_layer(
        plan,
        "drawn-official-xzq",
        code="XZQ",
        shapes=[square(WEST, SOUTH, 0.12)],
        data_status=DataStatus.OFFICIAL,
    )
    assert drawn_status(client, consultation, JUST_WEST) == 400
    just_east = Point(EAST + 0.01, SOUTH + 0.05, srid=4326)
    assert drawn_status(client, consultation, just_east) == 201
