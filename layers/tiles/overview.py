"""Overview tiles of a dense layer: below its detail zoom, parcels are merged into groups that
cover every one of them and say how many they hold, and the tiles of those groups are baked
into BakedTile rows once per published revision (layers/tiles/bake.py).

A group is the parcels whose point on surface falls in one cell of a world grid of
OVERVIEW_CELLS cells per tile side at that zoom (about 4 px on screen); its shape is the convex
hull of those parcels, so it covers each of them whole, and its ``count`` attribute says how
many it holds. Cells nest from zoom to zoom, so a coarser level is built from the finer one's
hulls (the hull of hulls is the hull of all), not from the parcels again. Every parcel is in
exactly one group per zoom: the counts of a zoom's distinct feature ids add up to the number of
parcels (a group that crosses a tile edge is drawn in each tile it touches, under the same
MVT feature id). No parcel is dropped or capped, and nothing below a grid unit vanishes: a
hull that ST_AsMVTGeom would drop as too small is drawn as its point on surface instead.
"""

from layers.tiles.sql import TILE_EXTENT, WEB_MERCATOR_WIDTH_M

OVERVIEW_CELLS = 64  # cells per tile side at each overview zoom (2**6)
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

_COARSER_SQL = """
    INSERT INTO bake_groups
    SELECT %(z)s, i / 2, j / 2, sum(n), ST_ConvexHull(ST_Collect(geom))
    FROM bake_groups WHERE z = %(z)s + 1 GROUP BY i / 2, j / 2
"""

# Every tile a group touches (with the buffer margin) gets the group. Feature id: the cell's
# number in the zoom's world grid. The data mark (SJZT) goes on every feature as on the plain
# tiles. A hull that collapses on the tile grid (ST_AsMVTGeom gives NULL) is drawn as its point
# on surface, which lies in the hull and so in a tile the hull touches.
_TILES_SQL = f"""
    INSERT INTO layers_bakedtile (bake_id, z, x, y, data)
    SELECT %(bake)s, %(z)s, tile.x, tile.y,
           ST_AsMVT(feature, %(layer)s, {TILE_EXTENT}, 'geom', 'fid')
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
    ) AS tile,
    LATERAL (
        SELECT tile.fid, tile.n AS "{COUNT_FIELD}", NULLIF(%(mark)s::text, '') AS "SJZT",
               tile.geom
    ) AS feature
    WHERE tile.geom IS NOT NULL
    GROUP BY tile.x, tile.y
"""  # noqa: S608 (module constants only)


def tile_width(z: int) -> float:
    return WEB_MERCATOR_WIDTH_M / 2**z


def build_overview(cursor, bake_id: int, source, min_zoom: int, detail_zoom: int) -> None:
    """Bakes the overview tiles of zooms min_zoom .. detail_zoom - 1 of ``source`` (a
    TileSource) into BakedTile rows of ``bake_id``; POINTS_SQL has run in this transaction."""
    half = WEB_MERCATOR_WIDTH_M / 2
    for z in range(detail_zoom - 1, min_zoom - 1, -1):
        cell = tile_width(z) / OVERVIEW_CELLS
        params = {"z": z, "half": half, "cell": cell}
        cursor.execute(_FINEST_SQL if z == detail_zoom - 1 else _COARSER_SQL, params)
        params.update(
            bake=bake_id,
            layer=source.collection_id,
            mark=source.data_mark,
            side=2**z * OVERVIEW_CELLS,
            tile=tile_width(z),
            margin=tile_width(z) * OVERVIEW_BUFFER / TILE_EXTENT,
            last=2**z - 1,
        )
        cursor.execute(_TILES_SQL, params)
