"""Mapbox vector tiles of a layer's published revision, built by PostGIS, and their TileJSON.

``GET /tiles/{collection}/{z}/{x}/{y}.mvt`` and ``GET /tiles/{collection}.json``, for every
layer of ``Layer.objects.public()``: tiles are the only way a tiles-only layer (e.g. 永久基本农田)
reaches the public, so they carry the attributes the style and popup need and nothing else.

What measurement on this machine class showed (docs/architecture.md, "Tiles") shapes the code:

- The ETag depends only on the published revision, the layer's tile settings and z/x/y, so an
  ``If-None-Match`` is answered before any tile SQL runs, from a layer lookup that is itself
  kept in-process for a couple of seconds.
- Below the layer's ``min_zoom`` the answer is 204 No Content, never a tile cut by a LIMIT.
- The SQL reads the stored EPSG:3857 column through its GiST index (no per-request
  transform), uses integer SRIDs only, runs with JIT off, and is parameterised.
- Nothing is compressed here: the web server or CDN gzips tiles far more cheaply.
"""

import hashlib
import json
import math
import time
from dataclasses import dataclass
from functools import cached_property, lru_cache

from django.db import connections, router
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from layers.models import Feature, GeometryType, Layer
from planportal.db import select_last_result
from planportal.models import Plan

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22  # deepest tile served (about 4 cm per pixel); a plan needs nothing finer
TILEJSON_MAX_ZOOM = 18  # deepest zoom announced; clients over-zoom past it
TILE_EXTENT = 4096  # MVT grid units per tile side
TILE_BUFFER = 64  # grid units drawn past the tile edge, so strokes join across tiles
WEB_MERCATOR_WIDTH_M = 40075016.68  # the EPSG:3857 world's width in metres
# Polygons and lines are simplified before ST_AsMVTGeom below this zoom (see _tolerance); from
# z14 on it saved little (-6 % bytes at z14, -1 % at z16) for its cost.
SIMPLIFY_BELOW_ZOOM = 14

SHORT_CACHE = "public, max-age=300"
# Tile URLs with ?v=<tileset version> never change content, so browsers and CDNs keep them.
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
TILEJSON_CACHE = "public, max-age=60"
# A publish in another process is seen within this many seconds (in this process at once).
LAYER_LOOKUP_SECONDS = 2.0

# MVT attributes every layer carries, besides those of its attribute schema.
BUILT_IN_FIELDS = ("id", "name", "category")


@dataclass(frozen=True)
class TileSource:
    """What a tile request needs to know about a public layer, from one indexed query."""

    collection_id: str
    revision_id: int
    min_zoom: int
    geometry_type: str
    attribute_names: tuple[str, ...]

    @cached_property
    def version(self) -> str:
        """Changes whenever a tile's content may change: a new published revision, or an
        edit of the layer settings the tiles depend on (attributes, min_zoom, geometry)."""
        settings = json.dumps(
            [self.attribute_names, self.min_zoom, self.geometry_type], ensure_ascii=False
        )
        digest = hashlib.blake2b(settings.encode(), digest_size=4).hexdigest()
        return f"{self.revision_id}-{digest}"


def tile_attribute_names(attribute_schema: list) -> tuple[str, ...]:
    """The schema's field names, minus any that would clash with a built-in field."""
    names = []
    for item in attribute_schema or []:
        name = str(item.get("name", "")) if isinstance(item, dict) else ""
        if name and name not in BUILT_IN_FIELDS and name != "geom" and name not in names:
            names.append(name)
    return tuple(names)


# -- the in-process layer lookup ---------------------------------------------------------------

_lookups: dict[str, tuple[float, TileSource]] = {}


