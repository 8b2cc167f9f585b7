"""Builders for the revision and publish tests: revisions made by the real ingest pipeline from
small zipped Shapefiles (tests/layers/ingest/samples.py), and the known pair of them."""

from pathlib import Path

import shapely

from layers.ingest import open_source, prepare_layer, write_revision
from layers.models import Layer, LayerRevision
from layers.revisions.publishing import publish_revision
from tests.layers.ingest.samples import parcels, parcels_layer, zipped_shapefile

# The known pair: revision 2 against revision 1 (published) adds 1, removes 1, changes 2
# (B2 attributes, B3 geometry) and keeps 2; five 50 m squares are 1.25 ha, four plus the
# doubled B3 and the added B6 (40 m square) 1.41 ha.
KNOWN_COUNTS = {"added": 1, "removed": 1, "changed": 2, "unchanged": 2}
KNOWN_AREA_BEFORE = 1.25
KNOWN_AREA_AFTER = 1.41


def five_parcels():
    return parcels(5, BSM=[f"B{i}" for i in range(1, 6)], DLBM="0101", DLMC="水田")


def changed_parcels():
    after = five_parcels()
    after.loc[1, "DLBM"] = "0103"  # B2: attributes changed
    after.loc[1, "DLMC"] = "旱地"
    after.loc[2, "geometry"] = shapely.affinity.scale(after.geometry[2], 2, 1)  # B3: bigger
    after = after.drop(index=4)  # B5 removed
    after.loc[5] = ["B6", "0101", "水田", 1600.0, after.geometry[0].buffer(-5)]  # B6 added
    return after


def revision_from(layer: Layer, frame, folder: Path, *, user=None, name="parcels") -> LayerRevision:
    """A ready revision written by the ingest pipeline from ``frame`` as a zipped Shapefile."""
    folder.mkdir(parents=True, exist_ok=True)
    with open_source(zipped_shapefile(frame, folder, name)) as source:
        return write_revision(layer, prepare_layer(layer, source), created_by=user)


def layer_with_two_revisions(plan, collection_id: str, folder: Path, *, user=None, **fields):
    """A layer whose revision 1 (five parcels) is published and revision 2 is the known
    change of it, not published."""
    layer = parcels_layer(plan, collection_id, **fields)
    first = revision_from(layer, five_parcels(), folder / "1", user=user, name="parcels-v1")
    publish_revision(layer, first)
    second = revision_from(layer, changed_parcels(), folder / "2", user=user, name="parcels-v2")
    return layer, first, second
