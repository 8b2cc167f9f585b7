"""One vector tile of a public layer: what the request needs to know about the layer
(TileSource), the parameterised statement and its run. bench/tiles.py runs ``tile_query`` as-is
for its raw-SQL baseline."""

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property, lru_cache

from layers.models import DATA_MARK_FIELD, GeometryType, public_reads
from planportal.db import SMALL_STATEMENT_SETTINGS, select_last_result

MAX_ZOOM = 22  # deepest tile served (about 4 cm per pixel); a plan needs nothing finer
TILE_EXTENT = 4096  # MVT grid units per tile side
TILE_BUFFER = 64  # grid units drawn past the tile edge, so strokes join across tiles
WEB_MERCATOR_WIDTH_M = 40075016.68  # the EPSG:3857 world's width in metres
# Polygons and lines are simplified before ST_AsMVTGeom below this zoom (see _tolerance); from
# z14 on it saved little (-6 % bytes at z14, -1 % at z16) for its cost.
SIMPLIFY_BELOW_ZOOM = 14

# Generalised layers (PublicPolicy.GENERALISED: 永久基本农田, 生态保护红线, ...): no tile above
# this zoom (a z13 cell is about 76 m wide here; the map over-zooms the z13 tiles), and each
# tile side is cut into this many cells. A cell is drawn when its centre lies in a parcel: the
# union of such cells shows where the designation lies, in blocks of 1/64 of a tile (4 px on
# screen at native zoom), and no parcel's outline, identifier or attribute survives. Measured
# against the plain tile in bench/generalised_tiles.py; see docs/architecture.md.
GENERALISED_MAX_ZOOM = 13
GENERALISED_CELLS = 64

# MVT attributes every layer carries, besides those of its attribute schema (SJZT, the data
# mark, only on layers that have one).
BUILT_IN_FIELDS = ("id", "name", "category", DATA_MARK_FIELD)


@dataclass(frozen=True)
class TileSource:
    """What a tile request needs to know about a public layer, from one indexed query."""

    collection_id: str
    revision_id: int
    min_zoom: int
    geometry_type: str
    attribute_names: tuple[str, ...]
    data_mark: str = ""  # the SJZT value every feature of the tile carries; blank: none
    generalised: bool = False  # PublicPolicy.GENERALISED: generalised_tile_query, no attributes
    # What layers/tiles/bake.py built for this revision with these settings (TileBake), if
    # anything: no tile below bake_min_zoom, baked overview tiles below detail_zoom, and the
    # parcels from the bake's TileRow rows (attributes ready, an index of their own).
    bake_id: int | None = None
    bake_min_zoom: int = 0
    detail_zoom: int = 0
    rows: bool = False

    @property
    def effective_min_zoom(self) -> int:
        """The lowest zoom with tiles: the layer's setting, or deeper where the bake says the
        layer is a speck below."""
        return max(self.min_zoom, self.bake_min_zoom)

    def is_baked(self, z: int) -> bool:
        """Whether the tile at z is a baked overview tile (no tile SQL)."""
        return self.bake_id is not None and self.effective_min_zoom <= z < self.detail_zoom

    @cached_property
    def version(self) -> str:
        """Changes whenever a tile's content may change: a new published revision, or an
        edit of the layer settings the tiles depend on (attributes, min_zoom, geometry, the
        data mark, generalisation)."""
        settings = [self.attribute_names, self.min_zoom, self.geometry_type, self.data_mark]
        if self.generalised:
            settings.append("generalised")
        if self.bake_id is not None:
            settings.append(["baked", self.bake_min_zoom, self.detail_zoom, self.rows])
        settings = json.dumps(settings, ensure_ascii=False)
        digest = hashlib.blake2b(settings.encode(), digest_size=4).hexdigest()
        return f"{self.revision_id}-{digest}"


# Raise when what layers/tiles/bake.py makes changes: every bake is redone. 2: overview grids
# coarsened to a byte budget, baked tiles stored gzipped.
BAKE_FORMAT = 2
GZIP_MAGIC = b"\x1f\x8b"  # an MVT starts with 0x1a (its first layer), never with this


