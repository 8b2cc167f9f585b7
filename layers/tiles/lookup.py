"""The public layer behind a collection id, kept in-process for a couple of seconds, so that a
tile revalidation (304) costs no database round trip. Saving or deleting a layer or a plan in
this process clears it at once and again when the transaction commits (the receivers are
connected in LayersConfig.ready()); other processes see a publish within
LAYER_LOOKUP_SECONDS."""

import time

from django.db import transaction

from layers.models import Layer, PublicPolicy, data_mark_of
from layers.tiles.sql import TileSource, tile_attribute_names

# A publish in another process is seen within this many seconds (in this process at once).
LAYER_LOOKUP_SECONDS = 2.0

_lookups: dict[str, tuple[float, TileSource]] = {}


def tile_source(collection_id: str) -> TileSource | None:
    """The public layer behind a collection id, or None. Kept for LAYER_LOOKUP_SECONDS so a
    304 costs no database round trip; saves of layers and plans in this process clear it."""
    now = time.monotonic()
    cached = _lookups.get(collection_id)
    if cached is not None and cached[0] > now:
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
    revision_id, min_zoom, geometry_type, schema, is_demo, data_status, policy = row
    generalised = policy == PublicPolicy.GENERALISED
    source = TileSource(
        collection_id,
        revision_id,
        min_zoom,
        geometry_type,
        () if generalised else tile_attribute_names(schema),
        data_mark_of(is_demo, data_status),
        generalised,
    )
    _lookups[collection_id] = (now + LAYER_LOOKUP_SECONDS, source)
    return source


def kept_tile_source(collection_id: str) -> TileSource | None:
    """tile_source()'s kept lookup while it is fresh, else None: what can be answered without
    the database (a layer that is not public is never kept)."""
    cached = _lookups.get(collection_id)
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def forget_tile_sources() -> None:
    _lookups.clear()


def forget_after_a_save(using=None, **_kwargs) -> None:
    """The receiver of saves and deletes of layers and plans: clears the lookup now, and again
    when the transaction commits, as a request served in between (another thread of this
    process) could otherwise keep the old pointer. Outside a transaction on_commit runs at
    once."""
    _lookups.clear()
    transaction.on_commit(_lookups.clear, using=using)
