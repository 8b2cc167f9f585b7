"""Vector tiles (``/tiles/{collection}/{z}/{x}/{y}.mvt``) and TileJSON of the public layers.

Tiles are decoded with mapbox_vector_tile and checked for what a map shows: which features,
with which attributes. The big layer is the demo catalogue's farmland ``yangquanqu-yjjbnt``;
small layers with known features are made by the tests themselves.
"""

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from layers.models import Feature, Layer, PublicPolicy
from layers.revisions.publishing import publish_revision
from layers.tiles.lookup import forget_tile_sources
from tests.factories import add_revision, make_layer, make_plan, square
from tests.layers.tiles.tile_helpers import FARMLAND_ID, VILLAGE, tile_of

# The demo plan's extent: its default map view on a 360-1440 px wide screen is z10-z13.
DEMO_BBOX = (111.4698, 37.0002, 111.5863, 37.1212)
DEFAULT_VIEW_ZOOMS = range(10, 14)
MAX_TILE_BYTES = 500 * 1024


def tiles_covering(bbox: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    west, south, east, north = bbox
    x0, y0 = tile_of(west, north, z)
    x1, y1 = tile_of(east, south, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def tile_url(collection_id: str, z: int, x: int, y: int) -> str:
    return f"/tiles/{collection_id}/{z}/{x}/{y}.mvt"


def decode(response) -> list[dict]:
    """The features of the tile's only layer, which must be named after the collection."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(response.content)
    collection_id = response.wsgi_request.path.split("/")[2]
    assert list(layers) == [collection_id]
    return layers[collection_id]["features"]


def first_parcel(layer: Layer) -> Feature:
    return layer.published_revision.features.order_by("pk").first()


def a_parcel(layer: Layer) -> tuple[float, float]:
    """A point inside one of the layer's published parcels."""
    point = first_parcel(layer).geom.point_on_surface
    return point.x, point.y


@pytest.fixture
def farmland(demo_plan) -> Layer:
    """The demo catalogue's 永久基本农田 (about 3000 parcels, min_zoom 12) served for this test
    as a plain tiles-only layer: the big parcel layer of the plain tile tests. The demo serves
    it generalised (test_generalised_tiles.py)."""
    Layer.objects.filter(collection_id=FARMLAND_ID).update(public_policy=PublicPolicy.TILES_ONLY)
    forget_tile_sources()
    yield Layer.objects.public().select_related("published_revision").get(collection_id=FARMLAND_ID)
    forget_tile_sources()


@pytest.fixture
def villages(demo_plan) -> Layer:
    village = {
        "geom": Point(*VILLAGE, srid=4326),
        "name": "测试村",
        "category": "village",
        "properties": {"XZQDM": "141181101299", "RKS": 812, "phone": "13800001234"},
    }
    return make_layer(
        demo_plan,
        "test-tile-villages",
        shapes=[village],
        attribute_schema=[
            {"name": "XZQDM", "label": "行政区代码", "type": "string"},
            {"name": "RKS", "label": "人口", "type": "integer"},
        ],
    )


def test_a_tile_over_a_village_carries_its_name_category_and_schema_attributes_only(
    client, villages
):
    x, y = tile_of(*VILLAGE, 14)
    [feature] = decode(client.get(tile_url(villages.collection_id, 14, x, y)))

    feature_id = villages.published_revision.features.get().pk
    assert feature["id"] == feature_id
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"] == {
        "id": feature_id,
        "name": "测试村",
        "category": "village",
        "XZQDM": "141181101299",
        "RKS": 812,
        "SJZT": "示意",  # the layer's data mark (the factories' layers are schematic)
    }


def test_the_tiles_only_farmland_layer_is_served_as_tiles(client, farmland):
    assert farmland.public_policy == "tiles-only"
    parcel = first_parcel(farmland)
    x, y = tile_of(*a_parcel(farmland), 14)
    features = {f["id"]: f for f in decode(client.get(tile_url(FARMLAND_ID, 14, x, y)))}

    assert {f["geometry"]["type"] for f in features.values()} <= {"Polygon", "MultiPolygon"}
    properties = features[parcel.pk]["properties"]
    assert properties["id"] == parcel.pk
    assert properties.get("name") == (parcel.name or None)
    assert properties.get("category") == (parcel.category or None)


def test_every_parcel_is_in_the_tiles_at_the_farmland_min_zoom(client, farmland):
    revision = farmland.published_revision
    z = farmland.min_zoom
    seen = set()
    for x, y in tiles_covering(revision.extent.extent, z):
        response = client.get(tile_url(FARMLAND_ID, z, x, y))
        if response.status_code == 200:
            seen.update(feature["id"] for feature in decode(response))
    assert len(seen) == revision.feature_count


def test_below_min_zoom_a_tile_is_204_with_an_empty_body_and_caching_headers(client, farmland):
    z = farmland.min_zoom - 1
    response = client.get(tile_url(FARMLAND_ID, z, *tile_of(*a_parcel(farmland), z)))

    assert response.status_code == 204
    assert response.content == b""
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "public, max-age=300"


def test_a_tile_without_features_is_204_with_an_empty_body_and_caching_headers(client, villages):
    x, y = tile_of(VILLAGE[0] + 0.1, VILLAGE[1], 14)
    response = client.get(tile_url(villages.collection_id, 14, x, y))

    assert response.status_code == 204
    assert response.content == b""
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("z, x, y", [(23, 0, 0), (3, 8, 0), (3, 0, 8), (0, 1, 0)])
def test_tile_numbers_outside_the_pyramid_are_404(client, villages, z, x, y):
    assert client.get(tile_url(villages.collection_id, z, x, y)).status_code == 404


def test_a_negative_tile_number_is_404(client, villages):
    assert client.get(f"/tiles/{villages.collection_id}/3/-1/0.mvt").status_code == 404


def test_unknown_unpublished_and_hidden_plan_collections_are_404(client, demo_plan):
    point = Point(*VILLAGE, srid=4326)
    unpublished = make_layer(
        demo_plan, "test-tile-unpublished", shapes=[(point, "未发布")], published=False
    )
    hidden_plan = make_plan(slug="test-hidden-plan", published=False)
    hidden = make_layer(hidden_plan, "test-tile-hidden", shapes=[(point, "未公开")])

    x, y = tile_of(*VILLAGE, 14)
    for collection_id in ("no-such-layer", unpublished.collection_id, hidden.collection_id):
        assert client.get(tile_url(collection_id, 14, x, y)).status_code == 404
        assert client.get(f"/tiles/{collection_id}.json").status_code == 404


def test_only_the_published_revision_is_served_and_publishing_changes_etag_and_content(
    client, demo_plan
):
    parcel = square(*VILLAGE, 0.001)
    layer = make_layer(
        demo_plan,
        "test-tile-revisions",
        shapes=[{"geom": parcel, "name": "旧地块", "category": "0103"}],
    )
    second = add_revision(layer, [{"geom": parcel, "name": "新地块", "category": "0101"}])
    x, y = tile_of(*VILLAGE, 15)
    url = tile_url(layer.collection_id, 15, x, y)

    before = client.get(url)
    assert [f["properties"]["name"] for f in decode(before)] == ["旧地块"]

    publish_revision(layer, second)
    after = client.get(url)
    assert [f["properties"]["name"] for f in decode(after)] == ["新地块"]
    assert after["ETag"] != before["ETag"]


def test_a_matching_if_none_match_is_304_without_running_the_tile_query(client, farmland):
    url = tile_url(FARMLAND_ID, 14, *tile_of(*a_parcel(farmland), 14))
    etag = client.get(url)["ETag"]

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers={"If-None-Match": f'"other", {etag}'})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=300"
    assert not [q for q in queries.captured_queries if "ST_AsMVT" in q["sql"]]
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_tilejson_describes_the_farmland_layer(client, farmland):
    response = client.get(f"/tiles/{FARMLAND_ID}.json")
    assert response.status_code == 200
    document = response.json()

    assert document["tilejson"] == "3.0.0"
    assert document["name"] == farmland.title
    with translation.override("zh-hans"):
        assert gettext("Demonstration data") in document["attribution"]  # 演示数据
    [template] = document["tiles"]
    assert template.startswith(f"http://testserver/tiles/{FARMLAND_ID}/{{z}}/{{x}}/{{y}}.mvt?v=")
    assert document["minzoom"] == farmland.min_zoom == 12
    assert document["maxzoom"] == 18
    west, south, east, north = document["bounds"]
    assert document["bounds"] == pytest.approx(farmland.published_revision.extent.extent)
    assert DEMO_BBOX[0] - 0.01 < west < east < DEMO_BBOX[2] + 0.01
    assert DEMO_BBOX[1] - 0.01 < south < north < DEMO_BBOX[3] + 0.01
    lon, lat, zoom = document["center"]
    assert west < lon < east and south < lat < north and 12 <= zoom <= 18
    [vector_layer] = document["vector_layers"]
    assert vector_layer["id"] == FARMLAND_ID
    assert vector_layer["minzoom"] == 12
    fields = vector_layer["fields"]
    assert {"id", "name", "category"} <= set(fields)
    schema_names = {item["name"] for item in farmland.attribute_schema}
    assert schema_names - {"id", "name", "category"} <= set(fields)


