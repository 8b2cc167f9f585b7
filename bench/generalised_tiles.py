"""Generalised tiles against plain tiles: what the GENERALISED policy costs and what it keeps.

Run after ``make run`` has loaded the demo plan (``make bench`` does): ``.venv/bin/python
bench/generalised_tiles.py``. On the demo farmland ``yangquanqu-yjjbnt`` (generalised, about
3000 parcels) of the local database (``DATABASE_URL``), for every tile over the data at z10 to
z13, it runs in the same run, alternating, the plain statement (``tile_query``: every parcel
with its attributes, as a tiles-only layer is served) and the generalised one
(``generalised_tile_query``) and prints per zoom: the median time per tile and the bytes, and
what the generalised tile keeps (shapes, vertices, attributes) and how close its area comes to
the parcels'. See bench/README.md.
"""

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402

django.setup()

import mapbox_vector_tile  # noqa: E402
from django.db import connection  # noqa: E402

from layers.models import Layer  # noqa: E402
from layers.tiles.lookup import tile_source  # noqa: E402
from layers.tiles.sql import (  # noqa: E402
    GENERALISED_CELLS,
    GENERALISED_MAX_ZOOM,
    TILE_EXTENT,
    WEB_MERCATOR_WIDTH_M,
    generalised_tile_query,
    tile_attribute_names,
    tile_query,
)
from planportal.db import select_last_result  # noqa: E402

FARMLAND_ID = "yangquanqu-yjjbnt"
ZOOMS = (10, 11, 12, GENERALISED_MAX_ZOOM)
REPEATS = 5  # each tile, each statement; the time per tile is the median
GRID_STEP = TILE_EXTENT // GENERALISED_CELLS

# The area the cells cover against the parcels' own, in the whole layer at zoom z.
AREA_SQL = """
    WITH cells AS (
        SELECT DISTINCT cell.i, cell.j
        FROM layers_feature f, LATERAL ST_SquareGrid(%(cell)s, f.geom_3857) AS cell
        WHERE f.revision_id = %(revision)s
          AND ST_Intersects(f.geom_3857, ST_Centroid(cell.geom))
    )
    SELECT (SELECT count(*) * %(cell)s * %(cell)s FROM cells),
           (SELECT sum(ST_Area(geom_3857)) FROM layers_feature WHERE revision_id = %(revision)s)
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tiles_over(layer: Layer, z: int) -> list[tuple[int, int, int]]:
    west, south, east, north = layer.published_revision.extent.extent
    x0, y0 = tile_of(west, north, z)
    x1, y1 = tile_of(east, south, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def run(query, source, tile) -> tuple[bytes, float]:
    sql, params = query(source, *tile)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, params)
        select_last_result(cursor)
        row = cursor.fetchone()
        elapsed = time.perf_counter() - started
    return (bytes(row[0]) if row and row[0] is not None else b""), elapsed * 1000


def kept(body: bytes, collection_id: str) -> tuple[int, int, int, int]:
    """Shapes, vertices, attributes and vertices off the cell grid in one generalised tile."""
    if not body:
        return 0, 0, 0, 0
    features = mapbox_vector_tile.decode(body)[collection_id]["features"]
    vertices = off_grid = attributes = 0
    for feature in features:
        attributes += len(feature["properties"])
        rings = feature["geometry"]["coordinates"]
        polygons = rings if feature["geometry"]["type"] == "MultiPolygon" else [rings]
        for ring in (ring for polygon in polygons for ring in polygon):
            vertices += len(ring)
            off_grid += sum(1 for x, y in ring if x % GRID_STEP or y % GRID_STEP)
    return len(features), vertices, attributes, off_grid


def main() -> None:
    layer = (
        Layer.objects.public()
        .select_related("published_revision")
        .filter(collection_id=FARMLAND_ID)
        .first()
    )
    if layer is None:
        sys.exit(f"{FARMLAND_ID} is not published here: run manage.py load_demo_plan first.")
    source = tile_source(FARMLAND_ID)
    generalised = replace(source, generalised=True, attribute_names=())
    plain = replace(
        source, generalised=False, attribute_names=tile_attribute_names(layer.attribute_schema)
    )
    revision = layer.published_revision
    print(
        f"layer {FARMLAND_ID} r{revision.number}: {revision.feature_count} parcels, policy "
        f"{layer.public_policy}; {GENERALISED_CELLS} cells per tile side, no tile above "
        f"z{GENERALISED_MAX_ZOOM}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    every = [tile for z in ZOOMS for tile in tiles_over(layer, z)]
    for tile in every:  # warm up, unmeasured
        run(tile_query, plain, tile)
        run(generalised_tile_query, generalised, tile)
    print(
        "z  tiles  plain ms/tile  generalised ms/tile  ratio  plain bytes  generalised bytes"
        "  shapes  vertices  attributes  off-grid  area cells/parcels"
    )
    for z in ZOOMS:
        tiles = tiles_over(layer, z)
        times = {"plain": [], "generalised": []}
        sizes = {"plain": 0, "generalised": 0}
        shapes = vertices = attributes = off_grid = 0
        for tile in tiles:
            per_tile = {"plain": [], "generalised": []}
            for _ in range(REPEATS):  # alternating, so load from elsewhere hits both
                body, ms = run(tile_query, plain, tile)
                per_tile["plain"].append(ms)
                plain_bytes = len(body)
                body, ms = run(generalised_tile_query, generalised, tile)
                per_tile["generalised"].append(ms)
            sizes["plain"] += plain_bytes
            sizes["generalised"] += len(body)
            for name in times:
                times[name].append(statistics.median(per_tile[name]))
            counts = kept(body, FARMLAND_ID)
            shapes += counts[0]
            vertices += counts[1]
            attributes += counts[2]
            off_grid += counts[3]
        cell = WEB_MERCATOR_WIDTH_M / 2**z / GENERALISED_CELLS
        with connection.cursor() as cursor:
            cursor.execute(AREA_SQL, {"cell": cell, "revision": revision.pk})
            cells_area, parcels_area = cursor.fetchone()
        plain_ms = statistics.median(times["plain"])
        general_ms = statistics.median(times["generalised"])
        print(
            f"{z:<2} {len(tiles):>5}  {plain_ms:>13.1f}  {general_ms:>19.1f}  "
            f"{general_ms / plain_ms:>5.1f}  {sizes['plain'] / len(tiles):>11.0f}  "
            f"{sizes['generalised'] / len(tiles):>17.0f}  {shapes:>6}  {vertices:>8}  "
            f"{attributes:>10}  {off_grid:>8}  {float(cells_area) / float(parcels_area):>18.2f}"
        )
    print(
        "off-grid: vertices not on a cell corner (0: no parcel vertex survives); attributes: "
        "properties in the generalised tiles (0: no BSM, DLBM, MJ, XZQMC, id)."
    )


if __name__ == "__main__":
    main()