def bake_key(source: TileSource) -> str:
    """What a bake (layers/tiles/bake.py) depends on besides the revision: the tiles' layer
    name, attributes, data mark and geometry type."""
    settings = [BAKE_FORMAT, source.collection_id, source.attribute_names, source.data_mark]
    settings.append(source.geometry_type)
    text = json.dumps(settings, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def tile_attribute_names(attribute_schema: list) -> tuple[str, ...]:
    """The schema's field names, minus any that would clash with a built-in field."""
    names = []
    for item in attribute_schema or []:
        name = str(item.get("name", "")) if isinstance(item, dict) else ""
        if name and name not in BUILT_IN_FIELDS and name != "geom" and name not in names:
            names.append(name)
    return tuple(names)


def tile_exists(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def max_zoom(source: TileSource) -> int:
    """The deepest zoom the layer's tiles are served at."""
    return GENERALISED_MAX_ZOOM if source.generalised else MAX_ZOOM


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
    - ``SJZT`` is the layer's data mark, one constant parameter per statement (NULL, and so
      left out by ST_AsMVT, when the layer has none).
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
    # Only placeholders and module constants are interpolated below, never a value.
    return f"""
        {SMALL_STATEMENT_SETTINGS}
        SELECT ST_AsMVT(tile.*, %(layer)s, {TILE_EXTENT}, 'geom', 'fid')
        FROM (
            SELECT f.id AS fid,
                   f.id AS id,
                   NULLIF(f.name, '') AS name,
                   NULLIF(f.category, '') AS category,
                   NULLIF(%(mark)s::text, '') AS "{DATA_MARK_FIELD}",
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


# A baked revision's tile (layers/tiles/bake.py): the same tile as _tile_sql's, from the
# bake's TileRow rows, whose attributes are one ready jsonb (nothing built per row) and whose
# GiST index leads with the bake id, so the scan reads this layer's rows only and no other
# layer changes its plan. The id is cast to the column's bigint: btree_gist's operator class
# has no int8 = int4, and without the cast the index is searched by geometry alone.
_ROWS_TILE_SQL = f"""
    {SMALL_STATEMENT_SETTINGS}
    SELECT ST_AsMVT(tile.*, %(layer)s, {TILE_EXTENT}, 'geom', 'fid')
    FROM (
        SELECT r.fid, r.fid AS id, r.name, r.category,
               NULLIF(%(mark)s::text, '') AS "{DATA_MARK_FIELD}",
               r.attributes,
               ST_AsMVTGeom(
                   {{geometry}}, ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                   {TILE_EXTENT}, {TILE_BUFFER}, true
               ) AS geom
        FROM layers_tilerow r
        WHERE r.bake_id = %(bake)s::bigint
          AND r.geom && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(margin)s)
        OFFSET 0
    ) AS tile
    WHERE tile.geom IS NOT NULL