def tile_source(collection_id: str) -> TileSource | None:
    """The public layer behind a collection id, or None. Kept for LAYER_LOOKUP_SECONDS so a
    304 costs no database round trip; saves of layers and plans in this process clear it."""
    now = time.monotonic()
    cached = _lookups.get(collection_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    fields = ("published_revision_id", "min_zoom", "geometry_type", "attribute_schema")
    try:
        # get() drops the model's ordering, which would join and sort for a unique key.
        row = Layer.objects.public().values_list(*fields).get(collection_id=collection_id)
    except Layer.DoesNotExist:
        _lookups.pop(collection_id, None)
        return None
    revision_id, min_zoom, geometry_type, schema = row
    source = TileSource(
        collection_id, revision_id, min_zoom, geometry_type, tile_attribute_names(schema)
    )
    _lookups[collection_id] = (now + LAYER_LOOKUP_SECONDS, source)
    return source


def kept_tile_source(collection_id: str) -> TileSource | None:
    """tile_source()'s kept lookup while it is fresh, else None: what can be answered without
    the database (a layer that is not public is never kept)."""
    cached = _lookups.get(collection_id)
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def forget_tile_sources(**_kwargs) -> None:
    _lookups.clear()


for _model in (Layer, Plan):
    post_save.connect(forget_tile_sources, sender=_model, dispatch_uid=f"tiles-{_model.__name__}")
    post_delete.connect(
        forget_tile_sources, sender=_model, dispatch_uid=f"tiles-del-{_model.__name__}"
    )


# -- tile SQL ----------------------------------------------------------------------------------


def tile_exists(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile_etag(source: TileSource, z: int, x: int, y: int) -> str:
    key = f"{source.collection_id}/{source.version}/{z}/{x}/{y}".encode()
    return f'"{hashlib.blake2b(key, digest_size=12).hexdigest()}"'


def _tolerance(source: TileSource, z: int) -> float:
    """Half a tile grid unit in metres at zoom z, or 0 for no simplification: a vertex that
    strays less than that from the simplified line would be snapped to about the same grid
    cell anyway, so dropping it first changes hardly a pixel but saves bytes and clipping work
    in the dense low-zoom tiles of parcel layers."""
    if source.geometry_type == GeometryType.POINT or z >= SIMPLIFY_BELOW_ZOOM:
        return 0.0
    return WEB_MERCATOR_WIDTH_M / (TILE_EXTENT * 2**z) / 2


@lru_cache(maxsize=64)
def _tile_sql(attribute_count: int, simplify: bool) -> str:
    """The statement for a layer with ``attribute_count`` schema fields. Only the number of
    placeholders varies: field names, z/x/y and ids are always parameters.

    - ``fid`` becomes the MVT feature id, ``id`` the same number as an attribute, because
      Leaflet.VectorGrid hands a click handler the properties, not the feature id.
    - Schema fields go in one jsonb column: ST_AsMVT turns its keys into attributes, keeps
      numbers and booleans typed, and skips nulls (jsonb_strip_nulls) and nested values.
    - ``f.geom_3857 && envelope-with-margin`` is the GiST-indexed filter; the margin equals
      the ST_AsMVTGeom buffer so features just outside the tile still draw their edge.
    - ``ST_Simplify(geom, tolerance, true)``: the ``true`` keeps a parcel smaller than the
      tolerance instead of dropping it. Measured on 3000 parcels it gives the same bytes as
      ST_SimplifyPreserveTopology at 1/3 of the time; ST_AsMVTGeom's clipping makes the
      result valid either way.
    - ``OFFSET 0`` keeps the planner from merging the subquery into the outer query, which
      would compute ST_AsMVTGeom twice per row (once for ``IS NOT NULL``, once for the
      aggregate): measured 40 % slower.
    """
    pairs = ", ".join(f"%(k{i})s, f.properties -> %(k{i})s" for i in range(attribute_count))
    attributes = f"jsonb_strip_nulls(jsonb_build_object({pairs})) AS attributes," if pairs else ""
    geometry = "ST_Simplify(f.geom_3857, %(tolerance)s, true)" if simplify else "f.geom_3857"
    # SET LOCAL in the same simple-query message runs in that message's implicit transaction,
    # so JIT (slower than the query itself for tiles) is off for this statement only, in one
    # round trip and without touching the connection's other queries. Only placeholders and
    # module constants are interpolated below, never a value.
    return f"""
        SET LOCAL jit = off;
        SELECT ST_AsMVT(tile.*, %(layer)s, {TILE_EXTENT}, 'geom', 'fid')
        FROM (
            SELECT f.id AS fid,
                   f.id AS id,
                   NULLIF(f.name, '') AS name,
                   NULLIF(f.category, '') AS category,
                   {attributes}
                   ST_AsMVTGeom(
                       {geometry}, ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                       {TILE_EXTENT}, {TILE_BUFFER}, true
                   ) AS geom
            FROM layers_feature f
            WHERE f.revision_id = %(revision)s
              AND f.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s)
            OFFSET 0
        ) AS tile
        WHERE tile.geom IS NOT NULL
    """  # noqa: S608


def tile_query(source: TileSource, z: int, x: int, y: int) -> tuple[str, dict]:
    """The SQL and parameters of one tile (also run as-is by bench/tiles.py)."""
    tolerance = _tolerance(source, z)
    params = {
        "layer": source.collection_id,
        "revision": source.revision_id,
        "z": z,
        "x": x,
        "y": y,
        "margin": TILE_BUFFER / TILE_EXTENT,
        "tolerance": tolerance,
    }
    params.update({f"k{i}": name for i, name in enumerate(source.attribute_names)})
    return _tile_sql(len(source.attribute_names), tolerance > 0), params


def render_tile(source: TileSource, z: int, x: int, y: int) -> bytes:
    """The MVT bytes of one tile; empty when no feature touches it."""
    sql, params = tile_query(source, z, x, y)
    # Through the router, so tiles follow the other reads once a read replica is configured.
    with connections[router.db_for_read(Feature)].cursor() as cursor:
        cursor.execute(sql, params)
        select_last_result(cursor)  # the SELECT after SET LOCAL
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


# -- views -------------------------------------------------------------------------------------


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
    if not if_none_match or not tile_exists(z, x, y):
        return None
    etag = tile_etag(source, z, x, y)
    tags = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
    return tile_cache_headers(source, etag, version) if "*" in tags or etag in tags else None


def _with_headers(response: HttpResponse, headers: dict[str, str]) -> HttpResponse:
    for name, value in headers.items():
        response[name] = value
    return response


def not_modified(request, collection_id: str, z: int, x: int, y: int) -> HttpResponse | None:
    """The 304 for a revalidation whose ETag still matches, else None. Used by the view and by
    the tile_revalidation middleware, which answers before the rest of the middleware stack."""
    if request.method not in ("GET", "HEAD") or not tile_exists(z, x, y):
        return None
    source = tile_source(collection_id)
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
    unknown collection or a tile outside the z 0-22 pyramid."""
    if not tile_exists(z, x, y):
        raise Http404("No such tile.")
    source = tile_source(collection_id)
    if source is None:
        raise Http404("No such collection.")
    version = request.GET.get("v")
    revalidated = revalidation_headers(
        source, request.headers.get("If-None-Match"), version, z, x, y
    )
    if revalidated is not None:
        return _with_headers(HttpResponseNotModified(), revalidated)
    headers = tile_cache_headers(source, tile_etag(source, z, x, y), version)
    data = render_tile(source, z, x, y) if z >= source.min_zoom else b""
    if not data:
        return _with_headers(HttpResponse(status=204), headers)
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
    # The same lookup as the tiles', so ?v= is the version the tile view compares it with.
    source = tile_source(layer.collection_id)
    # reverse() cannot produce "{z}" for an <int> segment, and build_absolute_uri() would
    # percent-encode the braces: so the absolute prefix is built first, the template added.
    example = reverse("vector-tile", args=[layer.collection_id, 0, 0, 0])
    prefix = request.build_absolute_uri(example.removesuffix("0/0/0.mvt"))
    tiles_url = f"{prefix}{{z}}/{{x}}/{{y}}.mvt?v={source.version}"
    extent = layer.published_revision.extent
    bounds = list(extent.extent) if extent else [-180.0, -85.0511, 180.0, 85.0511]
    min_zoom = min(layer.min_zoom, TILEJSON_MAX_ZOOM)
    return {
        "tilejson": "3.0.0",
        "name": layer.title,
        "description": layer.description,
        "attribution": _attribution(layer),
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": min_zoom,
        "maxzoom": TILEJSON_MAX_ZOOM,
        "bounds": bounds,
        "center": _center(bounds, min_zoom),
        "vector_layers": [
            {
                "id": layer.collection_id,
                "description": layer.title,
                "fields": _fields(layer),
                "minzoom": min_zoom,
                "maxzoom": TILEJSON_MAX_ZOOM,
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


def _fields(layer: Layer) -> dict[str, str]:
    """Every MVT attribute with its type and label, e.g. ``"DLMC": "String: 地类名称"``."""
    fields = {
        "id": f"Number: {_('feature id')}",
        "name": f"String: {_('name')}",
        "category": f"String: {_('category code')}",
    }
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
