"""``GET /tiles/{collection}/{z}/{x}/{y}.mvt`` and ``GET /tiles/{collection}.json``: the tile
answer with its caching headers (ETag keyed by the published revision, so a revalidation is
answered before any tile SQL runs), 204 below the layer's min_zoom (its own, or the deeper one
its bake chose from the data's extent), baked overview tiles read by key below the bake's
detail zoom (layers/tiles/bake.py) and sent gzipped as stored to a client that accepts
gzip, and TileJSON 3.0."""

import math
import re

from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from layers.marks import keywords, with_notice
from layers.models import DATA_MARK_FIELD, Layer
from layers.tiles.lookup import fresh_tile_source, tile_source
from layers.tiles.overview import COUNT_FIELD
from layers.tiles.sql import (
    TileSource,
    encoded_tile,
    max_zoom,
    tile_attribute_names,
    tile_etag,
    tile_exists,
)
from planportal.etags import if_none_match_holds

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
TILEJSON_MAX_ZOOM = 18  # deepest zoom announced; clients over-zoom past it
SHORT_CACHE = "public, max-age=300"
# Tile URLs with ?v=<tileset version> never change content, so browsers and CDNs keep them.
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
TILEJSON_CACHE = "public, max-age=60"
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as Django's GZipMiddleware reads Accept-Encoding


def tile_cache_headers(source: TileSource, etag: str, version: str | None) -> dict[str, str]:
    """ETag and Cache-Control of every answer for a tile; ``version`` is the URL's ?v=."""
    immutable = version == source.version
    return {"ETag": etag, "Cache-Control": IMMUTABLE_CACHE if immutable else SHORT_CACHE}


def revalidation_headers(
    source: TileSource, if_none_match: str | None, version: str | None, z: int, x: int, y: int
) -> dict[str, str] | None:
    """The headers of a 304 when ``if_none_match`` holds the tile's ETag (or ``*``), else None.
    Takes plain values rather than a request: the WSGI fast path has no request object.
    If-None-Match compares weakly (RFC 9110 13.1.2): a proxy that gzips a tile, as nginx
    does, hands the browser W/"<etag>", and that is what comes back."""
    if not if_none_match or not tile_exists(z, x, y) or z > max_zoom(source):
        return None
    etag = tile_etag(source, z, x, y)
    return (
        tile_cache_headers(source, etag, version)
        if if_none_match_holds(if_none_match, etag)
        else None
    )


