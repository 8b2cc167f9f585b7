"""Uploads and the plan's area: beyond the approximate extent (示意范围) a feature is only
warned about, as the approximation may be wrong there; beyond the official township boundary
(a published XZQ layer with data status official) it rejects the file, as before."""

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.ingest import open_source, prepare_layer, problems, reader
from layers.ingest.pipeline import Target, ingest_file
from layers.ingest.problems import Severity
from layers.models import DataStatus
from tests.factories import make_layer, square
from tests.layers.ingest.samples import parcels_layer

pytestmark = pytest.mark.django_db

# The demo plan's approximate extent spans about 111.47-111.59 E, 37.00-37.12 N.
IN_BOTH = (111.535, 37.07)
WEST_OF_THE_EXTENT = (111.35, 37.06)  # inside the official boundary below
FAR_EAST = (111.80, 37.06)  # outside both


def upload(tmp_path, places) -> str:
    frame = gpd.GeoDataFrame(
        {
            "BSM": [f"B{index:03d}" for index in range(1, len(places) + 1)],
            "DLBM": ["0103"] * len(places),
        },
        geometry=[shapely.box(lon, lat, lon + 0.0005, lat + 0.0005) for lon, lat in places],
        crs=4326,
    )
    path = tmp_path / "parcels.gpkg"
    pyogrio.write_dataframe(frame, path)
    return path


def prepared(tmp_path, plan, places):
    layer = parcels_layer(plan, "extent-check")
    with open_source(upload(tmp_path, places)) as source:
        return prepare_layer(layer, source)


def outside(result) -> list[tuple]:
    return [
        (problem.code, problem.feature, problem.severity)
        for problem in result.problems
        if problem.code.startswith("geometry_outside")
    ]


def test_beyond_the_approximate_extent_a_feature_is_a_warning_not_a_rejection(tmp_path, demo_plan):
    result = prepared(tmp_path, demo_plan, [IN_BOTH, WEST_OF_THE_EXTENT, FAR_EAST])
    assert outside(result) == [
        ("geometry_outside_approximate", 2, Severity.WARNING),
        ("geometry_outside_approximate", 3, Severity.WARNING),
    ]
    assert not result.rejected
    message = next(p.message for p in result.problems if p.feature == 2)
    assert message == "第 2 个要素位于示意的规划范围（非法定界线）之外，请确认它属于本规划。"


def township_layer(plan, data_status=DataStatus.OFFICIAL):
    """A township boundary layer reaching west of the approximate extent."""
    return make_layer(
        plan,
        "extent-official-xzq",
        code="XZQ",
        shapes=[square(111.30, 37.00, 0.30)],
        data_status=data_status,
    )


def test_beyond_the_official_boundary_a_feature_rejects_the_file(tmp_path, demo_plan):
    township_layer(demo_plan)
    result = prepared(tmp_path, demo_plan, [IN_BOTH, WEST_OF_THE_EXTENT, FAR_EAST])
    # West of the approximation but inside the official boundary: no problem at all.
    assert outside(result) == [("geometry_outside", 3, Severity.ERROR)]
    assert result.rejected


def test_a_schematic_township_layer_is_no_official_boundary(tmp_path, demo_plan):
    township_layer(demo_plan, DataStatus.SCHEMATIC)
    result = prepared(tmp_path, demo_plan, [IN_BOTH, FAR_EAST])
    assert outside(result) == [("geometry_outside_approximate", 2, Severity.WARNING)]
    assert not result.rejected


def test_a_layer_mostly_beyond_the_extent_keeps_the_first_warnings_and_counts_the_rest(
    tmp_path, demo_plan, monkeypatch
):
    # Batches of 4 and 5 kept per kind: features 2-12 lie beyond the extent, over 3 batches.
    monkeypatch.setattr(problems, "MAX_KEPT_PER_CODE", 5)
    defaults = reader.LayerStream.batches.__defaults__
    monkeypatch.setattr(reader.LayerStream.batches, "__defaults__", (defaults[0], 4))
    layer = parcels_layer(demo_plan, "extent-many")
    path = upload(tmp_path, [IN_BOTH] + [FAR_EAST] * 11)
    result = ingest_file(path, Target(demo_plan, layer.collection_id, key_field="BSM"))
    assert result.revision is not None
    log = result.prepared.log
    assert outside(log) == [
        ("geometry_outside_approximate", n, Severity.WARNING) for n in range(2, 7)
    ]
    assert [p.params["key"] for p in log.problems if p.feature == 6] == ["B006"]
    assert log.omitted["geometry_outside_approximate"] == 6
    stored = [p for p in result.revision.problems if p["code"] == "geometry_outside_approximate"]
    assert [p["feature"] for p in stored] == [2, 3, 4, 5, 6]
