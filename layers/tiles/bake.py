"""Tiles made ready once per published revision, so that serving them needs little or no SQL.

    bake_revision(revision_id)   # the publish job (queue_bake) and manage.py bake_tiles

For the published revision of a layer that is not generalised, in one transaction:

- its **tile rows** (TileRow, layers with at least ROWS_MIN_FEATURES features): the geometry
  and the tile attributes as one compact jsonb built once, in space order, under a GiST index
  that leads with the bake. Measured (bench/README.md): building the attributes from jsonb per
  row cost a fifth of a z14 tile, and on the shared feature table the plan of one layer's tiles
  changed when another large layer came in.
- the **detail zoom**, chosen from the data's density: the lowest zoom whose densest tiles
  (by parcels, DENSEST_TILES_CHECKED of them, rendered) stay under DETAIL_BYTES_BUDGET. From
  there on, tiles are the parcels themselves.
- the **min zoom**, chosen from the data's extent: the lowest zoom at which the data spans at
  least MIN_EXTENT_SHARE of a tile (32 px); below it the layer is a speck and has no tiles
  (TileJSON says so). Only for layers that need overviews; others keep their own setting.
- the **overview tiles** from the min zoom to the detail zoom (layers/tiles/overview.py):
  groups that cover every parcel, with counts, baked into BakedTile rows and served by key;
  stored gzipped (compressed once here, sent as stored to browsers).

Everything is keyed by the revision and the tile settings it was made with (``bake_key``); a
layer whose settings changed since is served by plain SQL until it is baked again (next publish
or ``manage.py bake_tiles``). Bakes nobody serves any more go a while later (prune_bakes, by the
hourly upkeep job and ``bake_tiles --prune``). Running it again for the same revision and
settings does nothing;
two runs at once wait for each other (an advisory lock per revision). The tile version (ETag,
``?v=``) names the bake, so a tile cached before it was made is not taken for a baked one.
"""

import contextlib
import gzip
import logging
import math
import time
from dataclasses import replace
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.exceptions import AlreadyEnqueued

from layers.models import BakedTile, Layer, LayerRevision, PublicPolicy, TileBake, TileRow
from layers.tiles.lookup import forget_tile_sources, plain_tile_source
from layers.tiles.overview import POINTS_SQL, build_overview, tile_width
from layers.tiles.sql import (
    WEB_MERCATOR_WIDTH_M,
    TileSource,
    bake_key,
    tile_query,
)
from planportal.db import select_last_result

logger = logging.getLogger(__name__)

BAKE_TASK = "layers.bake_tiles"
BAKE_QUEUE = "downloads"  # with the GeoPackage builds: work after a publish, not an upload
TILE_BYTES_BUDGET = 500_000  # no tile larger, at any zoom
# The densest parcel tile, with room for those not rendered. Bytes stand for time here: a
# county's z14 tile of 4,200 parcels was 271 KB and took 160 ms to render alone, so with eight
# clients on two cores its p95 went far past 300 ms; its z15 tile (69 KB) took 24 ms
# (bench/province.py). At 400 KB that z14 was parcels; at 200 KB it is an overview.
DETAIL_BYTES_BUDGET = 200_000
# From PARCEL_ZOOM on, where a planner or a villager taps one parcel (2.4 m a pixel at z16),
# parcels are shown up to the earlier budget: 200,000 synthetic parcels at ten times a real
# density have z16 tiles over 200 KB and under 400 KB, and stay parcels there.
PARCEL_ZOOM = 16
PARCEL_ZOOM_BYTES_BUDGET = 400_000
DENSEST_TILES_CHECKED = 3
DETAIL_ZOOM_CAP = 18  # TileJSON's deepest zoom; past it maps over-zoom
MIN_EXTENT_SHARE = 1 / 8  # of a tile's side: 32 px of 256
ROWS_MIN_FEATURES = 5_000  # smaller revisions are quick enough on the shared table
PRUNE_GRACE = timedelta(minutes=10)


def queue_bake(revision_id: int) -> None:
    """Queues the bake of a just-published revision (on commit of a publish,
    layers/revisions/publishing.py); one waits per revision at a time."""
    deferrer = app.configure_task(
        BAKE_TASK, queue=BAKE_QUEUE, queueing_lock=f"{BAKE_TASK}:{revision_id}"
    )
    with contextlib.suppress(AlreadyEnqueued):
        deferrer.defer(revision_id=revision_id)


