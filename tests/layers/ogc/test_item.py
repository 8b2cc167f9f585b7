"""OGC API - Features item (/ogc/collections/{id}/items/{featureId}): one GeoJSON feature with
7 decimals and its links, and property values verbatim in JSON, never as HTML."""

import json

from django.contrib.gis.geos import Point

from tests.factories import make_layer
from tests.layers.ogc.ogc_helpers import feature_ids, get_json, link, points

XSS = "<img src=x onerror=alert(1)>"


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
        "SJZT": "示意",  # the layer's data mark (the factories' layers are schematic)
    }
    assert link(feature, "self")["href"].endswith(
        f"/ogc/collections/ogc-test-point/items/{feature_id}"
    )
    assert link(feature, "collection")["href"] == "http://testserver/ogc/collections/ogc-test-point"
    for missing in [feature_id + 1000000, "abc", "99999999999999999999999"]:
        response = client.get(f"/ogc/collections/ogc-test-point/items/{missing}")
        assert response.status_code == 404
        assert json.loads(response.content)["code"] == "NotFound"


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
        assert feature["properties"] == {**properties, "SJZT": "示意"}