def _with_headers(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response[name] = value
    return response


def not_modified(request, collection_id: str, z: int, x: int, y: int) -> HttpResponse | None:
    """The 304 for a revalidation whose ETag still matches, else None. Used by the view and by
    the tile_revalidation middleware, which answers before the rest of the middleware stack."""
    if request.method not in ("GET", "HEAD") or not tile_exists(z, x, y):
        return None
    source = tile_source(collection_id, request.GET.get("v"))
    if source is None:
        return None
    headers = revalidation_headers(
        source, request.headers.get("If-None-Match"), request.GET.get("v"), z, x, y
    )
    return None if headers is None else _with_headers(HttpResponseNotModified(), headers)


@require_safe
def vector_tile(request, collection_id: str, z: int, x: int, y: int) -> HttpResponse:
    """One tile. 200 with MVT bytes; 204 (empty body, same caching headers) when the tile holds
    no feature or z is below the layer's min_zoom; 304 when If-None-Match matches; 404 for an
    unknown collection or a tile outside the z 0-22 pyramid, or above z13 for a generalised
    layer (its TileJSON says maxzoom 13, and maps over-zoom)."""
    if not tile_exists(z, x, y):
        raise Http404("No such tile.")
    source = tile_source(collection_id, request.GET.get("v"))
    if source is None:
        raise Http404("No such collection.")
    if z > max_zoom(source):
        raise Http404("No tile at this zoom: the layer is generalised.")
    version = request.GET.get("v")
    revalidated = revalidation_headers(
        source, request.headers.get("If-None-Match"), version, z, x, y
    )
    if revalidated is not None:
        return _with_headers(HttpResponseNotModified(), revalidated)
    headers = tile_cache_headers(source, tile_etag(source, z, x, y), version)
    data, gzipped = b"", False
    if z >= source.effective_min_zoom:
        accepted = ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")) is not None
        data, gzipped = encoded_tile(source, z, x, y, gzip_accepted=accepted)
    if source.is_baked(z):
        # The same address answers gzip or plain by Accept-Encoding: caches keep both.
        headers["Vary"] = "Accept-Encoding"
    if not data:
        return _with_headers(HttpResponse(status=204), headers)
    if gzipped:
        # Another encoding of the same tile: its ETag weak, as nginx makes it when it
        # compresses (revalidation compares weakly: planportal/etags.py).
        headers.update({"Content-Encoding": "gzip", "ETag": f"W/{headers['ETag']}"})
    return _with_headers(HttpResponse(data, content_type=MVT_CONTENT_TYPE), headers)


@require_safe
def tilejson(request, collection_id: str) -> JsonResponse:
    """TileJSON 3.0.0 of a public layer; its tile URL carries ?v=<version>, so the tiles it
    points at may be cached for a year."""
    layer = (
        Layer.objects.public()
        .select_related("published_revision")
        .filter(collection_id=collection_id)
        .first()
    )
    if layer is None:
        raise Http404("No such collection.")
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        document = tilejson_document(request, layer)
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = TILEJSON_CACHE
    return response


def tilejson_document(request, layer: Layer) -> dict:
    # Built from the row just read (and kept for the tiles): the version announced is the one
    # the database holds, and a tile asked for with it reads the layer again if this
    # process's lookup is older.
    source = fresh_tile_source(layer)
    # reverse() cannot produce "{z}" for an <int> segment, and build_absolute_uri() would
    # percent-encode the braces: so the absolute prefix is built first, the template added.
    example = reverse("vector-tile", args=[layer.collection_id, 0, 0, 0])
    prefix = request.build_absolute_uri(example.removesuffix("0/0/0.mvt"))
    tiles_url = f"{prefix}{{z}}/{{x}}/{{y}}.mvt?v={source.version}"
    extent = layer.published_revision.extent
    bounds = list(extent.extent) if extent else [-180.0, -85.0511, 180.0, 85.0511]
    deepest = min(TILEJSON_MAX_ZOOM, max_zoom(source))
    min_zoom = min(source.effective_min_zoom, deepest)
    return {
        "tilejson": "3.0.0",
        "name": layer.title,
        "description": with_notice(layer.description, layer),
        "attribution": _attribution(layer),
        # Not a TileJSON key; clients keep unknown keys as the tileset's metadata.
        "keywords": keywords(layer),
        "data_mark": layer.data_mark,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": min_zoom,
        "maxzoom": deepest,
        "bounds": bounds,
        "center": _center(bounds, min_zoom),
        "vector_layers": [
            {
                "id": layer.collection_id,
                "description": layer.title,
                # A generalised tile has no attribute at all (layers/tiles/sql.py).
                "fields": {} if source.generalised else _fields(layer, source),
                "minzoom": min_zoom,
                "maxzoom": deepest,
            }
        ],
    }


def _attribution(layer: Layer) -> str:
    """TileJSON attribution is HTML to map libraries, so the planner-supplied note is escaped."""
    parts = [_("Demonstration data")] if layer.is_demo else []
    if layer.source_note:
        parts.append(layer.source_note)
    return escape("; ".join(parts))


_NUMBER_TYPES = {"integer", "int", "number", "float", "double", "decimal", "real", "area"}
_BOOLEAN_TYPES = {"boolean", "bool"}


def _fields(layer: Layer, source: TileSource) -> dict[str, str]:
    """Every MVT attribute with its type and label, e.g. ``"DLMC": "String: 地类名称"``; with
    overview tiles (layers/tiles/overview.py), also their groups' parcel count."""
    fields = {
        "id": f"Number: {_('feature id')}",
        "name": f"String: {_('name')}",
        "category": f"String: {_('category code')}",
    }
    if source.detail_zoom:
        fields[COUNT_FIELD] = f"Number: {_('parcels in the group')}"
    if layer.data_mark:
        fields[DATA_MARK_FIELD] = f"String: {_('data status')}"
    items = [item for item in layer.attribute_schema or [] if isinstance(item, dict)]
    schema = {str(item.get("name")): item for item in items}
    for name in tile_attribute_names(layer.attribute_schema):
        kind = str(schema[name].get("type", "")).lower()
        mvt_type = (
            "Number" if kind in _NUMBER_TYPES else "Boolean" if kind in _BOOLEAN_TYPES else "String"
        )
        label = str(schema[name].get("label") or name)
        fields[name] = f"{mvt_type}: {label}"
    return fields


def _center(bounds: list[float], min_zoom: int) -> list[float]:
    """The middle of the bounds at the zoom where they fit a 512 px wide view."""
    west, south, east, north = bounds
    width = max(east - west, 1e-9)
    zoom = math.floor(math.log2(720 / width))
    zoom = max(min_zoom, min(zoom, TILEJSON_MAX_ZOOM))
    return [round((west + east) / 2, 6), round((south + north) / 2, 6), zoom]
