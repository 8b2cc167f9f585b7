"""What a revision's features are like, worked out once per revision and kept on it.

The OGC API needs, for every request, whether the revision mixes single and multi-part
geometries (then it serves all of them multi-part) and which attributes exist with which
types (queryables, `filter`, `properties`, `sortby`). Asking the features each time cost a
scan of the whole revision per items request (19-46 ms at 50,000 parcels, 153 ms at 200,000:
perf audit 2026-12 §5); the features of a revision never change, so the answer is stored on
the revision when it is written, and worked out on first use for a revision written
otherwise (``ensure_summary``).
"""

import json
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import connections, router

from layers.models import DATA_MARK_FIELD, LayerRevision

# One pass over the revision's features, both answers written onto the revision row. The
# types are jsonb_typeof's names: string, number, boolean, null, object, array.
SUMMARY_SQL = """
    UPDATE layers_layerrevision r
    SET geometry_types = s.geometry_types, property_types = s.property_types
    FROM (
        SELECT
            (SELECT coalesce(jsonb_agg(DISTINCT GeometryType(f.geom)), '[]'::jsonb)
             FROM layers_feature f WHERE f.revision_id = %(revision)s) AS geometry_types,
            (SELECT coalesce(jsonb_object_agg(k.key, k.types), '{}'::jsonb)
             FROM (SELECT p.key, jsonb_agg(DISTINCT jsonb_typeof(p.value)) AS types
                   FROM layers_feature f, jsonb_each(f.properties) p
                   WHERE f.revision_id = %(revision)s
                   GROUP BY p.key) k) AS property_types
    ) s
    WHERE r.id = %(revision)s
    RETURNING r.geometry_types, r.property_types
"""


@dataclass(frozen=True)
class RevisionSummary:
    geometry_types: tuple[str, ...]
    property_types: dict[str, list[str]]

    @property
    def mixes_single_and_multi(self) -> bool:
        """Both single and multi-part geometries: GDAL would report such a layer as "Unknown
        (any)" and QGIS would split it, so the OGC API serves all of them multi-part."""
        multi = [kind.startswith("MULTI") for kind in self.geometry_types]
        return any(multi) and not all(multi)

    @property
    def carries_mark_key(self) -> bool:
        """Some feature has a property named as the data mark (SJZT) itself, which the mark
        then replaces (layers/ogc/features.py)."""
        return DATA_MARK_FIELD in self.property_types


# What PostGIS's GeometryType() calls each shapely type id (Z or not: "POLYGON" either way).
POSTGIS_TYPE_OF_TYPE_ID = {
    0: "POINT",
    1: "LINESTRING",
    2: "LINESTRING",  # a LinearRing is written as a LineString
    3: "POLYGON",
    4: "MULTIPOINT",
    5: "MULTILINESTRING",
    6: "MULTIPOLYGON",
    7: "GEOMETRYCOLLECTION",
}
# jsonb_typeof of a JSON text in UTF-8, told by its first byte.
JSON_TYPE_OF_FIRST = {b"n": "null", b'"': "string", b"t": "boolean", b"f": "boolean"}
JSON_TYPE_OF_FIRST |= {b"{": "object", b"[": "array"}
# Python values whose JSON type their kind tells (layers/ingest/write.py _json_texts).
JSON_TYPE_OF_KIND = {str: "string", type(None): "null", bool: "boolean", int: "number"}


@dataclass
class SummaryTally:
    """The summary worked out while the features are written (layers/ingest/write.py sees
    every geometry and every property's JSON text), so that a streamed revision needs no
    pass over its features afterwards: the same answer as SUMMARY_SQL."""

    geometry_types: set[str] = field(default_factory=set)
    property_types: dict[str, set[str]] = field(default_factory=dict)

    def add_geometries(self, geometries: np.ndarray) -> None:
        type_ids = np.unique(shapely.get_type_id(geometries))
        self.geometry_types |= {POSTGIS_TYPE_OF_TYPE_ID[int(t)] for t in type_ids if t >= 0}

    def add_property(self, name: str, values: list, json_texts: list[bytes]) -> None:
        """A column's values and their JSON texts in UTF-8, as written (floats: NaN is
        null)."""
        kinds = set(map(type, values))
        types = self.property_types.setdefault(name, set())
        types |= {JSON_TYPE_OF_KIND[kind] for kind in kinds if kind in JSON_TYPE_OF_KIND}
        if not kinds <= JSON_TYPE_OF_KIND.keys():  # floats, dates ...: as their text says
            types |= {JSON_TYPE_OF_FIRST.get(text[:1], "number") for text in set(json_texts)}

    def summary(self) -> RevisionSummary:
        return RevisionSummary(
            tuple(sorted(self.geometry_types)),
            {name: sorted(types) for name, types in self.property_types.items() if types},
        )


def summarise(revision_id: int) -> RevisionSummary:
    """Works the summary out from the features and stores it on the revision (on the
    database that writes LayerRevision)."""
    with connections[router.db_for_write(LayerRevision)].cursor() as cursor:
        cursor.execute(SUMMARY_SQL, {"revision": revision_id})
        row = cursor.fetchone()
    if row is None:
        raise LayerRevision.DoesNotExist(revision_id)
    # Django has the drivers hand jsonb over as text, for JSONField to decode.
    geometry_types, property_types = (
        json.loads(value) if isinstance(value, str) else value for value in row
    )
    return RevisionSummary(tuple(sorted(geometry_types)), property_types)


def ensure_summary(revision: LayerRevision) -> RevisionSummary:
    """The stored summary, worked out now (once) for a revision written before it was kept."""
    if revision.geometry_types is None or revision.property_types is None:
        summary = summarise(revision.pk)
        revision.geometry_types = list(summary.geometry_types)
        revision.property_types = summary.property_types
        return summary
    return RevisionSummary(tuple(sorted(revision.geometry_types)), revision.property_types)
