"""OGC API - Features items (/ogc/collections/{id}/items): paging, bbox, the query parameters,
published revisions only and ETags."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon

from layers.revisions.publishing import publish_revision
from tests.factories import add_revision, make_layer, square
from tests.layers.ogc.ogc_helpers import feature_ids, get_json, link, points


def test_items_come_in_pages_whose_next_and_prev_links_keep_the_query(client, villages):
    expected = feature_ids(villages.published_revision)
    url = "/ogc/collections/ogc-test-villages/items?limit=10"
    seen, pages = [], []
    while url:
        response, page = get_json(client, url)
        assert response["Content-Type"] == "application/geo+json"
        assert page["type"] == "FeatureCollection"
        assert page["numberReturned"] == len(page["features"])
        assert page["timeStamp"].endswith("Z")
        assert link(page, "self")["href"] == response.wsgi_request.build_absolute_uri()
        seen += [feature["id"] for feature in page["features"]]
        pages.append(page)
        url = (link(page, "next") or {}).get("href")
    assert [page["numberReturned"] for page in pages] == [10, 10, 5]
    # numberMatched is optional (OGC API - Features Part 1): it is given only where the page
    # itself tells it (the last one), as counting every match cost the request half its time.
    assert [page.get("numberMatched") for page in pages] == [None, None, 25]
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


def test_an_offset_past_the_end_gives_an_empty_page_counted_with_prev_on_the_last_page(
    client, villages
):
    _, past = get_json(client, "/ogc/collections/ogc-test-villages/items?limit=10&offset=40")
    assert past["features"] == []
    assert past["numberReturned"] == 0
    # The page cannot tell how many match, so they are counted (ids only) for the prev link.
    assert past["numberMatched"] == 25
    assert parse_qs(urlsplit(link(past, "prev")["href"]).query)["offset"] == ["15"]
    assert link(past, "next") is None
    _, exact_end = get_json(client, "/ogc/collections/ogc-test-villages/items?limit=5&offset=20")
    assert exact_end["numberReturned"] == 5
    assert exact_end["numberMatched"] == 25
    assert link(exact_end, "next") is None  # the extra row was not there: no empty next page


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
    assert "numberMatched" not in paged  # not counted while more follow: the next link says so
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
        "datetime=2023-01-01T00:00:00Z/2024-01-01T00:00:00Z&f=json&limit=30",
    ]:
        _, page = get_json(client, f"/ogc/collections/ogc-test-villages/items?{query}")
        assert page["numberMatched"] == 25, query  # the layers have no time: all match
    assert client.get("/ogc/collections?f=json").status_code == 200
    assert client.get("/ogc/conformance?unknown=1").status_code == 400


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
