"""The data mark travels with every feature the OGC API serves: SJZT in each feature's
properties (items and a single item), a disclaimer member on the FeatureCollection of demo
and schematic layers, and the mark in the description and keywords of the collection."""

import pytest

from layers.models import DataStatus
from layers.tiles.lookup import forget_tile_sources
from tests.factories import make_layer, square
from tests.layers.ogc.ogc_helpers import get_json, points

pytestmark = pytest.mark.django_db

DEMO_NOTICE = "演示数据（示意）：合成的示意数据，不是批准的规划成果，以批准成果为准。"
SCHEMATIC_NOTICE = "示意数据：不是法定的规划成果，以批准成果为准。"


def marked_layer(plan, collection_id, **fields):
    shapes = [
        {"geom": point, "properties": {"MC": f"点{index}", "SJZT": "正式"}}
        for index, point in enumerate(points(3))
    ]
    return make_layer(plan, collection_id, shapes=shapes, description="测试说明。", **fields)


@pytest.mark.parametrize(
    ("fields", "mark", "notice"),
    [
        ({"is_demo": True}, "演示数据", DEMO_NOTICE),
        ({"data_status": DataStatus.SCHEMATIC}, "示意", SCHEMATIC_NOTICE),
        ({"data_status": DataStatus.OFFICIAL}, "正式", None),
    ],
)
def test_every_item_carries_the_layer_mark_and_the_collection_a_notice(
    client, demo_plan, fields, mark, notice
):
    layer = marked_layer(demo_plan, "mark-layer", **fields)
    response, body = get_json(client, f"/ogc/collections/{layer.collection_id}/items")
    assert len(body["features"]) == 3
    # The layer's mark wins over whatever the file said (here every feature claimed 正式),
    # and replaces it: a JSON reader that kept the first of two equal keys would see 正式.
    assert [feature["properties"]["SJZT"] for feature in body["features"]] == [mark] * 3
    assert response.content.count(b'"SJZT"') == 3
    assert body["features"][0]["properties"]["MC"] == "点0"
    assert body.get("description") == notice

    feature_id = body["features"][1]["id"]
    response, item = get_json(client, f"/ogc/collections/{layer.collection_id}/items/{feature_id}")
    assert item["properties"]["SJZT"] == mark
    assert response.content.count(b'"SJZT"') == 1


def test_a_layer_whose_status_nobody_gave_is_not_served_at_all(client, demo_plan):
    # The publish gate: without a data status there is no mark to give, so no public layer.
    layer = marked_layer(demo_plan, "mark-unsaid")
    # A layer published before the gate existed, whose status nobody has given since.
    type(layer).objects.filter(pk=layer.pk).update(data_status="")
    forget_tile_sources()
    response = client.get(f"/ogc/collections/{layer.collection_id}/items")
    assert response.status_code == 404


def test_the_items_etag_changes_when_the_mark_changes_without_a_new_revision(client, demo_plan):
    layer = marked_layer(demo_plan, "mark-etag", data_status=DataStatus.SCHEMATIC)
    url = f"/ogc/collections/{layer.collection_id}/items"
    first, _body = get_json(client, url)
    layer.data_status = DataStatus.OFFICIAL
    layer.save(update_fields=["data_status"])
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 200
    _response, body = get_json(client, url)
    assert body["features"][0]["properties"]["SJZT"] == "正式"


@pytest.mark.parametrize(
    ("fields", "keywords", "notice"),
    [
        ({"is_demo": True}, ["演示数据", "示意"], DEMO_NOTICE),
        ({"data_status": DataStatus.SCHEMATIC}, ["示意"], SCHEMATIC_NOTICE),
        ({"data_status": DataStatus.OFFICIAL}, ["正式"], ""),
    ],
)
def test_the_collection_says_what_the_data_is_in_its_description_and_keywords(
    client, demo_plan, fields, keywords, notice
):
    layer = marked_layer(demo_plan, "mark-collection", **fields)
    _response, document = get_json(client, f"/ogc/collections/{layer.collection_id}")
    assert document["keywords"] == keywords
    assert document["description"] == f"{notice}测试说明。"
    _response, listing = get_json(client, "/ogc/collections")
    [listed] = [c for c in listing["collections"] if c["id"] == layer.collection_id]
    assert listed["keywords"] == keywords and listed["description"] == document["description"]


