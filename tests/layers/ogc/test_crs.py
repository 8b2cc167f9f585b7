"""OGC API - Features Part 2 (CRS by reference): `crs` and `bbox-crs` on items and on one item,
the Content-Crs header, and the axis order of each CRS's definition.

Expected coordinates come from pyproj (PROJ), independently of the server's PostGIS SQL: a
point is asked for in each CRS and compared with PROJ's answer in the CRS's own axis order.
"""

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.gis.geos import Polygon
from pyproj import Transformer

from tests.factories import make_layer
from tests.layers.ogc.ogc_helpers import (
    CGCS2000,
    CRS84,
    GK_CM_111E,
    GK_ZONE_37,
    WGS84,
    feature_ids,
    get_json,
    link,
)

ITEMS = "/ogc/collections/ogc-test-villages/items"


def items_url(**params) -> str:
    return f"{ITEMS}?{urlencode(params)}"


def projected_north_first(epsg: int, lon: float, lat: float) -> list[float]:
    """PROJ's northing and easting of a point: EPSG's X (north) then Y (east) axis order."""
    easting, northing = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return [northing, easting]


def coordinates(document: dict) -> list[list[float]]:
    return [feature["geometry"]["coordinates"] for feature in document["features"]]


def test_without_crs_items_are_crs84_longitude_first_and_say_so(client, villages):
    response, page = get_json(client, items_url(limit=3))
    assert response["Content-Crs"] == f"<{CRS84}>"
    assert coordinates(page) == [[111.0, 37.0], [111.01, 37.0], [111.02, 37.0]]
    explicit, same = get_json(client, items_url(limit=3, crs=CRS84))
    assert explicit["Content-Crs"] == f"<{CRS84}>"
    assert coordinates(same) == coordinates(page)


@pytest.mark.parametrize("crs", [CGCS2000, WGS84])
def test_cgcs2000_and_epsg_4326_come_latitude_first_as_their_definitions_say(client, villages, crs):
    response, page = get_json(client, items_url(limit=3, crs=crs))
    assert response["Content-Crs"] == f"<{crs}>"
    assert response["Content-Type"] == "application/geo+json"
    # CGCS2000 is treated as WGS 84 (centimetres apart here): the numbers stay, the order turns.
    assert coordinates(page) == [[37.0, 111.0], [37.0, 111.01], [37.0, 111.02]]
    # No "crs" member inside the geometry: the header says it, as Part 2 wants.
    assert set(page["features"][0]["geometry"]) == {"type", "coordinates"}


@pytest.mark.parametrize(("crs", "epsg"), [(GK_CM_111E, 4546), (GK_ZONE_37, 4525)])
def test_gauss_kruger_answers_are_northing_then_easting_in_metres(client, villages, crs, epsg):
    response, page = get_json(client, items_url(limit=25, crs=crs))
    assert response["Content-Crs"] == f"<{crs}>"
    for index, point in enumerate(coordinates(page)):
        expected = projected_north_first(epsg, 111.0 + index * 0.01, 37.0)
        assert point == pytest.approx(expected, abs=0.002)
    northing, easting = coordinates(page)[0]
    # On the central meridian (111°E): the false easting, with the zone number in 4525.
    assert easting == pytest.approx(37_500_000 if epsg == 4525 else 500_000, abs=0.002)
    # The meridian arc from the equator to 37°N on the CGCS2000 ellipsoid.
    assert northing == pytest.approx(4_096_511, abs=1)


def test_one_item_comes_in_the_crs_asked_for(client, villages):
    feature_id = feature_ids(villages.published_revision)[5]
    url = f"{ITEMS}/{feature_id}"
    plain, feature = get_json(client, url)
    assert plain["Content-Crs"] == f"<{CRS84}>"
    assert feature["geometry"]["coordinates"] == [111.05, 37.0]
    in_cgcs, feature = get_json(client, f"{url}?{urlencode({'crs': CGCS2000})}")
    assert in_cgcs["Content-Crs"] == f"<{CGCS2000}>"
    assert feature["geometry"]["coordinates"] == [37.0, 111.05]
    in_zone, feature = get_json(client, f"{url}?{urlencode({'crs': GK_ZONE_37})}")
    assert feature["geometry"]["coordinates"] == pytest.approx(
        projected_north_first(4525, 111.05, 37.0), abs=0.002
    )


def test_a_polygon_keeps_its_shape_in_every_crs(client, demo_plan):
    field = Polygon.from_bbox((111.1, 36.99, 111.12, 37.01))
    make_layer(demo_plan, "ogc-test-field", shapes=[field])
    url = "/ogc/collections/ogc-test-field/items"
    _, lonlat = get_json(client, url)
    _, latlon = get_json(client, f"{url}?{urlencode({'crs': CGCS2000})}")
    ring = lonlat["features"][0]["geometry"]["coordinates"][0]
    assert latlon["features"][0]["geometry"]["coordinates"][0] == [[y, x] for x, y in ring]
    _, metres = get_json(client, f"{url}?{urlencode({'crs': GK_CM_111E})}")
    projected = metres["features"][0]["geometry"]["coordinates"][0]
    assert projected == [
        pytest.approx(projected_north_first(4546, x, y), abs=0.002) for x, y in ring
    ]


