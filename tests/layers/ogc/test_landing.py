"""OGC API - Features at /ogc/: the landing page, the conformance declaration and the API
definition, and what every endpoint answers to any origin (CORS, caching), through Django's
test client on real PostGIS."""

from django.test import Client
from drf_spectacular.validation import validate_schema

from tests.layers.ogc.ogc_helpers import feature_ids, get_json


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


def test_the_conformance_declaration_claims_core_geojson_crs_and_cql2_filters(db, client):
    _, declaration = get_json(client, "/ogc/conformance")
    assert declaration == {
        "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
            "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
            "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
            "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
            "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
            "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
            "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
            "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
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
