"""CQL2 filters, queryables, `properties` and `sortby` on /ogc/collections/{id}/items
(OGC API - Features Part 3), and the revision summary that spares every request a scan."""

import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.contrib.gis.geos import MultiPolygon

from layers.models import PublicPolicy
from layers.ogc.lookup import forget_items_sources
from layers.revisions.publishing import publish_revision
from tests.factories import add_revision, make_layer, square
from tests.layers.ogc.ogc_helpers import CGCS2000, get_json, link, parcel_shapes

PARCELS = "ogc-test-parcels"


@pytest.fixture
def parcels(demo_plan):
    return make_layer(
        demo_plan,
        PARCELS,
        shapes=parcel_shapes(),
        attribute_schema=[{"name": "DLBM", "label": "地类编码"}, {"name": "TBMJ"}],
    )


def items(client, query: str = "", **params):
    url = f"/ogc/collections/{PARCELS}/items?limit=100"
    for name, value in params.items():
        url += f"&{name.replace('_', '-')}={quote(str(value))}"
    return get_json(client, url + query)[1]


def codes(document: dict) -> list[str]:
    return [feature["properties"]["BSM"] for feature in document["features"]]


def refused(client, expected: str, **params) -> dict:
    url = f"/ogc/collections/{PARCELS}/items?" + "&".join(
        f"{name.replace('_', '-')}={quote(str(value))}" for name, value in params.items()
    )
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    error = json.loads(response.content)
    assert error["code"] == "InvalidParameterValue"
    assert expected in error["description"], error["description"]
    return error


@pytest.mark.parametrize(
    ("cql2", "expected"),
    [
        ("DLBM = '0103'", ["P3", "P4"]),
        ("DLBM <> '0101'", ["P2", "P3", "P4", "P6"]),
        ("TBMJ < 300", ["P1", "P4"]),
        ("TBMJ <= 300", ["P1", "P4", "P6"]),
        ("TBMJ > 800", ["P3", "P5"]),
        ("TBMJ >= 800", ["P2", "P3", "P5"]),
        ("TBMJ BETWEEN 100 AND 800", ["P1", "P2", "P6"]),
        ("DLMC LIKE '水%'", ["P1", "P2"]),
        ("DLMC LIKE '_地'", ["P3"]),
        ("DLMC NOT LIKE '水%'", ["P3", "P6"]),
        ("CASEI(BSM) = 'p2'", ["P2"]),
        ("DLBM IN ('0101', '0201')", ["P1", "P5", "P6"]),
        ("DLBM NOT IN ('0101', '0201')", ["P2", "P3", "P4"]),
        ("TBMJ IN (40, 2000)", ["P4", "P5"]),
        ("DLMC IS NULL", ["P4", "P5"]),
        ("DLMC IS NOT NULL", ["P1", "P2", "P3", "P6"]),
        ("SFJZ = true", ["P1", "P3", "P5"]),
        ("DLBM = '0101' AND TBMJ > 1000", ["P5"]),
        ("DLBM = '0201' OR TBMJ < 100", ["P4", "P6"]),
        ("NOT (DLBM = '0101')", ["P2", "P3", "P4", "P6"]),
        ("S_INTERSECTS(geometry, POINT(111.0225 37.0025))", ["P3"]),
        (
            "S_INTERSECTS(geometry, POLYGON((111.0 37.0, 111.016 37.0, 111.016 37.001, "
            "111.0 37.001, 111.0 37.0)))",
            ["P1", "P2"],
        ),
        ("S_INTERSECTS(geometry, BBOX(111.036, 36.9, 111.1, 37.1))", ["P5", "P6"]),
        ("S_INTERSECTS(geometry, BBOX(111.036, 36.9, 111.1, 37.1)) AND SFJZ = false", ["P6"]),
    ],
)
def test_each_cql2_text_operator_selects_what_it_says(client, parcels, cql2, expected):
    document = items(client, filter=cql2)
    assert codes(document) == expected
    assert document["numberMatched"] == len(expected)