@pytest.mark.parametrize(
    ("bbox", "bbox_crs"),
    [
        ("111.045,36.9,111.105,37.1", None),
        ("111.045,36.9,111.105,37.1", CRS84),
        ("36.9,111.045,37.1,111.105", CGCS2000),
        ("36.9,111.045,37.1,111.105", WGS84),
    ],
)
def test_a_geographic_bbox_is_read_in_the_axis_order_of_bbox_crs(client, villages, bbox, bbox_crs):
    params = {"bbox": bbox} | ({"bbox-crs": bbox_crs} if bbox_crs else {})
    _, page = get_json(client, items_url(**params))
    assert [point[0] for point in coordinates(page)] == pytest.approx(
        [111.05, 111.06, 111.07, 111.08, 111.09, 111.10]
    )


@pytest.mark.parametrize(("crs", "epsg"), [(GK_CM_111E, 4546), (GK_ZONE_37, 4525)])
def test_a_gauss_kruger_bbox_is_northings_first_and_tested_in_metres(client, villages, crs, epsg):
    # From just west of the 6th point (111.05°E) to just east of the 9th (111.08°E).
    south, west = projected_north_first(epsg, 111.0495, 36.99)
    north, east = projected_north_first(epsg, 111.0805, 37.01)
    bbox = f"{south},{west},{north},{east}"
    response, page = get_json(client, items_url(bbox=bbox, **{"bbox-crs": crs, "crs": crs}))
    assert response["Content-Crs"] == f"<{crs}>"
    eastings = [point[1] for point in coordinates(page)]
    expected = [
        projected_north_first(epsg, lon, 37.0)[1] for lon in (111.05, 111.06, 111.07, 111.08)
    ]
    assert eastings == pytest.approx(expected, abs=0.002)


def test_next_links_keep_crs_and_bbox_crs(client, villages):
    params = {"bbox": "36.9,111.0,37.1,111.2", "bbox-crs": CGCS2000, "crs": GK_CM_111E}
    _, page = get_json(client, items_url(limit=5, **params))
    following = parse_qs(urlsplit(link(page, "next")["href"]).query)
    assert following == {
        "bbox": [params["bbox"]],
        "bbox-crs": [CGCS2000],
        "crs": [GK_CM_111E],
        "limit": ["5"],
        "offset": ["5"],
    }
    # The links keep the box in its CRS to the last page, which (alone: numberMatched is
    # optional in Part 1 and not counted while more follow) says how many matched.
    returned = page["numberReturned"]
    while link(page, "next"):
        assert "numberMatched" not in page
        _, page = get_json(client, link(page, "next")["href"])
        returned += page["numberReturned"]
    assert page["numberMatched"] == returned == 21


@pytest.mark.parametrize(
    "query",
    [
        {"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"},
        {"crs": "EPSG:4490"},  # Part 2 names CRSs by URI
        {"crs": ""},
        {"bbox": "111,37,112,38", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/2000"},
        {"bbox-crs": CGCS2000},  # without a bbox
        {"bbox": "111,36,112,37", "bbox-crs": CGCS2000},  # latitude 111
        {"bbox": "4100000,-900000,4200000,-800000", "bbox-crs": GK_CM_111E},  # far west
        {"bbox": "4100000,37400000,4000000,37600000", "bbox-crs": GK_ZONE_37},  # north < south
        {"bbox": "4100000,400000,4200000,600000", "bbox-crs": GK_ZONE_37},  # no zone number
    ],
)
def test_an_unknown_crs_or_a_bbox_outside_its_crs_is_a_400_in_ogc_json(client, villages, query):
    response = client.get(items_url(**query))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = json.loads(response.content)
    assert error["code"] == "InvalidParameterValue"
    assert ("bbox" if "bbox" in query else "crs") in error["description"]


def test_an_item_refuses_an_unknown_crs_and_bbox_crs(client, villages):
    feature_id = feature_ids(villages.published_revision)[0]
    for query in ({"crs": "urn:ogc:def:crs:EPSG::4490"}, {"bbox-crs": CGCS2000}):
        response = client.get(f"{ITEMS}/{feature_id}?{urlencode(query)}")
        assert response.status_code == 400
        assert json.loads(response.content)["code"] == "InvalidParameterValue"


def test_a_304_names_the_crs_too_and_each_crs_has_its_own_etag(client, villages):
    first = client.get(items_url(crs=CGCS2000))
    other = client.get(items_url(crs=GK_CM_111E))
    assert first["ETag"] != other["ETag"]
    again = client.get(items_url(crs=CGCS2000), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["Content-Crs"] == f"<{CGCS2000}>"
    assert "Content-Crs" in first["Access-Control-Expose-Headers"]


def test_the_api_definition_describes_crs_and_bbox_crs(client, villages):
    _, definition = get_json(client, "/ogc/api")
    parameters = definition["components"]["parameters"]
    for name in ("crs", "bbox-crs"):
        assert parameters[name]["in"] == "query"
        assert parameters[name]["schema"]["enum"] == [
            CRS84,
            CGCS2000,
            GK_CM_111E,
            GK_ZONE_37,
            WGS84,
        ]
    operations = definition["paths"]
    items_parameters = operations["/collections/{collectionId}/items"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/crs"} in items_parameters
    assert {"$ref": "#/components/parameters/bbox-crs"} in items_parameters
    item = operations["/collections/{collectionId}/items/{featureId}"]["get"]
    assert {"$ref": "#/components/parameters/crs"} in item["parameters"]
    assert "Content-Crs" in item["responses"]["200"]["headers"]
