"""Overview tiles of a dense layer: below its detail zoom, parcels are merged into groups that
cover every one of them and say how many they hold, and the tiles of those groups are baked
into BakedTile rows once per published revision (layers/tiles/bake.py).

A group is the parcels whose point on surface falls in one cell of a world grid of
OVERVIEW_CELLS cells per tile side at that zoom (about 4 px on screen); its shape is the convex
hull of those parcels, so it covers each of them whole, and its ``count`` attribute says how
many it holds. Where the densest tile of a zoom would exceed OVERVIEW_BYTES_BUDGET (a layer
that fills whole tiles with groups: a county of parcels), that zoom's grid is halved until it
fits, down to MIN_OVERVIEW_CELLS: coarser groups, the same completeness. Cells nest from zoom
to zoom (a zoom's grid is never finer than the one below it), so a coarser level is built from
the finer one's hulls (the hull of hulls is the hull of all), not from the parcels again.
Every parcel is in exactly one group per zoom: the counts of a zoom's distinct feature ids
add up to the number of parcels (a group that crosses a tile edge is drawn in each tile it
touches, under the same MVT feature id). No parcel is dropped or capped, and nothing below a
grid unit vanishes: a hull that ST_AsMVTGeom would drop as too small is drawn as its point
on surface instead.
"""

from layers.tiles.sql import TILE_EXTENT, WEB_MERCATOR_WIDTH_M

OVERVIEW_CELLS = 64  # cells per tile side at each overview zoom (2**6), at most
MIN_OVERVIEW_CELLS = 8  # the coarsest grid a zoom may fall back to (32 px cells)
# What an overview tile may weigh. A phone at 1.6 Mbps (200 KB/s) opening a plan's map at z12
# sees about a dozen tiles: at 64 groups a side a county's parcels filled each with 4,096
# hulls, 300-400 KB (bench/province.py); this keeps a full view near a megabyte before gzip.
OVERVIEW_BYTES_BUDGET = 96_000
OVERVIEW_BUFFER = 64  # grid units drawn past the tile edge, as for the plain tiles
COUNT_FIELD = "count"  # parcels in the group, the overview feature's one attribute

# The points each parcel is grouped by, in temporary tables of the bake's transaction (dropped
# first: two bakes in one transaction, as in the tests, would meet the first one's).
POINTS_SQL = """
    DROP TABLE IF EXISTS bake_points, bake_groups;
    CREATE TEMP TABLE bake_points ON COMMIT DROP AS
    SELECT f.geom_3857 AS geom, ST_X(p.geom) AS px, ST_Y(p.geom) AS py
    FROM layers_feature f, LATERAL ST_PointOnSurface(f.geom_3857) AS p(geom)
    WHERE f.revision_id = %(revision)s;
    CREATE TEMP TABLE bake_groups (z int, i bigint, j bigint, n int, geom geometry)
        ON COMMIT DROP;
"""

# The finest overview level straight from the parcels: i and j count cells from the world's
# west and north edges, as tile x and y do.
_FINEST_SQL = """
    INSERT INTO bake_groups
    SELECT %(z)s,
           floor((px + %(half)s) / %(cell)s)::bigint, floor((%(half)s - py) / %(cell)s)::bigint,
           count(*), ST_ConvexHull(ST_Collect(geom))
    FROM bake_points GROUP BY 2, 3
"""

# %(merge)s finer cells a side make one of this zoom's: 2 with the same cells per tile side,
# 4, 8 ... where this zoom's grid is coarser.
_COARSER_SQL = """
    INSERT INTO bake_groups
    SELECT %(z)s, i / %(merge)s, j / %(merge)s, sum(n), ST_ConvexHull(ST_Collect(geom))
    FROM bake_groups WHERE z = %(finer)s GROUP BY i / %(merge)s, j / %(merge)s
"""

# The tile holding the most groups of a zoom: the one whose bytes decide its grid.
_DENSEST_TILE_SQL = """
    SELECT i / %(cells)s, j / %(cells)s FROM bake_groups WHERE z = %(z)s
    GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1
"""