@pytest.mark.parametrize(
    ("cql2_json", "expected"),
    [
        ({"op": "=", "args": [{"property": "DLBM"}, "0103"]}, ["P3", "P4"]),
        ({"op": ">", "args": [{"property": "TBMJ"}, 800]}, ["P3", "P5"]),
        ({"op": "like", "args": [{"property": "DLMC"}, "水%"]}, ["P1", "P2"]),
        ({"op": "in", "args": [{"property": "DLBM"}, ["0102", "0201"]]}, ["P2", "P6"]),
        ({"op": "isNull", "args": [{"property": "DLMC"}]}, ["P4", "P5"]),
        (
            {
                "op": "and",
                "args": [
                    {"op": "=", "args": [{"property": "SFJZ"}, True]},
                    {"op": "not", "args": [{"op": "=", "args": [{"property": "DLBM"}, "0101"]}]},
                ],
            },
            ["P3"],
        ),
        (
            {
                "op": "s_intersects",
                "args": [
                    {"property": "geometry"},
                    {"type": "Point", "coordinates": [111.0525, 37.0025]},
                ],
            },
            ["P6"],
        ),
    ],
)
def test_the_json_encoding_selects_the_same(client, parcels, cql2_json, expected):
    document = items(client, filter=json.dumps(cql2_json), filter_lang="cql2-json")
    assert codes(document) == expected


def test_a_filter_geometry_in_cgcs2000_is_read_latitude_first(client, parcels):
    document = items(
        client, filter="S_INTERSECTS(geometry, POINT(37.0025 111.0225))", filter_crs=CGCS2000
    )
    assert codes(document) == ["P3"]


def test_filtered_pages_link_onwards_with_the_filter_and_cover_every_match(client, parcels):
    url = f"/ogc/collections/{PARCELS}/items?limit=2&filter={quote('TBMJ > 100')}&sortby=-TBMJ"
    seen = []
    while url:
        _, page = get_json(client, url)
        # numberMatched (optional in Part 1) only where the page tells it: the last one.
        assert page.get("numberMatched") == (None if link(page, "next") else 5)
        seen += codes(page)
        following = link(page, "next")
        url = following["href"] if following else None
        if following:
            query = parse_qs(urlsplit(url).query)
            assert query["filter"] == ["TBMJ > 100"] and query["sortby"] == ["-TBMJ"]
            assert query["filter-lang"] == ["cql2-text"]
    assert seen == ["P5", "P3", "P2", "P6", "P1"]


def test_sortby_orders_by_queryables_with_the_id_breaking_ties(client, parcels):
    assert codes(items(client, sortby="-TBMJ")) == ["P5", "P3", "P2", "P6", "P1", "P4"]
    # A + in a URL is a space: both spellings of ascending are understood.
    assert codes(items(client, sortby="+DLBM,-TBMJ")) == ["P5", "P1", "P2", "P3", "P4", "P6"]
    assert codes(items(client, "&sortby=-BSM")) == ["P6", "P5", "P4", "P3", "P2", "P1"]
    refused(client, "NOPE", sortby="NOPE")


def test_properties_keeps_only_the_named_attributes_and_the_data_mark(client, parcels):
    document = items(client, properties="BSM,TBMJ")
    mark = parcels.data_mark
    for feature in document["features"]:
        expected = {"BSM", "TBMJ"} | ({"SJZT"} if mark else set())
        assert set(feature["properties"]) == expected
    refused(client, "NOPE", properties="BSM,NOPE")


