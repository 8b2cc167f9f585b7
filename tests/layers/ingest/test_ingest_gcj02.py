"""Uploads in GCJ-02 (高德/腾讯 exports, ~550 m off here) are refused with a plain message;
unshifted and slightly jittered uploads are not (layers/ingest/gcj02.py says how reliable the
detection is).

Real layers of the demonstration plan (fixtures/yangquanqu/layers: village points, roads and
2,838 farmland parcels) are uploaded through the pipeline and published, then uploaded again:
converted to GCJ-02 with prcoords' forward formula (what Amap's export does), as they are, and
with every feature moved by its own random few metres.
"""

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import prcoords
import pytest
import shapely
from django.conf import settings
from django.utils import translation

from layers.ingest import gcj02
from layers.ingest.pipeline import Target, ingest_file
from layers.models import DataStatus
from layers.revisions.publishing import publish_revision
from planportal.models import Section

DEMO_LAYERS = Path(settings.BASE_DIR) / "fixtures" / "yangquanqu" / "layers"
PLACES = Path(settings.BASE_DIR) / "fixtures" / "data"
GCJ02_CODES = {"crs_gcj02_against_published", "crs_gcj02_against_places"}


def to_gcj02(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    def shift(lonlat: np.ndarray) -> np.ndarray:
        moved = [prcoords.wgs_gcj((lat, lon)) for lon, lat in lonlat]
        return np.array([(point.lon, point.lat) for point in moved])

    return frame.set_geometry(shapely.transform(frame.geometry.values, shift))


def jittered(frame: gpd.GeoDataFrame, metres: float, seed: int = 26) -> gpd.GeoDataFrame:
    """Every feature moved as a whole by its own random offset of up to ``metres``."""
    random = np.random.default_rng(seed)
    per_degree = (111_320 * np.cos(np.radians(37.07)), 110_950)
    moved = [
        shapely.affinity.translate(
            geometry,
            random.uniform(-metres, metres) / per_degree[0],
            random.uniform(-metres, metres) / per_degree[1],
        )
        for geometry in frame.geometry
    ]
    return frame.set_geometry(moved)


def upload(demo_plan, tmp_path, frame, collection_id: str, name: str):
    path = tmp_path / f"{name}.geojson"
    frame.to_file(path, driver="GeoJSON")
    return ingest_file(path, Target(demo_plan, collection_id, key_field=""))


def gcj02_problems(result) -> list:
    return [problem for problem in result.prepared.problems if problem.code in GCJ02_CODES]


def published(demo_plan, tmp_path, frame, collection_id: str):
    result = upload(demo_plan, tmp_path, frame, collection_id, "original")
    assert result.revision is not None, [p.message for p in result.prepared.problems]
    layer = result.layer
    # What the publish gate asks of a new layer before it is public.
    layer.section = Section.objects.filter(chapter__plan=demo_plan).first()
    layer.data_status = DataStatus.SCHEMATIC
    layer.source_note, layer.publication_note = "测试数据", "供偏移检查"
    layer.save()
    publish_revision(layer, result.revision)
    return layer


@pytest.mark.parametrize("name", ["xzc", "dl", "yjjbnt"])
def test_a_real_layer_converted_to_gcj02_is_refused_and_its_jittered_copy_is_not(
    demo_plan, tmp_path, name
):
    original = gpd.read_file(DEMO_LAYERS / f"{name}.geojson")
    collection_id = f"gcj-test-{name}"
    published(demo_plan, tmp_path, original, collection_id)

    shifted = upload(demo_plan, tmp_path, to_gcj02(original), collection_id, "gcj02")
    assert shifted.revision is None  # nothing written
    [problem] = gcj02_problems(shifted)
    assert problem.code == "crs_gcj02_against_published"
    assert problem.is_error
    assert 500 <= problem.params["metres"] <= 650
    with translation.override("zh-hans"):
        assert problem.message == (
            f"坐标疑似为火星坐标（GCJ-02，高德/腾讯地图导出），与已发布数据整体偏移约 "
            f"{problem.params['metres']} 米；请转换为 CGCS2000 后再上传。"
        )

    # As if drawn again on Amap's imagery: GCJ-02 plus a drawing error of metres.
    redrawn = upload(
        demo_plan, tmp_path, to_gcj02(jittered(original, 10)), collection_id, "redrawn"
    )
    assert [problem.code for problem in gcj02_problems(redrawn)] == ["crs_gcj02_against_published"]

    again = upload(demo_plan, tmp_path, original, collection_id, "again")
    assert gcj02_problems(again) == []
    assert again.revision is not None

    for metres in (3, 30):
        moved = upload(demo_plan, tmp_path, jittered(original, metres), collection_id, "moved")
        assert gcj02_problems(moved) == [], metres


def test_the_detection_measures_the_offset_against_the_published_parcels(demo_plan, tmp_path):
    """The numbers behind the decision, on the densest demo layer: shifted parcels stand
    metres to tens of metres from the nearest published outline, and on it once the offset is
    removed."""
    original = gpd.read_file(DEMO_LAYERS / "yjjbnt.geojson")
    layer = published(demo_plan, tmp_path, original, "gcj-test-measure")
    samples = gcj02._sample_vertices(np.asarray(to_gcj02(original).geometry.values))
    unshifted = gcj02._sample_vertices(np.asarray(original.geometry.values))
    as_is, corrected, original_as_is = gcj02._median_distances(
        layer.published_revision_id, samples, gcj02._without_offset(samples), unshifted
    )
    assert corrected < 0.05
    assert as_is > gcj02.MIN_SHIFTED_METRES
    assert gcj02._lines_up(as_is, corrected)
    assert original_as_is < 0.05


def test_a_dense_grid_of_parcels_converted_to_gcj02_is_refused(demo_plan, tmp_path):
    # 1,600 parcels of ~31 x 40 m with 3 m gaps: any shifted vertex is near some edge (the
    # hardest case for a comparison by distance), yet the offset still explains it.
    size = 0.0004
    grid = gpd.GeoDataFrame(
        {"BH": [str(number) for number in range(1600)]},
        geometry=[
            shapely.box(
                111.53 + column * size,
                37.06 + row * size,
                111.53 + (column + 0.9) * size,
                37.06 + (row + 0.9) * size,
            )
            for row in range(40)
            for column in range(40)
        ],
        crs=4326,
    )
    published(demo_plan, tmp_path, grid, "gcj-test-grid")
    shifted = upload(demo_plan, tmp_path, to_gcj02(grid), "gcj-test-grid", "gcj02")
    assert [problem.code for problem in gcj02_problems(shifted)] == ["crs_gcj02_against_published"]
    moved = upload(demo_plan, tmp_path, jittered(grid, 3), "gcj-test-grid", "moved")
    assert gcj02_problems(moved) == []


def known_points() -> gpd.GeoDataFrame:
    """The 阳泉曲 town seat and 阳泉曲村委会 at their true (WGS 84) positions from
    fixtures/data, and three unnamed points nearby."""
    rows = []
    for file_name, name_column in (("places.csv", "name"), ("villages.csv", "short_name")):
        with (PLACES / file_name).open(encoding="utf-8") as lines:
            for row in csv.DictReader(lines):
                if row[name_column] in ("阳泉曲镇", "阳泉曲村"):
                    lonlat = (float(row["lon_wgs84_derived"]), float(row["lat_wgs84_derived"]))
                    rows.append({"MC": row[name_column], "geometry": shapely.Point(lonlat)})
    assert len(rows) == 2
    for index in range(3):
        rows.append({"MC": None, "geometry": shapely.Point(111.548 + index / 500, 37.072)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def test_a_new_layer_naming_known_places_at_their_amap_positions_is_refused(demo_plan, tmp_path):
    shifted = upload(demo_plan, tmp_path, to_gcj02(known_points()), "gcj-test-new", "places")
    assert shifted.revision is None
    [problem] = gcj02_problems(shifted)
    assert problem.code == "crs_gcj02_against_places"
    assert problem.params["places"] == "阳泉曲镇、阳泉曲村"
    with translation.override("zh-hans"):
        assert "火星坐标" in problem.message and "阳泉曲镇、阳泉曲村" in problem.message

    right = upload(demo_plan, tmp_path, known_points(), "gcj-test-new", "right")
    assert gcj02_problems(right) == []
    assert right.revision is not None


def test_what_cannot_be_checked_is_stored_a_new_layer_without_known_names(demo_plan, tmp_path):
    # The documented blind spot: nothing to compare with, so the shifted file is accepted.
    unnamed = known_points().assign(MC=None)
    result = upload(demo_plan, tmp_path, to_gcj02(unnamed), "gcj-test-blind", "unnamed")
    assert gcj02_problems(result) == []
    assert result.revision is not None


def test_a_named_point_merely_near_a_known_place_is_not_taken_for_gcj02(demo_plan, tmp_path):
    # A school of 阳泉曲村 300 m east of the village office: neither position fits well.
    points = known_points()
    school = shapely.affinity.translate(points.geometry.iloc[1], 300 / 88_900, 0)
    frame = gpd.GeoDataFrame(
        [{"MC": "阳泉曲村", "geometry": school}], geometry="geometry", crs=4326
    )
    result = upload(demo_plan, tmp_path, frame, "gcj-test-near", "near")
    assert gcj02_problems(result) == []