def bake_revision(revision_id: int) -> TileBake | None:
    """Bakes the revision if it is a layer's published one and not generalised (restricted
    layers keep their own cell tiles, layers/tiles/sql.py); the bake, or None."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [BAKE_TASK, revision_id]
            )
        layer = Layer.objects.filter(published_revision_id=revision_id).first()
        if layer is None or layer.public_policy == PublicPolicy.GENERALISED:
            return None
        source = plain_tile_source(layer)
        key = bake_key(source)
        existing = TileBake.objects.filter(revision_id=revision_id, settings_key=key).first()
        if existing is not None:
            return existing
        revision = LayerRevision.objects.get(pk=revision_id)
        bake = _bake(revision, source, key)
        transaction.on_commit(forget_tile_sources)
    logger.info("baked %s: z%s-%s overview, rows %s", revision, bake.min_zoom,
                bake.detail_zoom, bake.has_rows)  # fmt: skip
    return bake


def _bake(revision: LayerRevision, source: TileSource, key: str) -> TileBake:
    bake = TileBake.objects.create(
        revision=revision, settings_key=key, min_zoom=0, detail_zoom=0,
        parcels=revision.feature_count,
    )  # fmt: skip
    steps = _Steps()
    if revision.feature_count >= ROWS_MIN_FEATURES:
        _write_rows(bake, source)
        bake.has_rows = True
        bake.save(update_fields=["has_rows"])
        source = replace(source, bake_id=bake.pk, rows=True)
        steps.done("rows")
    with connection.cursor() as cursor:
        cursor.execute(POINTS_SQL, {"revision": revision.pk})
        extent_zoom = _extent_zoom(cursor)
        steps.done("points")
        if extent_zoom is None:  # no feature
            return bake
        detail_zoom = _detail_zoom(cursor, source, extent_zoom)
        steps.done("detail zoom")
        if detail_zoom > max(extent_zoom, source.min_zoom):
            cells = build_overview(cursor, bake.pk, source, extent_zoom, detail_zoom)
            bake.min_zoom, bake.detail_zoom = extent_zoom, detail_zoom
            bake.save(update_fields=["min_zoom", "detail_zoom"])
            _check_sizes(cursor, bake)
            steps.done(f"overview (cells a tile side by zoom {cells})")
            _compress(cursor, bake)
            steps.done("gzip")
    logger.info("bake of %s: %s", revision, steps)
    return bake


class _Steps:
    """Seconds per step of a bake, for the log (a million parcels take minutes)."""

    def __init__(self):
        self.last = time.perf_counter()
        self.seconds: list[tuple[str, float]] = []

    def done(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds.append((step, now - self.last))
        self.last = now

    def __str__(self) -> str:
        return ", ".join(f"{step} {seconds:.1f} s" for step, seconds in self.seconds)


def _write_rows(bake: TileBake, source: TileSource) -> None:
    """The revision's TileRow rows, in space order (a tile's rows share pages): the tile
    attributes built once here, as _tile_sql builds them per tile."""
    names = source.attribute_names
    pairs = ", ".join(f"%(k{i})s, f.properties -> %(k{i})s" for i in range(len(names)))
    attributes = f"jsonb_strip_nulls(jsonb_build_object({pairs}))" if names else "NULL"
    params = {f"k{index}": name for index, name in enumerate(names)}
    params.update(bake=bake.pk, revision=bake.revision_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO layers_tilerow (bake_id, fid, geom, name, category, attributes)
            SELECT %(bake)s, f.id, f.geom_3857, NULLIF(f.name, ''), NULLIF(f.category, ''),
                   {attributes}
            FROM layers_feature f WHERE f.revision_id = %(revision)s
            ORDER BY ST_GeoHash(ST_PointOnSurface(f.geom), 12)
            """,  # noqa: S608 (placeholders only)
            params,
        )
        # Fresh statistics: the planner has just seen the table grow by a whole layer.
        cursor.execute("ANALYZE layers_tilerow")


def _extent_zoom(cursor) -> int | None:
    """The lowest zoom at which the data's extent spans MIN_EXTENT_SHARE of a tile."""
    cursor.execute(
        "SELECT max(ST_XMax(geom)) - min(ST_XMin(geom)), max(ST_YMax(geom)) - min(ST_YMin(geom))"
        " FROM bake_points"
    )
    width, height = cursor.fetchone()
    if width is None:
        return None
    side = max(width, height, 1.0)
    zoom = math.ceil(math.log2(WEB_MERCATOR_WIDTH_M * MIN_EXTENT_SHARE / side))
    return max(0, min(zoom, DETAIL_ZOOM_CAP))


