"""GIS clients read a filtered collection from the live gunicorn server: GDAL's OAPIF driver
(osgeo.ogr of Debian's python3-gdal, GDAL 3.6, in its own interpreter: the project's
virtualenv has no GDAL bindings) and OWSLib's OGC API - Features client, on 127.0.0.1 only.
GDAL 3.6 knows only Part 3's drafts (cql-text), so it pages through the collection and applies
its attribute filter itself; OWSLib sends the CQL2 filter, `properties` and `sortby`."""

import json
import subprocess
from pathlib import Path

import pytest
from owslib.ogcapi.features import Features

from layers.models import Layer
from planportal.models import Plan
from tests.conftest import DEMO_SLUG
from tests.factories import make_layer
from tests.layers.ogc.ogc_helpers import parcel_shapes
from tests.layers.ogc.test_ogc_with_gdal import gdal_environment

COLLECTION = "ogc-filter-clients"
DEBIAN_PYTHON = "/usr/bin/python3"
# Read with osgeo.ogr: every feature of the layer behind the URL, through GDAL's paging.
READ_WITH_OGR = """
import json, sys
from osgeo import gdal, ogr
gdal.UseExceptions()
source = ogr.Open(sys.argv[1])
layer = source.GetLayer(0)
layer.SetAttributeFilter(sys.argv[2])
rows = []
for feature in layer:
    geometry = feature.GetGeometryRef().GetGeometryName()
    rows.append({"BSM": feature.GetField("BSM"), "geometry": geometry})
print(json.dumps({"name": layer.GetName(), "rows": rows}))
"""


@pytest.fixture(scope="module")
def filtered_layer(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        plan = Plan.objects.get(slug=DEMO_SLUG)
        layer = make_layer(plan, COLLECTION, shapes=parcel_shapes(112.0) * 3)
    yield layer
    with django_db_blocker.unblock():
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        Layer.objects.filter(pk=layer.pk).delete()


def read_with_ogr(url: str, where: str) -> dict:
    if not Path(DEBIAN_PYTHON).exists():
        pytest.fail("Debian's python3 with python3-gdal is needed (apt-get install python3-gdal)")
    result = subprocess.run(
        [DEBIAN_PYTHON, "-c", READ_WITH_OGR, url, where],
        capture_output=True,
        text=True,
        timeout=120,
        env={**gdal_environment(), "CPL_DEBUG": "ON"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {**json.loads(result.stdout), "log": result.stderr}


@pytest.mark.django_db
def test_gdal_reads_a_filtered_collection_page_by_page(live_url, filtered_layer):
    # 18 parcels, 9 of them 0101 or 0103 with more than 100 m², read 4 at a time.
    url = f"OAPIF:{live_url}/ogc/collections/{COLLECTION}"
    read = read_with_ogr(url, "DLBM IN ('0101', '0103') AND TBMJ > 100")
    assert sorted(row["BSM"] for row in read["rows"]) == sorted(["P1", "P3", "P5"] * 3)
    assert {row["geometry"] for row in read["rows"]} == {"POLYGON"}
    # GDAL 3.6 sends no CQL2 (only Part 3's old drafts) and applies the filter itself.


@pytest.mark.django_db
def test_owslib_reads_queryables_and_a_filtered_sorted_page(live_url, filtered_layer):
    api = Features(f"{live_url}/ogc/", timeout=10)
    assert (
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
        in api.conformance()["conformsTo"]
    )
    queryables = api.collection_queryables(COLLECTION)
    assert {"geometry", "BSM", "DLBM", "TBMJ"} <= set(queryables["properties"])
    page = api.collection_items(
        COLLECTION,
        filter="S_INTERSECTS(geometry, BBOX(112.0, 36.9, 112.026, 37.1)) AND SFJZ = true",
        sortby=("TBMJ", "desc"),
        properties="BSM,TBMJ",
        limit=100,
    )
    assert page["numberMatched"] == 6
    assert [feature["properties"]["BSM"] for feature in page["features"]] == ["P3"] * 3 + ["P1"] * 3
    assert set(page["features"][0]["properties"]) <= {"BSM", "TBMJ", "SJZT"}
    # cql2-json through the same client.
    page = api.collection_items(
        COLLECTION,
        **{
            "filter": json.dumps({"op": "=", "args": [{"property": "DLBM"}, "0201"]}),
            "filter-lang": "cql2-json",
        },
    )
    assert [feature["properties"]["BSM"] for feature in page["features"]] == ["P6"] * 3
