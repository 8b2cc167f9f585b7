"""NaN, infinite and absurdly large coordinates (issue 14, item 6): refused by feature number
wherever they sit (first or middle vertex, an inner ring, a second part, a point), never
repaired away and never a raw exception; messages print numbers in a few digits."""

import re

import pytest
from django.utils import translation

from layers.ingest import open_source, prepare_layer
from layers.ingest.coordinates import format_coordinate
from layers.ingest.problems import Severity
from tests.layers.ingest.broken_coordinates import broken_points, broken_polygons
from tests.layers.ingest.samples import parcels_layer

pytestmark = pytest.mark.django_db


def coordinate_problems(prepared) -> dict[int, tuple[str, int]]:
    return {
        p.feature: (p.code, p.params.get("vertex"))
        for p in prepared.problems
        if p.code.startswith("coordinate_") or p.code == "geometry_unreadable"
    }


@pytest.fixture
def polygons(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-broken-coordinates")
    with open_source(broken_polygons(tmp_path / "坐标.geojson")) as source:
        return prepare_layer(layer, source)


def test_every_unusable_coordinate_is_an_error_naming_its_feature_and_vertex(polygons):
    assert coordinate_problems(polygons) == {
        2: ("coordinate_not_finite", 1),  # NaN as the first vertex
        3: ("coordinate_not_finite", 3),  # NaN in the middle
        4: ("coordinate_not_finite", 2),  # Infinity
        5: ("coordinate_not_finite", 8),  # in the hole (5 outer vertices, then the hole's 3rd)
        6: ("coordinate_not_finite", 6),  # first vertex of the second part
        7: ("coordinate_not_finite", 4),  # -Infinity
        8: ("coordinate_out_of_range", 3),  # 1e308
        9: ("coordinate_out_of_range", 2),  # -1.5e300, -1e308
    }
    assert all(p.severity == Severity.ERROR for p in polygons.problems if p.feature in range(2, 10))
    assert polygons.rejected


def test_nothing_is_repaired_dropped_or_reported_twice(polygons):
    codes = {p.code for p in polygons.problems}
    assert not codes & {"geometry_repaired", "geometry_empty", "crs_mismatch"}
    assert len(polygons.frame) == 10
    # The usable features keep their geometry, the refused ones are not carried further.
    kept = polygons.frame.geometry
    assert kept.iloc[0].is_valid and kept.iloc[9].is_valid
    assert kept.iloc[1:9].isna().all()


def test_messages_write_numbers_in_a_few_digits(polygons):
    with translation.override("en"):
        messages = {p.feature: p.message for p in polygons.problems}
    assert "(1e+308)" in messages[8] and "(-1e+308)" in messages[9]
    assert messages[2].startswith("Feature 2: coordinate 1 is not a number")
    assert not any(re.search(r"\d{12}", message) for message in messages.values())
    with translation.override("zh-hans"):
        assert polygons.problems[0].message.startswith("第 2 个要素")


def test_points_with_nan_or_infinity_are_refused(tmp_path, demo_plan):
    """A point whose x is NaN reaches the checks as an empty point (GDAL's FlatGeobuf copy,
    which the pipeline reads, writes it so), so it is refused as having no geometry."""
    layer = parcels_layer(demo_plan, "ingest-broken-points", geometry_type="Point")
    with open_source(broken_points(tmp_path / "points.geojson")) as source:
        prepared = prepare_layer(layer, source)
    refused = {(p.feature, p.code) for p in prepared.problems if p.is_error}
    assert refused == {(2, "geometry_empty"), (3, "coordinate_not_finite")}
    assert prepared.rejected and len(prepared.frame) == 4


@pytest.mark.parametrize(
    "value, text",
    [(111.534, "111.534"), (37_512_345.6, "37512346"), (1e308, "1e+308"), (-3.3e12, "-3.3e+12")],
)
def test_coordinates_are_formatted_for_people(value, text):
    assert format_coordinate(value) == text
