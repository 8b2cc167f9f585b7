"""The layer catalogue the map reads: every published layer with style, legend and links."""

import json
from pathlib import Path

import pytest
from django.conf import settings

from layers.models import Layer

pytestmark = pytest.mark.django_db
CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "yangquanqu" / "layers.json"


def catalogue(client):
    response = client.get("/api/plans/yangquanqu-2021-2035/layers/")
    assert response.status_code == 200
    return response.json()


def test_every_layer_of_the_demo_catalogue_is_published_in_order(client, demo_plan):
    expected = [entry["collection_id"] for entry in json.loads(CATALOGUE.read_text())["layers"]]
    assert [layer["collection_id"] for layer in catalogue(client)] == expected


def test_a_layer_carries_its_section_style_legend_and_schema(client, demo_plan):
    layers = {layer["collection_id"]: layer for layer in catalogue(client)}
    boundary = layers["yangquanqu-czkfbj"]
    assert boundary["section"]["number"] == "3.2"
    assert boundary["section"]["url"].endswith("/plans/yangquanqu-2021-2035/#section-3-2")
    assert boundary["chapter"]["number"] == 3
    assert boundary["style"]["fillOpacity"] == 0
    assert {item["label"] for item in boundary["legend"]} >= {"城镇集中建设区", "城镇弹性发展区"}
    assert boundary["attribute_schema"][0]["name"] == "BSM"
    assert boundary["is_demo"] is True
    assert boundary["links"]["items"].endswith("/ogc/collections/yangquanqu-czkfbj/items")


def test_the_farmland_is_generalised_with_no_feature_link_and_no_attributes(client, demo_plan):
    farmland = {layer["collection_id"]: layer for layer in catalogue(client)}["yangquanqu-yjjbnt"]
    assert farmland["public_policy"] == "generalised"
    assert farmland["delivery"] == "tiles"
    assert "items" not in farmland["links"]
    assert farmland["links"]["tiles"].endswith("/tiles/yangquanqu-yjjbnt/{z}/{x}/{y}.mvt")
    assert farmland["revision"]["feature_count"] > 2000
    # Its tiles carry no attribute, so nothing describes one.
    assert farmland["attribute_schema"] == farmland["legend"] == []
    assert farmland["key_field"] == farmland["name_field"] == farmland["category_field"] == ""


def test_the_empty_ecological_red_line_layer_says_why(client, demo_plan):
    red_line = {layer["collection_id"]: layer for layer in catalogue(client)}["yangquanqu-stbhhx"]
    assert red_line["revision"]["feature_count"] == 0
    assert "不涉及生态保护红线" in red_line["description"]


def test_an_unpublished_layer_is_left_out(client, demo_plan):
    Layer.objects.filter(collection_id="yangquanqu-dl").update(published_revision=None)
    assert "yangquanqu-dl" not in {layer["collection_id"] for layer in catalogue(client)}


def test_every_layer_gives_its_data_mark_and_the_approximate_outline_says_so(client, demo_plan):
    listed = {layer["collection_id"]: layer for layer in catalogue(client)}
    for layer in Layer.objects.public().filter(plan=demo_plan):
        entry = listed[layer.collection_id]
        assert entry["data_mark"] == layer.data_mark
        assert entry["is_approximate_boundary"] is layer.is_approximate_boundary
        assert entry["description"] == layer.description
    assert listed["yangquanqu-czkfbj"]["data_mark"] == "演示数据"
    assert listed["yangquanqu-xzq"]["is_approximate_boundary"] is True
    assert listed["yangquanqu-czkfbj"]["is_approximate_boundary"] is False
