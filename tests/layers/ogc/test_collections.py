"""OGC API - Features collections (/ogc/collections, /ogc/collections/{id}): every public
features layer with its extent in CRS84; tiles-only, unknown and unpublished layers answer
404 in JSON."""

import json

import pytest

from layers.models import Layer
from tests.factories import make_layer
from tests.layers.ogc.ogc_helpers import CRS84, PART_2_CRSS, feature_ids, get_json, link, points


def test_every_public_features_layer_is_a_collection_with_its_extent_in_crs84(client, villages):
    _, document = get_json(client, "/ogc/collections")
    assert link(document, "self")["href"] == "http://testserver/ogc/collections"
    listed = [collection["id"] for collection in document["collections"]]
    assert sorted(listed) == sorted(
        Layer.objects.with_features().values_list("collection_id", flat=True)
    )
    ours = next(item for item in document["collections"] if item["id"] == "ogc-test-villages")
    assert ours["title"] == villages.title
    assert ours["description"].endswith(villages.description)  # after the data notice
    assert ours["itemType"] == "feature"
    assert ours["crs"] == [CRS84, *PART_2_CRSS]
    assert ours["storageCrs"] == CRS84
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


@pytest.mark.parametrize("policy", ["tiles-only", "generalised"])
def test_a_tiles_only_or_generalised_layer_is_not_a_collection_and_its_urls_answer_404(
    client, demo_plan, policy
):
    parcels = make_layer(demo_plan, "ogc-test-parcels", shapes=points(3), policy=policy)
    feature_id = feature_ids(parcels.published_revision)[0]
    _, document = get_json(client, "/ogc/collections")
    listed = {collection["id"] for collection in document["collections"]}
    tiles_only = set(
        Layer.objects.public().filter(public_policy=policy).values_list("collection_id", flat=True)
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
