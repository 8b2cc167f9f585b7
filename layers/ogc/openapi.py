"""The OpenAPI 3.0 definition of the /ogc/ API, linked from the landing page as service-desc.

The landing page must link to an API definition (17-069r4 /req/core/root-success), and the
definition is what decides which query parameters are "known". The OAS 3.0 conformance class
itself is not claimed: it also asks for an HTML rendering of this document, which the portal
does not offer.
"""

from layers.ogc.crs import CRS84_URI, STORAGE_CRS, SUPPORTED
from layers.ogc.params import DEFAULT_LIMIT, FILTER_LANGUAGES, FORMATS, MAX_LIMIT

OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"


def _json(description: str, schema_ref: str, media_type: str = "application/json") -> dict:
    return {
        "description": description,
        "content": {media_type: {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _with_content_crs(response: dict) -> dict:
    """A features answer names its CRS in the Content-Crs header (Part 2)."""
    return {**response, "headers": {"Content-Crs": {"$ref": "#/components/headers/ContentCrs"}}}


def _operation(operation_id: str, summary: str, parameters: list[str], ok: dict) -> dict:
    responses = {"200": ok, "304": {"$ref": "#/components/responses/NotModified"}}
    if any(name in ("collectionId", "featureId") for name in parameters):
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    responses["400"] = {"$ref": "#/components/responses/InvalidParameter"}
    responses["500"] = {"$ref": "#/components/responses/ServerError"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
            "responses": responses,
        }
    }


def _parameters() -> dict:
    def query(name: str, description: str, schema: dict) -> dict:
        return {
            "name": name,
            "in": "query",
            "description": description,
            "required": False,
            "schema": schema,
            "style": "form",
            "explode": False,
        }

    return {
        "f": query(
            "f",
            "The response format; only JSON is offered.",
            {"type": "string", "enum": list(FORMATS)},
        ),
        "limit": query(
            "limit",
            "The most features in one response; a larger value counts as the maximum.",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        "offset": query(
            "offset",
            "How many features (in id order) to skip; the next and prev links carry it.",
            {"type": "integer", "minimum": 0, "default": 0},
        ),
        "bbox": query(
            "bbox",
            "Only features whose geometry intersects this box: min longitude, min latitude, "
            "max longitude, max latitude in CRS84, or the lower and upper corner in the axis "
            "order of bbox-crs (six numbers with heights are accepted).",
            {
                "type": "array",
                "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
                "items": {"type": "number"},
            },
        ),
        "crs": query(
            "crs",
            "The CRS of the coordinates in the answer, by URI (OGC API - Features Part 2); "
            "CRS84 (longitude, latitude) when not given. Coordinates follow the axis order of "
            "the CRS's definition: EPSG:4490 and EPSG:4326 latitude first, the CGCS2000 "
            "Gauss-Krüger systems EPSG:4546 and EPSG:4525 northing (X) first.",
            {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84_URI},
        ),
        "bbox-crs": query(
            "bbox-crs",
            "The CRS of bbox, by URI; CRS84 when not given. The bbox numbers are then the "
            "lower and the upper corner in that CRS's axis order.",
            {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84_URI},
        ),
        "datetime": query(
            "datetime",
            "An RFC 3339 date-time or interval. The layers have no time, so every feature "
            "matches a valid value.",
            {"type": "string"},
        ),
        "filter": query(
            "filter",
            "A CQL2 filter (OGC API - Features Part 3) on the collection's queryables: "
            "= <> < <= > >=, BETWEEN, LIKE, IN, IS NULL, CASEI, AND, OR, NOT and "
            "S_INTERSECTS(geometry, <WKT, GeoJSON or BBOX>).",
            {"type": "string"},
        ),
        "filter-lang": query(
            "filter-lang",
            "The encoding of filter: cql2-text (the default) or cql2-json.",
            {"type": "string", "enum": list(FILTER_LANGUAGES), "default": FILTER_LANGUAGES[0]},
        ),
        "filter-crs": query(
            "filter-crs",
            "The CRS of the geometries in filter, by URI; CRS84 when not given.",
            {"type": "string", "format": "uri", "enum": list(SUPPORTED), "default": CRS84_URI},
        ),
        "properties": query(
            "properties",
            "Only these attributes in each feature (comma-separated); the data mark SJZT "
            "always stays.",
            {"type": "array", "items": {"type": "string"}},
        ),
        "sortby": query(
            "sortby",
            "The order of the features: queryables, comma-separated, each with + (ascending, "
            "the default) or - (descending); ties and the default order by feature id.",
            {"type": "array", "items": {"type": "string"}},
        ),
        "collectionId": {
            "name": "collectionId",
            "in": "path",
            "description": "The stable id of a layer.",
            "required": True,
            "schema": {"type": "string"},
        },
        "featureId": {
            "name": "featureId",
            "in": "path",
            "description": "The id of a feature of the layer's published revision.",
            "required": True,
            "schema": {"type": "integer"},
        },
    }


def _schemas() -> dict:
    link = {
        "type": "object",
        "required": ["href"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    links = {"type": "array", "items": {"$ref": "#/components/schemas/link"}}
    feature = {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {"type": "object"},
            "properties": {"type": "object", "nullable": True},
            "links": links,
        },
    }
    return {
        "link": link,
        "exception": {
            "type": "object",
            "required": ["code"],
            "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
        },
        "landingPage": {
            "type": "object",
            "required": ["links"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": links,
            },
        },
        "confClasses": {
            "type": "object",
            "required": ["conformsTo"],
            "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
        },
        "collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "links": links,
                "extent": {"type": "object"},
                "itemType": {"type": "string"},
                "crs": {"type": "array", "items": {"type": "string"}},
                "storageCrs": {"type": "string", "enum": [STORAGE_CRS.uri]},
            },
        },
        "collections": {
            "type": "object",
            "required": ["links", "collections"],
            "properties": {
                "links": links,
                "collections": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/collection"},
                },
            },
        },
        "featureGeoJSON": feature,
        "featureCollectionGeoJSON": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/featureGeoJSON"},
                },
                "links": links,
                "timeStamp": {"type": "string", "format": "date-time"},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
            },
        },
    }