def test_every_demo_collection_is_marked_in_the_listing(client, demo_plan):
    _response, listing = get_json(client, "/ogc/collections")
    demo = set(demo_plan.layers.filter(is_demo=True).values_list("collection_id", flat=True))
    listed = [c for c in listing["collections"] if c["id"] in demo]
    assert listed, "the demo catalogue offers collections"
    for collection in listed:
        assert collection["keywords"][:2] == ["演示数据", "示意"], collection["id"]
        assert collection["description"].startswith(DEMO_NOTICE), collection["id"]


def test_the_approximate_township_outline_is_labelled_as_not_a_legal_boundary(client, demo_plan):
    layer = make_layer(
        demo_plan,
        "mark-xzq",
        code="XZQ",
        shapes=[square(111.0, 37.0, 0.1)],
        data_status=DataStatus.SCHEMATIC,
        description="测试说明。",
    )
    _response, document = get_json(client, f"/ogc/collections/{layer.collection_id}")
    assert document["keywords"] == ["示意", "示意范围（非法定界线）"]
    assert document["description"].startswith(f"{SCHEMATIC_NOTICE}示意范围（非法定界线）。")
    _response, body = get_json(client, f"/ogc/collections/{layer.collection_id}/items")
    assert "示意范围（非法定界线）" in body["description"]


def test_the_mark_is_added_to_any_properties_a_feature_has_or_is_left_with(client, demo_plan):
    # The mark is written after the stored text for most features (layers/ogc/features.py):
    # with none of its own, with empty properties, with several, and after `properties=`.
    shapes = [
        {"geom": point, "properties": properties}
        for point, properties in zip(
            points(3),
            [{}, {"MC": "点1"}, {"MC": "点2", "BZ": '说明 "引号" \\ 斜杠', "N": 2}],
            strict=True,
        )
    ]
    layer = make_layer(demo_plan, "mark-shapes", shapes=shapes, data_status=DataStatus.SCHEMATIC)
    url = f"/ogc/collections/{layer.collection_id}/items"
    _response, body = get_json(client, url)
    assert [feature["properties"] for feature in body["features"]] == [
        {"SJZT": "示意"},
        {"MC": "点1", "SJZT": "示意"},
        {"MC": "点2", "BZ": '说明 "引号" \\ 斜杠', "N": 2, "SJZT": "示意"},
    ]
    _response, body = get_json(client, f"{url}?properties=N")
    assert [feature["properties"] for feature in body["features"]] == [
        {"SJZT": "示意"},
        {"SJZT": "示意"},
        {"N": 2, "SJZT": "示意"},
    ]
    feature_id = body["features"][2]["id"]
    _response, item = get_json(client, f"{url}/{feature_id}")
    assert item["properties"]["BZ"] == '说明 "引号" \\ 斜杠'
    assert item["properties"]["SJZT"] == "示意"


def test_a_feature_with_a_mark_of_its_own_has_it_replaced_whatever_the_others_have(
    client, demo_plan
):
    # One feature of the file says SJZT itself (the revision's summary knows: the mark is
    # merged as jsonb then); after `properties=` without it, no feature has one of its own.
    shapes = [
        {"geom": point, "properties": properties}
        for point, properties in zip(
            points(3), [{}, {"MC": "点1", "SJZT": "正式"}, {"MC": "点2"}], strict=True
        )
    ]
    layer = make_layer(demo_plan, "mark-own", shapes=shapes, data_status=DataStatus.SCHEMATIC)
    url = f"/ogc/collections/{layer.collection_id}/items"
    for query in ("", "?properties=MC"):
        response, body = get_json(client, f"{url}{query}")
        assert [feature["properties"] for feature in body["features"]] == [
            {"SJZT": "示意"},
            {"MC": "点1", "SJZT": "示意"},
            {"MC": "点2", "SJZT": "示意"},
        ]
        assert response.content.count(b'"SJZT"') == 3
    feature_id = body["features"][1]["id"]
    response, item = get_json(client, f"{url}/{feature_id}")
    assert item["properties"] == {"MC": "点1", "SJZT": "示意"}
    assert response.content.count(b'"SJZT"') == 1