def _detail_zoom(cursor, source: TileSource, lowest: int) -> int:
    """The lowest zoom from ``lowest`` whose densest tiles fit DETAIL_BYTES_BUDGET, but no
    deeper than PARCEL_ZOOM where those fit PARCEL_ZOOM_BYTES_BUDGET. Searched from the
    deepest down (deep tiles are the quick ones to render), as far as the larger budget
    holds."""
    sizes = {}
    for z in range(DETAIL_ZOOM_CAP, lowest - 1, -1):
        sizes[z] = max(_densest_tile_bytes(cursor, source, z))
        if sizes[z] > max(DETAIL_BYTES_BUDGET, PARCEL_ZOOM_BYTES_BUDGET):
            break

    def lowest_fitting(budget: int) -> int:
        fitting = DETAIL_ZOOM_CAP
        for z in range(DETAIL_ZOOM_CAP, lowest - 1, -1):
            if sizes.get(z, budget + 1) > budget:
                break
            fitting = z
        return fitting

    tapped = max(PARCEL_ZOOM, lowest_fitting(PARCEL_ZOOM_BYTES_BUDGET))
    return min(lowest_fitting(DETAIL_BYTES_BUDGET), tapped)


def _densest_tile_bytes(cursor, source: TileSource, z: int) -> list[int]:
    half, width = WEB_MERCATOR_WIDTH_M / 2, tile_width(z)
    cursor.execute(
        "SELECT floor((px + %(half)s) / %(width)s)::int, floor((%(half)s - py) / %(width)s)::int"
        " FROM bake_points GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT %(limit)s",
        {"half": half, "width": width, "limit": DENSEST_TILES_CHECKED},
    )
    sizes = [0]
    for x, y in cursor.fetchall():
        sql, params = tile_query(source, z, x, y)
        cursor.execute(sql, params)
        select_last_result(cursor)
        row = cursor.fetchone()
        sizes.append(len(row[0]) if row and row[0] is not None else 0)
    return sizes


def _check_sizes(cursor, bake: TileBake) -> None:
    cursor.execute(
        "SELECT z, x, y, length(data) FROM layers_bakedtile WHERE bake_id = %s"
        " AND length(data) > %s",
        [bake.pk, TILE_BYTES_BUDGET],
    )
    for z, x, y, size in cursor.fetchall():
        logger.warning("baked tile %s/%s/%s of %s has %s bytes", z, x, y, bake, size)


def _compress(cursor, bake: TileBake) -> None:
    """Stores the bake's tiles gzipped, zoom by zoom: compressed once here, sent as they are
    to every browser (layers/tiles/sql.py encoded_tile). Overview tiles are runs of similar
    hulls and shrink to about half; a phone opening a county's map gets a dozen of them."""
    cursor.execute("SELECT DISTINCT z FROM layers_bakedtile WHERE bake_id = %s", [bake.pk])
    for (z,) in cursor.fetchall():
        cursor.execute(
            "SELECT id, data FROM layers_bakedtile WHERE bake_id = %s AND z = %s", [bake.pk, z]
        )
        compressed = [(gzip.compress(bytes(data), mtime=0), pk) for pk, data in cursor.fetchall()]
        cursor.executemany("UPDATE layers_bakedtile SET data = %s WHERE id = %s", compressed)


def prune_bakes(grace: timedelta = PRUNE_GRACE) -> int:
    """Deletes the bakes no layer serves any more (of a revision no longer published, or made
    with settings the layer no longer has), once the bake that replaced them, if any, is
    ``grace`` old: every process has read the new layer by then (layers/tiles/lookup.py keeps
    it for seconds), so none still serves the old bake's rows. Returns how many went."""
    cutoff = timezone.now() - grace
    layers = Layer.objects.filter(published_revision__isnull=False)
    current = {}
    for layer in layers.exclude(public_policy=PublicPolicy.GENERALISED):
        key = bake_key(plain_tile_source(layer))
        bake = TileBake.objects.filter(revision_id=layer.published_revision_id, settings_key=key)
        current[layer.pk] = bake.values_list("pk", "built_at").first()
    stale = []
    for bake in TileBake.objects.filter(built_at__lt=cutoff).select_related("revision"):
        serving = current.get(bake.revision.layer_id)
        if serving is not None and serving[0] == bake.pk:
            continue
        if serving is None or serving[1] < cutoff:
            stale.append(bake.pk)
    # Children first, by key: a cascade from the bakes would read every row to delete it.
    BakedTile.objects.filter(bake_id__in=stale).delete()
    TileRow.objects.filter(bake_id__in=stale).delete()
    TileBake.objects.filter(pk__in=stale).delete()
    return len(stale)