# Every tile a group touches (with the buffer margin) gets the group. Feature id: the cell's
# number in the zoom's world grid. The data mark (SJZT) goes on every feature as on the plain
# tiles. A hull that collapses on the tile grid (ST_AsMVTGeom gives NULL) is drawn as its point
# on surface, which lies in the hull and so in a tile the hull touches.
_TILES_SELECT = f"""
    SELECT tile.x, tile.y, ST_AsMVT(feature, %(layer)s, {TILE_EXTENT}, 'geom', 'fid') AS data
    FROM (
        SELECT t.x, t.y, g.i * %(side)s + g.j AS fid, g.n AS n,
               COALESCE(
                   ST_AsMVTGeom(
                       g.geom, ST_TileEnvelope(%(z)s, t.x, t.y), {TILE_EXTENT},
                       {OVERVIEW_BUFFER}, true
                   ),
                   ST_AsMVTGeom(
                       ST_PointOnSurface(g.geom), ST_TileEnvelope(%(z)s, t.x, t.y),
                       {TILE_EXTENT}, {OVERVIEW_BUFFER}, true
                   )
               ) AS geom
        FROM bake_groups g,
             LATERAL generate_series(
                 floor((ST_XMin(g.geom) - %(margin)s + %(half)s) / %(tile)s)::int,
                 floor((ST_XMax(g.geom) + %(margin)s + %(half)s) / %(tile)s)::int) AS t_x(x),
             LATERAL generate_series(
                 floor((%(half)s - ST_YMax(g.geom) - %(margin)s) / %(tile)s)::int,
                 floor((%(half)s - ST_YMin(g.geom) + %(margin)s) / %(tile)s)::int) AS t_y(y),
             LATERAL (SELECT t_x.x, t_y.y) AS t
        WHERE g.z = %(z)s AND t.x BETWEEN 0 AND %(last)s AND t.y BETWEEN 0 AND %(last)s
          {{only}}
    ) AS tile,
    LATERAL (
        SELECT tile.fid, tile.n AS "{COUNT_FIELD}", NULLIF(%(mark)s::text, '') AS "SJZT",
               tile.geom
    ) AS feature
    WHERE tile.geom IS NOT NULL
    GROUP BY tile.x, tile.y
"""  # noqa: S608 (module constants only)
_TILES_SQL = (
    "INSERT INTO layers_bakedtile (bake_id, z, x, y, data) SELECT %(bake)s, %(z)s, x, y, data"  # noqa: S608
    f" FROM ({_TILES_SELECT.format(only='')}) AS baked"
)
# One tile's bytes, to try a grid before baking a zoom with it.
_ONE_TILE = "AND t.x = %(x)s AND t.y = %(y)s"
_ONE_TILE_SQL = f"SELECT length(data) FROM ({_TILES_SELECT.format(only=_ONE_TILE)}) AS one"  # noqa: S608


def tile_width(z: int) -> float:
    return WEB_MERCATOR_WIDTH_M / 2**z


def build_overview(cursor, bake_id: int, source, min_zoom: int, detail_zoom: int) -> dict[int, int]:
    """Bakes the overview tiles of zooms min_zoom .. detail_zoom - 1 of ``source`` (a
    TileSource) into BakedTile rows of ``bake_id``; POINTS_SQL has run in this transaction.
    Returns the cells per tile side each zoom got."""
    half = WEB_MERCATOR_WIDTH_M / 2
    chosen: dict[int, int] = {}
    cells = OVERVIEW_CELLS
    for z in range(detail_zoom - 1, min_zoom - 1, -1):
        params = {
            "z": z,
            "half": half,
            "bake": bake_id,
            "layer": source.collection_id,
            "mark": source.data_mark,
            "tile": tile_width(z),
            "margin": tile_width(z) * OVERVIEW_BUFFER / TILE_EXTENT,
            "last": 2**z - 1,
        }
        while True:
            _group(cursor, z, cells, chosen.get(z + 1), params)
            if (
                cells <= MIN_OVERVIEW_CELLS
                or _densest_bytes(cursor, params) <= OVERVIEW_BYTES_BUDGET
            ):
                break
            cursor.execute("DELETE FROM bake_groups WHERE z = %s", [z])
            cells //= 2
        chosen[z] = cells
        cursor.execute(_TILES_SQL, params)
    return chosen


def _group(cursor, z: int, cells: int, finer_cells: int | None, params: dict) -> None:
    """This zoom's groups at ``cells`` a tile side: from the parcels' points at the finest
    overview zoom, else from the next finer zoom's groups (``finer_cells`` a side there)."""
    params.update(cells=cells, cell=tile_width(z) / cells, side=2**z * cells)
    if finer_cells is None:
        cursor.execute(_FINEST_SQL, params)
    else:
        params.update(finer=z + 1, merge=2 * finer_cells // cells)
        cursor.execute(_COARSER_SQL, params)


def _densest_bytes(cursor, params: dict) -> int:
    cursor.execute(_DENSEST_TILE_SQL, params)
    row = cursor.fetchone()
    if row is None:
        return 0
    cursor.execute(_ONE_TILE_SQL, {**params, "x": row[0], "y": row[1]})
    size = cursor.fetchone()
    return size[0] if size and size[0] else 0
