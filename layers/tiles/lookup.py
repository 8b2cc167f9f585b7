"""The public layer behind a collection id, kept in-process for a couple of seconds, so that a
tile revalidation (304) costs no database round trip. Saving or deleting a layer or a plan in
this process clears it at once and again when the transaction commits (the receivers are
connected in LayersConfig.ready()); other processes see a publish within
LAYER_LOOKUP_SECONDS, and at once for a request that names another version (?v=): TileJSON
reads the layer itself, so a map that has the new TileJSON never gets the old tiles."""

import time
from dataclasses import replace

from django.db import transaction

from layers.models import Layer, PublicPolicy, TileBake, data_mark_of
from layers.tiles.sql import TileSource, bake_key, tile_attribute_names

# A publish in another process is seen within this many seconds (in this process at once).
# Another node reads the publish from its replica, some milliseconds later than the primary
# has it: 1.5 s plus that lag stays within the 2 s the multi-node drill checks
# (drills/multinode.py).
LAYER_LOOKUP_SECONDS = 1.5

_lookups: dict[str, tuple[float, TileSource]] = {}


def tile_source(collection_id: str, version: str | None = None) -> TileSource | None:
    """The public layer behind a collection id, or None. Kept for LAYER_LOOKUP_SECONDS so a
    304 costs no database round trip; saves of layers and plans in this process clear it. A
    request for another ``version`` than the kept one reads the layer again: the version may
    be newer than what this process has seen."""
    now = time.monotonic()
    cached = _lookups.get(collection_id)
    if cached is not None and cached[0] > now and version in (None, cached[1].version):
        return cached[1]
    fields = (
        "published_revision_id",
        "min_zoom",
        "geometry_type",
        "attribute_schema",
        "is_demo",
        "data_status",
        "public_policy",
    )
    try:
        # get() drops the model's ordering, which would join and sort for a unique key.
        row = Layer.objects.public().values_list(*fields).get(collection_id=collection_id)
    except Layer.DoesNotExist:
        _lookups.pop(collection_id, None)
        return None
    source = _with_bake(_source(collection_id, *row))
    _lookups[collection_id] = (now + LAYER_LOOKUP_SECONDS, source)
    return source


def _with_bake(source: TileSource) -> TileSource:
    """The source with what layers/tiles/bake.py built for its revision, when that was built
    with the tile settings the layer has now (else the bake is ignored: plain SQL serves)."""
    if source.generalised:
        return source
    fields = ("pk", "settings_key", "min_zoom", "detail_zoom", "has_rows")
    bakes = TileBake.objects.filter(revision_id=source.revision_id, settings_key=bake_key(source))
    row = bakes.values_list(*fields).first()
    if row is None:
        return source
    bake_id, _key, min_zoom, detail_zoom, has_rows = row
    return replace(
        source,
        bake_id=bake_id,
        bake_min_zoom=min_zoom,
        detail_zoom=detail_zoom,
        rows=has_rows,
    )


def _source(
    collection_id, revision_id, min_zoom, geometry_type, schema, is_demo, data_status, policy
) -> TileSource:
    generalised = policy == PublicPolicy.GENERALISED
    return TileSource(
        collection_id,
        revision_id,
        min_zoom,
        geometry_type,
        () if generalised else tile_attribute_names(schema),
        data_mark_of(is_demo, data_status),
        generalised,
    )


def kept_tile_source(collection_id: str, version: str | None = None) -> TileSource | None:
    """tile_source()'s kept lookup while it is fresh and of ``version`` (when given), else
    None: what can be answered without the database (a layer that is not public is never
    kept)."""
    cached = _lookups.get(collection_id)
    if cached is None or cached[0] <= time.monotonic():
        return None
    return cached[1] if version in (None, cached[1].version) else None


def plain_tile_source(layer: Layer) -> TileSource:
    """The tile source of a layer as its row says, without any bake."""
    return _source(
        layer.collection_id,
        layer.published_revision_id,
        layer.min_zoom,
        layer.geometry_type,
        layer.attribute_schema,
        layer.is_demo,
        layer.data_status,
        layer.public_policy,
    )


def fresh_tile_source(layer: Layer) -> TileSource:
    """The tile source of a public layer just read from the database, kept as the lookup:
    TileJSON announces the version the database holds, never an older kept one."""
    source = _with_bake(plain_tile_source(layer))
    _lookups[layer.collection_id] = (time.monotonic() + LAYER_LOOKUP_SECONDS, source)
    return source


def forget_tile_sources() -> None:
    _lookups.clear()


def forget_after_a_save(using=None, **_kwargs) -> None:
    """The receiver of saves and deletes of layers and plans: clears the lookup now, and again
    when the transaction commits, as a request served in between (another thread of this
    process) could otherwise keep the old pointer. Outside a transaction on_commit runs at
    once."""
    _lookups.clear()
    transaction.on_commit(_lookups.clear, using=using)