def openapi_document(server_url: str, title: str, description: str) -> dict:
    """The definition with `server_url` (the absolute /ogc/ address) as its only server."""
    geojson = "application/geo+json"
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "description": description, "version": "1.0.0"},
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            "/": _operation(
                "getLandingPage", "Landing page", ["f"], _json("Landing page", "landingPage")
            ),
            "/conformance": _operation(
                "getConformanceDeclaration",
                "Conformance classes",
                ["f"],
                _json("The conformance classes the server implements", "confClasses"),
            ),
            "/api": _operation(
                "getAPIDefinition",
                "This API definition",
                ["f"],
                {
                    "description": "The OpenAPI 3.0 definition",
                    "content": {OPENAPI_MEDIA_TYPE: {"schema": {"type": "object"}}},
                },
            ),
            "/collections": _operation(
                "getCollections", "The layers", ["f"], _json("The layers", "collections")
            ),
            "/collections/{collectionId}": _operation(
                "describeCollection",
                "One layer",
                ["collectionId", "f"],
                _json("The layer", "collection"),
            ),
            "/collections/{collectionId}/items": _operation(
                "getFeatures",
                "Features of a layer's published revision",
                [
                    *("collectionId", "f", "limit", "offset", "bbox", "bbox-crs", "datetime"),
                    *("crs", "filter", "filter-lang", "filter-crs", "properties", "sortby"),
                ],
                _with_content_crs(_json("A page of features", "featureCollectionGeoJSON", geojson)),
            ),
            "/collections/{collectionId}/queryables": _operation(
                "getQueryables",
                "What the layer's features may be filtered and sorted by",
                ["collectionId", "f"],
                {
                    "description": "A JSON Schema of the queryables (Part 3)",
                    "content": {"application/schema+json": {"schema": {"type": "object"}}},
                },
            ),
            "/collections/{collectionId}/items/{featureId}": _operation(
                "getFeature",
                "One feature",
                ["collectionId", "featureId", "f", "crs"],
                _with_content_crs(_json("The feature", "featureGeoJSON", geojson)),
            ),
        },
        "components": {
            "parameters": _parameters(),
            "schemas": _schemas(),
            "headers": {
                "ContentCrs": {
                    "description": "The CRS of the coordinates, as its URI in angle brackets.",
                    "schema": {"type": "string"},
                }
            },
            "responses": {
                "NotModified": {"description": "Unchanged since the ETag in If-None-Match"},
                "InvalidParameter": _json("An unknown or invalid query parameter", "exception"),
                "NotFound": _json("No such layer or feature", "exception"),
                "ServerError": _json("A server error", "exception"),
            },
        },
    }
