"""The map of a revision diff: its settings for static/js/diff-map.js and the added, removed
and changed features as GeoJSON. Used by the planners' revision page (history_views.py) and by
the public page of a layer's changes between two published plan versions (front), which
offers it only for layers whose coordinates are public."""

import json

from django.db import connection
from django.utils.translation import gettext as _

from layers.models import Feature, Layer, LayerRevision
from layers.revisions.status import cached_diff, extent_bbox

MAP_LIMIT_PER_KIND = 2000  # added / removed / changed features drawn on the map
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
COLOURS = {ADDED: "#16a34a", REMOVED: "#dc2626", CHANGED: "#f97316"}

GEOMETRY_SQL = """
SELECT id, ST_AsGeoJSON(geom, 7), properties ->> %s
FROM {table} WHERE revision_id = %s AND id = ANY(%s) ORDER BY id
"""


def diff_map_config(
    layer: Layer, revision: LayerRevision, against: LayerRevision | None, features_url: str
) -> dict:
    bounds = [b for b in (extent_bbox(revision), against and extent_bbox(against)) if b]
    return {
        "features": features_url,
        "extent": union_of(bounds),
        "outline": json.loads(layer.plan.extent.geojson) if layer.plan.extent else None,
        "colours": COLOURS,
        "strings": {
            "map_label": _("The differences on the map"),
            "failed": _("The differences could not be loaded on the map."),
            "none": _("Nothing to draw: no feature was added, removed or changed."),
            "truncated": _("The map shows the first %(limit)s features of each kind.")
            % {"limit": MAP_LIMIT_PER_KIND},
            ADDED: _("added"),
            REMOVED: _("removed"),
            CHANGED: _("changed"),
            "feature": _("Feature"),
        },
    }


def union_of(boxes: list[list[float]]) -> list[float] | None:
    if not boxes:
        return None
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def diff_feature_collection(
    layer: Layer, revision: LayerRevision, against: LayerRevision | None
) -> dict:
    """The added (green), removed (red) and changed (orange, new shape) features as a GeoJSON
    FeatureCollection, up to MAP_LIMIT_PER_KIND of each kind, with the counts."""
    diff = cached_diff(layer, revision, against, detail_limit=0, with_ids=True)
    kinds = (
        (ADDED, revision, diff.added_ids or []),
        (REMOVED, against, diff.removed_ids or []),
        (CHANGED, revision, diff.changed_ids or []),
    )
    features, truncated = [], False
    table = connection.ops.quote_name(Feature._meta.db_table)
    with connection.cursor() as cursor:
        for kind, source, ids in kinds:
            if source is None or not ids:
                continue
            truncated |= len(ids) > MAP_LIMIT_PER_KIND
            cursor.execute(
                GEOMETRY_SQL.format(table=table),
                [layer.key_field or "", source.pk, list(ids[:MAP_LIMIT_PER_KIND])],
            )
            for feature_id, geometry, key in cursor.fetchall():
                features.append(
                    {
                        "type": "Feature",
                        "id": f"{kind}-{feature_id}",
                        "geometry": json.loads(geometry),
                        "properties": {"change": kind, "feature": feature_id, "key": key},
                    }
                )
    return {
        "type": "FeatureCollection",
        "features": features,
        "truncated": truncated,
        "counts": {ADDED: diff.added, REMOVED: diff.removed, CHANGED: diff.changed},
    }
