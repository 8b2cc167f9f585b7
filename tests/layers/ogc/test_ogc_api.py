"""OGC API - Features at /ogc/: shapes of the answers, paging, bbox, published revisions only,
ETags, CORS, and verbatim properties, through Django's test client on real PostGIS."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.test import Client
from drf_spectacular.validation import validate_schema

from layers.models import Layer, LayerRevision
from layers.revisions.publishing import publish_revision
from tests.factories import add_revision, make_layer, square

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
XSS = "<img src=x onerror=alert(1)>"


def points(count: int, x0: float = 111.0, y: float = 37.0) -> list[Point]:
    """A row of points 0.01 degrees apart, from west to east."""
    return [Point(x0 + index * 0.01, y, srid=4326) for index in range(count)]


def feature_ids(revision: LayerRevision) -> list[int]:
    return list(revision.features.order_by("id").values_list("id", flat=True))


def get_json(client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return response, json.loads(response.content)


def link(document: dict, rel: str) -> dict | None:
    found = [item for item in document["links"] if item["rel"] == rel]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.fixture
def villages(demo_plan) -> Layer:
    return make_layer(
        demo_plan,
        "ogc-test-villages",
        shapes=points(25),
        title="测试图层 ogc-test-villages",
        description="为 OGC API 测试建立",
    )


# --- landing page, conformance, API definition, collections --------------------------------


def test_the_landing_page_links_to_itself_the_api_definition_conformance_and_collections(
    db, client
):
    response, landing = get_json(client, "/ogc/")
    assert response["Content-Type"] == "application/json"
    assert landing["title"] and landing["description"]
    hrefs = {item["rel"]: item["href"] for item in landing["links"]}
    assert hrefs == {
        "self": "http://testserver/ogc/",
        "service-desc": "http://testserver/ogc/api",
        "conformance": "http://testserver/ogc/conformance",
        "data": "http://testserver/ogc/collections",
    }
    for item in landing["links"]:
        answer = client.get(item["href"])
        assert answer.status_code == 200
        assert answer["Content-Type"] == item["type"]


def test_the_conformance_declaration_claims_core_and_geojson(db, client):
    _, declaration = get_json(client, "/ogc/conformance")
    assert declaration == {
        "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        ]
    }


def test_the_api_definition_is_valid_openapi_3_0_and_every_path_in_it_answers(client, villages):
    response, definition = get_json(client, "/ogc/api")
    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    validate_schema(definition)
    server = definition["servers"][0]["url"]
    assert server == "http://testserver/ogc"
    feature_id = feature_ids(villages.published_revision)[0]
    for template in definition["paths"]:
        path = template.format(collectionId=villages.collection_id, featureId=feature_id)
        assert client.get(server + path).status_code == 200, path


def test_every_public_features_layer_is_a_collection_with_its_extent_in_crs84(client, villages):
    _, document = get_json(client, "/ogc/collections")
    assert link(document, "self")["href"] == "http://testserver/ogc/collections"
    listed = [collection["id"] for collection in document["collections"]]
    assert sorted(listed) == sorted(
        Layer.objects.with_features().values_list("collection_id", flat=True)
    )
    ours = next(item for item in document["collections"] if item["id"] == "ogc-test-villages")
    assert ours["title"] == villages.title
    assert ours["description"] == villages.description
    assert ours["itemType"] == "feature"
    assert ours["crs"] == [CRS84]
    assert ours["extent"]["spatial"] == {"bbox": [[111.0, 37.0, 111.24, 37.0]], "crs": CRS84}
    items = link(ours, "items")
    assert items == {
        "href": "http://testserver/ogc/collections/ogc-test-villages/items",
        "rel": "items",
        "type": "application/geo+json",
        "title": villages.title,
    }
    _, alone = get_json(client, link(ours, "self")["href"])
    assert alone == ours


def test_a_tiles_only_layer_is_not_a_collection_and_all_its_urls_answer_404(client, demo_plan):
    parcels = make_layer(demo_plan, "ogc-test-parcels", shapes=points(3), policy="tiles-only")
    feature_id = feature_ids(parcels.published_revision)[0]
    _, document = get_json(client, "/ogc/collections")
    listed = {collection["id"] for collection in document["collections"]}
    tiles_only = set(
        Layer.objects.public()
        .filter(public_policy="tiles-only")
        .values_list("collection_id", flat=True)
    )
    assert "ogc-test-parcels" in tiles_only
    assert not listed & tiles_only
    for url in [
        "/ogc/collections/ogc-test-parcels",
        "/ogc/collections/ogc-test-parcels/items",
        "/ogc/collections/ogc-test-parcels/items?limit=10000",
        f"/ogc/collections/ogc-test-parcels/items/{feature_id}",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content)["code"] == "NotFound"
        assert b"37.0" not in response.content


def test_an_unknown_or_unpublished_layer_answers_404_in_json(client, demo_plan):
    make_layer(demo_plan, "ogc-test-draft", shapes=points(2), published=False)
    for url in ["/ogc/collections/no-such-layer", "/ogc/collections/ogc-test-draft/items"]:
        response = client.get(url)
        assert response.status_code == 404
        body = json.loads(response.content)
        assert body["code"] == "NotFound"
        assert url.split("/")[3] in body["description"]


def test_an_empty_layer_is_a_collection_without_extent_and_with_no_items(client, demo_plan):
    make_layer(demo_plan, "ogc-test-empty", shapes=[], geometry_type="Polygon")
    _, described = get_json(client, "/ogc/collections/ogc-test-empty")
    assert "extent" not in described
    _, page = get_json(client, "/ogc/collections/ogc-test-empty/items")
    assert page["features"] == []
    assert page["numberMatched"] == page["numberReturned"] == 0
    assert link(page, "next") is None


# --- items -----------------------------------------------------------------------------------


def test_items_come_in_pages_whose_next_and_prev_links_keep_the_query(client, villages):
    expected = feature_ids(villages.published_revision)
    url = "/ogc/collections/ogc-test-villages/items?limit=10"
    seen, pages = [], []
    while url:
        response, page = get_json(client, url)
        assert response["Content-Type"] == "application/geo+json"
        assert page["type"] == "FeatureCollection"
        assert page["numberMatched"] == 25
        assert page["numberReturned"] == len(page["features"])
        assert page["timeStamp"].endswith("Z")
        assert link(page, "self")["href"] == response.wsgi_request.build_absolute_uri()
        seen += [feature["id"] for feature in page["features"]]
        pages.append(page)
        url = (link(page, "next") or {}).get("href")
    assert [page["numberReturned"] for page in pages] == [10, 10, 5]
    assert seen == expected
    assert link(pages[0], "prev") is None
    second_next = parse_qs(urlsplit(link(pages[1], "next")["href"]).query)
    assert second_next == {"limit": ["10"], "offset": ["20"]}
    assert parse_qs(urlsplit(link(pages[2], "prev")["href"]).query)["offset"] == ["10"]
    assert link(pages[2], "next") is None


def test_items_default_to_100_and_a_limit_above_10000_is_capped_not_refused(client, demo_plan):
    make_layer(demo_plan, "ogc-test-many", shapes=points(120))
    _, first = get_json(client, "/ogc/collections/ogc-test-many/items")
    assert first["numberReturned"] == 100
    assert "limit=100&offset=100" in link(first, "next")["href"]
    _, everything = get_json(client, "/ogc/collections/ogc-test-many/items?limit=20000")
    assert everything["numberReturned"] == 120
    assert link(everything, "next") is None


def test_a_whole_layer_of_2000_features_comes_in_one_answer_with_three_queries(
    client, demo_plan, django_assert_max_num_queries
):
    shapes = [Point(111 + i / 10000, 37 + (i % 7) / 100) for i in range(2000)]
    layer = make_layer(demo_plan, "ogc-test-big", shapes=shapes)
    with django_assert_max_num_queries(3):
        _, document = get_json(client, "/ogc/collections/ogc-test-big/items?limit=10000")
    assert document["numberReturned"] == document["numberMatched"] == 2000
    assert [feature["id"] for feature in document["features"]] == feature_ids(
        layer.published_revision
    )


def test_bbox_selects_only_features_whose_geometry_intersects_it(client, demo_plan):
    stops = make_layer(demo_plan, "ogc-test-stops", shapes=points(25))
    in_box = feature_ids(stops.published_revision)[5:11]  # 111.05 .. 111.10
    url = "/ogc/collections/ogc-test-stops/items?bbox=111.045,36.9,111.105,37.1"
    _, page = get_json(client, url)
    assert [feature["id"] for feature in page["features"]] == in_box
    assert page["numberMatched"] == 6

    _, paged = get_json(client, url + "&limit=4")
    assert paged["numberMatched"] == 6
    following = parse_qs(urlsplit(link(paged, "next")["href"]).query)
    assert following == {"bbox": ["111.045,36.9,111.105,37.1"], "limit": ["4"], "offset": ["4"]}

    # The line's bounding box overlaps the query box, the line itself does not: exact test.
    diagonal = LineString((111.0, 37.0), (111.2, 37.2), srid=4326)
    field = Polygon.from_bbox((111.1, 36.99, 111.3, 37.01))
    field.srid = 4326
    roads = make_layer(demo_plan, "ogc-test-roads", shapes=[diagonal, field])
    _, crossing = get_json(
        client, "/ogc/collections/ogc-test-roads/items?bbox=111.15,37.0,111.2,37.05"
    )
    assert [feature["id"] for feature in crossing["features"]] == feature_ids(
        roads.published_revision
    )[1:]
    # Six numbers (with heights) are accepted; the heights are ignored.
    _, with_heights = get_json(
        client, "/ogc/collections/ogc-test-stops/items?bbox=111.045,36.9,0,111.105,37.1,100"
    )
    assert with_heights["numberMatched"] == 6


def test_a_bbox_across_the_antimeridian_covers_both_of_its_sides(client, demo_plan):
    lons = [179.5, -179.5, 0.0]
    layer = make_layer(
        demo_plan, "ogc-test-dateline", shapes=[Point(x, 0, srid=4326) for x in lons]
    )
    _, page = get_json(client, "/ogc/collections/ogc-test-dateline/items?bbox=179,-1,-179,1")
    assert [feature["id"] for feature in page["features"]] == feature_ids(layer.published_revision)[
        :2
    ]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("bbox=111,37,112", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=111,38,112,37", "bbox"),
        ("bbox=111,37,112,95", "bbox"),
        ("bbox=111,37,nan,38", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("datetime=../..", "datetime"),
        ("datetime=2024-02-01T00:00:00Z/2024-01-01T00:00:00Z", "datetime"),
        ("limit=10&limit=20", "limit"),
        ("f=html", "f"),
        ("filter=name='x'", "filter"),
        ("resultType=hits", "resultType"),
    ],
)
def test_an_invalid_or_unknown_query_parameter_is_answered_with_400_naming_it(
    client, villages, query, named
):
    response = client.get(f"/ogc/collections/ogc-test-villages/items?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = json.loads(response.content)
    assert body["code"] == "InvalidParameterValue"
    assert named in body["description"]


def test_valid_datetime_and_format_parameters_are_accepted(client, villages):
    for query in [
        "f=json",
        "datetime=2024-01-01T00:00:00Z",
        "datetime=2024-01-01T00:00:00Z/..",
        "datetime=../2024-01-01T00:00:00%2B08:00",
        "datetime=2023-01-01T00:00:00Z/2024-01-01T00:00:00Z&f=json&limit=5",
    ]:
        _, page = get_json(client, f"/ogc/collections/ogc-test-villages/items?{query}")
        assert page["numberMatched"] == 25, query  # the layers have no time: all match
    assert client.get("/ogc/collections?f=json").status_code == 200
    assert client.get("/ogc/conformance?unknown=1").status_code == 400


def test_a_single_item_is_a_geojson_feature_with_7_decimals_and_links(client, demo_plan):
    layer = make_layer(
        demo_plan,
        "ogc-test-point",
        shapes=[
            {
                "geom": Point(111.123456789, 37.987654321, srid=4326),
                "properties": {"BSM": "0001", "名称": "阳泉曲村", "MJ": 12.5, "tags": ["a", "b"]},
            }
        ],
    )
    feature_id = feature_ids(layer.published_revision)[0]
    response, feature = get_json(client, f"/ogc/collections/ogc-test-point/items/{feature_id}")
    assert response["Content-Type"] == "application/geo+json"
    assert feature["type"] == "Feature"
    assert feature["id"] == feature_id
    assert feature["geometry"] == {"type": "Point", "coordinates": [111.1234568, 37.9876543]}
    assert feature["properties"] == {
        "BSM": "0001",
        "名称": "阳泉曲村",
        "MJ": 12.5,
        "tags": ["a", "b"],
    }
    assert link(feature, "self")["href"].endswith(
        f"/ogc/collections/ogc-test-point/items/{feature_id}"
    )
    assert link(feature, "collection")["href"] == "http://testserver/ogc/collections/ogc-test-point"
    for missing in [feature_id + 1000000, "abc", "99999999999999999999999"]:
        response = client.get(f"/ogc/collections/ogc-test-point/items/{missing}")
        assert response.status_code == 404
        assert json.loads(response.content)["code"] == "NotFound"


def test_a_layer_mixing_single_and_multi_parts_is_served_all_multi_part(client, demo_plan):
    pair = MultiPolygon(square(111.1, 37.0, 0.01), square(111.2, 37.0, 0.01), srid=4326)
    mixed = make_layer(demo_plan, "ogc-test-mixed", shapes=[square(111.0, 37.0, 0.01), pair])
    _, page = get_json(client, "/ogc/collections/ogc-test-mixed/items")
    assert [feature["geometry"]["type"] for feature in page["features"]] == ["MultiPolygon"] * 2
    first = page["features"][0]["geometry"]["coordinates"]
    assert first == [
        [[[111.0, 37.0], [111.0, 37.01], [111.01, 37.01], [111.01, 37.0], [111.0, 37.0]]]
    ]
    single_id = feature_ids(mixed.published_revision)[0]
    _, alone = get_json(client, f"/ogc/collections/ogc-test-mixed/items/{single_id}")
    assert alone["geometry"]["type"] == "MultiPolygon"

    make_layer(demo_plan, "ogc-test-plain", shapes=[square(111.0, 37.0, 0.01)])
    _, plain = get_json(client, "/ogc/collections/ogc-test-plain/items")
    assert plain["features"][0]["geometry"]["type"] == "Polygon"


def test_features_of_an_unpublished_revision_appear_only_once_it_is_published(client, villages):
    first = villages.published_revision
    second = add_revision(villages, points(3, y=38.0))
    old_ids, new_ids = feature_ids(first), feature_ids(second)
    items = "/ogc/collections/ogc-test-villages/items?limit=100"

    _, before = get_json(client, items)
    assert [feature["id"] for feature in before["features"]] == old_ids
    assert client.get(f"/ogc/collections/ogc-test-villages/items/{new_ids[0]}").status_code == 404

    publish_revision(villages, second)
    _, after = get_json(client, items)
    assert [feature["id"] for feature in after["features"]] == new_ids
    assert after["numberMatched"] == 3
    assert client.get(f"/ogc/collections/ogc-test-villages/items/{old_ids[0]}").status_code == 404
    assert client.get(f"/ogc/collections/ogc-test-villages/items/{new_ids[0]}").status_code == 200
    _, described = get_json(client, "/ogc/collections/ogc-test-villages")
    assert described["extent"]["spatial"]["bbox"] == [[111.0, 38.0, 111.02, 38.0]]


def test_an_unchanged_answer_is_304_and_publishing_a_revision_changes_the_etag(client, villages):
    url = "/ogc/collections/ogc-test-villages/items?limit=5"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert client.get(url)["ETag"] == etag

    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached["ETag"] == etag
    assert cached["Cache-Control"] == "public, max-age=60"
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url + "&offset=5")["ETag"] != etag

    publish_revision(villages, add_revision(villages, points(2, y=38.0)))
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag
    assert json.loads(fresh.content)["numberMatched"] == 2

    collections = client.get("/ogc/collections")
    again = client.get("/ogc/collections", headers={"If-None-Match": collections["ETag"]})
    assert again.status_code == 304


def test_property_values_come_back_verbatim_in_json_never_as_html(client, demo_plan):
    properties = {"名称": XSS, "BZ": '"引号" & </script>'}
    layer = make_layer(
        demo_plan, "ogc-test-xss", shapes=[{"geom": points(1)[0], "properties": properties}]
    )
    feature_id = feature_ids(layer.published_revision)[0]
    for url in [
        "/ogc/collections/ogc-test-xss/items",
        f"/ogc/collections/ogc-test-xss/items/{feature_id}",
    ]:
        response = client.get(url)
        assert response["Content-Type"] == "application/geo+json"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert XSS.encode() in response.content
        body = json.loads(response.content)
        feature = body["features"][0] if "features" in body else body
        assert feature["properties"] == properties


def test_every_endpoint_allows_any_origin_and_a_minute_of_caching(client, villages):
    feature_id = feature_ids(villages.published_revision)[0]
    base = "/ogc/collections/ogc-test-villages"
    for url in [
        "/ogc/",
        "/ogc/conformance",
        "/ogc/api",
        "/ogc/collections",
        base,
        f"{base}/items",
        f"{base}/items/{feature_id}",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Cache-Control"] == "public, max-age=60"
        assert response["ETag"]
    preflight = client.options(f"{base}/items")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(f"{base}/items", data="{}", content_type="application/json")
    assert refused.status_code == 405
    assert "GET" in refused["Allow"]