def test_tile_urls_from_tilejson_are_cached_for_a_year_until_the_next_publish(client, farmland):
    template = client.get(f"/tiles/{FARMLAND_ID}.json").json()["tiles"][0]
    x, y = tile_of(*a_parcel(farmland), 14)
    url = template.replace("{z}", "14").replace("{x}", str(x)).replace("{y}", str(y))

    assert client.get(url)["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = url.split("?v=")[0] + "?v=1-00000000"
    assert client.get(stale)["Cache-Control"] == "public, max-age=300"


def test_tilejson_escapes_the_source_note_it_puts_in_the_html_attribution(client, villages):
    villages.source_note = '<img src=x onerror="alert(1)">'
    villages.save()
    document = client.get(f"/tiles/{villages.collection_id}.json").json()
    assert "<img" not in document["attribution"]
    assert "&lt;img" in document["attribution"]


def test_every_tile_of_the_default_map_view_is_under_500_kb(client, demo_plan, farmland):
    """All public layers of the demo plan (the farmland too), every tile covering the plan's
    extent at the zooms of its default view."""
    largest = (0, "no tile")
    served = 0
    for layer in Layer.objects.public().filter(plan=demo_plan):
        for z in DEFAULT_VIEW_ZOOMS:
            for x, y in tiles_covering(DEMO_BBOX, z):
                response = client.get(tile_url(layer.collection_id, z, x, y))
                assert response.status_code in (200, 204)
                served += response.status_code == 200
                size = len(response.content)
                largest = max(largest, (size, f"{layer.collection_id}/{z}/{x}/{y}"))
    assert served > 0
    assert largest[0] < MAX_TILE_BYTES, f"{largest[1]} is {largest[0]} bytes"
