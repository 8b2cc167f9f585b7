"""Vector tiles carry the layer's data mark as a constant SJZT attribute on every feature, and
TileJSON says what the data is in its description, keywords and data_mark."""

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point

from layers.models import DataStatus
from layers.tiles.lookup import forget_tile_sources
from tests.factories import make_layer
from tests.layers.tiles.tile_helpers import VILLAGE, tile_of

pytestmark = pytest.mark.django_db


def layer_with_two_points(plan, **fields):
    lon, lat = VILLAGE
    shapes = [
        {"geom": Point(lon, lat, srid=4326), "name": "甲", "properties": {"SJZT": "正式"}},
        {"geom": Point(lon + 0.001, lat, srid=4326), "name": "乙", "properties": {}},
    ]
    schema = [{"name": "SJZT", "label": "文件自带的状态", "type": "string"}]
    return make_layer(plan, "mark-tiles", shapes=shapes, attribute_schema=schema, **fields)


def tile_properties(client, layer) -> list[dict]:
    x, y = tile_of(*VILLAGE, 14)
    response = client.get(f"/tiles/{layer.collection_id}/14/{x}/{y}.mvt")
    assert response.status_code == 200
    features = mapbox_vector_tile.decode(response.content)[layer.collection_id]["features"]
    return sorted((feature["properties"] for feature in features), key=lambda p: p["name"])


@pytest.mark.parametrize(
    ("fields", "mark"),
    [
        ({"is_demo": True}, "演示数据"),
        ({"data_status": DataStatus.SCHEMATIC}, "示意"),
        ({"data_status": DataStatus.OFFICIAL}, "正式"),
    ],
)
def test_every_feature_of_a_tile_carries_the_layer_mark(client, demo_plan, fields, mark):
    layer = layer_with_two_points(demo_plan, **fields)
    properties = tile_properties(client, layer)
    assert [p["name"] for p in properties] == ["乙", "甲"]
    # The layer's mark, not the file's own SJZT field (which is left out of the tile).
    assert [p["SJZT"] for p in properties] == [mark, mark]


def test_a_layer_without_a_mark_has_no_tiles(client, demo_plan):
    # The publish gate: a layer whose data status nobody gave is not public.
    layer = layer_with_two_points(demo_plan)
    # A layer published before the gate existed, whose status nobody has given since.
    type(layer).objects.filter(pk=layer.pk).update(data_status="")
    forget_tile_sources()
    x, y = tile_of(*VILLAGE, 14)
    assert client.get(f"/tiles/{layer.collection_id}/14/{x}/{y}.mvt").status_code == 404


def test_changing_the_mark_changes_the_tile_version_and_content(client, demo_plan):
    layer = layer_with_two_points(demo_plan, data_status=DataStatus.SCHEMATIC)
    before = client.get(f"/tiles/{layer.collection_id}.json").json()["tiles"][0]
    layer.data_status = DataStatus.OFFICIAL
    layer.save(update_fields=["data_status"])
    forget_tile_sources()
    after = client.get(f"/tiles/{layer.collection_id}.json").json()["tiles"][0]
    assert before != after
    assert {p["SJZT"] for p in tile_properties(client, layer)} == {"正式"}


def test_tilejson_says_what_the_data_is(client, demo_plan):
    layer = layer_with_two_points(demo_plan, is_demo=True, description="测试说明。")
    document = client.get(f"/tiles/{layer.collection_id}.json").json()
    assert document["description"].startswith("演示数据（示意）：")
    assert document["description"].endswith("测试说明。")
    assert document["keywords"] == ["演示数据", "示意"]
    assert document["data_mark"] == "演示数据"
    assert "演示数据" in document["attribution"]
    fields = document["vector_layers"][0]["fields"]
    assert fields["SJZT"] == "String: 数据状态"


def test_tilejson_of_the_demo_township_outline_says_it_is_not_a_legal_boundary(client, demo_plan):
    xzq = demo_plan.layers.get(code="XZQ")  # the demo's approximate township outline
    document = client.get(f"/tiles/{xzq.collection_id}.json").json()
    assert "示意范围（非法定界线）" in document["keywords"]
    assert "示意范围（非法定界线）" in document["description"]
