"""The demonstration layers: scripts/build_demo_layers.py is deterministic, writes what is
committed (on CPUs with and without AVX-512 alike: the build turns numpy's AVX-512 loops off),
and its layers are sound and say what the plan says. No database needed."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build_demo_layers.py"
FIXTURES = REPO / "fixtures" / "yangquanqu"
KINDS = {
    "Point": {"Point", "MultiPoint"},
    "LineString": {"LineString", "MultiLineString"},
    "Polygon": {"Polygon", "MultiPolygon"},
}
TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True)


def layer_files(directory: Path) -> dict[str, bytes]:
    paths = [directory / "layers.json", *sorted((directory / "layers").glob("*.geojson"))]
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in paths}


def hectares(geometry) -> float:
    """Area in EPSG:4546 (CGCS2000 Gauss-Krüger zone 37), as the plan measures it."""
    return shapely.transform(geometry, TO_METRIC.transform, interleaved=False).area / 10_000


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> list[dict[str, bytes]]:
    builds = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        subprocess.run(
            [sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True
        )
        builds.append(layer_files(out))
    return builds


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return json.loads((FIXTURES / "layers.json").read_text(encoding="utf-8"))["layers"]


@pytest.fixture(scope="module")
def features(catalogue) -> dict[str, list[dict]]:
    """Features of every layer, by layer code."""
    return {
        entry["code"]: json.loads((FIXTURES / entry["file"]).read_text(encoding="utf-8"))[
            "features"
        ]
        for entry in catalogue
    }


def geometries(features, code: str) -> list:
    return [shape(f["geometry"]) for f in features[code]]


def test_building_twice_gives_the_same_bytes(two_builds):
    first, second = two_builds
    assert first == second


def test_the_build_gives_the_committed_fixtures(two_builds):
    assert two_builds[0] == layer_files(FIXTURES)


def test_every_layer_file_parses_with_valid_geometries_of_the_declared_type(catalogue, features):
    assert len({entry["collection_id"] for entry in catalogue}) == len(catalogue)
    for entry in catalogue:
        assert (FIXTURES / entry["file"]).is_file(), entry["file"]
        for geometry in geometries(features, entry["code"]):
            assert geometry.is_valid and not geometry.is_empty, entry["code"]
            assert geometry.geom_type in KINDS[entry["geometry_type"]], entry["code"]


def test_every_feature_has_its_required_attributes_and_a_unique_key(catalogue, features):
    for entry in catalogue:
        required = [a["name"] for a in entry["attributes"] if a["required"]]
        keys = [f["properties"][entry["key_field"]] for f in features[entry["code"]]]
        assert len(set(keys)) == len(keys), entry["code"]
        for feature in features[entry["code"]]:
            missing = [n for n in required if feature["properties"].get(n) in (None, "")]
            assert not missing, (entry["code"], missing)


def test_the_village_layer_has_the_31_village_units_of_nbs_2023(features):
    with open(REPO / "fixtures" / "data" / "villages.csv", encoding="utf-8") as f:
        nbs2023 = {r["code"] for r in csv.DictReader(f) if r["in_nbs2023"] == "Y"}
    codes = [f["properties"]["XZQDM"] for f in features["XZC"]]
    assert len(nbs2023) == 31 and sorted(codes) == sorted(nbs2023)


def test_there_are_ten_bus_stops_two_of_them_at_chunta(features):
    places = [f["properties"]["KKDD"] for f in features["GJZD"]]
    assert len(places) == 10 and places.count("春塔村") == 2


def test_the_seat_range_measures_118_13_hectares(features):
    (seat_range,) = geometries(features, "ZDFW")
    assert hectares(seat_range) == pytest.approx(118.13, abs=0.05)


def test_farmland_parcels_number_2500_to_4000_and_stay_out_of_the_boundary(features):
    parcels = geometries(features, "YJJBNT")
    boundary = shapely.union_all(geometries(features, "CZKFBJ"))
    assert 2500 <= len(parcels) <= 4000
    assert not any(shapely.intersects(parcels, boundary))


def test_the_red_line_layer_is_empty_and_says_the_town_has_none(catalogue, features):
    (entry,) = [e for e in catalogue if e["code"] == "STBHHX"]
    assert features["STBHHX"] == [] and "不涉及生态保护红线" in entry["description"]


def test_the_duizhen_river_flows_from_west_to_east(features):
    (river,) = [f for f in features["HL"] if f["properties"]["HLMC"] == "兑镇河"]
    coordinates = shape(river["geometry"]).coords
    assert coordinates[0][0] < coordinates[-1][0]


def test_everything_but_the_county_outline_lies_within_the_town_extent(catalogue, features):
    (extent,) = geometries(features, "XZQ")
    inside = extent.buffer(1e-5)  # about a metre, for points snapped to 6 decimals
    for entry in catalogue:
        if entry["code"] != "XJXZQ":
            assert all(inside.contains(g) for g in geometries(features, entry["code"])), entry[
                "code"
            ]
