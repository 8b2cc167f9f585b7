"""OGC API - Features, Part 1 (Core + GeoJSON) and Part 2 (CRS by reference) for the published
layers, at /ogc/.

Only `Layer.objects.with_features()` is offered: tiles-only layers (e.g. 永久基本农田) are not
collections at all and every URL under them answers 404. Items always come from the layer's
published revision. Answers are JSON only (`f=json`; `f=html` is refused with 400), carry an
ETag, may be cached for a minute and may be read by any origin (GIS clients in browsers).
Features come in CRS84 unless `crs` names another of `layers/ogc/crs.SUPPORTED` (CGCS2000
among them), and say which in the Content-Crs header.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from layers.marks import keywords, mark_properties, with_notice
from layers.models import Layer
from layers.ogc.crs import CRS84_URI, STORAGE_CRS, SUPPORTED, SupportedCrs
from layers.ogc.features import Page, count_matches, feature_by_id, feature_page
from layers.ogc.lookup import downloadable_layer, items_source
from layers.ogc.openapi import OPENAPI_MEDIA_TYPE, openapi_document
from layers.ogc.params import (
    METADATA_PARAMETERS,
    ItemsQuery,
    OgcError,
    check_parameters,
    parse_item_query,
    parse_items_query,
)
from layers.ogc.queryables import queryables_of, queryables_schema
from layers.ogc.selection import selection_of
from layers.summary import ensure_summary
from planportal.etags import if_none_match_holds

JSON = "application/json"
GEOJSON = "application/geo+json"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    # Part 3: queryables and CQL2 filters (layers/ogc/filters.py says which operators).
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
CACHE_CONTROL = "public, max-age=60"
# Part of the feature answers' ETags: raised when the bytes of an unchanged revision's answer
# change (2: the data mark written after the stored properties, layers/ogc/features.py), so a
# cache never revalidates an older form as if it were this one.
FEATURE_FORMAT = 2
MAX_FEATURE_ID = 2**63 - 1


# --- responses -------------------------------------------------------------------------------


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _etag(*parts: object) -> str:
    digest = hashlib.sha256("\n".join(str(part) for part in parts).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _matches(request: HttpRequest, etag: str) -> bool:
    # META rather than request.headers, which copies every header into a dict of its own.
    return if_none_match_holds(request.META.get("HTTP_IF_NONE_MATCH"), etag)


def _not_modified(etag: str) -> HttpResponse:
    response = HttpResponse(status=304)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _answer(request: HttpRequest, body: str | bytes, content_type: str, etag: str) -> HttpResponse:
    if _matches(request, etag):
        return _not_modified(etag)
    return _fresh(body if isinstance(body, bytes) else body.encode(), content_type, etag)


def _fresh(body: bytes, content_type: str, etag: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _with_content_crs(response: HttpResponse, crs: SupportedCrs) -> HttpResponse:
    """Part 2 /req/crs/ogc-crs-header: the CRS of the coordinates, in angle brackets."""
    response["Content-Crs"] = f"<{crs.uri}>"
    return response


def _json_answer(request: HttpRequest, data: dict, content_type: str = JSON) -> HttpResponse:
    """Metadata answers: small, and they change with layer titles as well as revisions, so
    the ETag is a hash of the body itself."""
    body = _dumps(data)
    return _answer(request, body, content_type, _etag(body))


def _error(error: OgcError) -> HttpResponse:
    body = _dumps({"code": error.code, "description": error.description})
    return HttpResponse(body.encode(), status=error.status, content_type=JSON)


def ogc_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only, errors as OGC exception JSON, and CORS for browser GIS clients. Nothing
    here writes, so CSRF protection only stands in the way of a clean 405."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Accept, If-None-Match"
            response["Access-Control-Max-Age"] = "86400"
        elif request.method not in ("GET", "HEAD"):
            response = _error(OgcError(405, "MethodNotAllowed", _("Only GET is supported.")))
            response["Allow"] = "GET, HEAD, OPTIONS"
        else:
            try:
                response = view(request, *args, **kwargs)
            except OgcError as error:
                response = _error(error)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Content-Crs"
        return response

    return wrapper


# --- links -----------------------------------------------------------------------------------


def _url(request: HttpRequest, name: str, *args, query: dict | None = None) -> str:
    path = _reversed(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), name, args)
    url = request.build_absolute_uri(path)
    return f"{url}?{urlencode(query)}" if query else url


@lru_cache(maxsize=1024)
def _reversed(urlconf: str, script_prefix: str, name: str, args: tuple) -> str:
    """reverse() kept per URLconf and script prefix (which reverse() reads itself): the same
    few paths, on every page of items."""
    return reverse(name, urlconf=urlconf, args=args)


def _link(href: str, rel: str, media_type: str, title: str = "") -> dict:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def _self(request: HttpRequest, media_type: str = JSON) -> dict:
    return _link(request.build_absolute_uri(), "self", media_type)


# --- lookups ---------------------------------------------------------------------------------


def _collection(collection_id: str) -> Layer:
    """A layer whose features may be downloaded; anything else is 404, including a tiles-only
    layer, so its existence is not confirmed through this API either."""
    layer = downloadable_layer(collection_id)
    if layer is None:
        raise OgcError(404, "NotFound", _("There is no collection %(id)s.") % {"id": collection_id})
    return layer


def _collection_document(request: HttpRequest, layer: Layer) -> dict:
    document = {
        "id": layer.collection_id,
        "title": layer.title,
        "description": with_notice(layer.description, layer),
        "keywords": keywords(layer),
        "links": [
            _link(_url(request, "ogc-collection", layer.collection_id), "self", JSON, layer.title),
            _link(_url(request, "ogc-items", layer.collection_id), "items", GEOJSON, layer.title),
            _link(
                _url(request, "ogc-queryables", layer.collection_id),
                QUERYABLES_REL,
                SCHEMA_JSON,
                layer.title,
            ),
        ],
        "itemType": "feature",
        # Part 2: the CRSs `crs` accepts, and the one the data is stored in (WGS 84 lon/lat,
        # which is CRS84; CGCS2000 is treated as the same, see layers/ogc/crs.py).
        "crs": list(SUPPORTED),
        "storageCrs": STORAGE_CRS.uri,
    }
    extent = layer.published_revision.extent
    if extent is not None:
        document["extent"] = {
            "spatial": {"bbox": [[round(value, 7) for value in extent.extent]], "crs": CRS84_URI}
        }
    return document


# --- views -----------------------------------------------------------------------------------


def _title() -> str:
    return _("Map layers of the published plans")


def _description() -> str:
    return _(
        "The map layers of the plans under public consultation as OGC API - Features "
        "(GeoJSON). Layers restricted to map tiles are not offered here."
    )


@ogc_endpoint
def landing_page(request: HttpRequest) -> HttpResponse:
    check_parameters(request.GET, METADATA_PARAMETERS)
    return _json_answer(
        request,
        {
            "title": _title(),
            "description": _description(),
            "links": [
                _self(request),
                _link(
                    _url(request, "ogc-api"),
                    "service-desc",
                    OPENAPI_MEDIA_TYPE,
                    _("API definition"),
                ),
                _link(
                    _url(request, "ogc-conformance"),
                    "conformance",
                    JSON,
                    _("Conformance classes"),
                ),
                _link(_url(request, "ogc-collections"), "data", JSON, _("Map layers")),
            ],
        },
    )


@ogc_endpoint
def conformance(request: HttpRequest) -> HttpResponse:
    check_parameters(request.GET, METADATA_PARAMETERS)
    return _json_answer(request, {"conformsTo": CONFORMANCE})


@ogc_endpoint
def api_definition(request: HttpRequest) -> HttpResponse:
    check_parameters(request.GET, METADATA_PARAMETERS)
    document = openapi_document(_url(request, "ogc-landing"), _title(), _description())
    return _json_answer(request, document, OPENAPI_MEDIA_TYPE)


@ogc_endpoint
def collections(request: HttpRequest) -> HttpResponse:
    check_parameters(request.GET, METADATA_PARAMETERS)
    layers = Layer.objects.with_features().select_related("published_revision")
    return _json_answer(
        request,
        {
            "links": [_self(request)],
            "collections": [_collection_document(request, layer) for layer in layers],
        },
    )


@ogc_endpoint
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    check_parameters(request.GET, METADATA_PARAMETERS)
    return _json_answer(request, _collection_document(request, _collection(collection_id)))


def _page_links(
    request: HttpRequest, url: str, collection_id: str, query: ItemsQuery, page: Page
) -> list[dict]:
    """The page's links; ``url`` is the request's own absolute URL."""

    def at(offset: int) -> str:
        params = {"f": request.GET.get("f")} if "f" in request.GET else {}
        params.update(query.repeated())
        params.update(limit=query.limit, offset=offset)
        return _url(request, "ogc-items", collection_id, query=params)

    links = [
        _link(url, "self", GEOJSON),
        _link(_url(request, "ogc-collection", collection_id), "collection", JSON),
    ]
    # No translated titles here: the ETag of items does not depend on the language.
    if page.more:
        links.append(_link(at(query.offset + query.limit), "next", GEOJSON))
    if query.offset > 0:
        previous = query.offset - query.limit
        if page.matched is not None:
            # An offset past the end goes back to the last full page.
            previous = min(previous, page.matched - query.limit)
        links.append(_link(at(max(0, previous)), "prev", GEOJSON))
    return links


@ogc_endpoint
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    """Also answered in front of Django by layers/ogc/fastpath.py, which calls this view."""
    # The layer, its mark and its queryables, kept for a couple of seconds (layers/ogc/lookup.py).
    source = items_source(collection_id)
    if source is None:
        raise OgcError(404, "NotFound", _("There is no collection %(id)s.") % {"id": collection_id})
    query = parse_items_query(request.GET)
    url = request.build_absolute_uri()
    # Features of a revision never change, so the revision and the full URL (host, path and
    # query, which the links repeat) decide the answer: a 304 costs no feature query.
    # The mark is part of the answer, and a planner may change it without a new revision.
    etag = _etag("items", FEATURE_FORMAT, source.revision_id, source.mark, source.notice, url)
    if _matches(request, etag):
        return _with_content_crs(_not_modified(etag), query.crs)
    # Types and attribute names come from the revision row (layers/summary.py): no scan here.
    selection = selection_of(query, source.queryables)
    page = feature_page(
        source.revision_id,
        selection,
        query.limit,
        query.offset,
        source.as_multi,
        query.crs,
        source.mark,
        source.carries_mark_key,
        source.has_docs,
    )
    if page.matched is None and not page.more:
        # An empty page past the end: the count places the prev link on the last page.
        page = replace(page, matched=count_matches(source.revision_id, selection))
    collection = {"type": "FeatureCollection"}
    # numberMatched is optional (OGC API - Features Part 1, 17-069r4): given when the page tells
    # it, left out when only a count of every match would (the next link says more follow).
    if page.matched is not None:
        collection["numberMatched"] = page.matched
    collection |= {
        "numberReturned": page.returned,
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": _page_links(request, url, source.collection_id, query, page),
    }
    # A foreign member for readers of the whole file (GIS tools keep the per-feature SJZT).
    if source.notice:
        collection["description"] = source.notice
    # The features arrive as UTF-8 bytes (layers/ogc/features.py): joined, never decoded.
    head = _dumps(collection).encode()
    body = b"".join((head[:-1], b',"features":[', page.features, b"]}"))
    return _with_content_crs(_fresh(body, GEOJSON, etag), query.crs)  # If-None-Match: above


@ogc_endpoint
def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    check_parameters(request.GET, METADATA_PARAMETERS)
    layer = _collection(collection_id)
    found, _summary = queryables_of(layer.published_revision)
    url = _url(request, "ogc-queryables", layer.collection_id)
    return _json_answer(request, queryables_schema(layer, found, url), SCHEMA_JSON)


@ogc_endpoint
def item(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    layer = _collection(collection_id)
    crs = parse_item_query(request.GET)
    missing = OgcError(
        404,
        "NotFound",
        _("Collection %(collection)s has no feature %(feature)s.")
        % {"collection": collection_id, "feature": feature_id},
    )
    if not feature_id.isascii() or not feature_id.isdigit() or int(feature_id) > MAX_FEATURE_ID:
        raise missing
    etag = _etag(
        "item",
        FEATURE_FORMAT,
        layer.published_revision_id,
        mark_properties(layer),
        request.build_absolute_uri(),
    )
    if _matches(request, etag):
        return _with_content_crs(_not_modified(etag), crs)
    summary = ensure_summary(layer.published_revision)
    feature = feature_by_id(
        layer.published_revision_id,
        int(feature_id),
        summary.mixes_single_and_multi,
        crs,
        mark_properties(layer),
        summary.carries_mark_key,
    )
    if feature is None:
        raise missing
    links = _dumps(
        {
            "links": [
                _self(request, GEOJSON),
                _link(_url(request, "ogc-collection", layer.collection_id), "collection", JSON),
            ]
        }
    )
    body = feature[:-1] + "," + links[1:]
    return _with_content_crs(_answer(request, body, GEOJSON, etag), crs)
