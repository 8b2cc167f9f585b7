"""Every check reports the feature's number (1-based, as the planner's GIS shows it) and the
field, with a severity: errors reject the file, warnings are kept."""

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.ingest import open_source, prepare_layer
from layers.ingest.problems import ProblemLog, Severity, warning
from tests.layers.ingest.samples import CENTRE_LONLAT, TO_GK_PLAIN, parcels_layer

SCHEMA = [
    {"name": "BSM", "type": "string", "required": True},
    {"name": "DLBM", "type": "string", "required": True},
    {"name": "GHFQDM", "type": "string", "required": True},
]


def gk_square(offset: float, size: float = 40.0) -> shapely.Polygon:
    """A parcel ``size`` metres wide, ``offset`` metres east of the samples' centre, in the
    Gauss-Krüger plane of the uploads (EPSG:4546)."""
    x, y = TO_GK_PLAIN.transform(*CENTRE_LONLAT)
    return shapely.box(x + offset, y, x + offset + size, y + size)


def upload(tmp_path, rows: list[dict]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4546)
    path = tmp_path / "checks.gpkg"
    pyogrio.write_dataframe(frame, path, geometry_type="Unknown", promote_to_multi=False)
    return path


def row(number: int, geometry, **fields) -> dict:
    values = {"BSM": f"B{number:03d}", "DLBM": "0101", "YDYHFLDM": "0101"} | fields
    return {**values, "geometry": geometry}


@pytest.fixture
def checked(tmp_path, demo_plan, settings):
    settings.UPLOAD_MAX_VERTICES_PER_FEATURE = 20
    x, y = TO_GK_PLAIN.transform(*CENTRE_LONLAT)
    bow_tie = shapely.Polygon([(x, y), (x + 40, y + 40), (x + 40, y), (x, y + 40), (x, y)])
    flat = shapely.Polygon([(x, y), (x + 20, y), (x + 40, y), (x, y)])
    rows = [
        row(1, gk_square(0)),
        row(2, bow_tie),
        row(3, flat),
        row(4, None),
        row(5, shapely.LineString([(x, y), (x + 50, y + 50)])),
        row(6, gk_square(60_000)),  # 60 km east: outside the township
        row(7, shapely.Point(x + 500, y).buffer(10, quad_segs=8)),  # 33 vertices
        row(8, gk_square(600), BSM="B001"),
        row(9, gk_square(700), DLBM="0305", YDYHFLDM="9999"),
        row(10, gk_square(800), DLBM=""),
    ]
    layer = parcels_layer(demo_plan, "ingest-checks", attribute_schema=SCHEMA)
    with open_source(upload(tmp_path, rows)) as source:
        return prepare_layer(layer, source)


def found(prepared, code: str) -> list[tuple]:
    return [(p.feature, p.field, p.severity) for p in prepared.problems if p.code == code]


def test_an_invalid_polygon_is_repaired_and_reported_as_a_warning(checked):
    assert found(checked, "geometry_repaired") == [(2, None, Severity.WARNING)]
    repaired = checked.frame.geometry.iloc[1]
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert "Self-intersection" in next(
        p.message for p in checked.problems if p.code == "geometry_repaired"
    )


def test_a_polygon_without_area_cannot_be_repaired_and_is_an_error(checked):
    assert found(checked, "geometry_unrepairable") == [(3, None, Severity.ERROR)]


def test_a_feature_without_geometry_is_an_error(checked):
    assert found(checked, "geometry_empty") == [(4, None, Severity.ERROR)]


def test_a_line_in_a_polygon_layer_is_an_error(checked):
    assert found(checked, "geometry_wrong_type") == [(5, None, Severity.ERROR)]


def test_a_feature_outside_the_approximate_plan_extent_is_a_warning(checked):
    # The demo plan has no official boundary (tests/layers/ingest/test_ingest_extent.py).
    assert found(checked, "geometry_outside_approximate") == [(6, None, Severity.WARNING)]


def test_a_feature_with_too_many_vertices_is_an_error(checked):
    assert found(checked, "too_many_vertices") == [(7, None, Severity.ERROR)]
    message = next(p.message for p in checked.problems if p.code == "too_many_vertices")
    assert "33" in message and "20" in message


def test_a_duplicate_key_names_the_feature_that_has_it_first(checked):
    assert found(checked, "key_duplicate") == [(8, "BSM", Severity.ERROR)]
    problem = next(p for p in checked.problems if p.code == "key_duplicate")
    assert problem.params["first"] == 1 and problem.params["value"] == "B001"


def test_land_use_codes_outside_the_2023_classification_are_reported(checked):
    codes = found(checked, "landuse_code_unknown")
    assert (9, "YDYHFLDM", Severity.ERROR) in codes
    assert (9, "DLBM", Severity.WARNING) in codes  # a 三调 code (灌木林地) in the survey field
    assert len(codes) == 2


def test_missing_and_empty_required_fields_are_errors(checked):
    assert found(checked, "field_missing") == [(None, "GHFQDM", Severity.ERROR)]
    assert found(checked, "field_empty") == [(10, "DLBM", Severity.ERROR)]


def test_a_file_with_errors_is_rejected_and_a_clean_one_is_not(checked, tmp_path, demo_plan):
    assert checked.rejected
    layer = parcels_layer(demo_plan, "ingest-checks-clean")
    clean = upload(tmp_path, [row(1, gk_square(0)), row(2, gk_square(100), DLBM="0103")])
    with open_source(clean) as source:
        prepared = prepare_layer(layer, source)
    assert not prepared.rejected
    assert prepared.problems == []


def test_each_problem_names_its_feature_and_field_in_the_message(checked):
    problem = next(p for p in checked.problems if p.code == "field_empty")
    assert "10" in problem.message and "DLBM" in problem.message
    stored = problem.as_dict()
    assert stored["feature"] == 10 and stored["field"] == "DLBM"
    assert stored["severity"] == "error" and stored["message"]
    assert stored["params"]["key"] == "B010"


def test_numeric_land_use_codes_get_their_leading_zero_back(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-checks-numeric")
    path = upload(tmp_path, [row(1, gk_square(0), DLBM=101), row(2, gk_square(100), DLBM=80403)])
    with open_source(path) as source:
        prepared = prepare_layer(layer, source)
    assert list(prepared.frame["DLBM"]) == ["0101", "080403"]
    assert [p.code for p in prepared.problems] == ["landuse_code_padded"]


def test_the_stored_list_keeps_a_hundred_problems_of_a_kind_and_counts_the_rest():
    log = ProblemLog([warning("key_empty", field="BSM", feature=n) for n in range(1, 251)])
    stored = log.stored()
    assert len(stored) == 101
    assert stored[-1]["code"] == "more_problems"
    assert stored[-1]["params"] == {"of": "key_empty", "count": 150}
