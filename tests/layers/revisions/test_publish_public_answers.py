"""What the public is served follows publish and roll back at once: OGC API items, vector tiles
(whose in-process layer lookup is cleared by the publish) and TileJSON's tile version."""

import mapbox_vector_tile

from tests.factories import token_header
from tests.layers.ingest.samples import CENTRE_LONLAT
from tests.layers.tiles.tile_helpers import tile_of

ZOOM = 15


def ogc_keys(client, layer) -> set[str]:
    response = client.get(f"/ogc/collections/{layer.collection_id}/items?limit=100")
    assert response.status_code == 200
    return {feature["properties"]["BSM"] for feature in response.json()["features"]}


def tile_keys(client, layer) -> tuple[set[str], str]:
    x, y = tile_of(*CENTRE_LONLAT, ZOOM)
    response = client.get(f"/tiles/{layer.collection_id}/{ZOOM}/{x}/{y}.mvt")
    assert response.status_code == 200
    features = mapbox_vector_tile.decode(response.content)[layer.collection_id]["features"]
    return {feature["properties"]["BSM"] for feature in features}, response["ETag"]


def tile_version(client, layer) -> str:
    return client.get(f"/tiles/{layer.collection_id}.json").json()["tiles"][0].split("?v=")[1]


def publish(client, planner, layer, number: int, expected: int):
    response = client.post(
        f"/api/layers/{layer.collection_id}/revisions/{number}/publish/",
        {"expected_current": expected},
        content_type="application/json",
        **token_header(planner),
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_publishing_and_rolling_back_change_the_ogc_items_tiles_and_tile_version(
    client, planner, known_pair
):
    layer, _first, _second = known_pair
    before = {"B1", "B2", "B3", "B4", "B5"}
    after = {"B1", "B2", "B3", "B4", "B6"}
    assert ogc_keys(client, layer) == before
    keys, first_etag = tile_keys(client, layer)  # also fills the tile layer lookup
    assert keys == before
    first_version = tile_version(client, layer)

    assert publish(client, planner, layer, 2, expected=1)["action"] == "layer.publish"
    assert ogc_keys(client, layer) == after
    keys, second_etag = tile_keys(client, layer)
    assert keys == after and second_etag != first_etag
    assert tile_version(client, layer) != first_version

    assert publish(client, planner, layer, 1, expected=2)["action"] == "layer.rollback"
    assert ogc_keys(client, layer) == before
    keys, third_etag = tile_keys(client, layer)
    assert keys == before and third_etag == first_etag
    assert tile_version(client, layer) == first_version


def test_an_old_tile_etag_is_not_answered_304_after_a_publish(client, planner, known_pair):
    layer, _first, _second = known_pair
    x, y = tile_of(*CENTRE_LONLAT, ZOOM)
    url = f"/tiles/{layer.collection_id}/{ZOOM}/{x}/{y}.mvt"
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    publish(client, planner, layer, 2, expected=1)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