def test_queryables_describe_the_published_attributes_as_json_schema(client, parcels):
    response, schema = get_json(client, f"/ogc/collections/{PARCELS}/queryables")
    assert response["Content-Type"] == "application/schema+json"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["$id"] == f"http://testserver/ogc/collections/{PARCELS}/queryables"
    assert schema["properties"] == {
        "geometry": {"format": "geometry-polygon", "x-ogc-role": "primary-geometry"},
        "BSM": {"type": "string"},
        "DLBM": {"type": "string", "title": "地类编码"},
        "DLMC": {"type": "string"},
        "SFJZ": {"type": "boolean"},
        "TBMJ": {"type": "number"},
    }
    _, collection = get_json(client, f"/ogc/collections/{PARCELS}")
    rel = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    assert link(collection, rel)["href"] == schema["$id"]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"filter": "HIDDEN = 'x'"}, "HIDDEN"),
        ({"filter": "DLBM = "}, "cql2-text"),
        ({"filter": "DLBM = '0101' AND"}, "cql2-text"),
        ({"filter": "{not json", "filter_lang": "cql2-json"}, "cql2-json"),
        ({"filter": '{"op": "nope", "args": []}', "filter_lang": "cql2-json"}, "cql2-json"),
        ({"filter": "S_WITHIN(geometry, POINT(111 37))"}, "S_WITHIN"),
        ({"filter": "TBMJ = '800'"}, ""),
        ({"filter": "TBMJ LIKE '8%'"}, "LIKE"),
        ({"filter": "DLBM = '0101'", "filter_lang": "cql-text"}, "filter-lang"),
        ({"filter": " "}, "filter"),
        ({"filter": "DLBM = '1'", "filter_crs": "EPSG:1"}, "filter-crs"),
    ],
)
def test_a_bad_filter_is_refused_with_the_reason(client, parcels, params, reason):
    refused(client, reason, **params)


def test_a_tiles_only_layer_offers_neither_queryables_nor_filters(client, demo_plan):
    make_layer(demo_plan, "ogc-test-hidden", shapes=parcel_shapes(), policy=PublicPolicy.TILES_ONLY)
    for path in ("queryables", "items?filter=DLBM%20%3D%20%270101%27"):
        response = client.get(f"/ogc/collections/ogc-test-hidden/{path}")
        assert response.status_code == 404


def test_a_filter_sees_only_the_published_revision(client, parcels):
    # A newer revision, not published, with a feature every filter below would match.
    draft = add_revision(
        parcels,
        [
            {
                "geom": square(111.1, 37.0, 0.005),
                "properties": {"BSM": "D1", "DLBM": "0101", "SECRET": "x"},
            }
        ],
    )
    assert codes(items(client, filter="DLBM = '0101'")) == ["P1", "P5"]
    refused(client, "SECRET", filter="SECRET = 'x'")
    publish_revision(parcels, draft)
    assert codes(items(client, filter="DLBM = '0101'")) == ["D1"]


def test_the_revision_summary_is_kept_so_items_cost_two_queries(
    client, parcels, django_assert_num_queries
):
    items(client)  # the factory's revision gets its summary on first use
    parcels.published_revision.refresh_from_db()
    assert parcels.published_revision.geometry_types == ["POLYGON"]
    assert parcels.published_revision.property_types["TBMJ"] == ["number"]
    forget_items_sources()
    with django_assert_num_queries(2):  # the layer, then the page with its count
        items(client, filter="TBMJ > 100", sortby="-TBMJ")
    with django_assert_num_queries(1):  # the page: the layer is kept (layers/ogc/lookup.py)
        items(client, filter="TBMJ > 100", sortby="TBMJ")


def test_a_revision_of_single_and_multi_parts_is_served_multi_part(client, demo_plan):
    multi = MultiPolygon(square(111.2, 37.0, 0.01), square(111.22, 37.0, 0.01), srid=4326)
    make_layer(demo_plan, "ogc-test-mixed", shapes=[square(111.0, 37.0, 0.01), multi])
    _, document = get_json(client, "/ogc/collections/ogc-test-mixed/items")
    assert {feature["geometry"]["type"] for feature in document["features"]} == {"MultiPolygon"}