"""  # noqa: S608
_ROWS_TILE_SQL_PLAIN = _ROWS_TILE_SQL.format(geometry="r.geom")
_ROWS_TILE_SQL_SIMPLIFIED = _ROWS_TILE_SQL.format(
    geometry="ST_Simplify(r.geom, %(tolerance)s, true)"
)


def tile_query(source: TileSource, z: int, x: int, y: int) -> tuple[str, dict]:
    """The SQL and parameters of one tile (also run as-is by bench/tiles.py)."""
    tolerance = _tolerance(source, z)
    if source.rows:
        params = {"layer": source.collection_id, "bake": source.bake_id, "z": z, "x": x, "y": y}
        params.update(margin=TILE_BUFFER / TILE_EXTENT, mark=source.data_mark, tolerance=tolerance)
        sql = _ROWS_TILE_SQL_SIMPLIFIED if tolerance > 0 else _ROWS_TILE_SQL_PLAIN
        return sql, params
    params = {
        "layer": source.collection_id,
        "revision": source.revision_id,
        "z": z,
        "x": x,
        "y": y,
        "margin": TILE_BUFFER / TILE_EXTENT,
        "tolerance": tolerance,
        "mark": source.data_mark,
    }
    params.update({f"k{i}": name for i, name in enumerate(source.attribute_names)})
    return _tile_sql(len(source.attribute_names), tolerance > 0), params


def generalised_cells(envelope: str) -> str:
    """The grid cells (i, j) of side %(cell)s whose centre lies in a parcel of revision
    %(revision)s and inside ``envelope`` (an SQL expression of EPSG:3857 of module constants
    and placeholders only). The one home of the generalisation: the generalised tile below
    and the printed sheets (front/sheets/) draw the same cells."""
    return f"""
        SELECT DISTINCT cell.i, cell.j
        FROM layers_feature f,
             LATERAL ST_SquareGrid(%(cell)s, f.geom_3857) AS cell
        WHERE f.revision_id = %(revision)s
          AND f.geom_3857 && {envelope}
          AND ST_Intersects(ST_Centroid(cell.geom), {envelope})
          AND ST_Intersects(f.geom_3857, ST_Centroid(cell.geom))
    """  # noqa: S608


def generalised_cell_size(z: int) -> float:
    """The side in metres of a generalised cell at zoom z (GENERALISED_CELLS per tile side)."""
    return WEB_MERCATOR_WIDTH_M / 2**z / GENERALISED_CELLS


# The generalised tile: one attribute-free (multi)polygon, the union of the grid cells of the
# tile whose centre lies in a parcel. The cells are found per parcel (ST_SquareGrid over the
# parcel, so the work grows with the parcels in the tile like the plain tile's, not with the
# cells), numbered in the world grid (i, j), so neighbouring tiles meet without overlap, and
# kept only when their centre is inside this tile. ST_Simplify drops the collinear corners the
# union leaves along straight runs of cells; the steps of a cell stay. No feature id, name,
# category or property is selected (the layer-wide data mark SJZT, the same on every feature,
# is the one attribute such a tile may carry).
_GENERALISED_SQL = f"""
    {SMALL_STATEMENT_SETTINGS}
    SELECT ST_AsMVT(tile.*, %(layer)s, {TILE_EXTENT}, 'geom')
    FROM (
        SELECT NULLIF(%(mark)s::text, '') AS "{DATA_MARK_FIELD}",
               ST_AsMVTGeom(
                   ST_Simplify(
                       ST_SetSRID(ST_Union(ST_Square(%(cell)s, cells.i, cells.j)), 3857),
                       %(tolerance)s
                   ),
                   ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {TILE_EXTENT}, 0, true
               ) AS geom
        FROM ({generalised_cells("ST_TileEnvelope(%(z)s, %(x)s, %(y)s)")}) AS cells
        HAVING count(*) > 0
    ) AS tile
    WHERE tile.geom IS NOT NULL
"""  # noqa: S608


def generalised_tile_query(source: TileSource, z: int, x: int, y: int) -> tuple[str, dict]:
    """The SQL and parameters of one generalised tile (also run by bench/generalised_tiles.py);
    only for z <= GENERALISED_MAX_ZOOM."""
    cell = generalised_cell_size(z)
    params = {
        "layer": source.collection_id,
        "revision": source.revision_id,
        "z": z,
        "x": x,
        "y": y,
        "cell": cell,
        "tolerance": cell / 8,
        "mark": source.data_mark,
    }
    return _GENERALISED_SQL, params


def render_tile(source: TileSource, z: int, x: int, y: int) -> bytes:
    """The MVT bytes of one tile; empty when no feature touches it. A generalised layer's tile
    comes from generalised_tile_query, a baked overview tile from its row."""
    data, _ = encoded_tile(source, z, x, y, gzip_accepted=False)
    return data


def encoded_tile(
    source: TileSource, z: int, x: int, y: int, *, gzip_accepted: bool
) -> tuple[bytes, bool]:
    """The bytes of one tile and whether they are gzip. A baked overview tile is stored
    gzipped (compressed once, at the bake) and sent so to a client that accepts it, else
    decompressed; every other tile is plain MVT (nginx compresses those in deployment:
    compressing per request in Python cost a quarter of the throughput)."""
    if source.is_baked(z):
        data = baked_tile(source, z, x, y)
        if data[:2] != GZIP_MAGIC:  # a bake of an older format
            return data, False
        return (data, True) if gzip_accepted else (gzip.decompress(data), False)
    query = generalised_tile_query if source.generalised else tile_query
    sql, params = query(source, z, x, y)
    with public_reads().cursor() as cursor:
        cursor.execute(sql, params)
        select_last_result(cursor)  # the SELECT after SET LOCAL
        row = cursor.fetchone()
    return (bytes(row[0]) if row and row[0] is not None else b""), False


def baked_tile(source: TileSource, z: int, x: int, y: int) -> bytes:
    """A baked overview tile's stored bytes (gzip) by its key, no tile SQL; empty when none
    was stored (no group touches the tile)."""
    with public_reads().cursor() as cursor:
        cursor.execute(
            "SELECT data FROM layers_bakedtile WHERE bake_id = %s AND z = %s AND x = %s AND y = %s",
            [source.bake_id, z, x, y],
        )
        row = cursor.fetchone()
    return bytes(row[0]) if row else b""
