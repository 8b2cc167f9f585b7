"""GDAL's OGC API - Features driver (OAPIF, Debian's GDAL 3.6 command-line tools) reads /ogc/
from the live gunicorn server: every collection with its feature count and geometry type, every
feature through the next links, and bbox filtering; tiles-only layers are never offered.

The session database holds the demonstration layers (when the catalogue exists) and every
collection listed is checked; the layers below are added as well, committed for the server to
see, and removed afterwards. The points layer has more features than GDAL's page (10) and the
server's default limit (100), so reading it all exercises the next links.
"""

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import LineString, MultiPolygon, Point

from layers.models import Feature, Layer
from planportal.models import Plan
from tests.conftest import DEMO_SLUG
from tests.factories import make_layer, square

DEMO_CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "yangquanqu" / "layers.json"
FARMLAND = "yangquanqu-yjjbnt"
POINTS = "ogc-gdal-points"
POINT_COUNT = 137
GDAL_GEOMETRY_NAMES = {
    "Point": "Point",
    "MultiPoint": "Multi Point",
    "LineString": "Line String",
    "MultiLineString": "Multi Line String",
    "Polygon": "Polygon",
    "MultiPolygon": "Multi Polygon",
}


def gdal_environment() -> dict[str, str]:
    """Short timeouts, no retries, no proxy and no PROJ network: nothing but 127.0.0.1."""
    env = {name: value for name, value in os.environ.items() if "proxy" not in name.lower()}
    env.update(
        GDAL_HTTP_TIMEOUT="10",
        GDAL_HTTP_CONNECTTIMEOUT="5",
        GDAL_HTTP_MAX_RETRY="0",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PROJ_NETWORK="OFF",
    )
    return env


