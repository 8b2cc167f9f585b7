"""GDAL's OGC API - Features driver reads a collection from the live gunicorn server in
CGCS2000 (EPSG:4490) and in the plan's Gauss-Krüger zone, through OGC API - Features Part 2.

Debian 12's GDAL 3.6 command-line tools have no CRS option for OAPIF (it came with GDAL 3.7),
so this test uses the GDAL that pyogrio's wheel bundles (3.12 here; pyogrio is already how the
upload pipeline reads files), with the driver's own open options `CRS` and
`SERVER_FEATURE_AXIS_ORDER=AUTHORITY_COMPLIANT` (its default, named here on purpose): GDAL then
asks for `crs=http://www.opengis.net/def/crs/EPSG/0/4490`, reads the coordinates in the axis
order of EPSG's definition (latitude first) and hands them out as x = longitude. A server that
answered longitude first would come out with x and y swapped, so comparing with the known
coordinates checks the axis order end to end.
"""

import pyogrio
import pytest
import shapely
from django.contrib.gis.geos import Point
from pyproj import CRS, Transformer

from layers.models import Layer
from planportal.models import Plan
from tests.conftest import DEMO_SLUG
from tests.factories import make_layer

COLLECTION = "ogc-gdal-crs-villages"
# Three villages' made-up positions in the plan area (longitude, latitude).
KNOWN = [(111.0512345, 37.0412345), (111.1023456, 37.0823456), (111.2034567, 37.1234567)]


@pytest.fixture(scope="module")
def gdal_collection(django_db_setup, django_db_blocker):
    """A points layer committed for the live server to see, removed afterwards."""
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=DEMO_SLUG)
        shapes = [
            {"geom": Point(lon, lat, srid=4326), "properties": {"MC": f"村{index}"}}
            for index, (lon, lat) in enumerate(KNOWN)
        ]
        layer = make_layer(plan, COLLECTION, shapes=shapes)
    yield layer
    with django_db_blocker.unblock():
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        Layer.objects.filter(pk=layer.pk).delete()


@pytest.fixture
def local_gdal(monkeypatch):
    """Short timeouts, no retries, no proxy: nothing but 127.0.0.1."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    pyogrio.set_gdal_config_options(
        {"GDAL_HTTP_TIMEOUT": "10", "GDAL_HTTP_MAX_RETRY": "0", "PROJ_NETWORK": "OFF"}
    )


def read(live_url: str, crs: str):
    return pyogrio.read_dataframe(
        f"OAPIF:{live_url}/ogc/collections/{COLLECTION}",
        CRS=crs,
        SERVER_FEATURE_AXIS_ORDER="AUTHORITY_COMPLIANT",
    )


@pytest.mark.django_db
def test_gdal_reads_a_collection_in_cgcs2000_with_latitude_first_on_the_wire(
    live_url, gdal_collection, local_gdal
):
    assert "OAPIF" in pyogrio.list_drivers()
    frame = read(live_url, "EPSG:4490")
    assert CRS.from_user_input(frame.crs).to_epsg() == 4490
    assert list(frame["MC"]) == ["村0", "村1", "村2"]
    read_back = [(point.x, point.y) for point in frame.geometry]
    assert read_back == [pytest.approx(known, abs=1e-7) for known in KNOWN]


@pytest.mark.django_db
def test_gdal_reads_a_collection_in_the_plans_gauss_kruger_zone(
    live_url, gdal_collection, local_gdal
):
    for epsg in (4546, 4525):
        frame = read(live_url, f"EPSG:{epsg}")
        assert CRS.from_user_input(frame.crs).to_epsg() == epsg
        to_zone = Transformer.from_crs(4326, epsg, always_xy=True)
        expected = [to_zone.transform(lon, lat) for lon, lat in KNOWN]
        read_back = [(point.x, point.y) for point in frame.geometry]
        assert read_back == [pytest.approx(xy, abs=0.002) for xy in expected]
        assert all(shapely.get_x(point) > 37_000_000 for point in frame.geometry) == (epsg == 4525)


@pytest.mark.django_db
def test_gdal_sends_a_bbox_in_the_layers_crs_that_the_server_accepts(
    live_url, gdal_collection, local_gdal
):
    # A box around the second village only, given in CGCS2000 longitude/latitude; GDAL
    # passes it on (as bbox, or bbox and bbox-crs) and the server must not refuse it.
    frame = pyogrio.read_dataframe(
        f"OAPIF:{live_url}/ogc/collections/{COLLECTION}",
        CRS="EPSG:4490",
        bbox=(111.10, 37.08, 111.11, 37.09),
    )
    assert list(frame["MC"]) == ["村1"]