def ogrinfo(*arguments: str, debug: bool = False) -> subprocess.CompletedProcess:
    """Runs Debian's ogrinfo read-only; with `debug`, stderr lists every URL GDAL fetched."""
    env = gdal_environment()
    if debug:
        env["CPL_DEBUG"] = "ON"
    result = subprocess.run(
        ["ogrinfo", "-ro", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ERROR" not in result.stderr, result.stderr
    return result


def summaries(output: str) -> dict[str, dict[str, str]]:
    """`ogrinfo -so -al` output as {layer name: {"Geometry": ..., "Feature Count": ...}}."""
    layers: dict[str, dict[str, str]] = {}
    current = None
    for line in output.splitlines():
        if line.startswith("Layer name: "):
            current = layers.setdefault(line.removeprefix("Layer name: "), {})
        elif current is not None and ": " in line and not line.startswith(" "):
            key, value = line.split(": ", 1)
            current.setdefault(key, value)
    return layers


def features_read(output: str) -> dict[str, list[int]]:
    """The FIDs of every `OGRFeature(layer):fid` line of a full ogrinfo dump, per layer."""
    read: dict[str, list[int]] = {}
    for name, fid in re.findall(r"^OGRFeature\((.+)\):(\d+)$", output, re.MULTILINE):
        read.setdefault(name, []).append(int(fid))
    return read


def expected_geometry(layer: Layer) -> str:
    """What GDAL should report: the one geometry type of the published features, multi-part
    when they mix single and multi parts (the server then serves all of them multi-part), and
    no type for an empty layer."""
    kinds = {
        feature.geom.geom_type
        for feature in Feature.objects.filter(revision=layer.published_revision_id).only("geom")
    }
    if not kinds:
        return "Unknown (any)"
    multi = sorted(kind for kind in kinds if kind.startswith("Multi"))
    return GDAL_GEOMETRY_NAMES[multi[0] if len(kinds) > 1 else kinds.pop()]


def published_ids(collection_id: str) -> list[int]:
    layer = Layer.objects.get(collection_id=collection_id)
    return list(
        Feature.objects.filter(revision=layer.published_revision_id)
        .order_by("id")
        .values_list("id", flat=True)
    )


@pytest.fixture(scope="module")
def gdal_layers(django_db_setup, django_db_blocker):
    """A points layer bigger than one page, a line and a polygon layer, and a tiles-only
    layer, committed so that the live server sees them."""
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=DEMO_SLUG)
        parcel = square(111.40, 37.10, 0.01)
        parcels = MultiPolygon(parcel.buffer(-0.001), square(111.5, 37.1, 0.01), srid=4326)
        points = [Point(111.3 + i / 1000, 37.2, srid=4326) for i in range(POINT_COUNT)]
        roads = [
            {
                "geom": LineString((111.3, 37.0 + i / 100), (111.5, 37.1), srid=4326),
                "properties": {"DLBM": f"S{i}", "名称": "<b>孝石线</b>"},
            }
            for i in range(3)
        ]
        made = [
            make_layer(plan, POINTS, shapes=points),
            make_layer(plan, "ogc-gdal-roads", shapes=roads),
            make_layer(plan, "ogc-gdal-zones", shapes=[parcel, parcels]),  # single and multi parts
            make_layer(plan, "ogc-gdal-empty", shapes=[]),
            make_layer(plan, "ogc-gdal-tiles-only", shapes=[parcel], policy="tiles-only"),
        ]
    yield [layer.collection_id for layer in made]
    with django_db_blocker.unblock():
        for layer in made:
            Layer.objects.filter(pk=layer.pk).update(published_revision=None)
            Layer.objects.filter(pk=layer.pk).delete()


def listed_collections(live_url: str) -> list[str]:
    with urllib.request.urlopen(f"{live_url}/ogc/collections", timeout=10) as response:
        return [collection["id"] for collection in json.load(response)["collections"]]


@pytest.mark.django_db
def test_gdal_lists_every_collection_with_its_feature_count_and_geometry_type(
    live_url, gdal_layers
):
    listed = listed_collections(live_url)
    expected = Layer.objects.with_features().select_related("published_revision")
    assert sorted(listed) == sorted(layer.collection_id for layer in expected)
    assert set(gdal_layers) - {"ogc-gdal-tiles-only"} <= set(listed)

    # Tiles-only and generalised layers (the demo farmland) offer no coordinates.
    tiles_only = set(
        Layer.objects.public()
        .exclude(public_policy="features")
        .values_list("collection_id", flat=True)
    )
    assert "ogc-gdal-tiles-only" in tiles_only
    if DEMO_CATALOGUE.exists():
        assert FARMLAND in tiles_only
    assert not tiles_only & set(listed)
    assert FARMLAND not in listed

    seen = summaries(ogrinfo("-so", "-al", f"OAPIF:{live_url}/ogc/").stdout)
    assert sorted(seen) == sorted(listed)
    for layer in expected:
        summary = seen[layer.collection_id]
        assert int(summary["Feature Count"]) == layer.published_revision.feature_count
        assert int(summary["Feature Count"]) == len(published_ids(layer.collection_id))
        assert summary.get("Geometry") == expected_geometry(layer), layer.collection_id


@pytest.mark.django_db
def test_gdal_pages_through_every_feature_of_every_collection(live_url, gdal_layers):
    result = ogrinfo("-q", "-al", "-geom=SUMMARY", f"OAPIF:{live_url}/ogc/", debug=True)
    read = features_read(result.stdout)
    listed = listed_collections(live_url)
    assert sorted(read) == sorted(collection for collection in listed if published_ids(collection))
    for collection in listed:
        assert read.get(collection, []) == published_ids(collection), collection
    assert len(read[POINTS]) == POINT_COUNT
    pages = re.findall(rf"Fetch\(\S+/collections/{POINTS}/items\?(\S+)\)", result.stderr)
    assert "limit=10&offset=130" in pages  # GDAL followed the next links to the last page


@pytest.mark.django_db
def test_gdal_sends_a_bbox_the_server_accepts(live_url, gdal_layers):
    # GDAL also filters on its side, so this proves the round trip (bbox sent, no 400, the
    # right features); the server's own filtering is tested in test_items.py.
    # Points sit at longitude 111.300, 111.301, ...: this box holds the 11 from .310 to .320.
    result = ogrinfo(
        "-q",
        "-geom=SUMMARY",
        "-spat",
        "111.3095",
        "37.1",
        "111.3205",
        "37.3",
        f"OAPIF:{live_url}/ogc/",
        POINTS,
        debug=True,
    )
    assert "bbox=111.3095" in result.stderr
    assert features_read(result.stdout)[POINTS] == published_ids(POINTS)[10:21]
